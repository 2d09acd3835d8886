import type { CircuitBreakerOptions } from '../breaker/types';
import { consecutiveFailures } from '../breaker/consecutiveFailures';
import type { RetryOptions } from '../operators/retryWithBackoff';

/** How one dependency is protected: the parts `registry.dependency()` creates and `protect()` applies. */
export interface DependencyOptions {
  /** Calls in flight at once (the bulkhead's `maxConcurrent`). */
  maxConcurrent: number;
  /** Calls that may wait for a permit (the bulkhead's `maxQueue`). Default `0`. */
  maxQueue?: number;
  /** ms a waiting call may wait before `BulkheadRejectedError` reason `'queue-timeout'`. */
  queueTimeout?: number;
  /** ms each call (each attempt) may take, from subscription to completion. */
  timeout: number;
  /** The breaker's options (its `name` is the dependency's), or `false` for no breaker. */
  circuitBreaker: Omit<CircuitBreakerOptions, 'name' | 'scheduler' | 'initialState'> | false;
  /** Retry failed calls (each retry a new call with its own timeout). Presets have none. */
  retry?: Omit<RetryOptions, 'name' | 'registry' | 'scheduler'>;
}

/** The kinds of dependency with a preset. */
export type PresetName = 'database' | 'externalApi' | 'cache' | 'messageQueue' | 'fileSystem';

/**
 * Starting points per kind of dependency, for `registry.dependency(name, { type })`:
 *
 * | preset | maxConcurrent | timeout | breaker |
 * | --- | ---: | ---: | --- |
 * | `database` | 10 | 10 s | default breaker |
 * | `externalApi` | 15 | 15 s | opens after 3 consecutive failures |
 * | `cache` | 50 | 2 s | none |
 * | `messageQueue` | 20 | 10 s | default breaker |
 * | `fileSystem` | 8 | 30 s | none |
 *
 * Presets have no retry; a `retry` override adds one.
 */
export const presets: Readonly<Record<PresetName, Readonly<DependencyOptions>>> = Object.freeze({
  database: Object.freeze({ maxConcurrent: 10, timeout: 10_000, circuitBreaker: Object.freeze({}) }),
  externalApi: Object.freeze({
    maxConcurrent: 15,
    timeout: 15_000,
    circuitBreaker: Object.freeze({ trip: consecutiveFailures(3) }),
  }),
  cache: Object.freeze({ maxConcurrent: 50, timeout: 2_000, circuitBreaker: false as const }),
  messageQueue: Object.freeze({ maxConcurrent: 20, timeout: 10_000, circuitBreaker: Object.freeze({}) }),
  fileSystem: Object.freeze({ maxConcurrent: 8, timeout: 30_000, circuitBreaker: false as const }),
});

export const presetNames = Object.keys(presets) as PresetName[];
