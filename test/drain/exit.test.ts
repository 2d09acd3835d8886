import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('Drainer in a Node.js process', () => {
  it('an idle process holding a draining drainer with a call in flight exits by itself (the drain timeout is unref’d)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/drain/fixtures/idle-draining.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // exited while still draining: the drain never ended, nothing else held the process
    expect(run.stdout.trim()).toBe(JSON.stringify({ name: 'drainer', draining: true, inFlight: 1, drained: false }));
  }, 70_000);
});
