import fc from 'fast-check';
import { map, Subscription } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ResilienceConfigError } from '../../src/errors/index';
import { HealthTracker } from '../../src/health/index';
import type { HealthEvent, HealthTrackerOptions, HealthTrackerSnapshot } from '../../src/health/index';
import { createScheduler, pendingActions } from '../helpers/scheduler';

/** A clock that only moves when told to, and never runs timers. */
function manualClock(): SchedulerLike & { time: number } {
  return {
    time: 0,
    now() {
      return this.time;
    },
    schedule: () => new Subscription(),
  };
}

/** A tracker on a manual clock, with `n` successes of `latency` ms and `f` failures recorded. */
function trackerWith(options: HealthTrackerOptions, successes: number[], failures = 0): HealthTracker {
  const tracker = new HealthTracker({ scheduler: manualClock(), ...options });
  for (const latency of successes) tracker.recordSuccess(latency);
  for (let i = 0; i < failures; i++) tracker.recordFailure(new Error('failed'));
  return tracker;
}

/** The exact nearest-rank quantile of `values`. */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length - 1e-9)) - 1]!;
}

describe('HealthTracker', () => {
  describe('options', () => {
    it('defaults: name health, healthy, no calls, no latency', () => {
      const tracker = new HealthTracker({ scheduler: manualClock() });
      expect(tracker.name).toBe('health');
      expect(tracker.snapshot()).toEqual({
        name: 'health',
        status: 'healthy',
        successRate: 1,
        calls: 0,
        failures: 0,
        latency: null,
      });
    });

    it('default thresholds: below 0.95 degraded, below 0.5 unhealthy, over 60 s, from 1 call', () => {
      const clock = manualClock();
      const tracker = new HealthTracker({ scheduler: clock });
      tracker.recordFailure();
      expect(tracker.status).toBe('unhealthy'); // 1 call is enough
      for (let i = 0; i < 19; i++) tracker.recordSuccess(1);
      expect(tracker.snapshot()).toMatchObject({ status: 'healthy', successRate: 0.95, calls: 20, failures: 1 });
      tracker.recordFailure();
      expect(tracker.status).toBe('degraded'); // 19/21
      for (let i = 0; i < 19; i++) tracker.recordFailure();
      expect(tracker.snapshot()).toMatchObject({ status: 'unhealthy', successRate: 0.475 }); // 19/40
      clock.time = 59_999;
      expect(tracker.snapshot().calls).toBe(40);
      clock.time = 60_000;
      expect(tracker.snapshot()).toMatchObject({ status: 'healthy', calls: 0 });
    });

    it('works with no options at all, on the async scheduler', () => {
      const tracker = new HealthTracker();
      tracker.recordSuccess(3);
      expect(tracker.snapshot()).toMatchObject({ calls: 1, latency: { mean: 3, p50: 3, p95: 3, p99: 3 } });
      tracker.dispose();
    });

    it.each<[HealthTrackerOptions, string]>([
      [{ name: '' }, 'HealthTracker: name must be a non-empty string, got ""'],
      [{ name: 'db', window: 0 }, 'HealthTracker "db": window must be a finite number > 0, got 0'],
      [{ buckets: 0 }, 'HealthTracker "health": buckets must be an integer >= 1, got 0'],
      [{ minimumCalls: -1 }, 'HealthTracker "health": minimumCalls must be an integer >= 0, got -1'],
      [{ minimumCalls: 2.5 }, 'HealthTracker "health": minimumCalls must be an integer >= 0, got 2.5'],
      [{ degradedBelow: 1.5 }, 'HealthTracker "health": degradedBelow must be a number >= 0 and <= 1, got 1.5'],
      [{ unhealthyBelow: -0.1 }, 'HealthTracker "health": unhealthyBelow must be a number >= 0 and <= 1, got -0.1'],
      [
        { degradedBelow: 0.4 },
        'HealthTracker "health": unhealthyBelow must be a number <= degradedBelow (0.4), got 0.5',
      ],
      [{ degradedLatency: 0 }, 'HealthTracker "health": degradedLatency must be a finite number > 0, got 0'],
      [
        { unhealthyLatency: Infinity },
        'HealthTracker "health": unhealthyLatency must be a finite number > 0, got Infinity',
      ],
      [
        { degradedLatency: 500, unhealthyLatency: 100 },
        'HealthTracker "health": unhealthyLatency must be a number >= degradedLatency (500), got 100',
      ],
      [{ scheduler: null as unknown as SchedulerLike }, 'HealthTracker "health": scheduler must be a SchedulerLike'],
    ])('rejects %o', (options, message) => {
      expect(() => new HealthTracker(options)).toThrow(ResilienceConfigError);
      expect(() => new HealthTracker(options)).toThrow(message);
    });

    it('rejects unknown options', () => {
      expect(() => new HealthTracker({ threshold: 0.5 } as HealthTrackerOptions)).toThrow(
        'HealthTracker "health": threshold is not a known option (known: name, window, buckets, minimumCalls, degradedBelow, unhealthyBelow, degradedLatency, unhealthyLatency, scheduler)',
      );
    });
  });

  describe('recording', () => {
    it('calls include failures; the success rate is successes / calls; latency comes from successes only', () => {
      const tracker = trackerWith({}, [10, 20, 30], 1);
      expect(tracker.snapshot()).toEqual({
        name: 'health',
        status: 'degraded',
        successRate: 0.75,
        calls: 4,
        failures: 1,
        latency: { mean: 20, p50: 20, p95: 30, p99: 30 },
      });
    });

    it('only failures: latency is null', () => {
      expect(trackerWith({}, [], 3).snapshot()).toMatchObject({ successRate: 0, latency: null, status: 'unhealthy' });
    });

    it('recordSuccess rejects a latency that is not a finite number >= 0, with a RangeError', () => {
      const tracker = new HealthTracker({ name: 'db', scheduler: manualClock() });
      for (const bad of [-1, NaN, Infinity, '5' as unknown as number]) {
        expect(() => tracker.recordSuccess(bad)).toThrow(RangeError);
      }
      expect(() => tracker.recordSuccess(-1)).toThrow(
        'HealthTracker "db": latency must be a finite number >= 0, got -1',
      );
      expect(tracker.snapshot().calls).toBe(0);
      tracker.recordSuccess(0);
      expect(tracker.snapshot().latency).toEqual({ mean: 0, p50: 0, p95: 0, p99: 0 });
    });

    it('now() is the scheduler clock', () => {
      const clock = manualClock();
      clock.time = 1234;
      expect(new HealthTracker({ scheduler: clock }).now()).toBe(1234);
    });

    it('a latency beyond 2^32 ms is kept and reported as the largest seen', () => {
      const tracker = trackerWith({}, [5, 2 ** 33]);
      expect(tracker.snapshot().latency).toEqual({ mean: (5 + 2 ** 33) / 2, p50: 5, p95: 2 ** 33, p99: 2 ** 33 });
    });
  });

  describe('status', () => {
    it('fewer than minimumCalls calls: healthy, whatever they were', () => {
      const tracker = trackerWith({ minimumCalls: 3 }, [], 2);
      expect(tracker.snapshot()).toMatchObject({ status: 'healthy', successRate: 0, calls: 2 });
      tracker.recordFailure();
      expect(tracker.status).toBe('unhealthy');
    });

    it('minimumCalls 0: no calls is still healthy', () => {
      expect(trackerWith({ minimumCalls: 0 }, []).status).toBe('healthy');
    });

    it('"below" is strict: a rate equal to a threshold is not below it', () => {
      const options = { degradedBelow: 0.75, unhealthyBelow: 0.5 };
      expect(trackerWith(options, [1, 1, 1], 1).status).toBe('healthy'); // 0.75
      expect(trackerWith(options, [1, 1, 1, 1, 1], 2).status).toBe('degraded'); // 0.714
      expect(trackerWith(options, [1], 1).status).toBe('degraded'); // 0.5
      expect(trackerWith(options, [1], 2).status).toBe('unhealthy'); // 0.333
    });

    it('p95 at or above degradedLatency: at least degraded; at or above unhealthyLatency: unhealthy', () => {
      const options = { degradedLatency: 100, unhealthyLatency: 1000 };
      // p95 of 100 calls is the 95th smallest latency: 94 fast calls and 6 slow ones put it among the slow
      const fast: number[] = Array(94).fill(10);
      const slow = (ms: number): number[] => Array(6).fill(ms);
      expect(trackerWith(options, [...fast, ...slow(99)]).snapshot()).toMatchObject({
        status: 'healthy',
        latency: { p95: 99 },
      });
      expect(trackerWith(options, [...fast, ...slow(100)]).snapshot()).toMatchObject({
        status: 'degraded',
        latency: { p95: 100 },
      });
      expect(trackerWith(options, [...fast, ...slow(999)]).status).toBe('degraded');
      expect(trackerWith(options, [...fast, ...slow(1000)]).snapshot()).toMatchObject({
        status: 'unhealthy',
        latency: { p95: 1000 },
      });
      // 5 slow calls of 100 do not reach the p95
      expect(trackerWith(options, [...fast, 10, ...Array(5).fill(5000)]).status).toBe('healthy');
    });

    it('takes the worse of the success rate and the latency', () => {
      // rate degraded, latency unhealthy
      expect(trackerWith({ unhealthyLatency: 50 }, Array(9).fill(60), 1).status).toBe('unhealthy');
      // rate unhealthy, latency fine
      expect(trackerWith({ degradedLatency: 50 }, [1], 3).status).toBe('unhealthy');
      // rate healthy, latency degraded
      expect(trackerWith({ degradedLatency: 50 }, [60]).status).toBe('degraded');
      // rate degraded, latency degraded
      expect(trackerWith({ degradedLatency: 50 }, Array(9).fill(60), 1).status).toBe('degraded');
      // only unhealthyLatency set: below it, the rate decides
      expect(trackerWith({ unhealthyLatency: 50 }, [40]).status).toBe('healthy');
    });

    it('the latency rules need successes in the window; failures alone do not make it slow', () => {
      expect(trackerWith({ degradedLatency: 1, degradedBelow: 0, unhealthyBelow: 0 }, [], 5).status).toBe('healthy');
    });
  });

  describe('the sliding window', () => {
    it('a call leaves exactly window ms after it was recorded (one call per bucket)', () => {
      const clock = manualClock();
      const tracker = new HealthTracker({ window: 100, scheduler: clock });
      tracker.recordFailure();
      clock.time = 50;
      tracker.recordSuccess(7);
      clock.time = 99;
      expect(tracker.snapshot()).toMatchObject({ calls: 2, failures: 1, status: 'degraded' });
      clock.time = 100;
      expect(tracker.snapshot()).toMatchObject({ calls: 1, failures: 0, status: 'healthy', latency: { p95: 7 } });
      clock.time = 150;
      expect(tracker.snapshot()).toMatchObject({ calls: 0, latency: null });
    });

    it('precision: a bucket leaves when its latest call is window ms old (counted longer, never shorter)', () => {
      const clock = manualClock();
      const tracker = new HealthTracker({ window: 100, buckets: 10, scheduler: clock });
      tracker.recordFailure(); // bucket [0, 10)
      clock.time = 5;
      tracker.recordSuccess(1); // same bucket
      clock.time = 100;
      expect(tracker.snapshot().calls).toBe(2); // the failure made at 0 still counts
      clock.time = 105;
      expect(tracker.snapshot().calls).toBe(0);
    });

    it('reuses its buckets as time goes round the ring', () => {
      const clock = manualClock();
      const tracker = new HealthTracker({ window: 10, buckets: 2, scheduler: clock });
      for (let t = 0; t < 300; t += 5) {
        clock.time = t;
        tracker.recordSuccess(t);
        expect(tracker.snapshot()).toMatchObject({ calls: t === 0 ? 1 : 2 });
      }
      expect(tracker.snapshot().latency).toMatchObject({ mean: 292.5, p99: 295 });
    });

    it('state$ emits after every recorded call and when calls leave the window, so the status recovers by itself', () => {
      createScheduler().run(({ hot, expectObservable }) => {
        const tracker = new HealthTracker({ window: 5, buckets: 5 });
        hot('-s-f').subscribe((o) => (o === 's' ? tracker.recordSuccess(1) : tracker.recordFailure()));
        const view = (s: HealthTrackerSnapshot) => `${s.status}/${s.calls}`;
        expectObservable(tracker.state$.pipe(map(view))).toBe('ab-c--d-e', {
          a: 'healthy/0',
          b: 'healthy/1',
          c: 'degraded/2',
          d: 'unhealthy/1',
          e: 'healthy/0',
        });
      });
    });

    it('a snapshot() read between an expiry and its timer does not swallow the state$ emission', () => {
      const scheduler = createScheduler();
      const tracker = new HealthTracker({ window: 10, buckets: 1, scheduler });
      const seen: number[] = [];
      scheduler.schedule(() => tracker.recordSuccess(1), 0);
      scheduler.schedule(() => tracker.recordSuccess(1), 4); // same bucket: the timer armed for 10 finds it still live
      scheduler.schedule(() => tracker.snapshot(), 14); // prunes at 14, before the timer armed for 14 runs
      tracker.state$.subscribe((s) => seen.push(s.calls));
      scheduler.flush();
      expect(seen).toEqual([0, 1, 2, 0]);
      expect(pendingActions(scheduler)).toBe(0);
    });

    it('leaves no timer behind once everything has left the window', () => {
      const scheduler = createScheduler();
      const tracker = new HealthTracker({ window: 50, scheduler });
      scheduler.schedule(() => tracker.recordSuccess(3), 10);
      scheduler.schedule(() => tracker.recordFailure(), 30);
      scheduler.flush();
      expect(pendingActions(scheduler)).toBe(0);
      expect(tracker.snapshot().calls).toBe(0);
    });
  });

  describe('events$', () => {
    it('snapshots are plain JSON-serialisable objects; events$ is hot', () => {
      const tracker = trackerWith({}, [1, 2, 3], 1);
      const snapshot = tracker.snapshot();
      expect(Object.getPrototypeOf(snapshot)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
      const types: string[] = [];
      tracker.events$.subscribe((e) => types.push(e.type));
      tracker.recordSuccess(1);
      expect(types).toEqual(['success']);
    });

    it('success {latency}, failure {error}, and status-change {from, to} after the outcome that caused it', () => {
      const scheduler = createScheduler();
      const tracker = new HealthTracker({ name: 'db', window: 100, scheduler });
      const events: HealthEvent[] = [];
      tracker.events$.subscribe((e) => events.push(e));
      const error = new Error('down');
      scheduler.schedule(() => tracker.recordSuccess(12), 5);
      scheduler.schedule(() => tracker.recordFailure(error), 18);
      scheduler.flush();
      expect(events).toEqual([
        { type: 'success', name: 'db', at: 5, latency: 12 },
        { type: 'failure', name: 'db', at: 18, error },
        { type: 'status-change', name: 'db', at: 18, from: 'healthy', to: 'degraded' },
        // the success leaves at 105: 0 of 1
        { type: 'status-change', name: 'db', at: 105, from: 'degraded', to: 'unhealthy' },
        { type: 'status-change', name: 'db', at: 118, from: 'unhealthy', to: 'healthy' },
      ]);
    });
  });

  describe('dispose()', () => {
    it('cancels the expiry timer and completes state$ and events$; recording still counts, with no timer', () => {
      const scheduler = createScheduler();
      const tracker = new HealthTracker({ scheduler });
      const done: string[] = [];
      tracker.state$.subscribe({ complete: () => done.push('state$') });
      tracker.events$.subscribe({ complete: () => done.push('events$') });
      tracker.recordFailure();
      expect(pendingActions(scheduler)).toBe(1);
      tracker.dispose();
      expect(pendingActions(scheduler)).toBe(0);
      expect(done).toEqual(['state$', 'events$']);
      tracker.recordSuccess(4);
      expect(pendingActions(scheduler)).toBe(0);
      expect(tracker.snapshot()).toMatchObject({ calls: 2, failures: 1 });
    });
  });

  describe('properties', () => {
    const latency = fc.oneof(
      fc.double({ min: 0, max: 3, noNaN: true }),
      fc.integer({ min: 0, max: 500 }),
      fc.double({ min: -1, max: 6, noNaN: true }).map((x) => 10 ** x),
    );

    it('percentiles are within 5% (or 1 ms) of the exact value, and the mean is exact, on random latency sets', () => {
      fc.assert(
        fc.property(fc.array(latency, { minLength: 1, maxLength: 500 }), (values) => {
          const summary = trackerWith({}, values).snapshot().latency!;
          for (const [q, got] of [
            [0.5, summary.p50],
            [0.95, summary.p95],
            [0.99, summary.p99],
          ] as const) {
            const want = exact(values, q);
            expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.max(0.05 * want, 1));
            expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.max(0.025 * want, 0.025) + 1e-9);
          }
          const mean = values.reduce((a, b) => a + b, 0) / values.length;
          expect(summary.mean).toBeCloseTo(mean, 6);
        }),
        { numRuns: 300 },
      );
    });

    it('over time, the snapshot matches the exact calls of the window (one bucket per ms)', () => {
      const step = fc.record({ dt: fc.integer({ min: 0, max: 15 }), latency: fc.option(latency, { nil: undefined }) });
      fc.assert(
        fc.property(fc.array(step, { maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (steps, window) => {
          const clock = manualClock();
          const tracker = new HealthTracker({ window, buckets: window, scheduler: clock });
          const log: Array<{ at: number; latency: number | undefined }> = [];
          for (const { dt, latency: l } of steps) {
            clock.time += dt;
            if (l === undefined) tracker.recordFailure();
            else tracker.recordSuccess(l);
            log.push({ at: clock.time, latency: l });
            const live = log.filter((c) => clock.time - c.at < window);
            const ok = live.filter((c) => c.latency !== undefined).map((c) => c.latency!);
            const s = tracker.snapshot();
            expect(s.calls).toBe(live.length);
            expect(s.failures).toBe(live.length - ok.length);
            if (ok.length === 0) {
              expect(s.latency).toBeNull();
            } else {
              const want = exact(ok, 0.95);
              expect(Math.abs(s.latency!.p95 - want)).toBeLessThanOrEqual(Math.max(0.05 * want, 1));
            }
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});
