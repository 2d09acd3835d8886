import { catchError } from 'rxjs';
import type { ObservableInput, OperatorFunction } from 'rxjs';
import { toErrorPredicate } from '../internal/errorFilter';
import type { ErrorFilter } from '../internal/errorFilter';
import { checkRegistry, OptionChecker, placeOf } from '../internal/validate';
import type { OperationReporter } from '../registry/events';

/** Options of {@link fallback}. */
export interface FallbackOptions {
  /** Which errors switch to the fallback: a predicate or a list of error classes. Default: every error. */
  when?: ErrorFilter;
  /** The operation's name, used in events and error messages. Default `'fallback'`. */
  name?: string;
  /** A `ResilienceRegistry` told of every fallback used (its `events$` and `counters.fallbacks[name]`). */
  registry?: OperationReporter;
}

const KNOWN: readonly (keyof FallbackOptions)[] = ['when', 'name', 'registry'];

/**
 * On a matching error, switches to `handler(error)`.
 *
 * <span class="informal">`catchError` with a filter: errors that do not match `when` pass through
 * unchanged.</span>
 *
 * ```text
 * source:   -a-b-#
 * output:   -a-b-(c|)      (fallback(() => of('c')))
 * ```
 *
 * Values already emitted stay emitted. An error thrown by `handler` (or by a `when` predicate)
 * propagates to the subscriber.
 *
 * ## Example
 * ```ts
 * import { defer, of } from 'rxjs';
 * import { fallback, OperationTimeoutError, timeoutWith } from 'rxjs-resilience';
 *
 * defer(() => fetch('https://api.example.com/prices'))
 *   .pipe(
 *     timeoutWith(1000),
 *     fallback(() => of(lastKnownPrices), { when: [OperationTimeoutError] }),
 *   )
 *   .subscribe(render);
 * // Output (when the call takes over a second): lastKnownPrices is rendered
 * ```
 */
export function fallback<T, R>(
  handler: (error: unknown) => ObservableInput<R>,
  options?: FallbackOptions,
): OperatorFunction<T, T | R> {
  const check = new OptionChecker(placeOf('fallback', options?.name ?? 'fallback'));
  check.func('handler', handler);
  check.options(options, KNOWN);
  const { when, name = 'fallback', registry } = options ?? {};
  check.name(name);
  checkRegistry(check, registry);
  const matches = when === undefined ? null : toErrorPredicate(check, 'when', when);
  return catchError((error: unknown) => {
    if (matches !== null && !matches(error)) throw error;
    registry?.reportOperation({ kind: 'fallback', type: 'fallback', name, error });
    return handler(error);
  });
}
