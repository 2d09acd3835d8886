import type { Observable, ObservableInput, OperatorFunction } from 'rxjs';
import type { CircuitBreaker } from '../breaker/CircuitBreaker';
import type { Bulkhead } from '../bulkhead/Bulkhead';
import type { Drainer } from '../drain/Drainer';
import type { HealthTracker } from '../health/HealthTracker';
import { OptionChecker, placeOf } from '../internal/validate';
import type { OperationReporter } from '../registry/events';
import { bulkhead as bulkheadOperator } from './bulkhead';
import { circuitBreaker as circuitBreakerOperator } from './circuitBreaker';
import { drainUntilComplete } from './drainUntilComplete';
import { fallback as fallbackOperator } from './fallback';
import { retryWithBackoff } from './retryWithBackoff';
import type { RetryOptions } from './retryWithBackoff';
import { timeoutWith } from './timeoutWith';
import type { TimeoutOptions } from './timeoutWith';
import { trackHealth } from './trackHealth';

/**
 * `resilient`'s timeout: a number of ms (meaning `{ total }`), or `timeoutWith` options (`first`,
 * `each`, `total`, `with`, `scheduler`); the policy gives it its `name` and `registry`.
 */
export type ResilientTimeout = number | Omit<TimeoutOptions<unknown, unknown>, 'name' | 'registry'>;

/** A whole policy for one operation, applied by {@link resilient}. Every part is optional. */
export interface ResiliencePolicy<R = never> {
  /** A limit on each call (each attempt): a number means `{ total }`. */
  timeout?: ResilientTimeout;
  /** Retry failed calls; each retry is a new call, with its own timeout. */
  retry?: Omit<RetryOptions, 'name' | 'registry'>;
  /** Fail fast while the dependency is down: an open breaker rejects before any bulkhead permit is taken. */
  circuitBreaker?: CircuitBreaker;
  /** Bound the calls in flight to the dependency. */
  bulkhead?: Bulkhead;
  /** Record each call's outcome and latency. */
  health?: HealthTracker;
  /** What to answer when everything else failed: sees the final error, after the retries. */
  fallback?: (error: unknown) => ObservableInput<R>;
  /** Refuse new calls while the service drains, and let calls in flight finish. */
  drainer?: Drainer;
  /** The operation's name, under which its retries, timeouts and fallbacks are reported. Default `'resilient'`. */
  name?: string;
  /** A `ResilienceRegistry` told of the policy's retries, timeouts and fallbacks. */
  registry?: OperationReporter;
}

const KNOWN: readonly (keyof ResiliencePolicy)[] = [
  'timeout',
  'retry',
  'circuitBreaker',
  'bulkhead',
  'health',
  'fallback',
  'drainer',
  'name',
  'registry',
];

/**
 * One operator for a whole policy, composed in the order that makes each part work.
 *
 * <span class="informal">drain → fallback → retry → circuit breaker → bulkhead → health → timeout →
 * source, outermost first.</span>
 *
 * - each retry is a new call through the breaker, the bulkhead, the tracker, with its own timeout;
 * - an open breaker fails fast, before a bulkhead permit is taken or a call queued;
 * - a timeout counts as a failure of the breaker and of the health tracker;
 * - a bulkhead rejection is not a breaker failure (the default `isFailure` ignores it) and is not
 *   recorded as a call by the tracker;
 * - the fallback sees the final error only after the retries are spent;
 * - the drainer counts the whole operation, retries included, as one call in flight.
 *
 * Parts that are not given are left out. Options are checked when the operator is created.
 *
 * ## Example
 * ```ts
 * import { defer, of } from 'rxjs';
 * import { Bulkhead, CircuitBreaker, HealthTracker, resilient } from 'rxjs-resilience';
 *
 * const breaker = new CircuitBreaker({ name: 'inventory' });
 * const pool = new Bulkhead({ name: 'inventory', maxConcurrent: 10, maxQueue: 50 });
 * const health = new HealthTracker({ name: 'inventory' });
 *
 * const getStock = (sku: string) =>
 *   defer(() => fetch(`https://inventory.internal/stock/${sku}`).then((r) => r.json())).pipe(
 *     resilient({
 *       name: 'inventory',
 *       timeout: 2000,
 *       retry: { maxRetries: 2, initialDelay: 100, jitter: 'full' },
 *       circuitBreaker: breaker,
 *       bulkhead: pool,
 *       health,
 *       fallback: () => of({ sku, stock: 'unknown' }),
 *     }),
 *   );
 *
 * getStock('A-1').subscribe(console.log);
 * // Output (the inventory service answering):
 * // { sku: 'A-1', stock: 12 }
 * // Output (the service down: after 2 retries, or at once while the breaker is open):
 * // { sku: 'A-1', stock: 'unknown' }
 * ```
 */
export function resilient<T, R = never>(policy: ResiliencePolicy<R>): OperatorFunction<T, T | R> {
  const check = new OptionChecker(placeOf('resilient', policy?.name ?? 'resilient'));
  check.options(policy, KNOWN);
  const { timeout, retry, circuitBreaker, bulkhead, health, fallback, drainer, name = 'resilient', registry } = policy;
  check.name(name);

  // Innermost first: each operator is created (and checks its options) now, not at subscription.
  const operators: Array<OperatorFunction<unknown, unknown>> = [];
  if (timeout !== undefined) {
    const limits = typeof timeout === 'number' ? { total: timeout } : timeout;
    if (limits === null || typeof limits !== 'object')
      check.fail('timeout', 'a number of ms or timeout options', timeout);
    operators.push(timeoutWith({ ...limits, name, registry }));
  }
  if (health !== undefined) operators.push(trackHealth(health));
  if (bulkhead !== undefined) operators.push(bulkheadOperator(bulkhead));
  if (circuitBreaker !== undefined) operators.push(circuitBreakerOperator(circuitBreaker));
  if (retry !== undefined) {
    if (retry === null || typeof retry !== 'object') check.fail('retry', 'retryWithBackoff options', retry);
    operators.push(retryWithBackoff({ ...retry, name, registry }));
  }
  if (fallback !== undefined) operators.push(fallbackOperator(fallback, { name, registry }));
  if (drainer !== undefined) operators.push(drainUntilComplete(drainer));

  return (source) => {
    let result = source as Observable<unknown>;
    for (const op of operators) result = op(result);
    return result as Observable<T | R>;
  };
}
