import { map, mergeMap, Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, consecutiveFailures } from '../../src/breaker/index';
import type { CircuitBreakerEvent, CircuitBreakerSnapshot, CircuitState } from '../../src/breaker/index';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError';
import { circuitBreaker } from '../../src/operators/circuitBreaker';
import { createScheduler, pendingActions } from '../helpers/scheduler';
import { eventLog, outcome } from './fixtures/helpers';

function fail(breaker: CircuitBreaker, error: unknown = new Error('x')): void {
  const permit = breaker.tryAcquire();
  if (permit instanceof CircuitOpenError) throw permit;
  permit.failure(error);
}

function succeed(breaker: CircuitBreaker): void {
  const permit = breaker.tryAcquire();
  if (permit instanceof CircuitOpenError) throw permit;
  permit.success();
}

describe('CircuitBreaker streams', () => {
  describe('state$', () => {
    it('emits the current state on subscribe (a late subscriber sees open), then each new state', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 5 });
        cold('-#')
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
        expectObservable(breaker.state$.pipe(map((s) => s[0])), '---^-----!').toBe('---o--h--');
      });
    });

    it('emits distinct values only: reset() while closed and a second isolate() emit nothing', () => {
      const breaker = new CircuitBreaker();
      const seen: CircuitState[] = [];
      breaker.state$.subscribe((s) => seen.push(s));
      breaker.reset();
      breaker.isolate();
      breaker.isolate();
      breaker.reset();
      breaker.reset();
      expect(seen).toEqual(['closed', 'isolated', 'closed']);
    });

    it('completes on dispose(); a subscriber after dispose() gets the state and completion', () => {
      const breaker = new CircuitBreaker();
      const log: string[] = [];
      breaker.state$.subscribe({ next: (s) => log.push(s), complete: () => log.push('done') });
      breaker.dispose();
      breaker.state$.subscribe({ next: (s) => log.push(`late ${s}`), complete: () => log.push('late done') });
      expect(log).toEqual(['closed', 'done', 'late closed', 'late done']);
    });
  });

  describe('metrics$ and snapshot()', () => {
    it('metrics$ emits the current snapshot on subscribe, then one after each change', () => {
      const breaker = new CircuitBreaker({ name: 'm', trip: consecutiveFailures(2) });
      succeed(breaker);
      const seen: CircuitBreakerSnapshot[] = [];
      breaker.metrics$.subscribe((s) => seen.push(s));
      fail(breaker);
      fail(breaker); // opens
      breaker.tryAcquire(); // rejected
      expect(seen.map((s) => [s.state, s.totalCalls, s.failureCount, s.rejectedCount])).toEqual([
        ['closed', 1, 0, 0],
        ['closed', 2, 1, 0],
        ['open', 3, 2, 0],
        ['open', 3, 2, 1],
      ]);
      breaker.dispose();
    });

    it('an admission, a release or an ignored error changes nothing in the snapshot and emits nothing', () => {
      const breaker = new CircuitBreaker({ isFailure: () => false });
      const seen: CircuitBreakerSnapshot[] = [];
      breaker.metrics$.subscribe((s) => seen.push(s));
      const permit = breaker.tryAcquire();
      if (permit instanceof CircuitOpenError) throw permit;
      permit.release();
      fail(breaker);
      expect(seen).toHaveLength(1);
    });

    it('snapshot() has every field, as plain JSON with scheduler times', () => {
      const scheduler = createScheduler();
      scheduler.run(({ cold }) => {
        const breaker = new CircuitBreaker({ name: 'db', trip: consecutiveFailures(2), resetTimeout: 10 });
        const snapshots: Record<string, CircuitBreakerSnapshot> = {};
        const at = (label: string, frame: string) =>
          cold(frame).subscribe(() => (snapshots[label] = breaker.snapshot()));
        at('start', 'x');
        cold('-s-f-f-r').subscribe((k) => {
          if (k === 's') succeed(breaker);
          else if (k === 'f') fail(breaker);
          else breaker.tryAcquire();
        });
        at('open', '--------x');
        at('half-open', '----------------x');
        cold('-----------------s').subscribe(() => succeed(breaker));
        at('closed', '------------------x');
        cold('-------------------i').subscribe(() => breaker.isolate());
        at('isolated', '--------------------x');
        cold('---------------------x').subscribe(() => {
          expect(snapshots['start']).toEqual({
            name: 'db',
            state: 'closed',
            totalCalls: 0,
            successCount: 0,
            failureCount: 0,
            rejectedCount: 0,
            failureRate: 0,
            consecutiveFailures: 0,
            openedAt: null,
            halfOpenAt: null,
            lastFailureAt: null,
          });
          expect(snapshots['open']).toEqual({
            name: 'db',
            state: 'open',
            totalCalls: 3,
            successCount: 1,
            failureCount: 2,
            rejectedCount: 1,
            failureRate: 2 / 3,
            consecutiveFailures: 2,
            openedAt: 5,
            halfOpenAt: 15,
            lastFailureAt: 5,
          });
          expect(snapshots['half-open']).toMatchObject({ state: 'half-open', openedAt: 5, halfOpenAt: 15 });
          expect(snapshots['closed']).toMatchObject({
            state: 'closed',
            totalCalls: 4,
            successCount: 2,
            failureRate: 0.5,
            consecutiveFailures: 0,
            openedAt: null,
            halfOpenAt: null,
            lastFailureAt: 5,
          });
          expect(snapshots['isolated']).toMatchObject({ state: 'isolated', openedAt: 19, halfOpenAt: null });
          for (const s of Object.values(snapshots)) expect(JSON.parse(JSON.stringify(s))).toEqual(s);
        });
      });
    });

    it('completes metrics$ on dispose(); a subscriber after dispose() gets the snapshot and completion', () => {
      const breaker = new CircuitBreaker();
      const log: string[] = [];
      breaker.metrics$.subscribe({ next: (s) => log.push(s.state), complete: () => log.push('done') });
      breaker.dispose();
      breaker.metrics$.subscribe({ next: (s) => log.push(`late ${s.state}`), complete: () => log.push('late done') });
      expect(log).toEqual(['closed', 'done', 'late closed', 'late done']);
    });
  });

  describe('events$', () => {
    it('emits each event with type, name and at, and the fields of its type', () => {
      createScheduler().run(({ cold }) => {
        const breaker = new CircuitBreaker({
          name: 'api',
          trip: consecutiveFailures(1),
          resetTimeout: 3,
          isFailure: (e) => e !== 'meh',
        });
        const events: CircuitBreakerEvent[] = [];
        breaker.events$.subscribe((e) => events.push(e));
        const boom = new Error('boom');
        cold('-a|').pipe(circuitBreaker(breaker)).subscribe();
        cold('---#', undefined, 'meh')
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
        cold('----#', undefined, boom)
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
        cold('-----x').subscribe(() =>
          cold('a|')
            .pipe(circuitBreaker(breaker))
            .subscribe({ error: () => {} }),
        );
        cold('----------x').subscribe(() => {
          expect(events).toEqual([
            { type: 'success', name: 'api', at: 2, duration: 2 },
            { type: 'ignored', name: 'api', at: 3, error: 'meh' },
            { type: 'failure', name: 'api', at: 4, error: boom, duration: 4, slow: false },
            { type: 'state-change', name: 'api', at: 4, from: 'closed', to: 'open' },
            { type: 'rejected', name: 'api', at: 5, state: 'open' },
            { type: 'state-change', name: 'api', at: 7, from: 'open', to: 'half-open' },
          ]);
        });
      });
    });

    it("an outcome's event comes before the state-change it causes, and before state$ and metrics$ hear of it", () => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 0 });
      const log: string[] = [];
      breaker.state$.subscribe((s) => log.push(`state$ ${s}`));
      breaker.metrics$.subscribe((s) => log.push(`metrics$ ${s.state} ${s.failureCount}`));
      breaker.events$.subscribe((e) => log.push(`events$ ${e.type}${e.type === 'state-change' ? ` ${e.to}` : ''}`));
      log.length = 0;
      fail(breaker);
      expect(log).toEqual(['events$ failure', 'events$ state-change open', 'state$ open', 'metrics$ open 1']);
      log.length = 0;
      // resetTimeout 0: the call finds the half-open time come: the transition comes before the admission.
      const permit = breaker.tryAcquire();
      if (permit instanceof CircuitOpenError) throw permit;
      permit.success();
      expect(log).toEqual([
        'events$ state-change half-open',
        'state$ half-open',
        'metrics$ half-open 1',
        'events$ success',
        'events$ state-change closed',
        'state$ closed',
        'metrics$ closed 1',
      ]);
      breaker.dispose();
    });

    it('is hot: a subscriber sees only what happens after it subscribed', () => {
      const breaker = new CircuitBreaker();
      succeed(breaker);
      const log = eventLog(breaker.events$);
      expect(log).toEqual([]);
      succeed(breaker);
      expect(log).toHaveLength(1);
    });

    it('completes on dispose()', () => {
      const breaker = new CircuitBreaker();
      let completed = 0;
      breaker.events$.subscribe({ complete: () => completed++ });
      breaker.dispose();
      breaker.events$.subscribe({ complete: () => completed++ });
      expect(completed).toBe(2);
    });

    it('keeps every listener in order when a listener calls the breaker back', () => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1) });
      const first: string[] = [];
      const second: string[] = [];
      const events: string[] = [];
      breaker.state$.subscribe((s) => {
        first.push(s);
        if (s === 'open') breaker.reset(); // called back synchronously, during the delivery of 'open'
      });
      breaker.state$.subscribe((s) => second.push(s));
      breaker.events$.subscribe((e) => events.push(e.type === 'state-change' ? `${e.from}->${e.to}` : e.type));
      fail(breaker);
      expect(first).toEqual(['closed', 'open', 'closed']);
      expect(second).toEqual(['closed', 'open', 'closed']);
      expect(events).toEqual(['failure', 'closed->open', 'open->closed']);
      // A state$ subscriber joining during a delivery starts from the last state state$ delivered,
      // then hears the rest in order.
      const third: string[] = [];
      breaker.events$.subscribe((e) => {
        if (e.type === 'state-change' && e.to === 'isolated') breaker.state$.subscribe((s) => third.push(s));
      });
      breaker.isolate();
      breaker.reset();
      expect(third).toEqual(['closed', 'isolated', 'closed']);
    });
  });

  describe('dispose()', () => {
    it('cancels the half-open timer: no action stays queued', () => {
      const scheduler = createScheduler();
      const breaker = new CircuitBreaker({ scheduler, trip: consecutiveFailures(1), resetTimeout: 1000 });
      fail(breaker);
      expect(pendingActions(scheduler)).toBe(1);
      breaker.dispose();
      expect(pendingActions(scheduler)).toBe(0);
      expect(breaker.disposed).toBe(true);
      breaker.dispose(); // idempotent
    });

    it('cancels the half-open timeout: no action stays queued', () => {
      const scheduler = createScheduler();
      const breaker = new CircuitBreaker({
        scheduler,
        trip: consecutiveFailures(1),
        resetTimeout: 10,
        halfOpenTimeout: 50,
      });
      fail(breaker);
      scheduler.flush(); // would loop open <-> half-open forever without dispose: flush stops at maxFrames
      breaker.dispose();
      expect(pendingActions(scheduler)).toBe(0);
    });

    it('after dispose() the breaker schedules no timer and still answers calls, half-opening when a call finds its time come', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 5, halfOpenTimeout: 3 });
        cold('-x').subscribe(() => breaker.dispose());
        const requests = cold('--f---r--p------r');
        const sources: Record<string, Observable<string>> = { f: cold('#'), r: cold('s|'), p: cold('-') };
        // open at 2 (no timer: disposed); at 6 still open; at 9 the call half-opens it and is the probe, hung
        // past the half-open timeout (12): the call at 16 reopens it and is rejected.
        expectObservable(requests.pipe(mergeMap((r) => sources[r]!.pipe(circuitBreaker(breaker), outcome())))).toBe(
          '--E---R---------R',
        );
        cold('-----------------x').subscribe(() =>
          expect(breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 16 }),
        );
      });
    });

    it('a timer that fires after its state was left does nothing (a scheduler that cancels late)', () => {
      // A SchedulerLike whose unsubscribe does not stop the work: the stale-timer guard must.
      const queued: Array<() => void> = [];
      let now = 0;
      const lazy = {
        now: () => now,
        schedule(work: (this: { unsubscribe(): void }) => void) {
          const action = { unsubscribe() {} };
          queued.push(() => work.call(action));
          return action as never;
        },
      };
      const breaker = new CircuitBreaker({ scheduler: lazy as never, trip: consecutiveFailures(1), resetTimeout: 5 });
      fail(breaker);
      breaker.reset(); // leaves 'open': its timer should be void
      now = 10;
      queued.shift()!();
      expect(breaker.state).toBe('closed');
      fail(breaker);
      now = 15;
      queued.shift()!(); // the live timer
      expect(breaker.state).toBe('half-open');
    });

    it('leaves nothing pending in virtual time after a full cycle and dispose()', () => {
      const scheduler = createScheduler();
      scheduler.run(({ cold }) => {
        const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 5, halfOpenTimeout: 5 });
        cold('#')
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
        cold('-------x').subscribe(() => breaker.dispose());
      });
      expect(pendingActions(scheduler)).toBe(0);
    });
  });
});
