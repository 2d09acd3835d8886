import { Observable, Subscriber } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { CircuitBreaker } from '../breaker/CircuitBreaker';
import type { CircuitAdmission } from '../breaker/CircuitBreaker';
import { CircuitOpenError } from '../errors/CircuitOpenError';
import { OptionChecker, placeOf } from '../internal/validate';

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOperatorOptions {
  /**
   * When a call counts as a success: `'complete'` (default) when the source completes, or
   * `'first-value'` at its first value (for long-lived streams; nothing after it is recorded).
   */
  successOn?: 'complete' | 'first-value';
}

const KNOWN: readonly (keyof CircuitBreakerOperatorOptions)[] = ['successOn'];

/**
 * Makes each subscription one call through `breaker`: rejected at once with `CircuitOpenError`
 * while the breaker is open, its outcome recorded otherwise.
 *
 * <span class="informal">The breaker is shared: create it once per dependency and use it in every
 * pipeline that calls that dependency.</span>
 *
 * ```text
 * requests: -f-f-f-----------h       f: a call failing after 1 ms; h: one answering a after 1 ms
 * output:   --x-xr------------a      x: its failure; r: CircuitOpenError, at subscription
 * state:    c---o---------h----c     consecutiveFailures(2), resetTimeout: 10
 * ```
 *
 * An error counts as a failure when the breaker's `isFailure` matches it, and is otherwise
 * ignored; either way it reaches the subscriber unchanged. The call succeeds on completion (or on
 * its first value with `successOn: 'first-value'`). Unsubscribing before an outcome counts as a
 * success if the source had emitted a value (so `take(1)` and `firstValueFrom` work), and records
 * nothing otherwise. A rejected call errors with `CircuitOpenError` (`retryAfter`: ms until the
 * breaker half-opens, 0 when half-open or isolated) without subscribing to the source.
 *
 * An error thrown by the breaker's `isFailure` or `resetTimeout` function reaches the subscriber
 * in place of the notification being handled.
 *
 * Bad options throw `ResilienceConfigError` here, when the operator is created.
 *
 * ## Example
 * ```ts
 * import { defer } from 'rxjs';
 * import { CircuitBreaker, circuitBreaker, CircuitOpenError } from 'rxjs-resilience';
 *
 * const breaker = new CircuitBreaker({ name: 'prices', resetTimeout: 30_000 });
 *
 * defer(() => fetch('https://api.example.com/prices'))
 *   .pipe(circuitBreaker(breaker))
 *   .subscribe({
 *     next: (res) => console.log(res.status),
 *     error: (e) => console.log(e instanceof CircuitOpenError ? `open, retry in ${e.retryAfter} ms` : e),
 *   });
 * // Output (after 5 failures in a row):
 * // open, retry in 30000 ms
 * ```
 */
export function circuitBreaker<T>(
  breaker: CircuitBreaker,
  options?: CircuitBreakerOperatorOptions,
): MonoTypeOperatorFunction<T> {
  const check = new OptionChecker(
    placeOf('circuitBreaker', breaker instanceof CircuitBreaker ? breaker.name : undefined),
  );
  if (!(breaker instanceof CircuitBreaker)) check.fail('breaker', 'a CircuitBreaker', breaker);
  const { successOn = 'complete' } = check.options(options, KNOWN);
  const onFirstValue = check.oneOf('successOn', successOn, ['complete', 'first-value'] as const) === 'first-value';

  return (source) =>
    new Observable<T>((subscriber) => {
      // A throw here (a resetTimeout error) reaches the subscriber through Observable's own guard.
      const admission = breaker._admit();
      if (admission instanceof CircuitOpenError) {
        subscriber.error(admission);
        return;
      }
      source.subscribe(new CallSubscriber<T>(subscriber, breaker, admission, breaker._startTime(), onFirstValue));
    });
}

/**
 * One call's subscriber to the source: reports the call's outcome exactly once, from whichever
 * comes first: the first value (`onFirstValue`), the error, the completion, or the unsubscription.
 * Chained to the destination, so unsubscribing it reaches the source synchronously.
 */
class CallSubscriber<T> extends Subscriber<T> {
  private settled = false;
  private sawValue = false;

  constructor(
    destination: Subscriber<T>,
    private readonly breaker: CircuitBreaker,
    private readonly admission: CircuitAdmission,
    private readonly start: number,
    private readonly onFirstValue: boolean,
  ) {
    super(destination);
  }

  protected override _next(value: T): void {
    if (!this.settled) {
      if (this.onFirstValue) {
        this.settled = true;
        try {
          this.breaker._success(this.admission, this.start, true);
        } catch (error) {
          this.fail(error);
          return;
        }
      } else {
        // Before handing the value on: a `take(1)` downstream unsubscribes while it is delivered.
        this.sawValue = true;
      }
    }
    this.destination.next(value);
  }

  protected override _error(error: unknown): void {
    if (!this.settled) {
      this.settled = true;
      try {
        this.breaker._failure(this.admission, this.start, error);
      } catch (thrown) {
        error = thrown;
      }
    }
    this.fail(error);
  }

  protected override _complete(): void {
    if (!this.settled) {
      this.settled = true;
      try {
        this.breaker._success(this.admission, this.start, true);
      } catch (error) {
        this.fail(error);
        return;
      }
    }
    try {
      this.destination.complete();
    } finally {
      this.unsubscribe();
    }
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe();
    if (!this.settled) {
      this.settled = true;
      // No one to hand a resetTimeout error to now: the next call through the breaker gets it.
      if (this.sawValue) this.breaker._success(this.admission, this.start, false);
      else this.breaker._release(this.admission);
    }
  }

  private fail(error: unknown): void {
    try {
      this.destination.error(error);
    } finally {
      this.unsubscribe();
    }
  }
}
