import fc from 'fast-check';
import { defer, map, Observable, retry, throwError, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { CircuitOpenError, ResilienceConfigError, retryWithBackoff } from 'rxjs-resilience';
import { RetryBudget } from '../../src/budget/index';
import type { RetryInfo, RetryOptions } from 'rxjs-resilience';
import { createScheduler, pendingAfter } from '../helpers/scheduler';

/** Subscribes `source.pipe(retryWithBackoff(options))` to an always-failing cold source and returns the frames of each subscription. */
function subscriptionFrames(options: RetryOptions, failAfter = 1): number[] {
  const frames: number[] = [];
  const scheduler = createScheduler();
  scheduler.run(({ cold }) => {
    const source = cold(`${'-'.repeat(failAfter)}#`);
    source.pipe(retryWithBackoff(options)).subscribe({ error: () => {} });
    scheduler.flush();
    for (const s of source.subscriptions) frames.push(s.subscribedFrame);
  });
  return frames;
}

/** The delays `onRetry` reports for an always-failing source. */
function reportedDelays(options: RetryOptions): number[] {
  const delays: number[] = [];
  subscriptionFrames({ ...options, onRetry: (i) => delays.push(i.delay) });
  return delays;
}

describe('retryWithBackoff', () => {
  describe('backoff schedules', () => {
    it('defaults: 3 retries, exponential from 1000 ms (1 s, 2 s, 4 s), at most 4 subscriptions', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        expectObservable(source.pipe(retryWithBackoff())).toBe('- 1000ms - 2000ms - 4000ms -#');
        expectSubscriptions(source.subscriptions).toBe([
          '^!',
          '- 1000ms ^!',
          '- 1000ms - 2000ms ^!',
          '- 1000ms - 2000ms - 4000ms ^!',
        ]);
      });
    });

    it('exponential: initialDelay * factor^(n-1)', () => {
      expect(reportedDelays({ maxRetries: 4, initialDelay: 10, factor: 3 })).toEqual([10, 30, 90, 270]);
    });

    it('linear: initialDelay * n', () => {
      expect(reportedDelays({ maxRetries: 4, initialDelay: 10, backoff: 'linear' })).toEqual([10, 20, 30, 40]);
    });

    it('constant: initialDelay', () => {
      expect(reportedDelays({ maxRetries: 3, initialDelay: 7, backoff: 'constant' })).toEqual([7, 7, 7]);
    });

    it('function: backoff(n), with n 1-based', () => {
      const backoff = vi.fn((n: number) => n * n);
      expect(reportedDelays({ maxRetries: 3, backoff })).toEqual([1, 4, 9]);
      expect(backoff.mock.calls.map((c) => c[0])).toEqual([1, 2, 3]);
    });

    it('caps every delay at maxDelay', () => {
      expect(reportedDelays({ maxRetries: 5, initialDelay: 10, maxDelay: 50 })).toEqual([10, 20, 40, 50, 50]);
      expect(reportedDelays({ maxRetries: 2, backoff: () => Infinity, initialDelay: 0, maxDelay: 25 })).toEqual([
        25, 25,
      ]);
    });

    it('clamps a negative function delay to 0, which resubscribes in the same frame', () => {
      expect(subscriptionFrames({ maxRetries: 2, backoff: () => -5 }, 2)).toEqual([0, 2, 4]);
    });

    it('the subscriptions happen exactly after each delay', () => {
      expect(subscriptionFrames({ maxRetries: 3, initialDelay: 2 }, 1)).toEqual([0, 3, 8, 17]);
    });

    it('a backoff function returning a non-number errors the output with ResilienceConfigError', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const source = cold('-#');
        const result = source.pipe(retryWithBackoff({ backoff: () => NaN, name: 'load' }));
        expectObservable(result.pipe()).toBe('-#', undefined, expect.any(ResilienceConfigError));
      });
      const errors: unknown[] = [];
      throwError(() => new Error('x'))
        .pipe(retryWithBackoff({ backoff: () => 'soon' as unknown as number, name: 'load' }))
        .subscribe({ error: (e) => errors.push(e) });
      expect((errors[0] as Error).message).toBe('retryWithBackoff "load": backoff(1) must return a number, got soon');
    });
  });

  describe('jitter', () => {
    it('full: random() * d', () => {
      expect(reportedDelays({ maxRetries: 3, initialDelay: 100, jitter: 'full', random: () => 0.25 })).toEqual([
        25, 50, 100,
      ]);
    });

    it('equal: d/2 + random() * d/2', () => {
      expect(reportedDelays({ maxRetries: 3, initialDelay: 100, jitter: 'equal', random: () => 0.5 })).toEqual([
        75, 150, 300,
      ]);
    });

    it('decorrelated: min(maxDelay, initialDelay + random() * (3 * prev - initialDelay)), prev starting at initialDelay', () => {
      // prev 100 → 100 + 0.5 * 200 = 200; prev 200 → 100 + 0.5 * 500 = 350; prev 350 → 100 + 0.5 * 950 = 575 → capped 500
      expect(
        reportedDelays({ maxRetries: 3, initialDelay: 100, maxDelay: 500, jitter: 'decorrelated', random: () => 0.5 }),
      ).toEqual([200, 350, 500]);
    });

    it('none uses no randomness', () => {
      const random = vi.fn(() => 0.5);
      reportedDelays({ maxRetries: 3, initialDelay: 10, random });
      expect(random).not.toHaveBeenCalled();
    });

    it('stays within each kind’s bounds for any random draw in [0, 1)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 6, maxLength: 6 }),
          fc.integer({ min: 0, max: 1000 }),
          fc.integer({ min: 0, max: 5000 }),
          (draws, initialDelay, extra) => {
            const maxDelay = initialDelay + extra;
            const rnd = () => {
              let i = 0;
              return () => draws[i++ % draws.length]!;
            };
            const base = reportedDelays({ maxRetries: 6, initialDelay, maxDelay });
            const full = reportedDelays({ maxRetries: 6, initialDelay, maxDelay, jitter: 'full', random: rnd() });
            const equal = reportedDelays({ maxRetries: 6, initialDelay, maxDelay, jitter: 'equal', random: rnd() });
            const decorrelated = reportedDelays({
              maxRetries: 6,
              initialDelay,
              maxDelay,
              jitter: 'decorrelated',
              random: rnd(),
            });
            base.forEach((d, i) => {
              expect(full[i]).toBeGreaterThanOrEqual(0);
              expect(full[i]).toBeLessThanOrEqual(d);
              expect(equal[i]).toBeGreaterThanOrEqual(d / 2);
              expect(equal[i]).toBeLessThanOrEqual(d);
            });
            let prev = initialDelay;
            for (const d of decorrelated) {
              expect(d).toBeGreaterThanOrEqual(Math.min(initialDelay, maxDelay));
              expect(d).toBeLessThanOrEqual(Math.min(maxDelay, Math.max(initialDelay, 3 * prev)));
              prev = d;
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe('retryAfter hints', () => {
    it('waits at least an error’s numeric retryAfter', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const hinted = Object.assign(new Error('busy'), { retryAfter: 7 });
        const source = cold('-#', undefined, hinted);
        expectObservable(source.pipe(retryWithBackoff({ maxRetries: 1, initialDelay: 2 }))).toBe(
          '-------- -#',
          undefined,
          hinted,
        );
        expectSubscriptions(source.subscriptions).toBe(['^!', '--------^!']);
      });
    });

    it('honours CircuitOpenError.retryAfter, still capped by maxDelay', () => {
      const error = new CircuitOpenError('db', 'open', 5000);
      const delays: number[] = [];
      throwError(() => error)
        .pipe(
          retryWithBackoff({
            maxRetries: 1,
            initialDelay: 0,
            maxDelay: 300,
            onRetry: (i) => delays.push(i.delay),
            scheduler: new VirtualTimeScheduler(),
          }),
        )
        .subscribe({ error: () => {} });
      expect(delays).toEqual([300]);
    });

    it('ignores a retryAfter shorter than the computed delay, and non-numeric hints', () => {
      expect(reportedDelays({ maxRetries: 1, initialDelay: 10 })).toEqual([10]);
      const delays: number[] = [];
      const scheduler = new VirtualTimeScheduler();
      for (const retryAfter of [3, '500', null]) {
        throwError(() => Object.assign(new Error(), { retryAfter }))
          .pipe(retryWithBackoff({ maxRetries: 1, initialDelay: 10, onRetry: (i) => delays.push(i.delay), scheduler }))
          .subscribe({ error: () => {} });
      }
      expect(delays).toEqual([10, 10, 10]);
    });
  });

  describe('which errors are retried', () => {
    it('propagates the last error unchanged (the same instance) once retries are used up', () => {
      const errors = [new Error('1'), new Error('2'), new Error('3')];
      let n = 0;
      const received: unknown[] = [];
      defer(() => throwError(() => errors[n++]))
        .pipe(retryWithBackoff({ maxRetries: 2, initialDelay: 0 }))
        .subscribe({ error: (e) => received.push(e) });
      expect(received).toEqual([errors[2]]);
      expect(received[0]).toBe(errors[2]);
    });

    it('shouldRetry as a predicate: a refused error propagates unchanged at once', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const fatal = new TypeError('fatal');
        const source = cold('-#', undefined, fatal);
        const result = source.pipe(
          retryWithBackoff({ initialDelay: 1, shouldRetry: (e) => !(e instanceof TypeError) }),
        );
        expectObservable(result).toBe('-#', undefined, fatal);
        expectSubscriptions(source.subscriptions).toBe('^!');
      });
    });

    it('shouldRetry as a list of classes, matched with instanceof', () => {
      class Transient extends Error {}
      class Subclass extends Transient {}
      const attempts = (error: Error) => {
        let count = 0;
        defer(() => {
          count++;
          return throwError(() => error);
        })
          .pipe(retryWithBackoff({ maxRetries: 2, initialDelay: 0, shouldRetry: [Transient] }))
          .subscribe({ error: () => {} });
        return count;
      };
      expect(attempts(new Transient())).toBe(3);
      expect(attempts(new Subclass())).toBe(3);
      expect(attempts(new Error())).toBe(1);
    });

    it('asks shouldRetry only while retries remain', () => {
      const shouldRetry = vi.fn(() => true);
      subscriptionFrames({ maxRetries: 2, initialDelay: 0, shouldRetry });
      expect(shouldRetry).toHaveBeenCalledTimes(2);
    });
  });

  describe('resetOnSuccess', () => {
    it('a value resets the count, and the next retry waits retry 1’s delay again', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        // attempt 1 errors at 0 (wait 1); attempt 2 emits at 1 and errors at 2 (count reset: wait 1
        // again, not 2); attempt 3 errors at 3 (retry 2: wait 2); attempt 4 errors at 5: retries used up.
        // Without the reset, attempt 3 would have been the last, at frame 4.
        let n = 0;
        const attempts = [cold('#'), cold('a#'), cold('#'), cold('#')];
        const source = defer(() => attempts[n++]!);
        expectObservable(source.pipe(retryWithBackoff({ maxRetries: 2, initialDelay: 1, resetOnSuccess: true }))).toBe(
          '-a---#',
        );
        expectSubscriptions(attempts[1]!.subscriptions).toBe('-^!');
        expectSubscriptions(attempts[2]!.subscriptions).toBe('---(^!)');
        expectSubscriptions(attempts[3]!.subscriptions).toBe('-----(^!)');
      });
    });

    it('without it, values do not reset the count', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const source = cold('a#');
        expectObservable(source.pipe(retryWithBackoff({ maxRetries: 2, initialDelay: 1 }))).toBe('a-a--a#');
      });
    });

    it('resets decorrelated jitter’s previous delay too', () => {
      const delays: number[] = [];
      createScheduler().run(({ cold }) => {
        let n = 0;
        const attempts = [cold('#'), cold('#'), cold('a#'), cold('|')];
        defer(() => attempts[n++]!)
          .pipe(
            retryWithBackoff({
              maxRetries: 3,
              initialDelay: 10,
              jitter: 'decorrelated',
              random: () => 0.5,
              resetOnSuccess: true,
              onRetry: (i) => delays.push(i.delay),
            }),
          )
          .subscribe({ error: () => {} });
      });
      // 10 + 0.5*20 = 20; 10 + 0.5*50 = 35; reset → 20 again
      expect(delays).toEqual([20, 35, 20]);
    });
  });

  describe('onRetry', () => {
    it('is called before each wait with { attempt, delay, error }, frozen', () => {
      const calls: Array<RetryInfo & { at: number }> = [];
      const scheduler = createScheduler();
      const error = new Error('boom');
      scheduler.run(({ cold }) => {
        cold('--#', undefined, error)
          .pipe(
            retryWithBackoff({
              maxRetries: 2,
              initialDelay: 3,
              onRetry: (i) => calls.push({ ...i, at: scheduler.now() }),
            }),
          )
          .subscribe({ error: () => {} });
        scheduler.flush();
        // hold a reference to check freezing after the run
      });
      expect(calls).toEqual([
        { attempt: 1, delay: 3, error, at: 2 },
        { attempt: 2, delay: 6, error, at: 7 },
      ]);
      let info: RetryInfo | undefined;
      throwError(() => error)
        .pipe(retryWithBackoff({ maxRetries: 1, initialDelay: 0, onRetry: (i) => (info = i) }))
        .subscribe({ error: () => {} });
      expect(Object.isFrozen(info)).toBe(true);
    });
  });

  describe('delay 0 behaves like retry(n)', () => {
    const diagrams: Array<[string, string, string[], number]> = [
      ['-1--2-#', '-1--2--1--2--1--2-#', ['^-----!', '------^-----!', '------------^-----!'], 2],
      ['-1-2-|', '-1-2-|', ['^----!'], 3],
      ['#', '#', ['(^!)', '(^!)', '(^!)', '(^!)'], 3],
      ['-a-#', '-a--a--a-#', ['^--!', '---^--!', '------^--!'], 2],
    ];
    for (const [src, out, subs, n] of diagrams) {
      it(`${src} with ${n} retries → ${out}`, () => {
        for (const op of [retry(n), retryWithBackoff({ maxRetries: n, initialDelay: 0 })]) {
          createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
            const source = cold(src);
            expectObservable(source.pipe(op as never)).toBe(out);
            expectSubscriptions(source.subscriptions).toBe(subs);
          });
        }
      });
    }

    it('resubscribes synchronously to a synchronous source, without growing the stack', () => {
      let subscriptions = 0;
      const source = defer(() => {
        subscriptions++;
        return throwError(() => new Error('sync'));
      });
      const errors: unknown[] = [];
      source
        .pipe(retryWithBackoff({ maxRetries: 50_000, initialDelay: 0 }))
        .subscribe({ error: (e) => errors.push(e) });
      expect(subscriptions).toBe(50_001);
      expect(errors).toHaveLength(1);
    });

    it('retries an asynchronous error with delay 0 in the same frame', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#');
        expectObservable(source.pipe(retryWithBackoff({ maxRetries: 1, initialDelay: 0 }))).toBe('----#');
        expectSubscriptions(source.subscriptions).toBe(['^-!', '--^-!']);
      });
    });
  });

  describe('subscriptions and cancellation', () => {
    it('maxRetries: 3 means at most 4 subscriptions', () => {
      expect(subscriptionFrames({ maxRetries: 3, initialDelay: 1 })).toHaveLength(4);
    });

    it('maxRetries: 0 subscribes once and returns the source itself', () => {
      const source = throwError(() => new Error());
      expect(source.pipe(retryWithBackoff({ maxRetries: 0 }))).toBe(source);
    });

    it('maxRetries: Infinity retries until the source succeeds', () => {
      let n = 0;
      const values: string[] = [];
      defer(() => (++n < 100 ? throwError(() => new Error()) : [`ok after ${n}`]))
        .pipe(retryWithBackoff({ maxRetries: Infinity, initialDelay: 0 }))
        .subscribe((v) => values.push(v));
      expect(values).toEqual(['ok after 100']);
    });

    it('unsubscribing during a wait cancels it: no resubscription, no pending timer', () => {
      const scheduler = createScheduler();
      let pending = { count: -1 };
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        const unsub = '      -----!';
        expectObservable(source.pipe(retryWithBackoff({ initialDelay: 10 })), unsub).toBe('-----');
        expectSubscriptions(source.subscriptions).toBe('^!');
        pending = pendingAfter(scheduler, 6);
      });
      expect(pending.count).toBe(0);
    });

    it('unsubscribing while subscribed to the source unsubscribes it', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('---a--#');
        const unsub = '      -----!';
        expectObservable(source.pipe(retryWithBackoff({ initialDelay: 1 })), unsub).toBe('---a-');
        expectSubscriptions(source.subscriptions).toBe('^----!');
      });
    });

    it('nothing stays scheduled after the final error', () => {
      const scheduler = createScheduler();
      let pending = { count: -1 };
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold('-#').pipe(retryWithBackoff({ maxRetries: 2, initialDelay: 1 }))).toBe('------#');
        pending = pendingAfter(scheduler, 7);
      });
      expect(pending.count).toBe(0);
    });

    it('each subscription to the output has its own retry count', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const result = cold('-#').pipe(retryWithBackoff({ maxRetries: 1, initialDelay: 1 }));
        expectObservable(result).toBe('---#');
        expectObservable(result).toBe('---#');
      });
    });

    it('passes values through between errors and completes when the source does', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        let n = 0;
        const attempts = [cold('a#'), cold('b|')];
        expectObservable(defer(() => attempts[n++]!).pipe(retryWithBackoff({ initialDelay: 2 }))).toBe('a--b|');
      });
    });

    it('uses the scheduler option for its waits', () => {
      const scheduler = new VirtualTimeScheduler();
      let subscriptions = 0;
      const errors: unknown[] = [];
      defer(() => {
        subscriptions++;
        return throwError(() => new Error());
      })
        .pipe(retryWithBackoff({ maxRetries: 2, initialDelay: 100, scheduler }))
        .subscribe({ error: (e) => errors.push(e) });
      expect(subscriptions).toBe(1);
      scheduler.flush();
      expect(subscriptions).toBe(3);
      expect(errors).toHaveLength(1);
      expect(scheduler.now()).toBe(300);
    });
  });

  describe('errors thrown by user callbacks reach the subscriber', () => {
    const thrown = new Error('callback failed');
    const cases: Array<[string, RetryOptions]> = [
      [
        'shouldRetry',
        {
          shouldRetry: () => {
            throw thrown;
          },
        },
      ],
      [
        'backoff',
        {
          backoff: () => {
            throw thrown;
          },
        },
      ],
      [
        'onRetry',
        {
          onRetry: () => {
            throw thrown;
          },
        },
      ],
      [
        'random',
        {
          jitter: 'full',
          random: () => {
            throw thrown;
          },
        },
      ],
    ];
    for (const [name, options] of cases) {
      it(name, () => {
        createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
          const source = cold('-#');
          expectObservable(source.pipe(retryWithBackoff({ initialDelay: 1, ...options }))).toBe(
            '-#',
            undefined,
            thrown,
          );
          expectSubscriptions(source.subscriptions).toBe('^!');
        });
      });
    }

    it('an error thrown by the downstream observer is not swallowed as a retry', () => {
      let subscriptions = 0;
      const source = new Observable<number>((s) => {
        subscriptions++;
        s.next(1);
        s.complete();
      });
      const result = source.pipe(
        map((x) => {
          if (x === 1) throw new Error('downstream');
          return x;
        }),
        retryWithBackoff({ maxRetries: 2, initialDelay: 0 }),
      );
      const errors: unknown[] = [];
      result.subscribe({ error: (e) => errors.push(e) });
      expect(subscriptions).toBe(3);
      expect(errors).toHaveLength(1);
    });
  });

  describe('budget', () => {
    it('each subscription to the output records one call; each retry asks tryAcquire first', () => {
      const budget = new RetryBudget({ maxRetries: 10, scheduler: new VirtualTimeScheduler() });
      const recordCall = vi.spyOn(budget, 'recordCall');
      const tryAcquire = vi.spyOn(budget, 'tryAcquire');
      createScheduler().run(({ cold, expectObservable }) => {
        const result = cold('-#').pipe(retryWithBackoff({ maxRetries: 2, initialDelay: 1, budget }));
        expectObservable(result).toBe('------#');
        expectObservable(result).toBe('------#');
      });
      expect(recordCall).toHaveBeenCalledTimes(2);
      expect(tryAcquire).toHaveBeenCalledTimes(4);
      expect(budget.snapshot()).toMatchObject({ currentRetries: 4, calls: 2, rejected: 0 });
    });

    it('when the budget refuses, the source’s error propagates unchanged and the budget counts a rejection', () => {
      const budget = new RetryBudget({ maxRetries: 1, scheduler: new VirtualTimeScheduler() });
      const boom = new Error('boom');
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', undefined, boom);
        expectObservable(source.pipe(retryWithBackoff({ maxRetries: 5, initialDelay: 1, budget }))).toBe(
          '---#',
          undefined,
          boom,
        );
        expectSubscriptions(source.subscriptions).toBe(['^!', '--^!']);
      });
      expect(budget.snapshot()).toMatchObject({ currentRetries: 1, rejected: 1 });
    });

    it('caps retries across every caller that shares it', () => {
      const budget = new RetryBudget({ maxRetries: 3, scheduler: new VirtualTimeScheduler() });
      let subscriptions = 0;
      const failing = defer(() => {
        subscriptions++;
        return throwError(() => new Error());
      }).pipe(retryWithBackoff({ maxRetries: 10, initialDelay: 0, budget }));
      for (let i = 0; i < 5; i++) failing.subscribe({ error: () => {} });
      expect(subscriptions).toBe(5 + 3);
    });

    it('is not asked when shouldRetry refuses or the count is used up', () => {
      const budget = new RetryBudget({ maxRetries: 10, scheduler: new VirtualTimeScheduler() });
      const tryAcquire = vi.spyOn(budget, 'tryAcquire');
      throwError(() => new TypeError())
        .pipe(retryWithBackoff({ initialDelay: 0, budget, shouldRetry: (e) => !(e instanceof TypeError) }))
        .subscribe({ error: () => {} });
      throwError(() => new Error())
        .pipe(retryWithBackoff({ maxRetries: 0, budget }))
        .subscribe({ error: () => {} });
      expect(tryAcquire).not.toHaveBeenCalled();
      expect(budget.snapshot().calls).toBe(2);
    });

    it('an error thrown by the budget reaches the subscriber', () => {
      const thrown = new Error('budget failed');
      const budget = {
        recordCall: () => {},
        tryAcquire: () => {
          throw thrown;
        },
      };
      const errors: unknown[] = [];
      throwError(() => new Error())
        .pipe(retryWithBackoff({ initialDelay: 0, budget }))
        .subscribe({ error: (e) => errors.push(e) });
      expect(errors).toEqual([thrown]);
    });
  });

  describe('options are checked when the operator is created', () => {
    const bad: Array<[RetryOptions | Record<string, unknown>, string]> = [
      [{ maxRetries: -1 }, 'retryWithBackoff "retry": maxRetries must be an integer >= 0 or Infinity, got -1'],
      [{ maxRetries: 1.5 }, 'retryWithBackoff "retry": maxRetries must be an integer >= 0 or Infinity, got 1.5'],
      [{ maxRetries: '3' }, 'retryWithBackoff "retry": maxRetries must be an integer >= 0 or Infinity, got "3"'],
      [{ initialDelay: -1 }, 'retryWithBackoff "retry": initialDelay must be a finite number >= 0, got -1'],
      [{ initialDelay: NaN }, 'retryWithBackoff "retry": initialDelay must be a finite number >= 0, got NaN'],
      [{ maxDelay: Infinity }, 'retryWithBackoff "retry": maxDelay must be a finite number >= 0, got Infinity'],
      [
        { initialDelay: 500, maxDelay: 100 },
        'retryWithBackoff "retry": maxDelay must be a finite number >= initialDelay (500), got 100',
      ],
      [
        { backoff: 'fibonacci' },
        `retryWithBackoff "retry": backoff must be 'exponential', 'linear', 'constant' or a function, got "fibonacci"`,
      ],
      [{ factor: 0.5 }, 'retryWithBackoff "retry": factor must be a finite number >= 1, got 0.5'],
      [
        { jitter: 'random' },
        `retryWithBackoff "retry": jitter must be one of 'none', 'full', 'equal', 'decorrelated', got "random"`,
      ],
      [
        { shouldRetry: 'all' },
        'retryWithBackoff "retry": shouldRetry must be a predicate or an array of error classes, got "all"',
      ],
      [
        { shouldRetry: [1] },
        'retryWithBackoff "retry": shouldRetry must be a predicate or an array of error classes, got an array',
      ],
      [
        { shouldRetry: TypeError },
        'retryWithBackoff "retry": shouldRetry must be a predicate or an array of error classes (write [TypeError]), got a function',
      ],
      [{ resetOnSuccess: 'yes' }, 'retryWithBackoff "retry": resetOnSuccess must be a boolean, got "yes"'],
      [{ random: 0.5 }, 'retryWithBackoff "retry": random must be a function, got 0.5'],
      [{ onRetry: {} }, 'retryWithBackoff "retry": onRetry must be a function, got an object'],
      [{ name: '' }, 'retryWithBackoff: name must be a non-empty string, got ""'],
      [
        { name: 'db', scheduler: {} },
        'retryWithBackoff "db": scheduler must be a SchedulerLike (an object with now() and schedule()), got an object',
      ],
      [{ budget: {} }, 'retryWithBackoff "retry": budget must be a RetryBudget, got an object'],
      [{ budget: null }, 'retryWithBackoff "retry": budget must be a RetryBudget, got null'],
      [
        { maxRetry: 3 },
        'retryWithBackoff "retry": maxRetry is not a known option (known: budget, maxRetries, initialDelay, maxDelay, backoff, factor, jitter, shouldRetry, resetOnSuccess, random, onRetry, name, registry, scheduler)',
      ],
    ];
    for (const [options, message] of bad) {
      it(message, () => {
        let error: unknown;
        try {
          retryWithBackoff(options as RetryOptions);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ResilienceConfigError);
        expect((error as Error).message).toBe(message);
      });
    }

    it('rejects options that are not an object', () => {
      expect(() => retryWithBackoff(null as unknown as RetryOptions)).toThrow(ResilienceConfigError);
      expect(() => retryWithBackoff(3 as unknown as RetryOptions)).toThrow(
        'retryWithBackoff "retry": options must be an object, got 3',
      );
    });

    it('accepts the boundary values', () => {
      expect(() => retryWithBackoff({ maxRetries: 0, initialDelay: 0, maxDelay: 0 })).not.toThrow();
      expect(() => retryWithBackoff({ maxRetries: Infinity, initialDelay: 5, maxDelay: 5, factor: 1 })).not.toThrow();
    });
  });
});
