/** The examples of README circuit breaker sections, run. */
import { defer, of, Subject, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, consecutiveFailures } from '../../src/breaker/index';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError';
import { fallback } from '../../src/operators/fallback';
import { circuitBreaker } from '../../src/operators/circuitBreaker';
import { retryWithBackoff } from '../../src/operators/retryWithBackoff';
import { createScheduler } from '../helpers/scheduler';

describe('README circuit breaker sections examples', () => {
  it('Testing code that uses a breaker', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 5 });
      expectObservable(cold('-#').pipe(circuitBreaker(breaker))).toBe('-#');
      expectObservable(breaker.state$, '^-------!').toBe('co----h', { c: 'closed', o: 'open', h: 'half-open' });
    });
  });

  it('guarded(): the permit API around a Promise', async () => {
    async function guarded<T>(breaker: CircuitBreaker, call: () => Promise<T>): Promise<T> {
      const permit = breaker.tryAcquire();
      if (permit instanceof CircuitOpenError) throw permit;
      try {
        const result = await call();
        permit.success();
        return result;
      } catch (error) {
        permit.failure(error);
        throw error;
      }
    }
    const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 1000 });
    await expect(guarded(breaker, async () => 1)).resolves.toBe(1);
    await expect(guarded(breaker, async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(guarded(breaker, async () => 1)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(breaker.snapshot()).toMatchObject({ successCount: 1, failureCount: 1, rejectedCount: 1 });
    breaker.dispose();
  });

  it('Serve something while it is open', () => {
    const pricing = new CircuitBreaker();
    pricing.isolate();
    const seen: unknown[] = [];
    defer(() => of('live'))
      .pipe(
        circuitBreaker(pricing),
        fallback(() => of('cached'), { when: [CircuitOpenError] }),
      )
      .subscribe((v) => seen.push(v));
    expect(seen).toEqual(['cached']);
  });

  it('A long-lived stream: first-value success, endless retries reset on success', () => {
    const scheduler = createScheduler();
    const feed = new CircuitBreaker({ scheduler, trip: consecutiveFailures(2), resetTimeout: 100 });
    const connections: Array<Subject<string>> = [];
    const connect$ = defer(() => {
      const s = new Subject<string>();
      connections.push(s);
      return s;
    });
    const seen: string[] = [];
    connect$
      .pipe(
        circuitBreaker(feed, { successOn: 'first-value' }),
        retryWithBackoff({ maxRetries: Infinity, resetOnSuccess: true, initialDelay: 10, scheduler }),
        take(3),
      )
      .subscribe((v) => seen.push(v));
    connections[0]!.next('a'); // answered: a success
    connections[0]!.error(new Error('dropped')); // not recorded for that call
    scheduler.flush(); // reconnect after 10 ms
    connections[1]!.next('b');
    expect(feed.snapshot()).toMatchObject({ successCount: 2, failureCount: 0, state: 'closed' });
    connections[1]!.next('c');
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('isolate() and reset() as a kill switch', () => {
    const breaker = new CircuitBreaker();
    breaker.isolate();
    expect(breaker.tryAcquire()).toMatchObject({ state: 'isolated', retryAfter: 0 });
    breaker.reset();
    expect(breaker.tryAcquire()).not.toBeInstanceOf(CircuitOpenError);
  });
});
