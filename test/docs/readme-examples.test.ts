// The README's examples, run as tests: if one of these breaks, the README is wrong.
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { OperationTimeoutError, retryWithBackoff, timeoutWith } from 'rxjs-resilience';

describe('README: Testing your own code', () => {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

  it('retries a slow dependency twice, then gives up', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const dependency = cold('-----a|');
      const result = dependency.pipe(timeoutWith({ total: 3 }), retryWithBackoff({ maxRetries: 2, initialDelay: 10 }));
      expectObservable(result).toBe('--- 10ms --- 20ms ---#', undefined, expect.any(OperationTimeoutError));
      expectSubscriptions(dependency.subscriptions).toBe(['^--!', '--- 10ms ^--!', '--- 10ms --- 20ms ^--!']);
    });
  });
});
