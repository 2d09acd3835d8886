import { map, mergeMap, NEVER } from 'rxjs';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, consecutiveFailures } from '../../src/breaker/index';
import type { CircuitBreakerOptions } from '../../src/breaker/index';
import { BulkheadRejectedError } from '../../src/errors/BulkheadRejectedError';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError';
import { DrainingError } from '../../src/errors/DrainingError';
import { OperationTimeoutError } from '../../src/errors/OperationTimeoutError';
import { circuitBreaker } from '../../src/operators/circuitBreaker';
import { createScheduler } from '../helpers/scheduler';
import { eventLog, outcome, STATE_LETTER } from './fixtures/helpers';

/** Each request value names the source its call subscribes to; each call's outcome is one letter. */
function drive(breaker: CircuitBreaker, requests: Observable<string>, sources: Record<string, Observable<string>>) {
  return requests.pipe(mergeMap((r) => sources[r]!.pipe(circuitBreaker(breaker), outcome())));
}

function states(breaker: CircuitBreaker): Observable<string> {
  return breaker.state$.pipe(map((s) => STATE_LETTER[s]));
}

function breakerWith(options: CircuitBreakerOptions): CircuitBreaker {
  return new CircuitBreaker({ trip: consecutiveFailures(2), resetTimeout: 10, ...options });
}

describe('CircuitBreaker state machine', () => {
  it('opens when the trip policy says so, rejects while open, half-opens by its own timer, and closes on a successful probe', () => {
    createScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const breaker = breakerWith({});
      const requests = hot('  -f-f-f-----------h--');
      const failing = cold('   -#');
      const healthy = cold('   -s|');
      const failingSubs = ['   -^!', '---^!'];
      const healthySubs = '   -----------------^-!';
      const expected = '      --E-ER------------s-';
      const expectedStates = 'c---o---------h----c';
      expectObservable(drive(breaker, requests, { f: failing, h: healthy })).toBe(expected);
      expectObservable(states(breaker)).toBe(expectedStates);
      expectSubscriptions(failing.subscriptions).toBe(failingSubs);
      expectSubscriptions(healthy.subscriptions).toBe(healthySubs);
    });
  });

  it('half-opens after resetTimeout without any call: state$ emits then', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const breaker = breakerWith({ trip: consecutiveFailures(1), resetTimeout: 5 });
      cold('-#')
        .pipe(circuitBreaker(breaker))
        .subscribe({ error: () => {} });
      expectObservable(states(breaker)).toBe('co----h');
    });
  });

  it('retryAfter counts down to the half-open time, and a rejection does not subscribe to the source', () => {
    const scheduler = createScheduler();
    scheduler.run(({ cold, expectSubscriptions }) => {
      const breaker = breakerWith({ name: 'db', trip: consecutiveFailures(1), resetTimeout: 10 });
      cold('#')
        .pipe(circuitBreaker(breaker))
        .subscribe({ error: () => {} });
      const source = cold('a|');
      const errors: unknown[] = [];
      cold('--x--x--x').subscribe(() =>
        source.pipe(circuitBreaker(breaker)).subscribe({ error: (e) => errors.push(e) }),
      );
      expectSubscriptions(source.subscriptions).toBe([]);
      scheduler.schedule(() => {
        expect(errors).toHaveLength(3);
        expect(errors.map((e) => (e as CircuitOpenError).retryAfter)).toEqual([8, 5, 2]);
        for (const e of errors) {
          expect(e).toBeInstanceOf(CircuitOpenError);
          expect(e).toMatchObject({ name: 'CircuitOpenError', circuit: 'db', state: 'open' });
        }
      }, 9);
    });
  });

  it('a failed probe reopens the breaker; resetTimeout(openCount) counts the openings since last closed', () => {
    const counts: number[] = [];
    createScheduler().run(({ hot, cold, expectObservable }) => {
      const breaker = breakerWith({
        trip: consecutiveFailures(1),
        resetTimeout: (openCount) => {
          counts.push(openCount);
          return openCount * 5;
        },
      });
      const requests = hot('-f------f--------h---f');
      // opens at 2 for 5 ms; the probe at 8 fails at 9: open for 10 ms; h at 17 is rejected;
      // half-open at 19; the probe at 21 fails at 22: open for 15 ms.
      cold('------------------------------x').subscribe(() => breaker.dispose());
      expectObservable(drive(breaker, requests, { f: cold('-#'), h: cold('-s|') })).toBe('--E------E-------R----E');
      expectObservable(states(breaker)).toBe('c-o----h-o---------h--o-------|');
    });
    expect(counts).toEqual([1, 2, 3]);
  });

  it('openCount starts again at 1 after the breaker closed', () => {
    const counts: number[] = [];
    createScheduler().run(({ hot, cold, expectObservable }) => {
      const breaker = breakerWith({
        trip: consecutiveFailures(1),
        resetTimeout: (openCount) => {
          counts.push(openCount);
          return 3;
        },
      });
      const requests = hot('-f---f---h---f');
      cold('--------------------x').subscribe(() => breaker.dispose());
      expectObservable(drive(breaker, requests, { f: cold('-#'), h: cold('-s|') })).toBe('--E---E---s---E');
      expectObservable(states(breaker)).toBe('c-o--ho--h-c--o--h--|');
    });
    expect(counts).toEqual([1, 2, 1]);
  });

  it('half-open admits at most halfOpenMaxCalls concurrent probes and rejects the rest with state half-open', () => {
    createScheduler().run(({ hot, cold, expectObservable }) => {
      const breaker = breakerWith({
        trip: consecutiveFailures(1),
        resetTimeout: 2,
        halfOpenMaxCalls: 2,
        successThreshold: 2,
      });
      const requests = hot('-f--sss---s');
      const slow = cold('      ----s|');
      // probes at 4 and 5 run; the one at 6 is rejected; the first probe's success at 9 frees a
      // slot for the request at 10, just before the second success closes the breaker.
      expectObservable(drive(breaker, requests, { f: cold('#'), s: slow })).toBe('-E----H-ss----s');
      expectObservable(states(breaker)).toBe('co-h------c');
    });
  });

  it('a probe slot freed by a settled probe admits the next probe', () => {
    createScheduler().run(({ hot, cold, expectObservable }) => {
      const breaker = breakerWith({ trip: consecutiveFailures(1), resetTimeout: 2, successThreshold: 3 });
      const requests = hot('-f--ss---s---s');
      const probe = cold('      --s|');
      expectObservable(drive(breaker, requests, { f: cold('#'), s: probe })).toBe('-E---Hs----s---s');
      expectObservable(states(breaker)).toBe('co-h------------c');
    });
  });

  it('successThreshold successes close it, and closing resets the trip policy', () => {
    createScheduler().run(({ hot, cold, expectObservable }) => {
      const breaker = breakerWith({ trip: consecutiveFailures(2), resetTimeout: 2 });
      // Two failures open it; the probe closes it; one more failure must not reopen it (the count
      // was reset), a second one does.
      const requests = hot('-ff---s--f---f');
      cold('------------------x').subscribe(() => breaker.dispose());
      expectObservable(drive(breaker, requests, { f: cold('-#'), s: cold('-s|') })).toBe('--EE---s--E---E');
      expectObservable(states(breaker)).toBe('c--o-h--c-----o-h-|');
    });
  });

  it('halfOpenTimeout reopens a breaker still half-open (a hung probe cannot hold it)', () => {
    createScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const breaker = breakerWith({ trip: consecutiveFailures(1), resetTimeout: 2, halfOpenTimeout: 4 });
      const requests = hot('-f--h');
      const hung = cold('       -');
      cold('--------------x').subscribe(() => breaker.dispose());
      expectObservable(drive(breaker, requests, { f: cold('#'), h: hung }), '^---------!').toBe('-E');
      // half-open at 3, reopened at 7 (4 ms later), half-open at 9, reopened at 13.
      expectObservable(states(breaker)).toBe('co-h---o-h---o|');
      expectSubscriptions(hung.subscriptions).toBe('----^-----!');
    });
  });

  it('halfOpenTimeout is cancelled when the breaker leaves half-open in time', () => {
    createScheduler().run(({ hot, cold, expectObservable }) => {
      const breaker = breakerWith({ trip: consecutiveFailures(1), resetTimeout: 2, halfOpenTimeout: 4 });
      const requests = hot('-f--h');
      expectObservable(drive(breaker, requests, { f: cold('#'), h: cold('-s|') })).toBe('-E---s');
      expectObservable(states(breaker)).toBe('co-h--c');
    });
  });

  it('outcomes of calls admitted before the latest state change are ignored entirely: not counted, no event', () => {
    createScheduler().run(({ hot, cold, expectObservable }) => {
      const breaker = breakerWith({ trip: consecutiveFailures(1), resetTimeout: 5 });
      const log = eventLog(breaker.events$);
      const requests = hot('-ls');
      // l is admitted while closed and fails at 9, after s opened the breaker (3) and it half-opened (8):
      // counted, it would reopen the breaker.
      const late = cold('    --------#');
      const soon = cold('     -#');
      expectObservable(drive(breaker, requests, { l: late, s: soon })).toBe('---E-----E');
      expectObservable(states(breaker)).toBe('c--o----h');
      hot('-----------x').subscribe(() => {
        expect(breaker.snapshot()).toMatchObject({ totalCalls: 1, failureCount: 1 });
        expect(log).toEqual(['failure@3(1)', 'closed->open@3', 'open->half-open@8']);
      });
    });
  });

  it('a stale success does not free a probe slot of the new half-open state', () => {
    createScheduler().run(({ hot, cold, expectObservable }) => {
      const breaker = breakerWith({ trip: consecutiveFailures(1), resetTimeout: 2 });
      // s (admitted while closed) succeeds at 9; the probe p holds the only slot until 12, so q is
      // rejected at 7 and at 10 alike.
      const requests = hot('-sf--p-q--q');
      const sources = { s: cold('-------s|'), f: cold('-#'), p: cold('------s|'), q: cold('s|') };
      expectObservable(drive(breaker, requests, sources)).toBe('---E---Hs-Hs');
      expectObservable(states(breaker)).toBe('c--o-h------c');
    });
  });

  describe('isFailure', () => {
    it('by default ignores BulkheadRejectedError and DrainingError and counts every other error', () => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1) });
      for (const error of [new BulkheadRejectedError('b', 'full'), new DrainingError('d')]) {
        breaker.tryAcquire();
        const permit = breaker.tryAcquire();
        if (permit instanceof CircuitOpenError) throw permit;
        permit.failure(error);
        expect(breaker.state).toBe('closed');
      }
      expect(breaker.snapshot().totalCalls).toBe(0);
      const permit = breaker.tryAcquire();
      if (permit instanceof CircuitOpenError) throw permit;
      permit.failure(new OperationTimeoutError('op', 'total', 5));
      expect(breaker.state).toBe('open');
      breaker.dispose();
    });

    it('a list of classes counts only instances of them', () => {
      createScheduler().run(({ hot, cold, expectObservable }) => {
        const breaker = breakerWith({ trip: consecutiveFailures(1), isFailure: [OperationTimeoutError] });
        const requests = hot('-ab');
        const plain = cold('#', undefined, new Error('boom'));
        const timeout = cold('#', undefined, new OperationTimeoutError('op', 'each', 1));
        expectObservable(drive(breaker, requests, { a: plain, b: timeout })).toBe('-EE');
        expectObservable(states(breaker)).toBe('c-o---------h');
      });
    });

    it('a predicate decides, and ignored errors reach the subscriber unchanged', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const breaker = breakerWith({ trip: consecutiveFailures(1), isFailure: (e) => (e as Error).message !== 'ok' });
        const error = new Error('ok');
        expectObservable(cold('-#', undefined, error).pipe(circuitBreaker(breaker))).toBe('-#', undefined, error);
        expectObservable(states(breaker)).toBe('c');
      });
    });

    it('an ignored error in half-open frees the probe slot', () => {
      createScheduler().run(({ hot, cold, expectObservable }) => {
        const breaker = breakerWith({
          trip: consecutiveFailures(1),
          resetTimeout: 2,
          isFailure: (e) => e !== 'ignored',
        });
        const requests = hot('-f--i-p');
        const ignored = cold('    -#', undefined, 'ignored');
        expectObservable(drive(breaker, requests, { f: cold('#'), i: ignored, p: cold('--s|') })).toBe('-E---E--s');
        expectObservable(states(breaker)).toBe('co-h-----c');
      });
    });
  });

  describe('slowCallDuration', () => {
    it('a success after at least slowCallDuration ms counts as a failure', () => {
      createScheduler().run(({ hot, cold, expectObservable }) => {
        const breaker = breakerWith({ trip: consecutiveFailures(2), slowCallDuration: 3 });
        const log = eventLog(breaker.events$);
        const requests = hot('-abc');
        // a: 1 ms (fine), b: 3 ms (slow), c: 4 ms (slow) -> opens at 7, half-opens 10 ms later
        const sources = { a: cold('-(s|)'), b: cold('---(s|)'), c: cold('----(s|)') };
        expectObservable(drive(breaker, requests, sources)).toBe('--s--s-s');
        expectObservable(states(breaker)).toBe('c------o---------h');
        hot('--------x').subscribe(() => {
          expect(log).toEqual(['success@2(1)', 'failure@5(3,slow)', 'failure@7(4,slow)', 'closed->open@7']);
          expect(breaker.snapshot()).toMatchObject({ successCount: 1, failureCount: 2, consecutiveFailures: 2 });
        });
      });
    });

    it('a slow probe reopens a half-open breaker', () => {
      createScheduler().run(({ hot, cold, expectObservable }) => {
        const breaker = breakerWith({ trip: consecutiveFailures(1), resetTimeout: 2, slowCallDuration: 3 });
        const requests = hot('-f--s');
        expectObservable(drive(breaker, requests, { f: cold('#'), s: cold('--s|') })).toBe('-E----s');
        expectObservable(states(breaker)).toBe('co-h---o-h');
      });
    });
  });

  describe('isolate() and reset()', () => {
    it('isolate() holds it open as isolated, rejecting with retryAfter 0 and no timer, until reset()', () => {
      const scheduler = createScheduler();
      scheduler.run(({ hot, cold, expectObservable }) => {
        const breaker = breakerWith({ resetTimeout: 2 });
        const errors: CircuitOpenError[] = [];
        hot('-i-x-------x--r-x').subscribe((v) => {
          if (v === 'i') breaker.isolate();
          else if (v === 'r') breaker.reset();
          else
            cold('s|')
              .pipe(circuitBreaker(breaker))
              .subscribe({ error: (e: CircuitOpenError) => errors.push(e) });
        });
        expectObservable(states(breaker)).toBe('ci------------c');
        hot('-------------------x').subscribe(() => {
          expect(errors.map((e) => [e.state, e.retryAfter])).toEqual([
            ['isolated', 0],
            ['isolated', 0],
          ]);
          expect(breaker.snapshot()).toMatchObject({ state: 'closed', totalCalls: 1, rejectedCount: 0 });
        });
      });
    });

    it('isolate() from open cancels the half-open timer, and isolating twice is a no-op', () => {
      const scheduler = createScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const breaker = breakerWith({ trip: consecutiveFailures(1), resetTimeout: 5 });
        const log = eventLog(breaker.events$);
        cold('#')
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
        cold('--x').subscribe(() => {
          breaker.isolate();
          breaker.isolate();
        });
        expectObservable(states(breaker), '^---------!').toBe('o-i-------');
        cold('---------x').subscribe(() => expect(log).toEqual(['failure@0(0)', 'closed->open@0', 'open->isolated@2']));
      });
    });

    it('reset() closes it and clears its counts and trip state', () => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(3) });
      const fail = () => {
        const p = breaker.tryAcquire();
        if (p instanceof CircuitOpenError) throw p;
        p.failure(new Error('x'));
      };
      fail();
      fail();
      breaker.reset();
      expect(breaker.snapshot()).toMatchObject({
        state: 'closed',
        totalCalls: 0,
        failureCount: 0,
        consecutiveFailures: 0,
        lastFailureAt: null,
      });
      fail();
      fail();
      expect(breaker.state).toBe('closed'); // 2 < 3: the trip count was cleared
      fail();
      expect(breaker.state).toBe('open');
      breaker.reset();
      expect(breaker.state).toBe('closed');
      expect(breaker.snapshot()).toMatchObject({ openedAt: null, halfOpenAt: null, rejectedCount: 0 });
      breaker.dispose();
    });

    it('reset() makes calls in flight stale', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const breaker = breakerWith({ trip: consecutiveFailures(1) });
        cold('--#')
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
        cold('-x').subscribe(() => breaker.reset());
        expectObservable(states(breaker)).toBe('c');
      });
    });
  });

  it('a long-lived hung call does not keep the breaker from opening', () => {
    createScheduler().run(({ hot, cold, expectObservable }) => {
      const breaker = breakerWith({ trip: consecutiveFailures(1), resetTimeout: 3 });
      const requests = hot('n-f');
      expectObservable(drive(breaker, requests, { n: NEVER as Observable<string>, f: cold('#') })).toBe('--E');
      expectObservable(states(breaker)).toBe('c-o--h');
    });
  });
});
