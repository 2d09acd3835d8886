import { NEVER, of, take, throwError, timeout, VirtualTimeScheduler } from 'rxjs';
import type { ObservableInput } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { OperationTimeoutError, ResilienceConfigError, timeoutWith } from 'rxjs-resilience';
import type { TimeoutInfo, TimeoutOptions } from 'rxjs-resilience';
import { createScheduler, pendingAfter } from '../helpers/scheduler';

const timeoutError = (kind: 'first' | 'each' | 'total', ms: number, operation = 'operation') =>
  new OperationTimeoutError(operation, kind, ms);

describe('timeoutWith', () => {
  describe('timeoutWith(each) — the RxJS 6 signature', () => {
    it('errors with OperationTimeoutError kind "each" when no value arrives in time, and unsubscribes the source', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a--b------c');
        expectObservable(source.pipe(timeoutWith(3))).toBe('-a--b--#', undefined, timeoutError('each', 3));
        expectSubscriptions(source.subscriptions).toBe('^------!');
      });
    });

    it('the error carries operation, kind and timeout, and is a ResilienceError', () => {
      const errors: unknown[] = [];
      const scheduler = new VirtualTimeScheduler();
      NEVER.pipe(timeoutWith({ each: 25, name: 'users', scheduler })).subscribe({ error: (e) => errors.push(e) });
      scheduler.flush();
      const error = errors[0] as OperationTimeoutError;
      expect(error).toBeInstanceOf(OperationTimeoutError);
      expect(error).toMatchObject({ name: 'OperationTimeoutError', operation: 'users', kind: 'each', timeout: 25 });
      expect(error.message).toBe('Operation "users" timed out: no value within 25 ms');
    });

    it('switches to the fallback on expiry, with the fallback’s values, error and completion', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-----b');
        const fb = cold('x-y|');
        expectObservable(source.pipe(timeoutWith(3, fb))).toBe('-a--x-y|');
        expectSubscriptions(source.subscriptions).toBe('^---!');
        expectSubscriptions(fb.subscriptions).toBe('----^--!');
      });
    });

    it('does not time out a source that keeps emitting or completes in time', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('--a--b--c--|').pipe(timeoutWith(3))).toBe('--a--b--c--|');
        expectObservable(cold('--#').pipe(timeoutWith(3))).toBe('--#');
      });
    });

    it('accepts promises and arrays as the fallback', async () => {
      const scheduler = new VirtualTimeScheduler();
      const values: unknown[] = [];
      NEVER.pipe(timeoutWith({ each: 5, scheduler, with: () => ['x', 'y'] })).subscribe((v) => values.push(v));
      scheduler.flush();
      expect(values).toEqual(['x', 'y']);
    });

    const diagrams: Array<[string, number, string]> = [
      ['-a--b------c', 3, '-a--b--x-y|'],
      ['---a|', 2, '--x-y|'],
      ['-a-b-c|', 2, '-a-b-c|'],
      ['-----#', 2, '--x-y|'],
    ];
    for (const [src, each, out] of diagrams) {
      it(`behaves like timeout({ each, with }) on ${src}`, () => {
        for (const make of [
          (fb: ObservableInput<string>) => timeoutWith<string, string>(each, fb),
          (fb: ObservableInput<string>) => timeout({ each, with: () => fb }),
        ]) {
          createScheduler().run(({ cold, expectObservable }) => {
            expectObservable(cold(src).pipe(make(cold('x-y|')))).toBe(out);
          });
        }
      });
    }
  });

  describe('first, each and total', () => {
    it('first: limits only the wait for the first value', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('----a').pipe(timeoutWith({ first: 3 }))).toBe(
          '---#',
          undefined,
          timeoutError('first', 3),
        );
        expectObservable(cold('--a--------b|').pipe(timeoutWith({ first: 3 }))).toBe('--a--------b|');
      });
    });

    it('first with each: first for the first value, each after it', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('----a--b----c').pipe(timeoutWith({ first: 5, each: 3 }))).toBe(
          '----a--b--#',
          undefined,
          timeoutError('each', 3),
        );
        expectObservable(cold('------a').pipe(timeoutWith({ first: 5, each: 30 }))).toBe(
          '-----#',
          undefined,
          timeoutError('first', 5),
        );
      });
    });

    it('each alone also limits the first value, reported as kind "each"', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('-----a').pipe(timeoutWith({ each: 2 }))).toBe('--#', undefined, timeoutError('each', 2));
      });
    });

    it('total: subscription to completion, even while values flow', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b-c-d-e-f-g|');
        expectObservable(source.pipe(timeoutWith({ total: 7 }))).toBe(
          '-a-b-c-(d#)',
          undefined,
          timeoutError('total', 7),
        );
        expectSubscriptions(source.subscriptions).toBe('^------!');
      });
    });

    it('a value arriving at the very moment a limit expires is still delivered, as with RxJS timeout', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('---a---|').pipe(timeoutWith({ first: 3 }))).toBe('---a---|');
        expectObservable(cold('-a--b---|').pipe(timeoutWith({ each: 3 }))).toBe(
          '-a--b--#',
          undefined,
          timeoutError('each', 3),
        );
        expectObservable(cold('---a---|').pipe(timeout({ first: 3 }))).toBe('---a---|');
      });
    });

    it('an each deadline earlier than a pending first deadline re-arms the timer', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('-a-----b').pipe(timeoutWith({ first: 10, each: 2 }))).toBe(
          '-a-#',
          undefined,
          timeoutError('each', 2),
        );
      });
    });

    it('a synchronous value needs no timer for the first value', () => {
      const scheduler = new VirtualTimeScheduler();
      of(1)
        .pipe(timeoutWith({ first: 10, scheduler }))
        .subscribe();
      expect(scheduler.actions.length).toBe(0);
    });

    it('total with each: whichever expires first', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('-a-b-c-d-e|').pipe(timeoutWith({ each: 3, total: 6 }))).toBe(
          '-a-b-c#',
          undefined,
          timeoutError('total', 6),
        );
        expectObservable(cold('-a------b|').pipe(timeoutWith({ each: 3, total: 6 }))).toBe(
          '-a--#',
          undefined,
          timeoutError('each', 3),
        );
      });
    });

    it('a source completing in time leaves no timer behind', () => {
      const scheduler = createScheduler();
      let pending = { count: -1 };
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('-a|').pipe(timeoutWith({ first: 5, each: 5, total: 10 }))).toBe('-a|');
        pending = pendingAfter(scheduler, 3);
      });
      expect(pending.count).toBe(0);
    });
  });

  describe('with(info)', () => {
    it('is called once on expiry with { kind, timeout, seen, lastValue, operation }, frozen', () => {
      const infos: TimeoutInfo<string>[] = [];
      createScheduler().run(({ cold, expectObservable }) => {
        const result = cold('-a-b------c').pipe(
          timeoutWith<string, string>({
            each: 3,
            name: 'prices',
            with: (info) => {
              infos.push(info);
              return of(`after ${info.seen}`);
            },
          }),
        );
        expectObservable(result).toBe('-a-b--(x|)', { a: 'a', b: 'b', x: 'after 2' });
      });
      expect(infos).toEqual([{ kind: 'each', timeout: 3, seen: 2, lastValue: 'b', operation: 'prices' }]);
      expect(Object.isFrozen(infos[0])).toBe(true);
    });

    it('lastValue is null when nothing was seen', () => {
      const with_ = vi.fn((_info: TimeoutInfo<unknown>) => of('fb'));
      createScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('-----a').pipe(timeoutWith({ first: 2, with: with_ }))).toBe('--(x|)', { x: 'fb' });
      });
      expect(with_.mock.calls[0]![0]).toMatchObject({ kind: 'first', seen: 0, lastValue: null });
    });

    it('an error thrown by with() reaches the subscriber', () => {
      const thrown = new Error('no fallback today');
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-----a');
        expectObservable(
          source.pipe(
            timeoutWith({
              each: 2,
              with: () => {
                throw thrown;
              },
            }),
          ),
        ).toBe('--#', undefined, thrown);
        expectSubscriptions(source.subscriptions).toBe('^-!');
      });
    });

    it('a with() returning something that is not an ObservableInput errors the subscriber', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        expectObservable(
          cold('-----a').pipe(timeoutWith({ each: 2, with: () => 42 as unknown as ObservableInput<number> })),
        ).toBe('--#', undefined, expect.any(TypeError));
      });
    });

    it('unsubscribing the output unsubscribes the fallback', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const fb = cold('x---y|');
        expectObservable(cold('-----a').pipe(timeoutWith(2, fb)), '----!').toBe('--x-');
        expectSubscriptions(fb.subscriptions).toBe('--^-!');
      });
    });
  });

  describe('timers end with the stream', () => {
    it('on early unsubscription', () => {
      const scheduler = createScheduler();
      let pending = { count: -1 };
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a----b');
        expectObservable(source.pipe(timeoutWith({ first: 10, each: 10, total: 100 })), '--!').toBe('-a');
        expectSubscriptions(source.subscriptions).toBe('^-!');
        pending = pendingAfter(scheduler, 3);
      });
      expect(pending.count).toBe(0);
    });

    it('on expiry (the other timers are cancelled) and on a source error', () => {
      const scheduler = createScheduler();
      let pending = { count: -1 };
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('-a-------b').pipe(timeoutWith({ each: 3, total: 100 }))).toBe(
          '-a--#',
          undefined,
          timeoutError('each', 3),
        );
        expectObservable(cold('-a-#').pipe(timeoutWith({ each: 3, total: 100 }))).toBe('-a-#');
        pending = pendingAfter(scheduler, 6);
      });
      expect(pending.count).toBe(0);
    });

    it('does not restart the each timer after a downstream unsubscription from within next', () => {
      const scheduler = new VirtualTimeScheduler();
      const values: number[] = [];
      of(1, 2, 3)
        .pipe(timeoutWith({ each: 10, scheduler }), take(1))
        .subscribe((v) => values.push(v));
      expect(values).toEqual([1]);
      expect(scheduler.actions.length).toBe(0);
    });

    it('uses the scheduler option', () => {
      const scheduler = new VirtualTimeScheduler();
      const errors: unknown[] = [];
      NEVER.pipe(timeoutWith({ total: 1000, scheduler })).subscribe({ error: (e) => errors.push(e) });
      expect(errors).toEqual([]);
      scheduler.flush();
      expect(scheduler.now()).toBe(1000);
      expect(errors[0]).toBeInstanceOf(OperationTimeoutError);
    });
  });

  it('timeoutWith(each, fallback, scheduler): the RxJS 6 third argument times it', () => {
    const scheduler = new VirtualTimeScheduler();
    const values: unknown[] = [];
    NEVER.pipe(timeoutWith(100, of('fallback'), scheduler)).subscribe((v) => values.push(v));
    expect(values).toEqual([]);
    scheduler.flush();
    expect(values).toEqual(['fallback']);
    expect(scheduler.now()).toBe(100);
    expect(() =>
      (timeoutWith as (a: unknown, b: unknown, c: unknown) => unknown)({ each: 5 }, undefined, scheduler),
    ).toThrow(
      'timeoutWith: scheduler must be absent when options are given (use the scheduler option), got a VirtualTimeScheduler',
    );
  });

  it('passes a synchronous error through', () => {
    const errors: unknown[] = [];
    const boom = new Error('boom');
    throwError(() => boom)
      .pipe(timeoutWith(5))
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([boom]);
  });

  describe('options are checked when the operator is created', () => {
    const bad: Array<[() => unknown, string]> = [
      [() => timeoutWith(0), 'timeoutWith "operation": each must be a finite number > 0, got 0'],
      [() => timeoutWith(-5), 'timeoutWith "operation": each must be a finite number > 0, got -5'],
      [() => timeoutWith(Infinity), 'timeoutWith "operation": each must be a finite number > 0, got Infinity'],
      [
        () => timeoutWith({}),
        'timeoutWith "operation": first/each/total must be given (at least one of them), got undefined',
      ],
      [
        () => timeoutWith({ first: '1s' } as unknown as TimeoutOptions),
        'timeoutWith "operation": first must be a finite number > 0, got "1s"',
      ],
      [
        () => timeoutWith({ total: 2 ** 31 }),
        'timeoutWith "operation": total must be a finite number <= 2147483647 (the longest a timer can wait), got 2147483648',
      ],
      [
        () => timeoutWith({ each: 5, with: of(1) } as unknown as TimeoutOptions),
        'timeoutWith "operation": with must be a function, got an Observable',
      ],
      [
        () => timeoutWith({ each: 5, name: 'db', after: 3 } as unknown as TimeoutOptions),
        'timeoutWith "db": after is not a known option (known: first, each, total, with, name, registry, scheduler)',
      ],
      [
        () => timeoutWith(5, 42 as unknown as ObservableInput<number>),
        'timeoutWith "operation": fallback must be an ObservableInput, got 42',
      ],
      [
        () => (timeoutWith as (a: unknown, b: unknown) => unknown)({ each: 5 }, of(1)),
        'timeoutWith: fallback must be absent when options are given (use the with option), got an Observable',
      ],
      [
        () => timeoutWith(null as unknown as number),
        'timeoutWith: each must be a number of ms or an options object, got null',
      ],
      [
        () => timeoutWith({ each: 5, scheduler: 1 } as unknown as TimeoutOptions),
        'timeoutWith "operation": scheduler must be a SchedulerLike (an object with now() and schedule()), got 1',
      ],
    ];
    for (const [make, message] of bad) {
      it(message, () => {
        expect(make).toThrow(ResilienceConfigError);
        expect(make).toThrow(message);
      });
    }
  });
});
