import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs a TypeScript fixture (a path from the repository's root) in its own Node.js process and
 * expects it to exit by itself, cleanly: no error, nothing on stderr, status 0 — well before the
 * 60 s kill. Returns what it printed.
 */
export function expectExitsByItself(fixture: string): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', fixture], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.error).toBeUndefined();
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}
