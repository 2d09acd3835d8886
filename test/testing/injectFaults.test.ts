import fc from 'fast-check';
import { defer, lastValueFrom, of, toArray, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { ResilienceConfigError } from 'rxjs-resilience';
import { injectFaults } from 'rxjs-resilience/testing';
import type { InjectFaultsOptions } from 'rxjs-resilience/testing';
import { seeded } from '../helpers/random';
import { createScheduler } from '../helpers/scheduler';

describe('injectFaults', () => {
  it('passes everything through by default', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      expectObservable(source.pipe(injectFaults())).toBe('-a|');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('a draw below failureRate errors with error() instead of subscribing to the source', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|');
      const fault = new Error('disk full');
      expectObservable(source.pipe(injectFaults({ failureRate: 0.5, random: () => 0.49, error: () => fault }))).toBe(
        '#',
        undefined,
        fault,
      );
      expectSubscriptions(source.subscriptions).toBe([]);
    });
  });

  it('a draw at or above failureRate subscribes', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a|').pipe(injectFaults({ failureRate: 0.5, random: () => 0.5 }))).toBe('a|');
    });
  });

  it('the default error is Error("injected fault")', () => {
    const errors: unknown[] = [];
    of(1)
      .pipe(injectFaults({ failureRate: 1 }))
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([new Error('injected fault')]);
  });

  it('a fixed latency delays the subscription to the source, or the error', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a|');
      expectObservable(source.pipe(injectFaults({ latency: 3 }))).toBe('---a|');
      expectSubscriptions(source.subscriptions).toBe('---^!');
      expectObservable(cold('a|').pipe(injectFaults({ latency: 3, failureRate: 1 }))).toBe(
        '---#',
        undefined,
        new Error('injected fault'),
      );
    });
  });

  it('a ranged latency draws once more: min + random() * (max - min)', () => {
    const random = vi.fn().mockReturnValueOnce(0.9).mockReturnValueOnce(0.5);
    createScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a|').pipe(injectFaults({ failureRate: 0.2, latency: { min: 2, max: 6 }, random }))).toBe(
        '----a|',
      );
    });
    expect(random).toHaveBeenCalledTimes(2);
  });

  it('draws once per subscription with a fixed latency', () => {
    const random = vi.fn(() => 0.7);
    of(1)
      .pipe(injectFaults({ failureRate: 0.5, random }))
      .subscribe();
    expect(random).toHaveBeenCalledTimes(1);
  });

  it('unsubscribing during the latency cancels the subscription to the source', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a|');
      expectObservable(source.pipe(injectFaults({ latency: 5 })), '--!').toBe('--');
      expectSubscriptions(source.subscriptions).toBe([]);
    });
  });

  it('is deterministic under a seeded random, and fails about failureRate of the time', async () => {
    const run = async (seed: number) => {
      const scheduler = new VirtualTimeScheduler();
      const outcomes: string[] = [];
      for (let i = 0; i < 400; i++) {
        defer(() => of('ok'))
          .pipe(injectFaults({ failureRate: 0.3, latency: { min: 1, max: 10 }, random: seeded(seed + i), scheduler }))
          .subscribe({ next: () => outcomes.push('ok'), error: () => outcomes.push('fail') });
      }
      scheduler.flush();
      return outcomes;
    };
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    const failures = a.filter((o) => o === 'fail').length;
    expect(failures).toBeGreaterThan(80);
    expect(failures).toBeLessThan(160);
    expect(await lastValueFrom(of(1).pipe(injectFaults({ random: seeded(1) }), toArray()))).toEqual([1]);
  });

  it('the ranged latency always lies within [min, max]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.nat(100),
        fc.nat(100),
        (r, min, extra) => {
          const scheduler = new VirtualTimeScheduler();
          let at = -1;
          of(1)
            .pipe(injectFaults({ latency: { min, max: min + extra }, random: () => r, scheduler }))
            .subscribe(() => (at = scheduler.now()));
          scheduler.flush();
          expect(at).toBeGreaterThanOrEqual(min);
          expect(at).toBeLessThanOrEqual(min + extra);
        },
      ),
    );
  });

  describe('options are checked when the operator is created', () => {
    const bad: Array<[InjectFaultsOptions | Record<string, unknown>, string]> = [
      [{ failureRate: 1.5 }, 'injectFaults: failureRate must be a number >= 0 and <= 1, got 1.5'],
      [{ error: new Error() }, 'injectFaults: error must be a function, got an Error'],
      [{ latency: -1 }, 'injectFaults: latency must be a finite number >= 0, got -1'],
      [{ latency: { min: 5, max: 2 } }, 'injectFaults: latency.max must be a finite number >= latency.min (5), got 2'],
      [{ latency: { min: 'a', max: 2 } }, 'injectFaults: latency.min must be a finite number >= 0, got "a"'],
      [{ latency: '5ms' }, 'injectFaults: latency must be a number of ms or { min, max }, got "5ms"'],
      [{ random: 4 }, 'injectFaults: random must be a function, got 4'],
      [
        { scheduler: null },
        'injectFaults: scheduler must be a SchedulerLike (an object with now() and schedule()), got null',
      ],
      [{ rate: 1 }, 'injectFaults: rate is not a known option (known: failureRate, error, latency, random, scheduler)'],
    ];
    for (const [options, message] of bad) {
      it(message, () => {
        const make = () => injectFaults(options as InjectFaultsOptions);
        expect(make).toThrow(ResilienceConfigError);
        expect(make).toThrow(message);
      });
    }
  });
});
