/**
 * Renders every marble diagram in marbles/ into README.md and docs/marbles.md.
 * `npm run docs` writes them; `npm run docs -- --check` fails when a committed file is stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { renderDocs, rootDir } from '../marbles/docs';

const checkOnly = process.argv.includes('--check');
let stale = 0;
for (const { path, current, rendered } of await renderDocs()) {
  if (current === rendered) continue;
  stale++;
  if (checkOnly) {
    console.error(`${relative(rootDir, path)} is stale: run npm run docs`);
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, rendered);
    console.log(`wrote ${relative(rootDir, path)}`);
  }
}
if (checkOnly && stale > 0) process.exit(1);
if (!checkOnly && stale === 0) console.log('docs are current');
