import {
  config,
  defer,
  firstValueFrom,
  map,
  mergeMap,
  Observable,
  of,
  repeat,
  take,
  takeUntil,
  throwError,
} from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, consecutiveFailures } from '../../src/breaker/index';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError';
import { ResilienceConfigError } from '../../src/errors/ResilienceConfigError';
import { circuitBreaker } from '../../src/operators/circuitBreaker';
import { retryWithBackoff } from '../../src/operators/retryWithBackoff';
import { timeoutWith } from '../../src/operators/timeoutWith';
import { OperationTimeoutError } from '../../src/errors/OperationTimeoutError';
import { createScheduler } from '../helpers/scheduler';
import { eventLog, outcome } from './fixtures/helpers';

describe('circuitBreaker(breaker, options)', () => {
  describe('outcomes', () => {
    it('passes values, completion and errors through unchanged', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker();
        const source = cold('-a-b-c|');
        expectObservable(source.pipe(circuitBreaker(breaker))).toBe('-a-b-c|');
        expectSubscriptions(source.subscriptions).toBe('^-----!');
        const error = new Error('boom');
        expectObservable(cold('-a#', undefined, error).pipe(circuitBreaker(breaker))).toBe('-a#', undefined, error);
      });
    });

    it('each subscription is one call: success on completion by default, failure on error', () => {
      createScheduler().run(({ cold }) => {
        const breaker = new CircuitBreaker();
        const log = eventLog(breaker.events$);
        cold('--a|').pipe(circuitBreaker(breaker), repeat(3)).subscribe();
        cold('-#')
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
        cold('------------x').subscribe(() => {
          expect(log).toEqual(['failure@1(1)', 'success@3(3)', 'success@6(3)', 'success@9(3)']);
          expect(breaker.snapshot()).toMatchObject({ totalCalls: 4, successCount: 3, failureCount: 1 });
        });
      });
    });

    it("an error after values is a failure with successOn 'complete'", () => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1) });
      of(1, 2)
        .pipe(
          mergeMap((x) => (x === 2 ? throwError(() => new Error('late')) : of(x))),
          circuitBreaker(breaker),
        )
        .subscribe({ error: () => {} });
      expect(breaker.snapshot()).toMatchObject({ state: 'open', failureCount: 1, successCount: 0 });
      breaker.dispose();
    });

    it("successOn 'first-value': the first value records the success; nothing after it is recorded for that call", () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const breaker = new CircuitBreaker({ trip: consecutiveFailures(1) });
        const log = eventLog(breaker.events$);
        expectObservable(cold('--a-b-#').pipe(circuitBreaker(breaker, { successOn: 'first-value' }))).toBe('--a-b-#');
        cold('--------x').subscribe(() => {
          expect(log).toEqual(['success@2(2)']);
          expect(breaker.snapshot()).toMatchObject({
            state: 'closed',
            totalCalls: 1,
            successCount: 1,
            failureCount: 0,
          });
        });
      });
    });

    it("successOn 'first-value': an error before any value is a failure; completion without a value is a success", () => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(2) });
      throwError(() => new Error('x'))
        .pipe(circuitBreaker(breaker, { successOn: 'first-value' }))
        .subscribe({ error: () => {} });
      expect(breaker.snapshot()).toMatchObject({ failureCount: 1, successCount: 0 });
      of()
        .pipe(circuitBreaker(breaker, { successOn: 'first-value' }))
        .subscribe();
      expect(breaker.snapshot()).toMatchObject({ failureCount: 1, successCount: 1 });
    });

    it("successOn 'first-value' frees a half-open slot at the first value of a long-lived stream", () => {
      createScheduler().run(({ hot, cold, expectObservable }) => {
        const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 2 });
        const requests = hot('-f--l');
        const live = cold('      -a--b--c');
        const sources: Record<string, Observable<string>> = { f: cold('#'), l: live };
        const calls = requests.pipe(
          mergeMap((r) => sources[r]!.pipe(circuitBreaker(breaker, { successOn: 'first-value' }), outcome())),
        );
        expectObservable(calls, '^-------------!').toBe('-E---a--b--c');
        expectObservable(breaker.state$.pipe(map((s) => s[0])), '^-------------!').toBe('co-h-c');
      });
    });
  });

  describe('unsubscription', () => {
    it('unsubscribing after a value counts as a success (take(1) works), with the duration up to the unsubscription', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker();
        const log = eventLog(breaker.events$);
        const source = cold('--a--b--|');
        expectObservable(source.pipe(circuitBreaker(breaker), take(1))).toBe('--(a|)');
        expectSubscriptions(source.subscriptions).toBe('^-!');
        cold('----x').subscribe(() => expect(log).toEqual(['success@2(2)']));
      });
    });

    it('firstValueFrom works: the call succeeds', async () => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1) });
      const value = await firstValueFrom(
        new Observable<number>((s) => {
          s.next(1);
        }).pipe(circuitBreaker(breaker)),
      );
      expect(value).toBe(1);
      expect(breaker.snapshot()).toMatchObject({ successCount: 1, totalCalls: 1 });
    });

    it('unsubscribing before any value records nothing', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker();
        const log = eventLog(breaker.events$);
        const source = cold('-----a|');
        expectObservable(source.pipe(circuitBreaker(breaker)), '^--!').toBe('---');
        expectSubscriptions(source.subscriptions).toBe('^--!');
        cold('--------x').subscribe(() => {
          expect(log).toEqual([]);
          expect(breaker.snapshot().totalCalls).toBe(0);
        });
      });
    });

    it('unsubscribing before any value frees the half-open slot', () => {
      createScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 2 });
        const requests = hot('-f--h-p');
        const hung = cold('      -----a|');
        const calls: Record<string, Observable<string>> = {
          f: cold('#').pipe(circuitBreaker(breaker), outcome()),
          // a probe abandoned 1 ms after it started, before any value
          h: hung.pipe(circuitBreaker(breaker), takeUntil(cold('-x'))),
          p: cold('-s|').pipe(circuitBreaker(breaker), outcome()),
        };
        expectObservable(requests.pipe(mergeMap((r) => calls[r]!))).toBe('-E-----s');
        expectObservable(breaker.state$.pipe(map((s) => s[0]))).toBe('co-h----c');
        expectSubscriptions(hung.subscriptions).toBe('----^!');
      });
    });

    it('unsubscribing a probe after a value frees the slot and counts as a success', () => {
      createScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 2, successThreshold: 2 });
        const requests = hot('-f--h--h');
        const probe = cold('     -a-b-c|');
        const calls: Record<string, Observable<string>> = {
          f: cold('#').pipe(circuitBreaker(breaker), outcome()),
          h: probe.pipe(circuitBreaker(breaker), take(1)),
        };
        // probe 1 takes one value at 5 and leaves: success 1, slot free; probe 2 at 7 does the same: closed at 8.
        expectObservable(requests.pipe(mergeMap((r) => calls[r]!))).toBe('-E---a--a');
        expectObservable(breaker.state$.pipe(map((s) => s[0]))).toBe('co-h----c');
        expectSubscriptions(probe.subscriptions).toBe(['----^!', '-------^!']);
      });
    });
  });

  describe('rejection', () => {
    it('errors with CircuitOpenError at subscription, without subscribing to the source', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker({ name: 'api' });
        breaker.isolate();
        const source = cold('-a|');
        expectObservable(source.pipe(circuitBreaker(breaker))).toBe(
          '#',
          undefined,
          new CircuitOpenError('api', 'isolated', 0),
        );
        expectSubscriptions(source.subscriptions).toBe([]);
      });
    });

    it('the rejection is synchronous, through subscriber.error', () => {
      const breaker = new CircuitBreaker({ name: 'api' });
      breaker.isolate();
      let received: unknown;
      let subscribed = false;
      of(1)
        .pipe((s) => new Observable<number>((o) => ((subscribed = true), s.subscribe(o))), circuitBreaker(breaker))
        .subscribe({ error: (e) => (received = e) });
      expect(received).toBeInstanceOf(CircuitOpenError);
      expect(subscribed).toBe(false);
      expect(breaker.snapshot().rejectedCount).toBe(1);
    });
  });

  describe('RxJS operator contract', () => {
    it('stops listening to a synchronous observable when unsubscribed', () => {
      const breaker = new CircuitBreaker();
      const sideEffects: number[] = [];
      const synchronousObservable = new Observable<number>((subscriber) => {
        // This will check to see if the subscriber was closed on each loop
        // when the unsubscribe hits (from the `take`), it should be closed
        for (let i = 0; !subscriber.closed && i < 10; i++) {
          sideEffects.push(i);
          subscriber.next(i);
        }
      });
      synchronousObservable.pipe(circuitBreaker(breaker), take(3)).subscribe(() => {});
      expect(sideEffects).toEqual([0, 1, 2]);
      expect(breaker.snapshot()).toMatchObject({ successCount: 1, totalCalls: 1 });
    });

    it('does not break unsubscription chains when result is unsubscribed explicitly', () => {
      createScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker();
        const e1 = hot('  --1--2--3--4--5--6--|');
        const e1subs = '  ^------!';
        const expected = '--1--2--';
        const unsub = '   -------!';
        const result = e1.pipe(
          map((x) => x),
          circuitBreaker(breaker),
          map((x) => x),
        );
        expectObservable(result, unsub).toBe(expected);
        expectSubscriptions(e1.subscriptions).toBe(e1subs);
      });
    });

    it('can be subscribed many times: each subscription a separate call', () => {
      const breaker = new CircuitBreaker();
      const calls = defer(() => of(1)).pipe(circuitBreaker(breaker));
      calls.subscribe();
      calls.subscribe();
      expect(breaker.snapshot().successCount).toBe(2);
    });
  });

  describe('options', () => {
    it('validates them when the operator is created', () => {
      const breaker = new CircuitBreaker({ name: 'db' });
      expect(() => circuitBreaker(breaker, { successOn: 'value' as never })).toThrow(ResilienceConfigError);
      expect(() => circuitBreaker(breaker, { successOn: 'value' as never })).toThrow(
        `circuitBreaker "db": successOn must be one of 'complete', 'first-value', got "value"`,
      );
      expect(() => circuitBreaker(breaker, { succesOn: 'complete' } as never)).toThrow(
        'circuitBreaker "db": succesOn is not a known option (known: successOn)',
      );
      expect(() => circuitBreaker(breaker, 'complete' as never)).toThrow(
        'circuitBreaker "db": options must be an object, got "complete"',
      );
      expect(() => circuitBreaker({} as never)).toThrow(
        'circuitBreaker: breaker must be a CircuitBreaker, got an object',
      );
      expect(() => circuitBreaker(undefined as never)).toThrow(ResilienceConfigError);
      expect(() => circuitBreaker(breaker, {})).not.toThrow();
      expect(() => circuitBreaker(breaker, { successOn: 'first-value' })).not.toThrow();
    });
  });

  describe('errors thrown by user functions', () => {
    it('isFailure throwing: the subscriber gets the thrown error, and the call counts as a failure', () => {
      const oops = new Error('isFailure bug');
      const breaker = new CircuitBreaker({
        trip: consecutiveFailures(1),
        isFailure: () => {
          throw oops;
        },
      });
      let received: unknown;
      throwError(() => new Error('original'))
        .pipe(circuitBreaker(breaker))
        .subscribe({ error: (e) => (received = e) });
      expect(received).toBe(oops);
      expect(breaker.snapshot()).toMatchObject({ state: 'open', failureCount: 1 });
      breaker.dispose();
    });

    it('resetTimeout throwing: the call whose failure opened the breaker gets the error; the breaker opens for 60000 ms', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const oops = new Error('resetTimeout bug');
        const breaker = new CircuitBreaker({
          trip: consecutiveFailures(1),
          resetTimeout: () => {
            throw oops;
          },
        });
        expectObservable(cold('-#').pipe(circuitBreaker(breaker))).toBe('-#', undefined, oops);
        cold('--x').subscribe(() =>
          expect(breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 1, halfOpenAt: 60001 }),
        );
        // The next call is rejected normally.
        expectObservable(cold('---x').pipe(mergeMap(() => cold('a|').pipe(circuitBreaker(breaker), outcome())))).toBe(
          '---R',
        );
        cold('-----x').subscribe(() => breaker.dispose());
      });
    });

    it('resetTimeout returning a bad value: a ResilienceConfigError naming it', () => {
      const breaker = new CircuitBreaker({ name: 'db', trip: consecutiveFailures(1), resetTimeout: () => -5 });
      let received: unknown;
      throwError(() => new Error('x'))
        .pipe(circuitBreaker(breaker))
        .subscribe({ error: (e) => (received = e) });
      expect(received).toBeInstanceOf(ResilienceConfigError);
      expect((received as Error).message).toBe(
        'CircuitBreaker "db": resetTimeout(1) must return a finite number >= 0, got -5',
      );
      breaker.dispose();
      for (const bad of [NaN, Infinity, '5', undefined, 2 ** 31]) {
        const b = new CircuitBreaker({ name: 'db', trip: consecutiveFailures(1), resetTimeout: () => bad as number });
        let e: unknown;
        throwError(() => new Error('x'))
          .pipe(circuitBreaker(b))
          .subscribe({ error: (x) => (e = x) });
        expect(e).toBeInstanceOf(ResilienceConfigError);
        b.dispose();
      }
    });

    it('a resetTimeout error raised by a timer (halfOpenTimeout) goes to the next call, which is not counted', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const oops = new Error('resetTimeout bug');
        const breaker = new CircuitBreaker({
          trip: consecutiveFailures(1),
          halfOpenTimeout: 2,
          resetTimeout: (n) => {
            if (n > 1) throw oops;
            return 2;
          },
        });
        cold('#')
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
        // open at 0, half-open at 2, reopened by the timeout at 4 (its resetTimeout throws).
        expectObservable(breaker.state$.pipe(map((s) => s[0]))).toBe('o-h-o--|');
        const next = cold('-----x').pipe(mergeMap(() => cold('a|').pipe(circuitBreaker(breaker))));
        expectObservable(next).toBe('-----#', undefined, oops);
        const after = cold('------x').pipe(mergeMap(() => cold('a|').pipe(circuitBreaker(breaker), outcome())));
        expectObservable(after).toBe('------R');
        cold('-------x').subscribe(() => {
          expect(breaker.snapshot()).toMatchObject({ rejectedCount: 1, totalCalls: 1 });
          breaker.dispose();
        });
      });
    });

    it('a resetTimeout error raised by a call that finds the half-open timeout passed goes to that call', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const oops = new Error('resetTimeout bug');
        const breaker = new CircuitBreaker({
          trip: consecutiveFailures(1),
          halfOpenTimeout: 2,
          resetTimeout: (n) => {
            if (n > 1) throw oops;
            return 2;
          },
        });
        cold('#')
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
        // Disposed while half-open at 3 (no more timers); the call at 6 finds the timeout passed.
        cold('---x').subscribe(() => breaker.dispose());
        expectObservable(cold('------x').pipe(mergeMap(() => cold('a|').pipe(circuitBreaker(breaker))))).toBe(
          '------#',
          undefined,
          oops,
        );
        cold('-------x').subscribe(() => expect(breaker.state).toBe('open'));
      });
    });

    it("a resetTimeout error raised by a slow first value (successOn 'first-value') replaces the value", () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const oops = new Error('resetTimeout bug');
        const breaker = new CircuitBreaker({
          trip: consecutiveFailures(1),
          slowCallDuration: 2,
          resetTimeout: () => {
            throw oops;
          },
        });
        const source = cold('--a--b|');
        expectObservable(source.pipe(circuitBreaker(breaker, { successOn: 'first-value' }))).toBe(
          '--#',
          undefined,
          oops,
        );
        cold('---x').subscribe(() => {
          expect(breaker.state).toBe('open');
          breaker.dispose();
        });
      });
    });

    it('a resetTimeout error raised by a slow completion replaces the completion', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const oops = new Error('resetTimeout bug');
        const breaker = new CircuitBreaker({
          trip: consecutiveFailures(1),
          slowCallDuration: 2,
          resetTimeout: () => {
            throw oops;
          },
        });
        expectObservable(cold('-a-|').pipe(circuitBreaker(breaker))).toBe('-a-#', undefined, oops);
        cold('----x').subscribe(() => breaker.dispose());
      });
    });

    it('of two resetTimeout errors raised before the next call, the first reaches it', () => {
      const scheduler = createScheduler();
      const breaker = new CircuitBreaker({
        scheduler,
        trip: consecutiveFailures(1),
        halfOpenTimeout: 1,
        resetTimeout: (n) => {
          if (n > 1) throw new Error(`resetTimeout(${n})`);
          return 1;
        },
      });
      throwError(() => new Error('x'))
        .pipe(circuitBreaker(breaker))
        .subscribe({ error: () => {} });
      scheduler.maxFrames = 60010;
      scheduler.flush(); // 1 half-open, 2 reopened (error 2), 60002 half-open, 60003 reopened (error 3)
      expect(breaker.toJSON().openCount).toBe(3);
      breaker.dispose();
      let received: unknown;
      of(1)
        .pipe(circuitBreaker(breaker))
        .subscribe({ error: (e) => (received = e) });
      expect((received as Error).message).toBe('resetTimeout(2)');
    });

    it('a resetTimeout error raised at an unsubscription goes to the next call', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const oops = new Error('resetTimeout bug');
        const breaker = new CircuitBreaker({
          trip: consecutiveFailures(1),
          slowCallDuration: 2,
          resetTimeout: () => {
            throw oops;
          },
        });
        // Unsubscribed after a value at 3: a slow success, so a failure, which opens the breaker.
        expectObservable(cold('-a----|').pipe(circuitBreaker(breaker)), '^--!').toBe('-a-');
        expectObservable(cold('----x').pipe(mergeMap(() => cold('a|').pipe(circuitBreaker(breaker))))).toBe(
          '----#',
          undefined,
          oops,
        );
        cold('-----x').subscribe(() => breaker.dispose());
      });
    });
  });

  describe('composition', () => {
    it('retry outside, breaker inside, timeout innermost: timeouts count as failures and retries wait out retryAfter', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const breaker = new CircuitBreaker({ trip: consecutiveFailures(2), resetTimeout: 10 });
        const slow = cold('-----a|');
        const result = slow.pipe(
          timeoutWith(3),
          circuitBreaker(breaker),
          retryWithBackoff({ maxRetries: 3, initialDelay: 1, backoff: 'constant' }),
        );
        // attempt 1: 0-3 timeout (failure 1); retry after 1 ms: 4-7 timeout (failure 2, opens at 7, half-opens at 17);
        // retry at 8: rejected with retryAfter 9 -> waits 9 ms; retry at 17: probe, times out at 20 -> reopens;
        // no retries left.
        expectObservable(result).toBe(
          '--------------------#',
          undefined,
          new OperationTimeoutError('operation', 'each', 3),
        );
        expectSubscriptions(slow.subscriptions).toBe(['^--!', '----^--!', '-----------------^--!']);
        cold('---------------------x').subscribe(() => breaker.dispose());
      });
    });
  });

  it('a disposed breaker still answers calls, and reports nothing unhandled', () => {
    const errors: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (e) => errors.push(e);
    try {
      const breaker = new CircuitBreaker();
      breaker.dispose();
      of(1).pipe(circuitBreaker(breaker)).subscribe();
      expect(breaker.snapshot().successCount).toBe(1);
    } finally {
      config.onUnhandledError = previous;
    }
    expect(errors).toEqual([]);
  });
});
