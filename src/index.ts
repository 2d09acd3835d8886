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
export type { EventBase } from './internal/Stateful';

// Backoff
export type { BackoffKind, JitterKind } from './backoff/index';

// Stateless operators
export { retryWithBackoff } from './operators/retryWithBackoff';
export type { RetryOptions, RetryInfo, RetryBudgetLike } from './operators/retryWithBackoff';
export { timeoutWith } from './operators/timeoutWith';
export type { TimeoutOptions, TimeoutInfo } from './operators/timeoutWith';
export { fallback } from './operators/fallback';
export type { FallbackOptions } from './operators/fallback';

// Circuit breaker
export { CircuitBreaker, CircuitPermit, consecutiveFailures, failuresInWindow, failureRate } from './breaker/index';
export type {
  CircuitAdmission,
  ConsecutiveFailuresPolicy,
  FailuresInWindowOptions,
  FailuresInWindowPolicy,
  CallsWindow,
  DurationWindow,
  FailureRateOptions,
  FailureRatePolicy,
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
} from './breaker/index';
export { circuitBreaker } from './operators/circuitBreaker';
export type { CircuitBreakerOperatorOptions } from './operators/circuitBreaker';

// Bulkhead
export { Bulkhead } from './bulkhead/index';
export type {
  BulkheadOptions,
  BulkheadSnapshot,
  BulkheadEvent,
  BulkheadAcquiredEvent,
  BulkheadReleasedEvent,
  BulkheadRejectedEvent,
  BulkheadPermit,
  BulkheadPermitStatus,
  BulkheadWaiter,
} from './bulkhead/index';
export { bulkhead } from './operators/bulkhead';
export { bulkheadMap } from './operators/bulkheadMap';
export type { BulkheadMapOptions } from './operators/bulkheadMap';

// Retry budget
export { RetryBudget } from './budget/index';
export type {
  RetryBudgetOptions,
  RetryBudgetSnapshot,
  RetryBudgetEvent,
  RetryBudgetDecisionEvent,
} from './budget/index';

// Draining
export { Drainer } from './drain/index';
export type { DrainerOptions, DrainerSnapshot, DrainerEvent, DrainResult, DrainerCall } from './drain/index';
export { drainUntilComplete } from './operators/drainUntilComplete';

// Health
export { HealthTracker } from './health/index';
export type {
  HealthTrackerOptions,
  HealthTrackerSnapshot,
  HealthStatus,
  HealthEvent,
  LatencySummary,
} from './health/index';
export { trackHealth } from './operators/trackHealth';

// A whole policy, the registry, presets and configuration
export { resilient } from './operators/resilient';
export type { ResiliencePolicy, ResilientTimeout } from './operators/resilient';
export { ResilienceRegistry, Dependency } from './registry/ResilienceRegistry';
export type {
  ResilienceRegistryOptions,
  DependencyConfig,
  ProtectOptions,
  RegistryMember,
  MemberEvent,
  RegistryEvent,
  RegistryStatus,
  RegistrySnapshot,
} from './registry/ResilienceRegistry';
export type {
  MemberKind,
  OperationKind,
  OperationEvent,
  OperationReport,
  OperationReporter,
  RetryOperationEvent,
  TimeoutOperationEvent,
  FallbackOperationEvent,
} from './registry/events';
export { presets } from './registry/presets';
export type { DependencyOptions, PresetName } from './registry/presets';
export { loadResilienceConfig } from './registry/loadResilienceConfig';
export type {
  ResilienceConfig,
  LoadResilienceConfigOptions,
  DependencyConfigJSON,
  CircuitBreakerConfig,
  RetryConfig,
  TripConfig,
} from './registry/loadResilienceConfig';
