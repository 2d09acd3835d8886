import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('RetryBudget in a Node.js process', () => {
  it('an idle process holding a budget with counted retries exits by itself (its expiry timer is unref’d)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/budget/fixtures/idle-budget.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ currentRetries: 1, calls: 2 });
  }, 70_000);
});
