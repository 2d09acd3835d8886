import { asyncScheduler, Observable } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike } from 'rxjs';
import { OperatorSubscriber } from '../internal/OperatorSubscriber';
import { scheduleOnce } from '../internal/schedule';
import { OptionChecker } from '../internal/validate';

/** Options of {@link injectFaults}. */
export interface InjectFaultsOptions {
  /** The share of subscriptions that fail, from 0 to 1. Default `0`. */
  failureRate?: number;
  /** Makes the error a failing subscription errors with. Default `() => new Error('injected fault')`. */
  error?: () => unknown;
  /** ms before the source is subscribed (or the error delivered): fixed, or drawn from `{ min, max }`. Default `0`. */
  latency?: number | { min: number; max: number };
  /** The source of randomness, returning numbers in `[0, 1)`. Default `Math.random`; seed it for repeatable runs. */
  random?: () => number;
  /** The scheduler that times the latency. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

const KNOWN: readonly (keyof InjectFaultsOptions)[] = ['failureRate', 'error', 'latency', 'random', 'scheduler'];

/**
 * Chaos for tests and demos: makes a share of subscriptions fail, and delays them.
 *
 * Each subscription draws `random()` once: below `failureRate` it fails (errors with `error()`
 * instead of subscribing to the source). A ranged latency then draws once more,
 * `min + random() * (max - min)`. The latency delays the subscription to the source, or the error.
 *
 * ```text
 * source:   a|
 * output:   --a|      (injectFaults({ latency: 2 }))
 * ```
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { retryWithBackoff } from 'rxjs-resilience';
 * import { injectFaults } from 'rxjs-resilience/testing';
 *
 * of('ok')
 *   .pipe(injectFaults({ failureRate: 0.5, latency: { min: 5, max: 50 } }), retryWithBackoff({ initialDelay: 10 }))
 *   .subscribe(console.log);
 * // Output (after zero or more injected failures):
 * // ok
 * ```
 */
export function injectFaults<T>(options?: InjectFaultsOptions): MonoTypeOperatorFunction<T> {
  const check = new OptionChecker('injectFaults');
  check.options(options, KNOWN);
  const {
    failureRate = 0,
    error = () => new Error('injected fault'),
    latency = 0,
    random = Math.random,
    scheduler = asyncScheduler,
  } = options ?? {};
  check.ratio('failureRate', failureRate);
  check.func('error', error);
  let min: number;
  let max: number;
  if (typeof latency === 'number') {
    min = max = check.duration('latency', latency, true);
  } else if (latency !== null && typeof latency === 'object') {
    min = check.duration('latency.min', latency.min, true);
    max = check.duration('latency.max', latency.max, true);
    if (max < min) check.fail('latency.max', `a finite number >= latency.min (${min})`, max);
  } else {
    return check.fail('latency', 'a number of ms or { min, max }', latency);
  }
  check.func('random', random);
  check.scheduler(scheduler);
  const ranged = typeof latency !== 'number';

  return (source) =>
    new Observable<T>((subscriber) => {
      const fails = random() < failureRate;
      const delay = ranged ? min + random() * (max - min) : min;
      const run = () => {
        if (fails) subscriber.error(error());
        else source.subscribe(new OperatorSubscriber<T>(subscriber));
      };
      if (delay > 0) scheduleOnce(subscriber, scheduler, run, delay);
      else run();
    });
}
