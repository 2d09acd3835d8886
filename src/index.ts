/**
 * rxjs-resilience: resilience patterns as RxJS operators that run in virtual time.
 * @packageDocumentation
 */

// Errors
export {
  ResilienceError,
  CircuitOpenError,
  BulkheadRejectedError,
  OperationTimeoutError,
  DrainingError,
  DrainTimeoutError,
  ResilienceConfigError,
} from './errors/index';
export type { CircuitRejectState, BulkheadRejectReason, TimeoutKind } from './errors/index';
export type { ErrorFilter } from './internal/errorFilter';

// Backoff
export type { BackoffKind, JitterKind } from './backoff/index';

// Operators
export { retryWithBackoff } from './operators/retryWithBackoff';
export type { RetryOptions, RetryInfo } from './operators/retryWithBackoff';
export { timeoutWith } from './operators/timeoutWith';
export type { TimeoutOptions, TimeoutInfo } from './operators/timeoutWith';
export { fallback } from './operators/fallback';
export type { FallbackOptions } from './operators/fallback';
