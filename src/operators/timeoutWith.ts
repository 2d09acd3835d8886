import { asyncScheduler, from, Observable, Subscriber } from 'rxjs';
import type { MonoTypeOperatorFunction, ObservableInput, OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { OperationTimeoutError } from '../errors/OperationTimeoutError';
import type { TimeoutKind } from '../errors/OperationTimeoutError';
import { scheduleOnceWith } from '../internal/schedule';
import { checkRegistry, OptionChecker, placeOf } from '../internal/validate';
import type { OperationReporter } from '../registry/events';

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
  /** A `ResilienceRegistry` told of every expiry (its `events$` and `counters.timeouts[name]`). */
  registry?: OperationReporter;
  /** The scheduler that times the limits. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

const KNOWN: readonly (keyof TimeoutOptions)[] = ['first', 'each', 'total', 'with', 'name', 'registry', 'scheduler'];

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
export function timeoutWith<T, R>(
  each: number,
  fallback: ObservableInput<R>,
  scheduler?: SchedulerLike,
): OperatorFunction<T, T | R>;
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
  schedulerArg?: SchedulerLike,
): OperatorFunction<T, T | R> {
  const options = normalize(eachOrOptions, fallback, schedulerArg);
  const check = new OptionChecker(placeOf('timeoutWith', options.name ?? 'operation'));
  check.options(options, KNOWN);
  const { first, each, total, with: withFn, name = 'operation', registry, scheduler = asyncScheduler } = options;
  check.name(name);
  if (first === undefined && each === undefined && total === undefined) {
    check.fail('first/each/total', 'given (at least one of them)', undefined);
  }
  if (first !== undefined) check.duration('first', first);
  if (each !== undefined) check.duration('each', each);
  if (total !== undefined) check.duration('total', total);
  if (withFn !== undefined) check.func('with', withFn);
  check.scheduler(scheduler);
  checkRegistry(check, registry);

  const firstLimit = first ?? each;
  const firstKind: TimeoutKind = first !== undefined ? 'first' : 'each';

  const plan: TimeoutPlan<T, R> = {
    first,
    each,
    total,
    withFn,
    name,
    scheduler,
    firstLimit,
    firstKind,
    registry: registry ?? null,
  };
  return (source) => new Observable<T | R>((subscriber) => new TimeoutRun(plan, source, subscriber).start());
}

/** What every subscription of one `timeoutWith(...)` shares. */
interface TimeoutPlan<T, R> {
  readonly first: number | undefined;
  readonly each: number | undefined;
  readonly total: number | undefined;
  readonly withFn: ((info: TimeoutInfo<T>) => ObservableInput<R>) | undefined;
  readonly name: string;
  readonly scheduler: SchedulerLike;
  /** The limit for the first value (`first`, else `each`), and its kind. */
  readonly firstLimit: number | undefined;
  readonly firstKind: TimeoutKind;
  readonly registry: OperationReporter | null;
}

/**
 * One subscription to the output. One lazy timer serves `first` and `each`: a value only moves the
 * deadline, and the timer, when it fires before the deadline, re-arms itself for the rest. That
 * spares a clear and a set of a host timer per value, and gives the same expiry times.
 */
class TimeoutRun<T, R> {
  seen = 0;
  lastValue: T | null = null;
  sourceSubscriber: TimeoutSourceSubscriber<T, R> | null = null;
  totalTimer: Subscription | null = null;
  valueTimer: Subscription | null = null;
  timerFiresAt = 0;
  deadline = 0;
  kind: TimeoutKind;
  limit = 0;

  constructor(
    readonly plan: TimeoutPlan<T, R>,
    readonly source: Observable<T>,
    readonly subscriber: Subscriber<T | R>,
  ) {
    this.kind = plan.firstKind;
  }

  start(): void {
    const { plan, subscriber } = this;
    this.sourceSubscriber = new TimeoutSourceSubscriber(this);
    this.source.subscribe(this.sourceSubscriber);
    // Like RxJS's timeout, start the clocks after subscribing: a source that answered
    // synchronously needs no timer for its first value.
    if (!subscriber.closed) {
      if (plan.total !== undefined)
        this.totalTimer = scheduleOnceWith(subscriber, plan.scheduler, expireTotal, plan.total, this);
      if (this.seen === 0 && plan.firstLimit !== undefined) this.expect(plan.firstKind, plan.firstLimit);
    }
  }

  onNext(value: T): void {
    this.seen++;
    this.subscriber.next((this.lastValue = value));
    const { each } = this.plan;
    if (each !== undefined) {
      if (!this.subscriber.closed) this.expect('each', each);
    } else if (this.valueTimer !== null) {
      // `first` is met and there is no `each`: no limit on values from now on.
      this.valueTimer.unsubscribe();
      this.valueTimer = null;
    }
  }

  /** Expect the next value within `ms` from now. */
  expect(kind: TimeoutKind, ms: number): void {
    this.kind = kind;
    this.limit = ms;
    this.deadline = this.plan.scheduler.now() + ms;
    if (this.valueTimer === null) {
      this.arm(ms);
    } else if (this.deadline < this.timerFiresAt) {
      this.valueTimer.unsubscribe();
      this.arm(ms);
    }
  }

  arm(delay: number): void {
    this.timerFiresAt = this.deadline - this.limit + delay;
    this.valueTimer = scheduleOnceWith(this.subscriber, this.plan.scheduler, checkDeadline, delay, this);
  }

  check(): void {
    this.valueTimer = null;
    const now = this.plan.scheduler.now();
    const remaining = this.deadline - now;
    if (remaining > 0) {
      this.timerFiresAt = now + remaining;
      this.valueTimer = scheduleOnceWith(this.subscriber, this.plan.scheduler, checkDeadline, remaining, this);
    } else {
      this.expire(this.kind, this.limit);
    }
  }

  expire(kind: TimeoutKind, timeout: number): void {
    const { plan, subscriber } = this;
    // Read what `with` is told before the source's teardown forgets the last value.
    const info: TimeoutInfo<T> | null = plan.withFn
      ? Object.freeze({ kind, timeout, seen: this.seen, lastValue: this.lastValue, operation: plan.name })
      : null;
    this.valueTimer?.unsubscribe();
    this.totalTimer?.unsubscribe();
    this.valueTimer = this.totalTimer = null;
    this.sourceSubscriber!.unsubscribe();
    plan.registry?.reportOperation({ kind: 'timeout', type: 'timeout', name: plan.name, limit: kind, timeout });
    if (plan.withFn) {
      let next: Observable<R>;
      try {
        next = from(plan.withFn(info!));
      } catch (error) {
        subscriber.error(error);
        return;
      }
      next.subscribe(subscriber);
    } else {
      subscriber.error(new OperationTimeoutError(plan.name, kind, timeout));
    }
  }
}

function checkDeadline<T, R>(run: TimeoutRun<T, R>): void {
  run.check();
}

function expireTotal<T, R>(run: TimeoutRun<T, R>): void {
  run.expire('total', run.plan.total!);
}

/** The subscription to the source, chained to the output's subscriber. */
class TimeoutSourceSubscriber<T, R> extends Subscriber<T> {
  constructor(private readonly run: TimeoutRun<T, R>) {
    super(run.subscriber);
  }

  protected override _next(value: T): void {
    try {
      this.run.onNext(value);
    } catch (error) {
      this.run.subscriber.error(error);
    }
  }

  override unsubscribe(): void {
    if (!this.closed) {
      super.unsubscribe();
      // Be sure not to hold the last value in memory after the source is gone.
      this.run.lastValue = null;
    }
  }
}

function normalize<T, R>(
  eachOrOptions: number | TimeoutOptions<T, R>,
  fallback: ObservableInput<R> | undefined,
  scheduler: SchedulerLike | undefined,
): TimeoutOptions<T, R> {
  if (typeof eachOrOptions !== 'number') {
    if (eachOrOptions === null || typeof eachOrOptions !== 'object' || Array.isArray(eachOrOptions)) {
      new OptionChecker('timeoutWith').fail('each', 'a number of ms or an options object', eachOrOptions);
    }
    if (fallback !== undefined) {
      new OptionChecker('timeoutWith').fail(
        'fallback',
        'absent when options are given (use the with option)',
        fallback,
      );
    }
    if (scheduler !== undefined) {
      new OptionChecker('timeoutWith').fail(
        'scheduler',
        'absent when options are given (use the scheduler option)',
        scheduler,
      );
    }
    return eachOrOptions;
  }
  const withScheduler = scheduler === undefined ? {} : { scheduler };
  if (fallback === undefined) return { each: eachOrOptions, ...withScheduler };
  let fallback$: Observable<R>;
  try {
    fallback$ = from(fallback);
  } catch {
    return new OptionChecker(placeOf('timeoutWith', 'operation')).fail('fallback', 'an ObservableInput', fallback);
  }
  return { each: eachOrOptions, with: () => fallback$, ...withScheduler };
}
