import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('HealthTracker in a Node.js process', () => {
  it('an idle process holding a tracker with recorded calls exits by itself (its expiry timer is unref’d)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/health/fixtures/idle-tracker.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ calls: 2, failures: 1 });
  }, 70_000);
});
