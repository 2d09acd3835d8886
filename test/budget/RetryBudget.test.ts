import fc from 'fast-check';
import { config, map, Subscription } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryBudget } from '../../src/budget/index';
import type { RetryBudgetEvent, RetryBudgetOptions, RetryBudgetSnapshot } from '../../src/budget/index';
import { ResilienceConfigError } from '../../src/errors/index';
import { createScheduler, pendingActions } from '../helpers/scheduler';

/** Runs `steps` (each at its scheduler time) on a budget driven by a fresh TestScheduler. */
function timeline(options: RetryBudgetOptions, steps: Array<[number, (budget: RetryBudget) => void]>): RetryBudget {
  const scheduler = createScheduler();
  const budget = new RetryBudget({ ...options, scheduler });
  for (const [at, step] of steps) scheduler.schedule(() => step(budget), at);
  scheduler.flush();
  return budget;
}

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

describe('RetryBudget', () => {
  describe('options', () => {
    it('defaults: name retry-budget, 100 retries per 60 s, ratio 0', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ scheduler: clock });
      expect(budget.name).toBe('retry-budget');
      expect(budget.snapshot()).toEqual({
        name: 'retry-budget',
        currentRetries: 0,
        maxRetries: 100,
        budgetUsed: 0,
        calls: 0,
        rejected: 0,
      });
      for (let i = 0; i < 100; i++) expect(budget.tryAcquire()).toBe(true);
      expect(budget.tryAcquire()).toBe(false);
      clock.time = 59_999;
      expect(budget.tryAcquire()).toBe(false);
      clock.time = 60_000;
      expect(budget.tryAcquire()).toBe(true);
    });

    it('works with no options at all, on the async scheduler', () => {
      const budget = new RetryBudget();
      expect(budget.tryAcquire()).toBe(true);
      expect(budget.snapshot().currentRetries).toBe(1);
      budget.dispose();
    });

    it.each<[RetryBudgetOptions, string]>([
      [{ name: '' }, 'RetryBudget: name must be a non-empty string, got ""'],
      [{ maxRetries: -1 }, 'RetryBudget "retry-budget": maxRetries must be an integer >= 0, got -1'],
      [{ maxRetries: 1.5 }, 'RetryBudget "retry-budget": maxRetries must be an integer >= 0, got 1.5'],
      [{ maxRetries: Infinity }, 'RetryBudget "retry-budget": maxRetries must be an integer >= 0, got Infinity'],
      [{ name: 'api', window: 0 }, 'RetryBudget "api": window must be a finite number > 0, got 0'],
      [{ window: Infinity }, 'RetryBudget "retry-budget": window must be a finite number > 0, got Infinity'],
      [{ ratio: -0.1 }, 'RetryBudget "retry-budget": ratio must be a finite number >= 0, got -0.1'],
      [{ ratio: NaN }, 'RetryBudget "retry-budget": ratio must be a finite number >= 0, got NaN'],
      [{ buckets: 0 }, 'RetryBudget "retry-budget": buckets must be an integer >= 1, got 0'],
      [
        { scheduler: {} as SchedulerLike },
        'RetryBudget "retry-budget": scheduler must be a SchedulerLike (an object with now() and schedule()), got an object',
      ],
    ])('rejects %o', (options, message) => {
      const make = () => new RetryBudget(options);
      expect(make).toThrow(ResilienceConfigError);
      expect(make).toThrow(message);
    });

    it('rejects unknown options and non-objects', () => {
      expect(() => new RetryBudget({ maxRetry: 3 } as RetryBudgetOptions)).toThrow(
        'RetryBudget "retry-budget": maxRetry is not a known option (known: name, maxRetries, window, ratio, buckets, scheduler)',
      );
      expect(() => new RetryBudget(null as unknown as RetryBudgetOptions)).toThrow(ResilienceConfigError);
      expect(() => new RetryBudget(5 as unknown as RetryBudgetOptions)).toThrow(
        'RetryBudget "retry-budget": options must be an object, got 5',
      );
    });

    it('accepts a ratio above 1 (more than one retry per call)', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ maxRetries: 0, ratio: 2, scheduler: clock });
      budget.recordCall();
      expect(budget.snapshot().maxRetries).toBe(2);
    });
  });

  describe('the allowance', () => {
    it('allows at most maxRetries within the window, and counts refusals in rejected', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ maxRetries: 2, window: 100, scheduler: clock });
      expect([budget.tryAcquire(), budget.tryAcquire(), budget.tryAcquire(), budget.tryAcquire()]).toEqual([
        true,
        true,
        false,
        false,
      ]);
      expect(budget.snapshot()).toMatchObject({ currentRetries: 2, maxRetries: 2, budgetUsed: 1, rejected: 2 });
    });

    it('maxRetries 0 and ratio 0 refuses every retry', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ maxRetries: 0, scheduler: clock });
      budget.recordCall();
      expect(budget.tryAcquire()).toBe(false);
      expect(budget.snapshot()).toMatchObject({ currentRetries: 0, maxRetries: 0, budgetUsed: 0, rejected: 1 });
    });

    it('a retry stops counting exactly window ms after it was made', () => {
      const results: boolean[] = [];
      timeline({ maxRetries: 1, window: 100 }, [
        [10, (b) => results.push(b.tryAcquire())],
        [109, (b) => results.push(b.tryAcquire())],
        [110, (b) => results.push(b.tryAcquire())],
      ]);
      expect(results).toEqual([true, false, true]);
    });

    it('ratio: each call within the window adds ratio retries, floored', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ maxRetries: 1, ratio: 0.29, window: 1000, scheduler: clock });
      for (let i = 0; i < 100; i++) budget.recordCall();
      // floor(0.29 * 100) is 29 even though 0.29 * 100 is 28.999999999999996 in binary
      expect(budget.snapshot()).toMatchObject({ calls: 100, maxRetries: 30 });
      let allowed = 0;
      while (budget.tryAcquire()) allowed++;
      expect(allowed).toBe(30);
    });

    it('a call stops counting exactly window ms after it was made, and the allowance shrinks', () => {
      const seen: RetryBudgetSnapshot[] = [];
      timeline({ maxRetries: 0, ratio: 0.5, window: 100 }, [
        [0, (b) => (b.recordCall(), b.recordCall())],
        [99, (b) => seen.push(b.snapshot())],
        [100, (b) => seen.push(b.snapshot())],
      ]);
      expect(seen.map((s) => [s.calls, s.maxRetries])).toEqual([
        [2, 1],
        [0, 0],
      ]);
    });

    it('retries counted past the allowance (calls expired first) read as budgetUsed 1', () => {
      const seen: RetryBudgetSnapshot[] = [];
      timeline({ maxRetries: 1, ratio: 1, window: 100 }, [
        [0, (b) => (b.recordCall(), b.recordCall())],
        [50, (b) => (b.tryAcquire(), b.tryAcquire(), b.tryAcquire(), seen.push(b.snapshot()))],
        [100, (b) => seen.push(b.snapshot())],
      ]);
      expect(seen).toEqual([
        expect.objectContaining({ currentRetries: 3, maxRetries: 3, budgetUsed: 1, calls: 2 }),
        expect.objectContaining({ currentRetries: 3, maxRetries: 1, budgetUsed: 1, calls: 0 }),
      ]);
    });

    it('budgetUsed is currentRetries / allowance', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ maxRetries: 4, scheduler: clock });
      budget.tryAcquire();
      expect(budget.snapshot().budgetUsed).toBe(0.25);
      budget.tryAcquire();
      expect(budget.snapshot().budgetUsed).toBe(0.5);
    });

    it('with the allowance at 0 and retries still counted, budgetUsed is 1', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ maxRetries: 0, ratio: 1, window: 100, buckets: 100, scheduler: clock });
      budget.recordCall();
      expect(budget.tryAcquire()).toBe(true);
      clock.time = 100; // the call has left the window; the retry made at 0 too
      expect(budget.snapshot()).toMatchObject({ currentRetries: 0, maxRetries: 0, budgetUsed: 0 });
      clock.time = 150;
      budget.recordCall();
      clock.time = 160;
      expect(budget.tryAcquire()).toBe(true);
      clock.time = 250; // the call (150) has left, the retry (160) has not
      expect(budget.snapshot()).toMatchObject({ currentRetries: 1, maxRetries: 0, budgetUsed: 1 });
    });

    it('precision: each retry stops counting exactly window ms after it was made; a bucket keeps its calls until its earliest is window old', () => {
      const clock = manualClock();
      // one bucket per 10 ms
      const budget = new RetryBudget({ maxRetries: 2, ratio: 1, window: 100, buckets: 10, scheduler: clock });
      clock.time = 0;
      budget.recordCall();
      budget.tryAcquire();
      clock.time = 5;
      budget.recordCall();
      budget.tryAcquire();
      clock.time = 100; // the retry and call made at 0 have left; the ones made at 5 have not
      // retries are kept one by one: only the one made at 5 still counts
      // the bucket's calls go when its earliest (0) is 100 ms old: counted shorter, never longer
      expect(budget.snapshot()).toMatchObject({ currentRetries: 1, calls: 0, maxRetries: 2 });
      expect(budget.tryAcquire()).toBe(true);
      expect(budget.tryAcquire()).toBe(false);
      clock.time = 105;
      expect(budget.snapshot()).toMatchObject({ currentRetries: 1, calls: 0 });
      clock.time = 200;
      expect(budget.snapshot()).toMatchObject({ currentRetries: 0, calls: 0 });
    });

    it('one bucket over the whole window still never over-allows', () => {
      const results: boolean[] = [];
      timeline({ maxRetries: 1, window: 100, buckets: 1 }, [
        [0, (b) => results.push(b.tryAcquire())],
        [99, (b) => results.push(b.tryAcquire())],
        [100, (b) => results.push(b.tryAcquire())],
        [199, (b) => results.push(b.tryAcquire())],
      ]);
      expect(results).toEqual([true, false, true, false]);
    });

    it('reuses its buckets as time goes round the ring', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ maxRetries: 1, window: 10, buckets: 2, scheduler: clock });
      for (let t = 0; t < 200; t += 10) {
        clock.time = t;
        expect(budget.tryAcquire()).toBe(true);
        expect(budget.tryAcquire()).toBe(false);
        budget.recordCall();
        expect(budget.snapshot()).toMatchObject({ currentRetries: 1, calls: 1 });
      }
    });

    it('reads time from a wall-clock scheduler (large times)', () => {
      const clock = manualClock();
      clock.time = 1_763_000_000_123;
      const budget = new RetryBudget({ maxRetries: 1, window: 60_000, scheduler: clock });
      expect(budget.tryAcquire()).toBe(true);
      clock.time += 59_999;
      expect(budget.tryAcquire()).toBe(false);
      clock.time += 1;
      expect(budget.tryAcquire()).toBe(true);
    });
  });

  describe('state$', () => {
    it('emits the snapshot on subscribe, after each tryAcquire and recordCall, and when counted data leaves the window', () => {
      createScheduler().run(({ hot, expectObservable }) => {
        const budget = new RetryBudget({ maxRetries: 1, ratio: 1, window: 5, buckets: 5 });
        const calls = hot('  -c----');
        const retries = hot('--rr--');
        calls.subscribe(() => budget.recordCall());
        retries.subscribe(() => budget.tryAcquire());
        const view = (s: RetryBudgetSnapshot) => `${s.calls}/${s.currentRetries}/${s.maxRetries}/${s.rejected}`;
        // the call leaves at 6, the retries at 7 and 8; nothing changes after that
        expectObservable(budget.state$.pipe(map(view))).toBe('abcd--efg', {
          a: '0/0/1/0',
          b: '1/0/2/0',
          c: '1/1/2/0',
          d: '1/2/2/0',
          e: '0/2/1/0',
          f: '0/1/1/0',
          g: '0/0/1/0',
        });
      });
    });

    it('snapshots are plain JSON-serialisable objects', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ name: 'api', ratio: 0.5, scheduler: clock });
      budget.recordCall();
      budget.tryAcquire();
      const snapshot = budget.snapshot();
      expect(Object.getPrototypeOf(snapshot)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    });

    it('a refusal is a change (rejected grows)', () => {
      const clock = manualClock();
      const budget = new RetryBudget({ maxRetries: 0, scheduler: clock });
      const seen: number[] = [];
      budget.state$.subscribe((s) => seen.push(s.rejected));
      budget.tryAcquire();
      budget.tryAcquire();
      expect(seen).toEqual([0, 1, 2]);
    });

    it('each retry leaves the window on its own, and state$ emits as each one does', () => {
      createScheduler().run(({ hot, expectObservable }) => {
        const budget = new RetryBudget({ maxRetries: 5, window: 5, buckets: 1 });
        hot('-r-r').subscribe(() => budget.tryAcquire());
        // retries at 1 and 3 stop counting at 6 and 8
        expectObservable(budget.state$.pipe(map((s) => s.currentRetries))).toBe('ab-c--d-e', {
          a: 0,
          b: 1,
          c: 2,
          d: 1,
          e: 0,
        });
      });
    });

    it('leaves no timer behind once everything has left the window', () => {
      const scheduler = createScheduler();
      const budget = new RetryBudget({ maxRetries: 5, ratio: 1, window: 50, scheduler });
      scheduler.schedule(() => (budget.recordCall(), budget.tryAcquire()), 10);
      scheduler.schedule(() => budget.tryAcquire(), 30);
      scheduler.flush();
      expect(pendingActions(scheduler)).toBe(0);
      expect(budget.snapshot()).toMatchObject({ currentRetries: 0, calls: 0 });
    });

    it('a state$ subscriber that throws does not break the budget (the error is reported, as RxJS does)', () => {
      const reported: unknown[] = [];
      config.onUnhandledError = (e) => reported.push(e);
      const scheduler = createScheduler();
      scheduler.run(() => {
        const budget = new RetryBudget({ maxRetries: 1 });
        budget.state$.subscribe((s) => {
          if (s.rejected > 0) throw new Error('listener');
        });
        expect(budget.tryAcquire()).toBe(true);
        expect(budget.tryAcquire()).toBe(false);
        expect(budget.tryAcquire()).toBe(false);
        expect(budget.snapshot()).toMatchObject({ currentRetries: 1, rejected: 2 });
      });
      // reported each time it throws: two refusals, then the retry leaving the window at 60000
      expect(reported).toEqual([new Error('listener'), new Error('listener'), new Error('listener')]);
    });
  });

  describe('events$', () => {
    it('acquired and rejected, with type, name, at and the counts after the decision', () => {
      const events: RetryBudgetEvent[] = [];
      const scheduler = createScheduler();
      const budget = new RetryBudget({ name: 'api', maxRetries: 1, window: 100, scheduler });
      scheduler.schedule(() => budget.tryAcquire(), 3); // before anyone listens: not seen (hot)
      scheduler.schedule(() => budget.events$.subscribe((e) => events.push(e)), 4);
      scheduler.schedule(() => budget.tryAcquire(), 5);
      scheduler.schedule(() => budget.tryAcquire(), 103);
      scheduler.flush();
      expect(events).toEqual([
        { type: 'rejected', name: 'api', at: 5, currentRetries: 1, maxRetries: 1 },
        { type: 'acquired', name: 'api', at: 103, currentRetries: 1, maxRetries: 1 },
      ]);
    });
  });

  describe('dispose()', () => {
    it('cancels the expiry timer and completes state$ and events$', () => {
      const scheduler = createScheduler();
      const budget = new RetryBudget({ window: 1000, scheduler });
      let stateDone = false;
      let eventsDone = false;
      budget.state$.subscribe({ complete: () => (stateDone = true) });
      budget.events$.subscribe({ complete: () => (eventsDone = true) });
      budget.recordCall();
      budget.tryAcquire();
      expect(pendingActions(scheduler)).toBe(1);
      budget.dispose();
      expect(pendingActions(scheduler)).toBe(0);
      expect([stateDone, eventsDone]).toEqual([true, true]);
      // still answers, without arming a timer
      expect(budget.tryAcquire()).toBe(true);
      budget.recordCall();
      expect(pendingActions(scheduler)).toBe(0);
      let late: RetryBudgetSnapshot | undefined;
      budget.state$.subscribe((s) => (late = s));
      expect(late).toMatchObject({ currentRetries: 2, calls: 2 });
      budget.dispose();
    });

    it('disposing from a state$ subscriber during expiry arms no new timer', () => {
      const scheduler = createScheduler();
      const budget = new RetryBudget({ window: 10, buckets: 10, scheduler });
      scheduler.schedule(() => budget.tryAcquire(), 0);
      scheduler.schedule(() => budget.tryAcquire(), 5);
      budget.state$.subscribe((s) => {
        if (scheduler.now() === 10 && s.currentRetries === 1) budget.dispose();
      });
      scheduler.flush();
      expect(pendingActions(scheduler)).toBe(0);
      expect(budget.disposed).toBe(true);
    });
  });

  describe('properties', () => {
    type Op = { dt: number; kind: 'call' | 'retry' };
    const ops = fc.array(
      fc.record({
        dt: fc.integer({ min: 0, max: 30 }),
        kind: fc.constantFrom<'call' | 'retry'>('call', 'retry', 'retry'),
      }),
      { maxLength: 300 },
    );

    it('never allows more than its allowance in any window, and refuses only within one bucket of precision', () => {
      fc.assert(
        fc.property(
          ops,
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 0, max: 150 }),
          fc.integer({ min: 1, max: 200 }),
          fc.integer({ min: 1, max: 20 }),
          (steps: Op[], maxRetries, percent, window, buckets) => {
            const clock = manualClock();
            const budget = new RetryBudget({ maxRetries, ratio: percent / 100, window, buckets, scheduler: clock });
            const width = window / buckets;
            const calls: number[] = [];
            const retries: number[] = [];
            const inRange = (times: number[], from: number, to: number) =>
              times.filter((t) => t > from && t <= to).length;
            for (const { dt, kind } of steps) {
              clock.time += dt;
              const t = clock.time;
              if (kind === 'call') {
                budget.recordCall();
                calls.push(t);
                continue;
              }
              const allowed = budget.tryAcquire();
              if (allowed) {
                retries.push(t);
                // exact: the retries made in the last `window` ms, this one included, against the
                // exact allowance over the same window
                const exactAllowance = maxRetries + Math.floor((percent * inRange(calls, t - window, t)) / 100);
                expect(inRange(retries, t - window, t)).toBeLessThanOrEqual(exactAllowance);
              } else {
                // a refusal is justified by the counts widened (retries) and narrowed (calls) by one bucket
                const widened = inRange(retries, t - window - width, t);
                const narrowed = maxRetries + Math.floor((percent * inRange(calls, t - window + width, t)) / 100);
                expect(widened).toBeGreaterThanOrEqual(narrowed);
              }
            }
          },
        ),
        { numRuns: 300 },
      );
    });

    it('with one bucket per ms and integer times, it is exact', () => {
      fc.assert(
        fc.property(
          ops,
          fc.integer({ min: 0, max: 4 }),
          fc.integer({ min: 1, max: 60 }),
          (steps: Op[], maxRetries, window) => {
            const clock = manualClock();
            const budget = new RetryBudget({ maxRetries, ratio: 0.5, window, buckets: window, scheduler: clock });
            const calls: number[] = [];
            const retries: number[] = [];
            const inWindow = (times: number[], t: number) => times.filter((x) => t - x < window).length;
            for (const { dt, kind } of steps) {
              clock.time += dt;
              const t = clock.time;
              if (kind === 'call') {
                budget.recordCall();
                calls.push(t);
              } else {
                const expected = inWindow(retries, t) < maxRetries + Math.floor(inWindow(calls, t) / 2);
                expect(budget.tryAcquire()).toBe(expected);
                if (expected) retries.push(t);
              }
              expect(budget.snapshot()).toMatchObject({
                currentRetries: inWindow(retries, t),
                calls: inWindow(calls, t),
              });
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

afterEach(() => {
  config.onUnhandledError = null;
});
