/**
 * Recipe: testing your own resilient pipeline in virtual time, with `TestScheduler` and
 * `injectFaults` — no real waiting, no flakiness.
 *
 * Every operator and class of rxjs-resilience reads time from a scheduler (default
 * `asyncScheduler`), and inside `TestScheduler.run()` the default schedulers run in virtual time:
 * a pipeline with a 100 ms timeout and retries is tested in microseconds, frame by frame, with
 * marble diagrams. `injectFaults` makes a share of subscriptions fail (or be late); give it a
 * seeded or scripted `random` so the test tells the same story every time.
 *
 * Plain node:assert, no test runner: `npx tsx examples/recipes/testing.ts`. The same checks work
 * unchanged in vitest or jest (pass their deep-equality assertion to `TestScheduler`).
 */
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { of } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  CircuitBreaker,
  CircuitOpenError,
  consecutiveFailures,
  OperationTimeoutError,
  resilient,
} from 'rxjs-resilience';
import { injectFaults } from 'rxjs-resilience/testing';

/** The code under test: your own pipeline, as your service builds it. */
export function protectQuote(source: Observable<string>, breaker: CircuitBreaker): Observable<string> {
  return source.pipe(
    resilient({
      name: 'quotes',
      timeout: 100, // each attempt
      // Not CircuitOpenError: retrying it would wait for the breaker (its retryAfter) instead of failing fast.
      retry: {
        maxRetries: 2,
        initialDelay: 10,
        backoff: 'constant',
        shouldRetry: (e) => !(e instanceof CircuitOpenError),
      },
      circuitBreaker: breaker,
      fallback: (error) => of(error instanceof CircuitOpenError ? 'cached (breaker open)' : 'cached'),
    }),
  );
}

/** A `random` that returns the given numbers in turn. */
const scripted = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

const newScheduler = () => new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));

/** Runs every check; throws an AssertionError on the first that fails. Returns their names. */
export function main(): string[] {
  const passed: string[] = [];
  const check = (name: string, body: (helpers: Parameters<Parameters<TestScheduler['run']>[0]>[0]) => void) => {
    newScheduler().run(body);
    passed.push(name);
  };

  check('two failures, then the third attempt answers', ({ cold, expectObservable }) => {
    // random() < failureRate fails the subscription: fail, fail, pass. Each takes 5 ms (latency).
    const faults = injectFaults<string>({ failureRate: 0.5, random: scripted(0.1, 0.1, 0.9), latency: 5 });
    const result = protectQuote(cold('a|', { a: 'fresh' }).pipe(faults), new CircuitBreaker());
    // 0–5 fails, retry at 15, 15–20 fails, retry at 30, subscribed at 35: a at 35, complete at 36
    expectObservable(result).toBe('35ms a|', { a: 'fresh' });
  });

  check(
    'a dependency slower than the timeout: three timed-out attempts, then the fallback',
    ({ cold, expectObservable }) => {
      const slow = cold('a|', { a: 'fresh' }).pipe(injectFaults<string>({ latency: 500 }));
      // attempts at 0, 110 and 220, each cut at 100 ms; the fallback answers at 320
      expectObservable(protectQuote(slow, new CircuitBreaker())).toBe('320ms (c|)', { c: 'cached' });
    },
  );

  check(
    'the breaker opens after 3 failed calls, then fails fast without calling',
    ({ cold, expectObservable, expectSubscriptions }) => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(3), resetTimeout: 1000 });
      const down = cold<string>('-#', {}, new Error('503'));
      // One call: three failed attempts (0–1, 11–12, 22–23): the third failure opens the breaker.
      expectObservable(protectQuote(down, breaker)).toBe('23ms (c|)', { c: 'cached' });
      expectSubscriptions(down.subscriptions).toBe(['^!', '11ms ^!', '22ms ^!']);
      // A later call (subscribed at 50) is rejected by the open breaker: its source is never subscribed.
      const later = cold<string>('a|', { a: 'fresh' });
      expectObservable(protectQuote(later, breaker), '50ms ^').toBe('50ms (c|)', { c: 'cached (breaker open)' });
      expectSubscriptions(later.subscriptions).toBe([]);
    },
  );

  check('OperationTimeoutError carries the operation and the limit', ({ cold, expectObservable }) => {
    const slow = cold('a|').pipe(injectFaults<string>({ latency: 500 }), resilient({ name: 'quotes', timeout: 100 }));
    expectObservable(slow).toBe('100ms #', undefined, new OperationTimeoutError('quotes', 'total', 100));
  });

  return passed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    for (const name of main()) console.log(`✓ ${name}`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
