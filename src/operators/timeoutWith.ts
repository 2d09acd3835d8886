import { asyncScheduler, from, Observable } from 'rxjs';
import type { MonoTypeOperatorFunction, ObservableInput, OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { OperationTimeoutError } from '../errors/OperationTimeoutError';
import type { TimeoutKind } from '../errors/OperationTimeoutError';
import { OperatorSubscriber } from '../internal/OperatorSubscriber';
import { scheduleOnce } from '../internal/schedule';
import { OptionChecker, placeOf } from '../internal/validate';

/** What `with` is told when a timeout expires: a frozen object. */
export interface TimeoutInfo<T> {
  /** Which limit expired. */
  readonly kind: TimeoutKind;
  /** That limit, in ms. */
  readonly timeout: number;
  /** How many values the source had emitted. */
  readonly seen: number;
  /** The last value the source emitted, or `null` if none. */
  readonly lastValue: T | null;
  /** The operation's name. */
  readonly operation: string;
}

/** Options of {@link timeoutWith}. At least one of `first`, `each`, `total` is required. */
export interface TimeoutOptions<T = unknown, R = never> {
  /** ms from subscription to the first value. */
  first?: number;
  /** ms allowed between values; also the limit for the first value when `first` is unset. */
  each?: number;
  /** ms from subscription to completion. */
  total?: number;
  /** Switch to this on expiry instead of erroring with `OperationTimeoutError`. */
  with?: (info: TimeoutInfo<T>) => ObservableInput<R>;
  /** The operation's name, used in errors and events. Default `'operation'`. */
  name?: string;
  /** The scheduler that times the limits. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

const KNOWN: readonly (keyof TimeoutOptions)[] = ['first', 'each', 'total', 'with', 'name', 'scheduler'];

/**
 * Errors with `OperationTimeoutError` (or switches to `fallback`) if no value arrives within `each`
 * ms of subscription or of the previous value.
 *
 * <span class="informal">The RxJS 6 signature of `timeoutWith`, which RxJS 7 deprecated in favour of
 * `timeout({ each, with })`: this one is not deprecated, and behaves like that `timeout` call.</span>
 *
 * ```text
 * source:   -a--------b
 * output:   -a---#          (timeoutWith(3): OperationTimeoutError, kind 'each')
 * ```
 *
 * On expiry the source is unsubscribed and the output switches to `fallback` if given (its values,
 * its error, its completion), or errors with `OperationTimeoutError` `{ operation: 'operation',
 * kind: 'each', timeout: each }`. Every timer ends with the stream.
 *
 * ## Example
 * ```ts
 * import { defer, of } from 'rxjs';
 * import { timeoutWith } from 'rxjs-resilience';
 *
 * defer(() => fetch('https://api.example.com/slow'))
 *   .pipe(timeoutWith(2000, of({ cached: true })))
 *   .subscribe(console.log);
 * // Output (when the call takes longer than 2 s):
 * // { cached: true }
 * ```
 */
export function timeoutWith<T>(each: number): MonoTypeOperatorFunction<T>;
/**
 * Switches to `fallback` if no value arrives within `each` ms of subscription or of the previous
 * value. The RxJS 6 signature, not deprecated here; like RxJS 7's `timeout({ each, with: () => fallback })`.
 *
 * ## Example
 * ```ts
 * import { NEVER, of } from 'rxjs';
 * import { timeoutWith } from 'rxjs-resilience';
 *
 * NEVER.pipe(timeoutWith(100, of('fallback'))).subscribe(console.log);
 * // Output (after 100 ms):
 * // fallback
 * ```
 */
export function timeoutWith<T, R>(each: number, fallback: ObservableInput<R>): OperatorFunction<T, T | R>;
/**
 * Limits the time to the first value (`first`), between values (`each`) and to completion
 * (`total`); on expiry unsubscribes the source and switches to `with(info)` or errors with
 * `OperationTimeoutError` naming the limit that expired.
 *
 * ```text
 * source:   -a-b-c-d-e-f-g|
 * output:   -a-b-c-#            (timeoutWith({ total: 7 }): kind 'total')
 * ```
 *
 * ## Example
 * ```ts
 * import { interval, of } from 'rxjs';
 * import { timeoutWith } from 'rxjs-resilience';
 *
 * interval(100)
 *   .pipe(timeoutWith({ first: 500, each: 200, total: 350, with: ({ seen }) => of(`stopped after ${seen}`) }))
 *   .subscribe(console.log);
 * // Output:
 * // 0
 * // 1
 * // 2
 * // stopped after 3
 * ```
 */
export function timeoutWith<T, R = never>(options: TimeoutOptions<T, R>): OperatorFunction<T, T | R>;
export function timeoutWith<T, R>(
  eachOrOptions: number | TimeoutOptions<T, R>,
  fallback?: ObservableInput<R>,
): OperatorFunction<T, T | R> {
  const options = normalize(eachOrOptions, fallback);
  const check = new OptionChecker(placeOf('timeoutWith', options.name ?? 'operation'));
  check.options(options, KNOWN);
  const { first, each, total, with: withFn, name = 'operation', scheduler = asyncScheduler } = options;
  check.name(name);
  if (first === undefined && each === undefined && total === undefined) {
    check.fail('first/each/total', 'given (at least one of them)', undefined);
  }
  if (first !== undefined) check.duration('first', first);
  if (each !== undefined) check.duration('each', each);
  if (total !== undefined) check.duration('total', total);
  if (withFn !== undefined) check.func('with', withFn);
  check.scheduler(scheduler);

  // The limit for the first value, and its kind.
  const firstLimit = first ?? each;
  const firstKind: TimeoutKind = first !== undefined ? 'first' : 'each';

  return (source) =>
    new Observable<T | R>((subscriber) => {
      let seen = 0;
      let lastValue: T | null = null;
      let valueTimer: Subscription | null = null;
      let totalTimer: Subscription | null = null;
      let sourceSubscriber: OperatorSubscriber<T> | null = null;

      const expire = (kind: TimeoutKind, timeout: number) => {
        // Read what `with` is told before the source's teardown forgets the last value.
        const info: TimeoutInfo<T> | null = withFn ? Object.freeze({ kind, timeout, seen, lastValue, operation: name }) : null;
        valueTimer?.unsubscribe();
        totalTimer?.unsubscribe();
        valueTimer = totalTimer = null;
        sourceSubscriber!.unsubscribe();
        if (withFn) {
          let next: Observable<R>;
          try {
            next = from(withFn(info!));
          } catch (error) {
            subscriber.error(error);
            return;
          }
          next.subscribe(subscriber);
        } else {
          subscriber.error(new OperationTimeoutError(name, kind, timeout));
        }
      };

      if (total !== undefined) totalTimer = scheduleOnce(subscriber, scheduler, () => expire('total', total), total);
      if (firstLimit !== undefined) {
        valueTimer = scheduleOnce(subscriber, scheduler, () => expire(firstKind, firstLimit), firstLimit);
      }
      sourceSubscriber = new OperatorSubscriber<T>(
        subscriber,
        (value) => {
          valueTimer?.unsubscribe();
          seen++;
          subscriber.next((lastValue = value));
          if (each !== undefined && !subscriber.closed) {
            valueTimer = scheduleOnce(subscriber, scheduler, () => expire('each', each), each);
          } else {
            valueTimer = null;
          }
        },
        undefined,
        undefined,
        // Be sure not to hold the last value in memory after the source is gone.
        () => {
          lastValue = null;
        },
      );
      source.subscribe(sourceSubscriber);
    });
}

function normalize<T, R>(eachOrOptions: number | TimeoutOptions<T, R>, fallback: ObservableInput<R> | undefined): TimeoutOptions<T, R> {
  if (typeof eachOrOptions !== 'number') {
    if (eachOrOptions === null || typeof eachOrOptions !== 'object' || Array.isArray(eachOrOptions)) {
      new OptionChecker('timeoutWith').fail('each', 'a number of ms or an options object', eachOrOptions);
    }
    if (fallback !== undefined) {
      new OptionChecker('timeoutWith').fail('fallback', 'absent when options are given (use the with option)', fallback);
    }
    return eachOrOptions;
  }
  if (fallback === undefined) return { each: eachOrOptions };
  let fallback$: Observable<R>;
  try {
    fallback$ = from(fallback);
  } catch {
    return new OptionChecker(placeOf('timeoutWith', 'operation')).fail('fallback', 'an ObservableInput', fallback);
  }
  return { each: eachOrOptions, with: () => fallback$ };
}
