import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('Bulkhead in a Node.js process', () => {
  it('a process holding a waiter queued under a long queueTimeout exits by itself (the queue timer is unref’d)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bulkhead/fixtures/queued-waiter.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'db', active: 1, queued: 1, rejected: 1 });
  }, 70_000);
});
