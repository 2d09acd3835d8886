import fc from 'fast-check';
import { defer, Observable, of, throwError, timer, VirtualTimeScheduler } from 'rxjs';
import { finalize, map, mergeMap } from 'rxjs/operators';
import type { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  Bulkhead,
  bulkheadMap,
  CircuitBreaker,
  consecutiveFailures,
  Drainer,
  ResilienceRegistry,
  resilient,
  RetryBudget,
} from 'rxjs-resilience';

/**
 * Random programs of calls through one shared policy (drainer, retry with a budget, breaker,
 * bulkhead), with synchronous and delayed sources, calls started from inside other calls'
 * callbacks (re-entrance), unsubscriptions, and user callbacks that throw. Whatever the program,
 * the shared objects keep their invariants at every step and come back to rest at the end.
 */

type Step =
  | { kind: 'call'; outcome: 'ok' | 'error'; delay: number; reenter: 'none' | 'on-value' | 'on-error' | 'on-complete' }
  | { kind: 'unsubscribe'; which: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'throwing-shouldRetry' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      outcome: fc.constantFrom('ok' as const, 'error' as const),
      delay: fc.constantFrom(0, 0, 1, 2, 5),
      reenter: fc.constantFrom(
        'none' as const,
        'none' as const,
        'on-value' as const,
        'on-error' as const,
        'on-complete' as const,
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unsubscribe' as const), which: fc.nat(40) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'throwing-shouldRetry' as const }) },
);

const MAX_CONCURRENT = 2;
const MAX_QUEUE = 2;
const BUDGET = { maxRetries: 3, ratio: 0.5 };

function runProgram(program: Step[]): void {
  const scheduler = new VirtualTimeScheduler();
  const registry = new ResilienceRegistry({ scheduler });
  const breaker = new CircuitBreaker({
    name: 'p',
    trip: consecutiveFailures(2),
    resetTimeout: 3,
    halfOpenMaxCalls: 2,
    scheduler,
  });
  const pool = new Bulkhead({
    name: 'p',
    maxConcurrent: MAX_CONCURRENT,
    maxQueue: MAX_QUEUE,
    queueTimeout: 4,
    scheduler,
  });
  const drainer = new Drainer({ name: 'p', drainTimeout: 50, scheduler });
  const budget = new RetryBudget({
    name: 'p',
    maxRetries: BUDGET.maxRetries,
    ratio: BUDGET.ratio,
    window: 1_000_000,
    scheduler,
  });

  let acquired = 0;
  let released = 0;
  let maxHalfOpen = 0;
  let halfOpenInFlight = 0;
  pool.events$.subscribe((e) => (e.type === 'acquired' ? acquired++ : e.type === 'released' ? released++ : 0));
  let halfOpenEpoch = 0;
  breaker.events$.subscribe((e) => {
    if (e.type === 'state-change') {
      halfOpenInFlight = 0;
      halfOpenEpoch++;
    }
  });

  let throwInShouldRetry = false;
  const policy = (outcome: 'ok' | 'error', delay: number) => {
    const source = defer(() => {
      // Probes running at once while half-open (a probe ends on its outcome or unsubscription).
      let probe = false;
      if (breaker.state === 'half-open') {
        probe = true;
        maxHalfOpen = Math.max(maxHalfOpen, ++halfOpenInFlight);
      }
      const epoch = halfOpenEpoch;
      const body = outcome === 'ok' ? of(1) : throwError(() => new Error('down'));
      return (delay === 0 ? body : timer(delay, scheduler).pipe(mergeMap(() => body))).pipe(
        finalize(() => {
          if (probe && epoch === halfOpenEpoch) halfOpenInFlight--;
        }),
      );
    });
    return source.pipe(
      resilient({
        name: 'p',
        registry,
        drainer,
        circuitBreaker: breaker,
        bulkhead: pool,
        retry: {
          maxRetries: 2,
          initialDelay: 1,
          budget,
          scheduler,
          shouldRetry: () => {
            if (throwInShouldRetry) {
              throwInShouldRetry = false;
              throw new Error('shouldRetry failed');
            }
            return true;
          },
        },
      }),
    );
  };

  const subscriptions: Subscription[] = [];
  let started = 0;
  let ended = 0;
  let unsubscribed = 0;
  const endedOnce = new Set<number>();

  // Violations seen inside callbacks are collected, not thrown: RxJS would report an error thrown
  // from a subscriber's callback as unhandled, and the test would not fail.
  const violations: string[] = [];
  const check = () => {
    const s = pool.snapshot();
    if (s.active > MAX_CONCURRENT) violations.push(`active ${s.active} > ${MAX_CONCURRENT}`);
    if (s.queued > MAX_QUEUE) violations.push(`queued ${s.queued} > ${MAX_QUEUE}`);
    if (drainer.inFlight < 0) violations.push(`inFlight ${drainer.inFlight}`);
    // A permit handed to a waiter counts as active before the waiter is told (and 'acquired' is
    // emitted), so events may trail the snapshot inside a callback — never the other way round.
    if (acquired - released > s.active)
      violations.push(`acquired - released ${acquired - released} > active ${s.active}`);
  };
  /** Between steps, nothing is being handed over: events and snapshot agree exactly. */
  const checkAtRest = () => {
    check();
    const s = pool.snapshot();
    if (acquired - released !== s.active)
      violations.push(`between steps: acquired - released ${acquired - released} != active ${s.active}`);
  };

  const start = (outcome: 'ok' | 'error', delay: number, reenter: string, depth: number): void => {
    const id = started++;
    const again = () => {
      if (depth < 3) start(outcome === 'ok' ? 'error' : 'ok', delay, 'none', depth + 1);
    };
    const finish = () => {
      if (endedOnce.has(id)) violations.push(`call ${id} ended twice`);
      endedOnce.add(id);
      ended++;
    };
    subscriptions.push(
      policy(outcome, delay).subscribe({
        next: () => {
          if (endedOnce.has(id)) violations.push(`call ${id}: a value after its end`);
          check();
          if (reenter === 'on-value') again();
        },
        error: () => {
          finish();
          check();
          if (reenter === 'on-error') again();
        },
        complete: () => {
          finish();
          check();
          if (reenter === 'on-complete') again();
        },
      }),
    );
    check();
  };

  for (const s of program) {
    switch (s.kind) {
      case 'call':
        start(s.outcome, s.delay, s.reenter, 0);
        break;
      case 'unsubscribe': {
        const sub = subscriptions[s.which % Math.max(1, subscriptions.length)];
        if (sub && !sub.closed) {
          sub.unsubscribe();
          unsubscribed++;
        }
        break;
      }
      case 'advance':
        scheduler.maxFrames = scheduler.now() + s.ms;
        scheduler.schedule(() => {}, s.ms);
        scheduler.flush();
        break;
      case 'throwing-shouldRetry':
        throwInShouldRetry = true;
        break;
    }
    checkAtRest();
  }
  scheduler.maxFrames = Infinity;
  scheduler.flush();

  expect(violations).toEqual([]);
  // At rest: nothing held, nothing queued, nothing in flight; every call ended or was unsubscribed.
  expect(pool.snapshot()).toMatchObject({ active: 0, queued: 0 });
  expect(acquired).toBe(released);
  expect(drainer.inFlight).toBe(0);
  // Every call that was not unsubscribed ended (values or error), exactly once.
  expect(ended + unsubscribed).toBeGreaterThanOrEqual(started);
  expect(ended).toBeLessThanOrEqual(started);
  // Half-open never admitted more probes than allowed.
  expect(maxHalfOpen).toBeLessThanOrEqual(2);
  // The budget never allowed more retries than its allowance (every call is in one window here).
  const retries = registry.snapshot().counters.retries.p ?? 0;
  expect(retries).toBeLessThanOrEqual(BUDGET.maxRetries + Math.floor(BUDGET.ratio * started));
  // The breaker's books balance.
  const b = breaker.snapshot();
  expect(b.totalCalls).toBe(b.successCount + b.failureCount);
  for (const o of [breaker, pool, drainer, budget]) o.dispose();
}

describe('shared objects under random programs (re-entrance, unsubscription, throwing callbacks)', () => {
  it('keep their invariants at every step and come back to rest', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (program) => runProgram(program)),
      { numRuns: 300 },
    );
  });

  it('a call started from inside another call’s completion reuses the permit it just released', () => {
    const pool = new Bulkhead({ name: 'r', maxConcurrent: 1 });
    const seen: number[] = [];
    const call = (n: number): void => {
      of(n)
        .pipe(resilient({ bulkhead: pool }))
        .subscribe({
          next: (v) => seen.push(v),
          complete: () => {
            if (n < 5) call(n + 1);
          },
        });
    };
    call(1);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(pool.snapshot()).toMatchObject({ active: 0, queued: 0, rejected: 0 });
  });

  it('bulkheadMap survives a project that throws on a random value: the output errors, every permit comes back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.nat(29), fc.boolean(), (n, failAt, shared) => {
        const scheduler = new VirtualTimeScheduler();
        const pool = new Bulkhead({ name: 'm', maxConcurrent: 3, maxQueue: Infinity, scheduler });
        const errors: unknown[] = [];
        const values: number[] = [];
        new Observable<number>((s) => {
          for (let i = 0; i < n && !s.closed; i++) s.next(i);
          s.complete();
        })
          .pipe(
            bulkheadMap(
              (i: number) => {
                if (i === failAt) throw new Error(`project failed on ${i}`);
                return timer(i % 3, scheduler).pipe(map(() => i));
              },
              shared ? pool : { maxConcurrent: 3 },
            ),
          )
          .subscribe({ next: (v) => values.push(v), error: (e) => errors.push(e) });
        scheduler.flush();
        expect(errors.length).toBe(failAt < n ? 1 : 0);
        if (failAt >= n) expect(values.sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
        expect(pool.snapshot()).toMatchObject({ active: 0, queued: 0 });
        pool.dispose();
      }),
      { numRuns: 200 },
    );
  });
});
