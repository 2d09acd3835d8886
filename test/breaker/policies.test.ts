import { map, mergeMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, consecutiveFailures, failureRate, failuresInWindow } from '../../src/breaker/index';
import type { TripPolicy } from '../../src/breaker/index';
import { ResilienceConfigError } from '../../src/errors/ResilienceConfigError';
import { circuitBreaker } from '../../src/operators/circuitBreaker';
import { createScheduler } from '../helpers/scheduler';
import { outcome, STATE_LETTER } from './fixtures/helpers';

/**
 * Runs a timeline of outcomes through a breaker with `trip`: in `outcomes`, `f` is a call that
 * fails at once and `s` one that succeeds at once. Returns the state lane (c/o/h).
 */
function timeline(trip: TripPolicy, outcomes: string, expectedStates: string, expectedCalls?: string): void {
  createScheduler().run(({ hot, cold, expectObservable }) => {
    const breaker = new CircuitBreaker({ trip, resetTimeout: 1000 });
    const sources: Record<string, Observable<string>> = { f: cold('#'), s: cold('(s|)') };
    const calls = hot(outcomes).pipe(mergeMap((o) => sources[o]!.pipe(circuitBreaker(breaker), outcome())));
    if (expectedCalls !== undefined) expectObservable(calls).toBe(expectedCalls);
    else calls.subscribe();
    expectObservable(breaker.state$.pipe(map((s) => STATE_LETTER[s])), `^${'-'.repeat(expectedStates.length)}!`).toBe(
      expectedStates,
    );
  });
}

function configError(fn: () => unknown): ResilienceConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ResilienceConfigError);
    return error as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

describe('consecutiveFailures(threshold)', () => {
  it('opens on the threshold-th failure in a row', () => {
    timeline(consecutiveFailures(3), '-f-f-f', 'c----o');
  });

  it('a success resets the count', () => {
    timeline(consecutiveFailures(3), '-f-f-s-f-f-f', 'c----------o');
  });

  it('is a small frozen value; each breaker counts on its own', () => {
    const policy = consecutiveFailures(2);
    expect(policy).toMatchObject({ kind: 'consecutiveFailures', threshold: 2 });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(JSON.parse(JSON.stringify(policy))).toEqual({ kind: 'consecutiveFailures', threshold: 2 });
    const a = policy.create();
    const b = policy.create();
    expect(a.failure(0)).toBe(false);
    expect(b.failure(0)).toBe(false);
    expect(a.failure(0)).toBe(true);
  });

  it('saves and restores its count, and ignores a state it cannot use', () => {
    const counter = consecutiveFailures(3).create();
    counter.failure(0);
    counter.failure(0);
    expect(counter.toJSON()).toEqual({ kind: 'consecutiveFailures', count: 2 });
    const restored = consecutiveFailures(3).create();
    restored.restore(counter.toJSON());
    expect(restored.failure(0)).toBe(true);
    const fresh = consecutiveFailures(3).create();
    fresh.restore({ kind: 'failuresInWindow', count: 2 });
    fresh.restore({ kind: 'consecutiveFailures', count: -1 });
    fresh.restore({ kind: 'consecutiveFailures', count: 'x' });
    expect(fresh.toJSON()).toEqual({ kind: 'consecutiveFailures', count: 0 });
    counter.reset();
    expect(counter.toJSON()).toEqual({ kind: 'consecutiveFailures', count: 0 });
  });

  it('rejects a threshold that is not an integer >= 1', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity, '3']) {
      expect(configError(() => consecutiveFailures(bad as number)).message).toBe(
        `consecutiveFailures: threshold must be an integer >= 1, got ${typeof bad === 'string' ? '"3"' : String(bad)}`,
      );
    }
  });
});

describe('failuresInWindow({ threshold, window })', () => {
  it('opens when threshold failures fall within the last window ms; a failure stops counting window ms after it', () => {
    // window 10: failures at 1, 5, 11 -> the one at 1 stopped counting at 11: 2 in the window.
    // The failure at 12 makes 5, 11, 12: 3 within 10 ms -> opens.
    timeline(failuresInWindow({ threshold: 3, window: 10 }), '-f---f-----ff', 'c-----------o');
  });

  it('opens at the last moment the oldest failure still counts', () => {
    // failures at 1, 5, 10: 10 - 1 = 9 < 10 -> opens at 10.
    timeline(failuresInWindow({ threshold: 3, window: 10 }), '-f---f----f', 'c---------o');
  });

  it('successes do not reset it', () => {
    timeline(failuresInWindow({ threshold: 2, window: 5 }), '-fssf', 'c---o');
  });

  it('keeps only the last threshold failures (a fixed ring), whatever the traffic', () => {
    const counter = failuresInWindow({ threshold: 3, window: 10 }).create();
    for (let t = 0; t < 1000; t += 20) expect(counter.failure(t)).toBe(false);
    expect((counter.toJSON().failures as number[]).length).toBe(3);
    expect(counter.toJSON().failures).toEqual([940, 960, 980]);
    expect(counter.failure(985)).toBe(false);
    expect(counter.failure(989)).toBe(true); // 980, 985, 989
  });

  it('saves and restores its failure times (the last threshold of them), and ignores a state it cannot use', () => {
    const counter = failuresInWindow({ threshold: 2, window: 10 }).create();
    counter.restore({ kind: 'failuresInWindow', failures: [1, 2, 3] });
    expect(counter.toJSON()).toEqual({ kind: 'failuresInWindow', failures: [2, 3] });
    expect(counter.failure(5)).toBe(true);
    counter.restore({ kind: 'failuresInWindow', failures: [1, 'x'] });
    counter.restore({ kind: 'failuresInWindow', failures: 'x' });
    counter.restore({ kind: 'consecutiveFailures', count: 1 });
    expect(counter.toJSON()).toEqual({ kind: 'failuresInWindow', failures: [3, 5] });
    counter.reset();
    expect(counter.toJSON()).toEqual({ kind: 'failuresInWindow', failures: [] });
    expect(counter.success(0)).toBe(false);
  });

  it('validates its options', () => {
    expect(configError(() => failuresInWindow({ threshold: 0, window: 10 })).message).toBe(
      'failuresInWindow: threshold must be an integer >= 1, got 0',
    );
    expect(configError(() => failuresInWindow({ threshold: 2, window: 0 })).message).toBe(
      'failuresInWindow: window must be a finite number > 0, got 0',
    );
    expect(configError(() => failuresInWindow({ threshold: 2, window: 10, extra: 1 } as never)).message).toMatch(
      /^failuresInWindow: extra is not a known option/,
    );
    expect(configError(() => (failuresInWindow as (o?: unknown) => unknown)()).message).toBe(
      'failuresInWindow: options must be an object, got undefined',
    );
    expect(JSON.parse(JSON.stringify(failuresInWindow({ threshold: 2, window: 10 })))).toEqual({
      kind: 'failuresInWindow',
      threshold: 2,
      window: 10,
    });
  });
});

describe('failureRate({ threshold, minimumCalls, window: { calls } })', () => {
  it('opens when at least minimumCalls outcomes are in the window and failures/outcomes >= threshold', () => {
    // s f s f: 2/4 = 0.5 at the 4th outcome.
    timeline(failureRate({ threshold: 0.5, minimumCalls: 4, window: { calls: 4 } }), '-sfsf', 'c---o');
  });

  it('waits for minimumCalls, and a success can be the outcome that opens it', () => {
    // f f f: 100% but only 3 outcomes; the success makes 4 outcomes at 75%.
    timeline(failureRate({ threshold: 0.5, minimumCalls: 4, window: { calls: 4 } }), '-fffs', 'c---o', '-EEEs');
  });

  it('counts only the last `calls` outcomes: older ones are evicted one by one', () => {
    // threshold 0.75, window 4: f s s s | f f f -> windows [fsss] [sssf] [ssff] [sfff]: 0.25 .25 .5 .75
    timeline(failureRate({ threshold: 0.75, minimumCalls: 4, window: { calls: 4 } }), '-fsssfff', 'c------o');
  });

  it('minimumCalls defaults to 10', () => {
    const policy = failureRate({ threshold: 1, window: { calls: 20 } });
    expect(policy.minimumCalls).toBe(10);
    const counter = policy.create();
    for (let i = 0; i < 9; i++) expect(counter.failure(0)).toBe(false);
    expect(counter.failure(0)).toBe(true);
  });

  it('compares the rate exactly: 3 failures in 10 is 0.3', () => {
    const counter = failureRate({ threshold: 0.3, window: { calls: 10 } }).create();
    for (let i = 0; i < 7; i++) counter.success(0);
    expect(counter.failure(0)).toBe(false);
    expect(counter.failure(0)).toBe(false);
    expect(counter.failure(0)).toBe(true);
  });

  it('saves and restores its outcomes (the last `calls` of them)', () => {
    const counter = failureRate({ threshold: 0.5, minimumCalls: 2, window: { calls: 3 } }).create();
    counter.success(0);
    expect(counter.toJSON()).toEqual({ kind: 'failureRate', window: 'calls', outcomes: [0] });
    const other = failureRate({ threshold: 0.5, minimumCalls: 2, window: { calls: 3 } }).create();
    other.restore({ kind: 'failureRate', window: 'calls', outcomes: [1, 1, 0, 0, 1] });
    expect(other.toJSON()).toEqual({ kind: 'failureRate', window: 'calls', outcomes: [0, 0, 1] });
    expect(other.failure(0)).toBe(true); // [0, 1, 1]
    for (const bad of [
      { kind: 'failureRate', window: 'calls', outcomes: [2] },
      { kind: 'failureRate', window: 'calls', outcomes: 'x' },
      { kind: 'failureRate', window: 'duration', outcomes: [1] },
      { kind: 'consecutiveFailures', outcomes: [1] },
    ]) {
      counter.restore(bad);
      expect(counter.toJSON()).toEqual({ kind: 'failureRate', window: 'calls', outcomes: [0] });
    }
    counter.reset();
    expect(counter.toJSON()).toEqual({ kind: 'failureRate', window: 'calls', outcomes: [] });
  });
});

describe('failureRate({ threshold, minimumCalls, window: { duration, buckets } })', () => {
  // duration 10 in 5 buckets of 2 ms aligned to time 0: [0,2) [2,4) [4,6) [6,8) [8,10) [10,12) ...
  const policy = () => failureRate({ threshold: 0.5, minimumCalls: 3, window: { duration: 10, buckets: 5 } });

  it('counts the outcomes of the current bucket and the buckets - 1 before it', () => {
    // failures at 1, 2 and 9: buckets 0, 1, 4 are all in the window at 9 -> opens.
    timeline(policy(), '-ff------f', 'c--------o');
  });

  it('evicts a whole bucket at once, at its boundary (aligned to time 0, not to the outcome)', () => {
    // failures at 1, 2, 10: at 10 the window is buckets 1-5 and the failure at 1 (bucket 0) is out,
    // although only 9 ms passed: 2 outcomes < minimumCalls. The failure at 11 makes 3 -> opens.
    timeline(policy(), '-ff-------ff', 'c----------o');
  });

  it('forgets everything after a gap longer than the window', () => {
    timeline(policy(), '-ff' + '-'.repeat(20) + 'fff', 'c' + '-'.repeat(24) + 'o');
  });

  it('buckets defaults to 10, and successes count as outcomes', () => {
    const p = failureRate({ threshold: 0.5, minimumCalls: 4, window: { duration: 100 } });
    expect(p.window).toEqual({ duration: 100, buckets: 10 });
    const counter = p.create();
    expect(counter.success(0)).toBe(false);
    expect(counter.success(5)).toBe(false);
    expect(counter.failure(50)).toBe(false);
    expect(counter.failure(99)).toBe(true); // 2 / 4 in buckets 0..9
    counter.reset();
    counter.success(0);
    counter.success(5);
    counter.failure(50);
    expect(counter.failure(100)).toBe(false); // bucket 0 (0 and 5) evicted at 100: 2 outcomes < 4
  });

  it('counts an outcome from a clock that went back in the newest bucket', () => {
    const counter = policy().create();
    counter.failure(100);
    counter.failure(101);
    expect(counter.failure(50)).toBe(true);
    expect(counter.toJSON()).toEqual({
      kind: 'failureRate',
      window: 'duration',
      bucketSize: 2,
      latest: 50,
      slices: [{ index: 50, calls: 3, failures: 3 }],
    });
  });

  it('keeps a fixed array of buckets whatever the traffic', () => {
    const counter = policy().create();
    for (let t = 0; t < 10_000; t++) counter.success(t);
    expect((counter.toJSON().slices as unknown[]).length).toBe(5);
  });

  it('saves and restores its buckets; a state from another bucket size is ignored', () => {
    const counter = policy().create();
    expect(counter.toJSON()).toEqual({
      kind: 'failureRate',
      window: 'duration',
      bucketSize: 2,
      latest: null,
      slices: [],
    });
    counter.failure(1);
    counter.success(3);
    counter.failure(9);
    const saved = counter.toJSON();
    expect(saved).toEqual({
      kind: 'failureRate',
      window: 'duration',
      bucketSize: 2,
      latest: 4,
      slices: [
        { index: 0, calls: 1, failures: 1 },
        { index: 1, calls: 1, failures: 0 },
        { index: 4, calls: 1, failures: 1 },
      ],
    });
    const restored = policy().create();
    restored.restore(JSON.parse(JSON.stringify(saved)));
    expect(restored.toJSON()).toEqual(saved);
    // At 10 bucket 0 leaves: s@3 f@9 + f@10 -> 2/3 -> opens
    expect(restored.failure(10)).toBe(true);

    const old = policy().create();
    old.restore({
      ...saved,
      slices: [
        { index: -10, calls: 3, failures: 3 },
        { index: 4, calls: 1, failures: 0 },
      ],
    });
    expect(old.toJSON().slices).toEqual([{ index: 4, calls: 1, failures: 0 }]);

    const other = failureRate({ threshold: 0.5, minimumCalls: 3, window: { duration: 20, buckets: 5 } }).create();
    other.restore(saved);
    expect(other.toJSON().slices).toEqual([]);
    for (const bad of [
      { ...saved, latest: 'x' },
      { ...saved, slices: 'x' },
      { ...saved, slices: [null] },
      { ...saved, slices: [{ index: 5, calls: 1, failures: 0 }] },
      { ...saved, slices: [{ index: 1, calls: 1, failures: 2 }] },
      { ...saved, slices: [{ index: 1, calls: -1, failures: 0 }] },
      { ...saved, window: 'calls' },
      { ...saved, kind: 'failuresInWindow' },
    ]) {
      const fresh = policy().create();
      fresh.restore(bad);
      expect(fresh.toJSON().latest).toBe(null);
    }
  });
});

describe('failureRate validation', () => {
  it.each([
    [{ threshold: 0, window: { calls: 10 } }, 'failureRate: threshold must be a number > 0 and <= 1, got 0'],
    [{ threshold: 1.5, window: { calls: 10 } }, 'failureRate: threshold must be a number > 0 and <= 1, got 1.5'],
    [
      { threshold: 0.5, minimumCalls: 0, window: { calls: 10 } },
      'failureRate: minimumCalls must be an integer >= 1, got 0',
    ],
    [
      { threshold: 0.5, window: { calls: 5 } },
      'failureRate: minimumCalls must be an integer >= 1 and <= window.calls (5), got 10',
    ],
    [{ threshold: 0.5, window: { calls: 0 } }, 'failureRate: window.calls must be an integer >= 1, got 0'],
    [
      { threshold: 0.5, window: { calls: 10, duration: 5 } },
      'failureRate: window must be either { calls } or { duration, buckets? }, not both, got an object',
    ],
    [{ threshold: 0.5, window: { duration: 0 } }, 'failureRate: window.duration must be a finite number > 0, got 0'],
    [
      { threshold: 0.5, window: { duration: 10, buckets: 0 } },
      'failureRate: window.buckets must be an integer >= 1, got 0',
    ],
    [
      { threshold: 0.5, window: { duration: 10, size: 1 } },
      'failureRate: window must be an object { calls } or { duration, buckets? }, got an object',
    ],
    [
      { threshold: 0.5, window: 10 },
      'failureRate: window must be an object { calls } or { duration, buckets? }, got 10',
    ],
    [
      { threshold: 0.5, window: null },
      'failureRate: window must be an object { calls } or { duration, buckets? }, got null',
    ],
    [{ threshold: 0.5 }, 'failureRate: window must be an object { calls } or { duration, buckets? }, got undefined'],
    [undefined, 'failureRate: options must be an object, got undefined'],
  ])('%j -> %s', (options, message) => {
    expect(configError(() => failureRate(options as never)).message).toBe(message);
  });

  it('rejects unknown options', () => {
    expect(configError(() => failureRate({ threshold: 0.5, window: { calls: 10 }, min: 1 } as never)).message).toMatch(
      /^failureRate: min is not a known option \(known: threshold, minimumCalls, window\)$/,
    );
  });

  it('is a small frozen value', () => {
    const p = failureRate({ threshold: 0.5, window: { calls: 10 } });
    expect(Object.isFrozen(p)).toBe(true);
    expect(JSON.parse(JSON.stringify(p))).toEqual({
      kind: 'failureRate',
      threshold: 0.5,
      minimumCalls: 10,
      window: { calls: 10 },
    });
  });
});
