import { map, Subscription, takeUntil } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it, vi } from 'vitest';
import { Drainer } from '../../src/drain/index';
import type { DrainerCall, DrainerEvent, DrainerOptions, DrainResult } from '../../src/drain/index';
import { DrainingError, DrainTimeoutError, ResilienceConfigError } from '../../src/errors/index';
import { createScheduler, pendingActions } from '../helpers/scheduler';

/** A TestScheduler whose flush() runs timers of any length (outside run(), it stops at frame 750). */
function longScheduler(): TestScheduler {
  const scheduler = createScheduler();
  scheduler.maxFrames = Infinity;
  return scheduler;
}

/** `enter()` for a call that must be admitted. */
function admit(drainer: Drainer, abandon?: (error: DrainTimeoutError) => void): DrainerCall {
  const call = drainer.enter(abandon);
  if (call instanceof DrainingError) throw new Error('refused');
  return call;
}

/** Everything an observable delivered, synchronously so far. */
function collect<T>(source: { subscribe(o: object): Subscription }): { values: T[]; done: boolean } {
  const seen = { values: [] as T[], done: false };
  source.subscribe({ next: (v: T) => seen.values.push(v), complete: () => (seen.done = true) });
  return seen;
}

describe('Drainer', () => {
  describe('options', () => {
    it('defaults: name drainer, drainTimeout 30000, not draining', () => {
      const scheduler = longScheduler();
      const drainer = new Drainer({ scheduler });
      expect(drainer.name).toBe('drainer');
      expect(drainer.drainTimeout).toBe(30000);
      expect(drainer.snapshot()).toEqual({ name: 'drainer', draining: false, inFlight: 0, drained: false });
      const abandon = vi.fn();
      admit(drainer, abandon);
      const result = collect<DrainResult>(drainer.drain());
      scheduler.flush();
      expect(scheduler.now()).toBe(30000);
      expect(abandon).toHaveBeenCalledTimes(1);
      expect(result.values).toEqual([{ completed: false, inFlightAtStart: 1, abandoned: 1, duration: 30000 }]);
    });

    it('works with no options at all, on the async scheduler', () => {
      const drainer = new Drainer();
      const result = collect<DrainResult>(drainer.drain());
      expect(result.values).toEqual([expect.objectContaining({ completed: true, inFlightAtStart: 0, abandoned: 0 })]);
      drainer.dispose();
    });

    it.each<[DrainerOptions, string]>([
      [{ name: '' }, 'Drainer: name must be a non-empty string, got ""'],
      [
        { name: 'http', drainTimeout: -1 },
        'Drainer "http": drainTimeout must be a number >= 0 and <= 2147483647, or Infinity, got -1',
      ],
      [
        { drainTimeout: NaN },
        'Drainer "drainer": drainTimeout must be a number >= 0 and <= 2147483647, or Infinity, got NaN',
      ],
      [
        { drainTimeout: 2 ** 31 },
        'Drainer "drainer": drainTimeout must be a number >= 0 and <= 2147483647, or Infinity, got 2147483648',
      ],
      [
        { drainTimeout: '100' as unknown as number },
        'Drainer "drainer": drainTimeout must be a number >= 0 and <= 2147483647, or Infinity, got "100"',
      ],
      [
        { scheduler: { now: () => 0 } as unknown as SchedulerLike },
        'Drainer "drainer": scheduler must be a SchedulerLike',
      ],
    ])('rejects %o', (options, message) => {
      expect(() => new Drainer(options)).toThrow(ResilienceConfigError);
      expect(() => new Drainer(options)).toThrow(message);
    });

    it('rejects unknown options', () => {
      expect(() => new Drainer({ timeout: 5 } as DrainerOptions)).toThrow(
        'Drainer "drainer": timeout is not a known option (known: name, drainTimeout, scheduler)',
      );
    });

    it('drainTimeout Infinity waits for the calls in flight however long they take, with no timer', () => {
      const scheduler = longScheduler();
      const drainer = new Drainer({ drainTimeout: Infinity, scheduler });
      const call = admit(drainer);
      const result = collect<DrainResult>(drainer.drain());
      expect(pendingActions(scheduler)).toBe(0);
      scheduler.schedule(() => call.leave(), 1_000_000_000);
      scheduler.flush();
      expect(result.values).toEqual([{ completed: true, inFlightAtStart: 1, abandoned: 0, duration: 1_000_000_000 }]);
    });

    it('drainTimeout 0 ends the calls in flight in the same frame, after drain() returns', () => {
      createScheduler().run(({ expectObservable }) => {
        const drainer = new Drainer({ drainTimeout: 0 });
        const abandon = vi.fn();
        admit(drainer, abandon);
        expectObservable(drainer.drain()).toBe('(r|)', {
          r: { completed: false, inFlightAtStart: 1, abandoned: 1, duration: 0 },
        });
        expect(abandon).not.toHaveBeenCalled();
      });
    });
  });

  describe('in-flight tracking: enter() and leave()', () => {
    it('counts the calls in flight; leave() is idempotent', () => {
      const drainer = new Drainer({ scheduler: createScheduler() });
      const a = admit(drainer);
      const b = admit(drainer);
      expect(drainer.inFlight).toBe(2);
      a.leave();
      a.leave();
      expect(drainer.snapshot()).toMatchObject({ inFlight: 1 });
      b.leave();
      expect(drainer.inFlight).toBe(0);
    });

    it('while draining, and after the drain has ended, enter() returns a DrainingError (not thrown)', () => {
      const drainer = new Drainer({ name: 'http', scheduler: createScheduler() });
      const call = admit(drainer);
      expect(drainer.draining).toBe(false);
      drainer.drain();
      expect(drainer.draining).toBe(true);
      const refused = drainer.enter();
      expect(refused).toBeInstanceOf(DrainingError);
      expect(refused).toMatchObject({ name: 'DrainingError', drainer: 'http' });
      call.leave();
      expect(drainer.snapshot().drained).toBe(true);
      expect(drainer.enter()).toBeInstanceOf(DrainingError);
      expect(drainer.inFlight).toBe(0);
    });
  });

  describe('drain()', () => {
    it('with nothing in flight, ends at once: the result is emitted synchronously, then completion', () => {
      const drainer = new Drainer({ scheduler: createScheduler() });
      const result = collect<DrainResult>(drainer.drain());
      expect(result).toEqual({
        values: [{ completed: true, inFlightAtStart: 0, abandoned: 0, duration: 0 }],
        done: true,
      });
      expect(drainer.snapshot()).toEqual({ name: 'drainer', draining: true, inFlight: 0, drained: true });
    });

    it('ends when the last call in flight leaves, with how long it took', () => {
      const scheduler = createScheduler();
      scheduler.run(({ expectObservable }) => {
        const drainer = new Drainer({ drainTimeout: 100 });
        const a = admit(drainer);
        const b = admit(drainer);
        scheduler.schedule(
          () =>
            expectObservable(drainer.drain()).toBe('-------(r|)', {
              r: { completed: true, inFlightAtStart: 2, abandoned: 0, duration: 5 },
            }),
          2,
        );
        scheduler.schedule(() => a.leave(), 4);
        scheduler.schedule(() => b.leave(), 7);
        expectObservable(drainer.state$.pipe(map((s) => `${s.draining}/${s.inFlight}/${s.drained}`))).toBe(
          'a-b-c--(de)',
          {
            a: 'false/2/false',
            b: 'true/2/false',
            c: 'true/1/false',
            d: 'true/0/false',
            e: 'true/0/true',
          },
        );
      });
    });

    it('is eager: draining starts at the call even if nobody subscribes; late subscribers get the same result', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ scheduler });
      const call = admit(drainer);
      scheduler.schedule(() => void drainer.drain(), 5); // nobody subscribes
      scheduler.schedule(() => call.leave(), 8);
      scheduler.flush();
      expect(drainer.snapshot()).toMatchObject({ draining: true, drained: true });
      const late = collect<DrainResult>(drainer.drain());
      expect(late).toEqual({
        values: [{ completed: true, inFlightAtStart: 1, abandoned: 0, duration: 3 }],
        done: true,
      });
    });

    it('is idempotent: a second drain() does not restart the drain or its timeout', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ drainTimeout: 10, scheduler });
      const abandon = vi.fn();
      admit(drainer, abandon);
      const first = drainer.drain();
      const results: Array<[number, DrainResult]> = [];
      scheduler.schedule(() => drainer.drain().subscribe((r) => results.push([scheduler.now(), r])), 6);
      first.subscribe((r) => results.push([scheduler.now(), r]));
      scheduler.flush();
      const expected = { completed: false, inFlightAtStart: 1, abandoned: 1, duration: 10 };
      expect(results).toEqual([
        [10, expected],
        [10, expected],
      ]);
      expect(results[0]![1]).toBe(results[1]![1]);
      expect(abandon).toHaveBeenCalledTimes(1);
    });

    it('at the drain timeout, ends every call still in flight with its own DrainTimeoutError; a later leave() is a no-op', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ name: 'jobs', drainTimeout: 50, scheduler });
      const errors: unknown[] = [];
      const snapshots: unknown[] = [];
      const a = admit(drainer, (e) => {
        errors.push(e);
        snapshots.push(drainer.snapshot());
      });
      admit(drainer, (e) => errors.push(e));
      const done = admit(drainer, (e) => errors.push(e));
      scheduler.schedule(() => drainer.drain(), 10);
      scheduler.schedule(() => done.leave(), 20);
      const result = collect<DrainResult>(drainer.drain());
      scheduler.flush();
      expect(errors).toHaveLength(2);
      expect(errors[0]).not.toBe(errors[1]);
      for (const e of errors) {
        expect(e).toBeInstanceOf(DrainTimeoutError);
        expect(e).toMatchObject({ name: 'DrainTimeoutError', drainer: 'jobs', timeout: 50 });
      }
      // the drain started at the first drain() (0), not at 10
      expect(result.values).toEqual([{ completed: false, inFlightAtStart: 3, abandoned: 2, duration: 50 }]);
      expect(snapshots).toEqual([{ name: 'jobs', draining: true, inFlight: 0, drained: false }]);
      a.leave();
      expect(drainer.snapshot()).toEqual({ name: 'jobs', draining: true, inFlight: 0, drained: true });
    });

    it('a call whose abandonment ends another call: both still count as abandoned, and the drain ends once', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ drainTimeout: 5, scheduler });
      const b = admit(drainer);
      admit(drainer, () => b.leave());
      const results = collect<DrainResult>(drainer.drain());
      scheduler.flush();
      expect(results.values).toEqual([{ completed: false, inFlightAtStart: 2, abandoned: 2, duration: 5 }]);
    });

    it('an abandon callback that throws: every other call is still ended, the drain ends, then the error is rethrown', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ drainTimeout: 5, scheduler });
      const other = vi.fn();
      admit(drainer, () => {
        throw new Error('first');
      });
      admit(drainer, () => {
        throw new Error('second');
      });
      admit(drainer, other);
      const result = collect<DrainResult>(drainer.drain());
      expect(() => scheduler.flush()).toThrow('first');
      expect(other).toHaveBeenCalledTimes(1);
      expect(result.values).toEqual([{ completed: false, inFlightAtStart: 3, abandoned: 3, duration: 5 }]);
      expect(drainer.snapshot()).toMatchObject({ inFlight: 0, drained: true });
    });

    it('calls ended by a draining$ subscriber (takeUntil after the call) end the drain within drain(), with no timer left', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ scheduler });
      const call = admit(drainer);
      drainer.draining$.subscribe(() => call.leave());
      const result = collect<DrainResult>(drainer.drain());
      expect(result.values).toEqual([{ completed: true, inFlightAtStart: 1, abandoned: 0, duration: 0 }]);
      expect(pendingActions(scheduler)).toBe(0);
    });

    it('cancels the drain timeout once the drain has ended', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ scheduler });
      const call = admit(drainer);
      drainer.drain();
      expect(pendingActions(scheduler)).toBe(1);
      call.leave();
      expect(pendingActions(scheduler)).toBe(0);
    });
  });

  describe('draining$', () => {
    it('emits once when draining starts, then completes; at once for late subscribers', () => {
      createScheduler().run(({ hot, expectObservable }) => {
        const drainer = new Drainer();
        hot('---s').subscribe(() => drainer.drain());
        expectObservable(drainer.draining$).toBe('---(d|)', { d: undefined });
        expectObservable(drainer.draining$, '-----^').toBe('-----(d|)', { d: undefined });
      });
    });

    it('stops a long-lived intake with takeUntil', () => {
      createScheduler().run(({ hot, expectObservable }) => {
        const drainer = new Drainer();
        const requests = hot('-a-b-c-d');
        hot('----s').subscribe(() => drainer.drain());
        expectObservable(requests.pipe(takeUntil(drainer.draining$))).toBe('-a-b|');
      });
    });
  });

  describe('state$ and events$', () => {
    it('state$ emits on subscribe, on each enter and leave, when draining starts and when it ends', () => {
      const drainer = new Drainer({ scheduler: createScheduler() });
      const seen: string[] = [];
      drainer.state$.subscribe((s) => seen.push(`${s.draining ? 'D' : '-'}${s.inFlight}${s.drained ? '!' : ''}`));
      const a = admit(drainer);
      drainer.drain();
      expect(drainer.enter()).toBeInstanceOf(DrainingError); // a refusal changes nothing
      a.leave();
      expect(seen).toEqual(['-0', '-1', 'D1', 'D0', 'D0!']);
    });

    it('snapshots are plain JSON-serialisable objects', () => {
      const drainer = new Drainer({ scheduler: createScheduler() });
      admit(drainer);
      drainer.drain();
      const snapshot = drainer.snapshot();
      expect(Object.getPrototypeOf(snapshot)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    });

    it('events$ is hot: a late subscriber sees only what comes after', () => {
      const drainer = new Drainer({ scheduler: createScheduler() });
      const call = admit(drainer);
      drainer.drain();
      const types: string[] = [];
      drainer.events$.subscribe((e) => types.push(e.type));
      call.leave();
      expect(types).toEqual(['drain-end']);
    });

    it('events$: drain-start, rejected, drain-end, each with type, name and at', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ name: 'api', scheduler });
      const events: DrainerEvent[] = [];
      drainer.events$.subscribe((e) => events.push(e));
      const call = admit(drainer);
      scheduler.schedule(() => drainer.drain(), 3);
      scheduler.schedule(() => drainer.enter(), 4);
      scheduler.schedule(() => call.leave(), 9);
      scheduler.flush();
      expect(events).toEqual([
        { type: 'drain-start', name: 'api', at: 3, inFlight: 1 },
        { type: 'rejected', name: 'api', at: 4 },
        { type: 'drain-end', name: 'api', at: 9, completed: true, inFlightAtStart: 1, abandoned: 0, duration: 6 },
      ]);
    });
  });

  describe('dispose()', () => {
    it('cancels the drain timeout and completes state$, events$ and a pending drain result without a value', () => {
      const scheduler = createScheduler();
      const drainer = new Drainer({ scheduler });
      const abandon = vi.fn();
      admit(drainer, abandon);
      const done: string[] = [];
      drainer.state$.subscribe({ complete: () => done.push('state$') });
      drainer.events$.subscribe({ complete: () => done.push('events$') });
      const result = collect<DrainResult>(drainer.drain());
      drainer.dispose();
      expect(pendingActions(scheduler)).toBe(0);
      expect(done).toEqual(['state$', 'events$']);
      expect(result).toEqual({ values: [], done: true });
      scheduler.flush();
      expect(abandon).not.toHaveBeenCalled();
    });

    it('completes draining$ without emitting if the drainer never drained; drain() after dispose() starts nothing', () => {
      const drainer = new Drainer({ scheduler: createScheduler() });
      const draining = collect<void>(drainer.draining$);
      drainer.dispose();
      expect(draining).toEqual({ values: [], done: true });
      expect(collect(drainer.drain())).toEqual({ values: [], done: true });
      expect(drainer.snapshot().draining).toBe(false);
    });
  });
});
