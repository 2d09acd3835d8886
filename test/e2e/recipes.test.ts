/**
 * Runs each recipe of examples/recipes/ through its exported `main()`, so they cannot rot: they
 * are type-checked with the rest of the project and their outcomes are asserted here. None of them
 * reaches the network (a server on 127.0.0.1, or stubs).
 */
import { describe, expect, it } from 'vitest';
import { main as consumer } from '../../examples/recipes/consumer';
import { main as fetchRecipe } from '../../examples/recipes/fetch';
import { main as sharedBreaker } from '../../examples/recipes/shared-breaker';
import { main as testingRecipe } from '../../examples/recipes/testing';

describe('examples/recipes', () => {
  it('fetch.ts: retries 5xx, does not retry a 404, aborts each timed-out attempt', async () => {
    const result = await fetchRecipe();
    expect(result.user).toEqual({ id: '42', name: 'Ada' });
    expect(result.missing).toBeNull();
    expect(result.slow).toBe('OperationTimeoutError');
    expect(result.requests).toEqual([
      '/users/42',
      '/users/42',
      '/users/42',
      '/users/7',
      '/users/slow',
      '/users/slow',
      '/users/slow',
      '/users/slow',
    ]);
    expect(result.aborted).toBe(4);
    // the two 503s failed, the 200 succeeded, the 404 was not the API failing
    expect(result.breaker).toMatchObject({ state: 'closed', failureCount: 2, successCount: 1 });
  }, 20_000);

  it('shared-breaker.ts: a shared breaker opens and fails fast; one per request never does', async () => {
    const result = await sharedBreaker();
    expect(result.whileDown).toEqual([...Array(3).fill('failed'), ...Array(7).fill('fast-fail')]);
    expect(result.callsWhileDown).toBe(3);
    expect(result.afterRecovery).toEqual(['ok', 'ok', 'ok']);
    expect(result.states).toEqual(['closed', 'open', 'half-open', 'closed']);
    expect(result.wrongWhileDown).toEqual(Array(10).fill('failed'));
    expect(result.wrongCallsWhileDown).toBe(10);
  }, 20_000);

  it('consumer.ts: the drain stops the intake and every message taken in is processed and committed', async () => {
    const result = await consumer();
    expect(result.received).toBeGreaterThan(0);
    expect(result.received).toBeLessThan(200); // the intake stopped
    expect(result.processed).toBe(result.received);
    expect(result.committed).toBe(result.received);
    expect(result.result).toMatchObject({ completed: true, abandoned: 0 });
  }, 20_000);

  it('testing.ts: every virtual-time check passes', () => {
    expect(testingRecipe()).toHaveLength(4);
  });
});
