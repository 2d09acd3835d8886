import { asyncScheduler, Observable, Subscriber } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike } from 'rxjs';
import { applyJitter, baseDelay, clampDelay } from '../backoff/index';
import type { BackoffKind, JitterKind } from '../backoff/index';
import type { RetryBudget } from '../budget/RetryBudget';
import { ResilienceConfigError } from '../errors/ResilienceConfigError';
import { toErrorPredicate } from '../internal/errorFilter';
import type { ErrorFilter } from '../internal/errorFilter';
import { scheduleOnce } from '../internal/schedule';
import { checkRegistry, OptionChecker, placeOf } from '../internal/validate';
import type { OperationReporter } from '../registry/events';

/** What `onRetry` is told before each wait: a frozen object. */
export interface RetryInfo {
  /** The 1-based number of the retry about to be made. */
  readonly attempt: number;
  /** The wait before it, in ms, after backoff, jitter, `retryAfter` and `maxDelay`. */
  readonly delay: number;
  /** The error that caused it. */
  readonly error: unknown;
}

/** Options of {@link retryWithBackoff}. Every duration is in ms. */
export interface RetryOptions {
  /** How many retries at most: an integer >= 0, or `Infinity`. Default `3` (so at most 4 subscriptions). */
  maxRetries?: number;
  /** The delay before the first retry, in ms. Default `1000`. */
  initialDelay?: number;
  /** The cap on every delay, in ms; must be >= `initialDelay`. Default `30000`. */
  maxDelay?: number;
  /** How the delay grows: `'exponential'` (default), `'linear'`, `'constant'`, or `(retry) => ms`. */
  backoff?: BackoffKind | ((retry: number) => number);
  /** The multiplier of `'exponential'` backoff, >= 1. Default `2`. */
  factor?: number;
  /** How the delay is randomised: `'none'` (default), `'full'`, `'equal'` or `'decorrelated'`. */
  jitter?: JitterKind;
  /** Which errors are retried: a predicate or a list of error classes. Default: every error. */
  shouldRetry?: ErrorFilter;
  /**
   * A `RetryBudget` shared by many callers: each subscription to the output calls
   * `budget.recordCall()` once, and each retry first asks `budget.tryAcquire()`; when it refuses,
   * the source's error propagates unchanged.
   */
  budget?: RetryBudgetLike;
  /** When true, a value from the source resets the retry count (and the backoff). Default `false`. */
  resetOnSuccess?: boolean;
  /** The source of jitter, returning numbers in `[0, 1)`. Default `Math.random`. */
  random?: () => number;
  /** Called before each wait with the retry about to be made. */
  onRetry?: (info: RetryInfo) => void;
  /** The operation's name, used in events and error messages. Default `'retry'`. */
  name?: string;
  /** A `ResilienceRegistry` told of every retry (its `events$` and `counters.retries[name]`). */
  registry?: OperationReporter;
  /** The scheduler that times the waits. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/** What `retryWithBackoff` needs of a budget: a `RetryBudget`, or anything with the same two methods. */
export type RetryBudgetLike = Pick<RetryBudget, 'tryAcquire' | 'recordCall'>;

const KNOWN: readonly (keyof RetryOptions)[] = [
  'budget',
  'maxRetries',
  'initialDelay',
  'maxDelay',
  'backoff',
  'factor',
  'jitter',
  'shouldRetry',
  'resetOnSuccess',
  'random',
  'onRetry',
  'name',
  'registry',
  'scheduler',
];

/**
 * Resubscribes to the source when it errors, waiting longer before each retry.
 *
 * <span class="informal">Like `retry`, with exponential, linear, constant or custom backoff, jitter,
 * a cap, a filter on which errors to retry, and respect for a `retryAfter` hint.</span>
 *
 * ```text
 * source:   --#
 * retries:    --#           (2 ms, then 4 ms later)
 *                 ----#
 * output:   ----------#     (maxRetries: 2, initialDelay: 2)
 * ```
 *
 * The delay before retry n (1-based) is `initialDelay * factor^(n-1)` (exponential),
 * `initialDelay * n` (linear), `initialDelay` (constant) or `backoff(n)`, clamped to
 * `[0, maxDelay]`, then jittered. An error with a numeric `retryAfter` (such as `CircuitOpenError`)
 * makes the delay at least that, still capped by `maxDelay`. A delay of 0 resubscribes in the same
 * frame, synchronously. When no retry is made (count used up, `shouldRetry` refuses, the `budget`
 * refuses) the last error propagates unchanged. Unsubscribing during a wait cancels it.
 *
 * Bad options throw `ResilienceConfigError` here, when the operator is created.
 *
 * ## Example
 * ```ts
 * import { defer } from 'rxjs';
 * import { retryWithBackoff } from 'rxjs-resilience';
 *
 * defer(() => fetch('https://api.example.com/users'))
 *   .pipe(retryWithBackoff({ maxRetries: 4, initialDelay: 200, jitter: 'full' }))
 *   .subscribe((res) => console.log(res.status));
 * // Output (after up to 4 retries, waiting up to 200, 400, 800, 1600 ms):
 * // 200
 * ```
 */
export function retryWithBackoff<T>(options?: RetryOptions): MonoTypeOperatorFunction<T> {
  const given = options ?? {};
  const check = new OptionChecker(placeOf('retryWithBackoff', given.name ?? 'retry'));
  check.options(options, KNOWN);
  const {
    maxRetries = 3,
    initialDelay = 1000,
    maxDelay = 30000,
    backoff = 'exponential',
    factor = 2,
    jitter = 'none',
    shouldRetry,
    budget,
    resetOnSuccess = false,
    random = Math.random,
    onRetry,
    name = 'retry',
    registry,
    scheduler = asyncScheduler,
  } = given;
  check.name(name);
  check.integer('maxRetries', maxRetries, 0, true);
  check.duration('initialDelay', initialDelay, true);
  check.duration('maxDelay', maxDelay, true);
  if (maxDelay < initialDelay) check.fail('maxDelay', `a finite number >= initialDelay (${initialDelay})`, maxDelay);
  const backoffFn = typeof backoff === 'function' ? backoff : null;
  if (!backoffFn && backoff !== 'exponential' && backoff !== 'linear' && backoff !== 'constant') {
    check.fail('backoff', "'exponential', 'linear', 'constant' or a function", backoff);
  }
  check.number('factor', factor, 1);
  check.oneOf('jitter', jitter, ['none', 'full', 'equal', 'decorrelated'] as const);
  const retryable = shouldRetry === undefined ? null : toErrorPredicate(check, 'shouldRetry', shouldRetry);
  if (
    budget !== undefined &&
    (budget === null || typeof budget.tryAcquire !== 'function' || typeof budget.recordCall !== 'function')
  ) {
    check.fail('budget', 'a RetryBudget', budget);
  }
  check.boolean('resetOnSuccess', resetOnSuccess);
  check.func('random', random);
  if (onRetry !== undefined) check.func('onRetry', onRetry);
  check.scheduler(scheduler);
  checkRegistry(check, registry);

  const kind = backoffFn ? 'exponential' : (backoff as BackoffKind);

  /** The delay before retry `n`, given the previous delay (for decorrelated jitter) and the error. */
  const delayFor = (n: number, prev: number, error: unknown): number => {
    let d: number;
    if (backoffFn) {
      const raw = backoffFn(n);
      if (typeof raw !== 'number' || Number.isNaN(raw)) {
        throw new ResilienceConfigError(
          check.place,
          `backoff(${n})`,
          'a number',
          raw,
          `${check.place}: backoff(${n}) must return a number, got ${String(raw)}`,
        );
      }
      d = clampDelay(raw, maxDelay);
    } else {
      d = clampDelay(baseDelay(kind, n, initialDelay, factor), maxDelay);
    }
    d = applyJitter(jitter, d, random, initialDelay, maxDelay, prev);
    const hint = (error as { retryAfter?: unknown } | null)?.retryAfter;
    if (typeof hint === 'number' && hint > d) d = Math.min(hint, maxDelay);
    return d;
  };

  // Without retries there is nothing to do — unless a budget counts the calls.
  if (maxRetries === 0 && budget === undefined) return (source) => source;

  const plan: RetryPlan = {
    maxRetries,
    initialDelay,
    retryable,
    budget: budget ?? null,
    resetOnSuccess,
    onRetry,
    scheduler,
    delayFor,
    name,
    registry: registry ?? null,
  };
  return (source) => new Observable<T>((subscriber) => new RetryRun(plan, source, subscriber).start());
}

/** What every subscription of one `retryWithBackoff(...)` shares. */
interface RetryPlan {
  readonly maxRetries: number;
  readonly initialDelay: number;
  readonly retryable: ((error: unknown) => boolean) | null;
  readonly budget: RetryBudgetLike | null;
  readonly resetOnSuccess: boolean;
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
  readonly scheduler: SchedulerLike;
  readonly delayFor: (n: number, prev: number, error: unknown) => number;
  readonly name: string;
  readonly registry: OperationReporter | null;
}

/**
 * One subscription to the output: its retry count and the attempt in progress. A class rather than
 * closures, so the success path allocates two small objects and nothing else.
 */
class RetryRun<T> {
  retries = 0;
  prevDelay: number;
  attempt: AttemptSubscriber<T> | null = null;
  // True while source.subscribe() runs: an error then cannot resubscribe at once (the attempt is
  // not assigned yet), so it asks the loop in subscribeLoop to go round again instead of recursing.
  subscribing = false;
  resubscribeNow = false;

  constructor(
    readonly plan: RetryPlan,
    readonly source: Observable<T>,
    readonly subscriber: Subscriber<T>,
  ) {
    this.prevDelay = plan.initialDelay;
  }

  start(): void {
    this.plan.budget?.recordCall();
    this.subscribeLoop();
  }

  subscribeLoop(): void {
    do {
      this.resubscribeNow = false;
      if (this.attempt) {
        this.attempt.unsubscribe();
        this.attempt = null;
      }
      if (this.subscriber.closed) return;
      this.attempt = new AttemptSubscriber<T>(this);
      this.subscribing = true;
      this.source.subscribe(this.attempt);
      this.subscribing = false;
    } while (this.resubscribeNow);
  }

  onNext(value: T): void {
    if (this.plan.resetOnSuccess) {
      this.retries = 0;
      this.prevDelay = this.plan.initialDelay;
    }
    this.subscriber.next(value);
  }

  onError(error: unknown): void {
    const { plan } = this;
    if (
      this.retries >= plan.maxRetries ||
      (plan.retryable !== null && !plan.retryable(error)) ||
      (plan.budget !== null && !plan.budget.tryAcquire())
    ) {
      this.subscriber.error(error);
      return;
    }
    const n = ++this.retries;
    const delay = plan.delayFor(n, this.prevDelay, error);
    this.prevDelay = delay;
    plan.onRetry?.(Object.freeze({ attempt: n, delay, error }));
    plan.registry?.reportOperation({ kind: 'retry', type: 'retry', name: plan.name, attempt: n, delay, error });
    if (delay > 0) {
      scheduleOnce(this.subscriber, plan.scheduler, () => this.subscribeLoop(), delay);
    } else if (this.subscribing) {
      this.resubscribeNow = true;
    } else {
      this.subscribeLoop();
    }
  }
}

/** One subscription to the source, chained to the output's subscriber. */
class AttemptSubscriber<T> extends Subscriber<T> {
  constructor(private readonly run: RetryRun<T>) {
    super(run.subscriber);
  }

  protected override _next(value: T): void {
    try {
      this.run.onNext(value);
    } catch (error) {
      this.run.subscriber.error(error);
    }
  }

  protected override _error(error: unknown): void {
    try {
      this.run.onError(error);
    } catch (thrown) {
      // An error thrown by shouldRetry, backoff, random or onRetry goes to the subscriber.
      this.run.subscriber.error(thrown);
    } finally {
      this.unsubscribe();
    }
  }
}
