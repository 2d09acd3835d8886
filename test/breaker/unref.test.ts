import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/open-breaker.ts', import.meta.url));

/** Runs the fixture in a child Node.js process; resolves with how it ended (killed after `limit` ms if it hangs). */
function run(
  mode: string,
  limit: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fixture, mode],
      { cwd: root, timeout: limit },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          signal: e?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe('the breaker never keeps a Node.js process alive', () => {
  it('a process whose breaker is open, waiting an hour to half-open, exits by itself', async () => {
    const result = await run('open', 20_000);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe("state closed\nstate open\ntimers 1, ref'd 0\n");
    expect(result.signal).toBe(null);
    expect(result.code).toBe(0);
  }, 30_000);

  it('a process whose breaker is half-open, with an hour-long halfOpenTimeout, exits by itself', async () => {
    const result = await run('half-open', 20_000);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe("state half-open\ntimers 1, ref'd 0\n");
    expect(result.signal).toBe(null);
    expect(result.code).toBe(0);
  }, 30_000);
});
