import { describe, expect, it } from 'vitest';
import { expectExitsByItself } from '../helpers/child';

describe('RetryBudget in a Node.js process', () => {
  it('an idle process holding a budget with counted retries exits by itself (its expiry timer is unref’d)', () => {
    const out = expectExitsByItself('test/budget/fixtures/idle-budget.ts');
    expect(JSON.parse(out)).toMatchObject({ currentRetries: 1, calls: 2 });
  }, 70_000);
});
