import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MarbleSuite } from './define';

export const marblesDir = dirname(fileURLToPath(import.meta.url));

/** Every `marbles/*.marbles.ts` file, by file name (without the suffix), in name order. */
export async function loadMarbles(): Promise<Array<{ file: string; path: string; suite: MarbleSuite }>> {
  const files = readdirSync(marblesDir)
    .filter((f) => f.endsWith('.marbles.ts'))
    .sort();
  return Promise.all(
    files.map(async (f) => {
      const path = join(marblesDir, f);
      const mod = (await import(pathToFileURL(path).href)) as { default: MarbleSuite };
      return { file: f.slice(0, -'.marbles.ts'.length), path, suite: mod.default };
    }),
  );
}
