export { CircuitBreaker, CircuitPermit } from './CircuitBreaker';
export type { CircuitAdmission } from './CircuitBreaker';
export { consecutiveFailures } from './consecutiveFailures';
export type { ConsecutiveFailuresPolicy } from './consecutiveFailures';
export { failuresInWindow } from './failuresInWindow';
export type { FailuresInWindowOptions, FailuresInWindowPolicy } from './failuresInWindow';
export { failureRate } from './failureRate';
export type { CallsWindow, DurationWindow, FailureRateOptions, FailureRatePolicy } from './failureRate';
export type {
  CircuitBreakerEvent,
  CircuitBreakerJSON,
  CircuitBreakerOptions,
  CircuitBreakerSnapshot,
  CircuitFailureEvent,
  CircuitIgnoredEvent,
  CircuitRejectedEvent,
  CircuitState,
  CircuitStateChangeEvent,
  CircuitSuccessEvent,
  TripCounter,
  TripPolicy,
  TripStateJSON,
} from './types';
