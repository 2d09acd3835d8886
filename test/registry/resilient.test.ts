import { defer, NEVER, of } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  Bulkhead,
  BulkheadRejectedError,
  CircuitBreaker,
  CircuitOpenError,
  consecutiveFailures,
  Drainer,
  DrainingError,
  HealthTracker,
  OperationTimeoutError,
  ResilienceConfigError,
  ResilienceRegistry,
  resilient,
} from 'rxjs-resilience';
import type { ResiliencePolicy } from 'rxjs-resilience';
import { createScheduler, pendingAfter } from '../helpers/scheduler';

const timeoutError = (ms: number, name = 'resilient') => new OperationTimeoutError(name, 'total', ms);

describe('resilient(policy)', () => {
  it('with nothing in it, passes the source through', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#');
      expectObservable(source.pipe(resilient({}))).toBe('-a-#');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('a number timeout means { total }', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-c-d|').pipe(resilient({ timeout: 4 }))).toBe('-a-b#', undefined, timeoutError(4));
      expectObservable(cold('-----a|').pipe(resilient({ timeout: { first: 2 } }))).toBe(
        '--#',
        undefined,
        new OperationTimeoutError('resilient', 'first', 2),
      );
    });
  });

  describe('the order: drain → fallback → retry → breaker → bulkhead → health → timeout → source', () => {
    it('each retry is a new call with its own timeout', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-----a|');
        const result = source.pipe(resilient({ timeout: 3, retry: { maxRetries: 2, initialDelay: 1 } }));
        expectObservable(result).toBe('--- - --- -- ---#'.replace(/ /g, ''), undefined, timeoutError(3));
        expectSubscriptions(source.subscriptions).toBe(['^--!', '----^--!', '---------^--!']);
      });
    });

    it('an open breaker fails fast without taking a bulkhead permit or reaching the source', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker({ name: 'inventory' });
        const pool = new Bulkhead({ name: 'inventory', maxConcurrent: 1 });
        const acquired = vi.fn();
        pool.events$.subscribe(acquired);
        breaker.isolate();
        const source = cold('-a|');
        expectObservable(source.pipe(resilient({ circuitBreaker: breaker, bulkhead: pool }))).toBe(
          '#',
          undefined,
          expect.any(CircuitOpenError),
        );
        expectSubscriptions(source.subscriptions).toBe([]);
        expect(acquired).not.toHaveBeenCalled();
        expect(pool.snapshot().active).toBe(0);
      });
    });

    it('a timeout counts as a breaker failure and a health failure', () => {
      const scheduler = createScheduler();
      const seen: unknown[] = [];
      scheduler.run(({ cold, expectObservable }) => {
        const breaker = new CircuitBreaker({ name: 'db', trip: consecutiveFailures(1), resetTimeout: 100 });
        const health = new HealthTracker({ name: 'db' });
        const call = () => cold('-----a|').pipe(resilient({ timeout: 2, circuitBreaker: breaker, health }));
        expectObservable(call()).toBe('--#', undefined, timeoutError(2));
        scheduler.schedule(() => {
          seen.push(
            breaker.state,
            breaker.snapshot().failureCount,
            health.snapshot().calls,
            health.snapshot().failures,
          );
          // The breaker, opened by the timeout, now rejects.
          call().subscribe({ error: (e) => seen.push(e instanceof CircuitOpenError) });
        }, 3);
      });
      expect(seen).toEqual(['open', 1, 1, 1, true]);
    });

    it('a bulkhead rejection does not trip the breaker and is not recorded by the tracker', () => {
      const scheduler = createScheduler();
      const errors: unknown[] = [];
      const seen: unknown[] = [];
      scheduler.run(({ cold }) => {
        const breaker = new CircuitBreaker({ name: 'api', trip: consecutiveFailures(1) });
        const pool = new Bulkhead({ name: 'api', maxConcurrent: 1 });
        const health = new HealthTracker({ name: 'api' });
        const call = cold('----a|').pipe(resilient({ circuitBreaker: breaker, bulkhead: pool, health }));
        call.subscribe();
        call.subscribe({ error: (e) => errors.push(e) });
        scheduler.schedule(() => {
          seen.push(
            breaker.state,
            breaker.snapshot().failureCount,
            breaker.snapshot().successCount,
            health.snapshot().calls,
            health.snapshot().failures,
          );
        }, 6);
      });
      expect(errors).toEqual([expect.any(BulkheadRejectedError)]);
      expect(seen).toEqual(['closed', 0, 1, 1, 0]);
    });

    it('the fallback sees the final error only after the retries are spent', () => {
      const seen: Array<{ error: unknown; frame: number }> = [];
      const scheduler = createScheduler();
      const errors = [new Error('1'), new Error('2'), new Error('3')];
      scheduler.run(({ cold, expectObservable }) => {
        let n = 0;
        const source = defer(() => cold('-#', undefined, errors[n++]));
        const result = source.pipe(
          resilient({
            retry: { maxRetries: 2, initialDelay: 1 },
            fallback: (error) => {
              seen.push({ error, frame: scheduler.now() });
              return of('cached');
            },
          }),
        );
        expectObservable(result).toBe('------(c|)', { c: 'cached' });
      });
      expect(seen).toEqual([{ error: errors[2], frame: 6 }]);
    });

    it('a retry goes back through the breaker: CircuitOpenError is retried after its retryAfter', () => {
      const scheduler = createScheduler();
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker({ name: 'svc', trip: consecutiveFailures(1), resetTimeout: 5 });
        const source = cold('-#');
        const result = source.pipe(resilient({ circuitBreaker: breaker, retry: { maxRetries: 2, initialDelay: 1 } }));
        // Attempt 1 fails at 1 and opens the breaker until 6. Retry 1 (at 2) is rejected with
        // CircuitOpenError, retryAfter 4: retry 2 waits max(2, 4) and reaches the half-open breaker at 6.
        expectObservable(result).toBe('-------#');
        expectSubscriptions(source.subscriptions).toBe(['^!', '------^!']);
      });
    });

    it('the drainer counts the whole operation, retries included, as one call in flight', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ name: 'svc', scheduler });
      const inFlight: number[] = [];
      scheduler.run(({ cold }) => {
        const source = cold('--#');
        source.pipe(resilient({ drainer, retry: { maxRetries: 2, initialDelay: 1 } })).subscribe({ error: () => {} });
        for (const frame of [1, 3, 5, 10]) scheduler.schedule(() => inFlight.push(drainer.inFlight), frame);
      });
      expect(inFlight).toEqual([1, 1, 1, 0]);
    });

    it('while draining, a new call errors with DrainingError before anything else runs', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const drainer = new Drainer({ name: 'svc' });
        drainer.drain();
        const fallbackHandler = vi.fn(() => of('x'));
        const source = cold('a|');
        expectObservable(
          source.pipe(resilient({ drainer, fallback: fallbackHandler, retry: { initialDelay: 1 } })),
        ).toBe('#', undefined, new DrainingError('svc'));
        expectSubscriptions(source.subscriptions).toBe([]);
        expect(fallbackHandler).not.toHaveBeenCalled();
      });
    });
  });

  it('reports its retries, timeouts and fallbacks to the registry under the policy’s name', () => {
    const scheduler = createScheduler();
    const registry = new ResilienceRegistry({ scheduler });
    scheduler.run(({ cold }) => {
      cold('-----a|')
        .pipe(
          resilient({
            name: 'prices',
            registry,
            timeout: { total: 2, scheduler },
            retry: { maxRetries: 2, initialDelay: 1, scheduler },
            fallback: () => of(0),
          }),
        )
        .subscribe();
    });
    expect(registry.snapshot().counters).toEqual({
      retries: { prices: 2 },
      timeouts: { prices: 3 },
      fallbacks: { prices: 1 },
    });
  });

  it('leaves nothing scheduled after the output is unsubscribed', () => {
    const scheduler = createScheduler();
    let pending = { count: -1 };
    scheduler.run(({ cold, expectObservable }) => {
      pending = pendingAfter(scheduler, 3);
      const breaker = new CircuitBreaker({ name: 'x' });
      const pool = new Bulkhead({ name: 'x', maxConcurrent: 2 });
      const health = new HealthTracker({ name: 'x' });
      expectObservable(
        cold('-----a|').pipe(
          resilient({ timeout: 10, retry: { initialDelay: 3 }, circuitBreaker: breaker, bulkhead: pool, health }),
        ),
        '--!',
      ).toBe('--');
    });
    expect(pending.count).toBe(0);
  });

  describe('options are checked when the operator is created', () => {
    const bad: Array<[unknown, string]> = [
      [
        { retries: 3 },
        'resilient "resilient": retries is not a known option (known: timeout, retry, circuitBreaker, bulkhead, health, fallback, drainer, name, registry)',
      ],
      [{ timeout: -1 }, 'timeoutWith "resilient": total must be a finite number > 0, got -1'],
      [{ timeout: 'soon' }, 'resilient "resilient": timeout must be a number of ms or timeout options, got "soon"'],
      [{ retry: 3 }, 'resilient "resilient": retry must be retryWithBackoff options, got 3'],
      [
        { retry: { maxRetries: -2 }, name: 'x' },
        'retryWithBackoff "x": maxRetries must be an integer >= 0 or Infinity, got -2',
      ],
      [{ name: '' }, 'resilient: name must be a non-empty string, got ""'],
    ];
    for (const [policy, message] of bad) {
      it(message, () => {
        const make = () => resilient(policy as ResiliencePolicy);
        expect(make).toThrow(ResilienceConfigError);
        expect(make).toThrow(message);
      });
    }
  });

  it('passes a synchronous success through every layer', () => {
    const values: unknown[] = [];
    const breaker = new CircuitBreaker({ name: 'sync' });
    const pool = new Bulkhead({ name: 'sync', maxConcurrent: 1 });
    const health = new HealthTracker({ name: 'sync' });
    const drainer = new Drainer({ name: 'sync' });
    of(42)
      .pipe(
        resilient({
          timeout: 1000,
          retry: { initialDelay: 0 },
          circuitBreaker: breaker,
          bulkhead: pool,
          health,
          drainer,
          fallback: () => NEVER,
        }),
      )
      .subscribe((v) => values.push(v));
    expect(values).toEqual([42]);
    expect(pool.snapshot().active).toBe(0);
    expect(drainer.inFlight).toBe(0);
    expect(breaker.snapshot().successCount).toBe(1);
    for (const o of [breaker, pool, health, drainer]) o.dispose();
  });
});
