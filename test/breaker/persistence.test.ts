import { map, mergeMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, consecutiveFailures, failureRate } from '../../src/breaker/index';
import type { CircuitBreakerJSON } from '../../src/breaker/index';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError';
import { ResilienceConfigError } from '../../src/errors/ResilienceConfigError';
import { circuitBreaker } from '../../src/operators/circuitBreaker';
import { createScheduler, pendingActions } from '../helpers/scheduler';

function fail(breaker: CircuitBreaker): void {
  const permit = breaker.tryAcquire();
  if (permit instanceof CircuitOpenError) throw permit;
  permit.failure(new Error('x'));
}

function succeed(breaker: CircuitBreaker): void {
  const permit = breaker.tryAcquire();
  if (permit instanceof CircuitOpenError) throw permit;
  permit.success();
}

const CLOSED: CircuitBreakerJSON = {
  version: 1,
  state: 'closed',
  openCount: 0,
  openedAt: null,
  halfOpenAt: null,
  halfOpenSuccesses: 0,
  successCount: 0,
  failureCount: 0,
  rejectedCount: 0,
  consecutiveFailures: 0,
  lastFailureAt: null,
};

describe('toJSON() and initialState', () => {
  it('toJSON() returns plain JSON that initialState accepts', () => {
    const scheduler = createScheduler();
    const breaker = new CircuitBreaker({ scheduler, trip: consecutiveFailures(3), resetTimeout: 100 });
    succeed(breaker);
    fail(breaker);
    const json = breaker.toJSON();
    expect(json).toEqual({
      ...CLOSED,
      successCount: 1,
      failureCount: 1,
      consecutiveFailures: 1,
      lastFailureAt: 0,
      trip: { kind: 'consecutiveFailures', count: 1 },
    });
    expect(JSON.parse(JSON.stringify(breaker))).toEqual(json);
    const restored = new CircuitBreaker({
      scheduler,
      trip: consecutiveFailures(3),
      initialState: JSON.parse(JSON.stringify(json)),
    });
    expect(restored.snapshot()).toEqual(breaker.snapshot());
    expect(restored.toJSON()).toEqual(json);
  });

  it('restores the trip state of a closed breaker: one more failure than saved opens it', () => {
    const source = new CircuitBreaker({ trip: consecutiveFailures(3) });
    fail(source);
    fail(source);
    const restored = new CircuitBreaker({ trip: consecutiveFailures(3), initialState: source.toJSON() });
    fail(restored);
    expect(restored.state).toBe('open');
    restored.dispose();
  });

  it('a trip state of another policy is ignored: the policy starts empty', () => {
    const source = new CircuitBreaker({ trip: consecutiveFailures(3) });
    fail(source);
    fail(source);
    const restored = new CircuitBreaker({
      trip: failureRate({ threshold: 1, minimumCalls: 3, window: { calls: 3 } }),
      initialState: source.toJSON(),
    });
    fail(restored);
    expect(restored.state).toBe('closed');
    expect(restored.snapshot().failureCount).toBe(3);
  });

  it('a restored open breaker half-opens at the saved halfOpenAt, by its own timer', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const first = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 10 });
      cold('--#')
        .pipe(circuitBreaker(first))
        .subscribe({ error: () => {} });
      let saved: CircuitBreakerJSON | undefined;
      cold('-----x').subscribe(() => {
        saved = first.toJSON();
        first.dispose();
      });
      // A new process (here: a new breaker) starts from the saved state at 7: open, with 5 ms left.
      const restored$ = cold('-------x').pipe(
        mergeMap(() => {
          const restored = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 10, initialState: saved });
          expect(saved).toMatchObject({ state: 'open', openedAt: 2, halfOpenAt: 12, openCount: 1 });
          expect(restored.snapshot()).toMatchObject({ state: 'open', openedAt: 2, halfOpenAt: 12, failureCount: 1 });
          expect((restored.tryAcquire() as CircuitOpenError).retryAfter).toBe(5);
          return restored.state$;
        }),
      );
      expectObservable(restored$.pipe(map((s) => s[0])), '^-------------!').toBe('-------o----h');
    });
  });

  it('a restored open breaker whose halfOpenAt has passed is half-open at once', () => {
    const scheduler = createScheduler();
    scheduler.run(({ cold }) => {
      cold('----------x').subscribe(() => {
        const restored = new CircuitBreaker({
          trip: consecutiveFailures(1),
          initialState: { ...CLOSED, state: 'open', openCount: 1, openedAt: 0, halfOpenAt: 5, failureCount: 1 },
        });
        const seen: string[] = [];
        restored.state$.subscribe((s) => seen.push(s));
        expect(seen).toEqual(['half-open']);
        expect(restored.snapshot()).toMatchObject({ state: 'half-open', openedAt: 0, halfOpenAt: 10 });
        expect(pendingActions(scheduler)).toBe(0);
      });
    });
  });

  it('a restored half-open breaker has every probe slot free and keeps its successful probes', () => {
    const breaker = new CircuitBreaker({
      trip: consecutiveFailures(1),
      successThreshold: 2,
      initialState: { ...CLOSED, state: 'half-open', openCount: 1, openedAt: 0, halfOpenAt: 5, halfOpenSuccesses: 1 },
    });
    expect(breaker.state).toBe('half-open');
    succeed(breaker); // the second successful probe closes it
    expect(breaker.state).toBe('closed');
  });

  it('toJSON() of a half-open breaker saves its successful probes and when it half-opened', () => {
    const scheduler = createScheduler();
    const breaker = new CircuitBreaker({
      scheduler,
      trip: consecutiveFailures(1),
      resetTimeout: 0,
      successThreshold: 3,
    });
    fail(breaker);
    succeed(breaker); // the probe: half-open at 0, 1 success of 3
    expect(breaker.toJSON()).toMatchObject({
      state: 'half-open',
      halfOpenAt: 0,
      openedAt: 0,
      openCount: 1,
      halfOpenSuccesses: 1,
    });
    const restored = new CircuitBreaker({ scheduler, successThreshold: 3, initialState: breaker.toJSON() });
    succeed(restored);
    expect(restored.state).toBe('half-open');
    succeed(restored);
    expect(restored.state).toBe('closed');
  });

  it('a restored half-open breaker times out halfOpenTimeout after the saved halfOpenAt, then counts the opening', () => {
    const counts: number[] = [];
    createScheduler().run(({ cold, expectObservable }) => {
      let breaker: CircuitBreaker | undefined;
      cold('--x').subscribe(() => {
        breaker = new CircuitBreaker({
          halfOpenTimeout: 5,
          resetTimeout: (n) => (counts.push(n), 100),
          initialState: { ...CLOSED, state: 'half-open', openCount: 2, openedAt: 0, halfOpenAt: 1 },
        });
      });
      // half-open since 1, so reopened at 6 (openCount 3), half-open again at 106.
      expectObservable(cold('-----x-x').pipe(map(() => breaker!.state))).toBe('-----h-o', {
        h: 'half-open',
        o: 'open',
      });
      cold('---------x').subscribe(() => {
        expect(breaker!.snapshot()).toMatchObject({ openedAt: 6, halfOpenAt: 106 });
        breaker!.dispose();
      });
    });
    expect(counts).toEqual([3]);
  });

  it('a restored half-open breaker whose halfOpenTimeout has passed reopens at once', () => {
    const scheduler = createScheduler();
    const breaker = new CircuitBreaker({
      scheduler,
      halfOpenTimeout: 5,
      resetTimeout: 20,
      initialState: { ...CLOSED, state: 'half-open', openCount: 0, openedAt: null, halfOpenAt: -10 },
    });
    expect(breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 0, halfOpenAt: 20 });
    expect(breaker.toJSON().openCount).toBe(2);
    breaker.dispose();
    expect(pendingActions(scheduler)).toBe(0);
  });

  it('restores an isolated breaker, which stays isolated', () => {
    const scheduler = createScheduler();
    const breaker = new CircuitBreaker({
      scheduler,
      initialState: { ...CLOSED, state: 'isolated', openedAt: 3, rejectedCount: 4 },
    });
    expect(breaker.snapshot()).toMatchObject({ state: 'isolated', openedAt: 3, halfOpenAt: null, rejectedCount: 4 });
    expect(pendingActions(scheduler)).toBe(0);
    expect(breaker.tryAcquire()).toBeInstanceOf(CircuitOpenError);
    expect(breaker.toJSON()).toMatchObject({ state: 'isolated', openedAt: 3, rejectedCount: 5 });
  });

  it('a restored open breaker counts openings on from the saved openCount', () => {
    const counts: number[] = [];
    const scheduler = createScheduler();
    const breaker = new CircuitBreaker({
      scheduler,
      trip: consecutiveFailures(1),
      resetTimeout: (n) => (counts.push(n), 10),
      initialState: { ...CLOSED, state: 'open', openCount: 4, openedAt: 0, halfOpenAt: 0 },
    });
    expect(breaker.state).toBe('half-open');
    fail(breaker);
    expect(counts).toEqual([5]);
    breaker.dispose();
  });

  it('the restored timer is cancelled by dispose()', () => {
    const scheduler = createScheduler();
    const breaker = new CircuitBreaker({
      scheduler,
      initialState: { ...CLOSED, state: 'open', openCount: 1, openedAt: 0, halfOpenAt: 500 },
    });
    expect(pendingActions(scheduler)).toBe(1);
    breaker.dispose();
    expect(pendingActions(scheduler)).toBe(0);
  });

  describe('validation', () => {
    const place = 'CircuitBreaker "db"';
    it.each([
      [null, 'initialState must be an object returned by toJSON(), got null'],
      [[], 'initialState must be an object returned by toJSON(), got an array'],
      [{ ...CLOSED, version: 2 }, 'initialState.version must be 1, got 2'],
      [
        { ...CLOSED, state: 'shut' },
        `initialState.state must be one of 'closed', 'open', 'half-open', 'isolated', got "shut"`,
      ],
      [{ ...CLOSED, successCount: -1 }, 'initialState.successCount must be an integer >= 0, got -1'],
      [{ ...CLOSED, openCount: 1.5 }, 'initialState.openCount must be an integer >= 0, got 1.5'],
      [{ ...CLOSED, lastFailureAt: 'now' }, 'initialState.lastFailureAt must be a finite number or null, got "now"'],
      [{ ...CLOSED, openedAt: NaN }, 'initialState.openedAt must be a finite number or null, got NaN'],
      [{ ...CLOSED, state: 'open' }, 'initialState.halfOpenAt must be a finite number, got null'],
      [{ ...CLOSED, state: 'half-open' }, 'initialState.halfOpenAt must be a finite number, got null'],
      [{ ...CLOSED, extra: 1 }, 'initialState.extra must be absent (not a known field), got 1'],
      [{ ...CLOSED, trip: 'x' }, 'initialState.trip must be an object with a string kind (from toJSON()), got "x"'],
      [{ ...CLOSED, trip: null }, 'initialState.trip must be an object with a string kind (from toJSON()), got null'],
      [
        { ...CLOSED, trip: { count: 1 } },
        'initialState.trip must be an object with a string kind (from toJSON()), got an object',
      ],
    ])('%j', (initialState, message) => {
      let error: unknown;
      try {
        new CircuitBreaker({ name: 'db', initialState: initialState as never });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ResilienceConfigError);
      expect((error as Error).message).toBe(`${place}: ${message}`);
    });

    it('accepts a closed state with halfOpenAt null and without trip', () => {
      expect(() => new CircuitBreaker({ initialState: CLOSED })).not.toThrow();
    });
  });
});
