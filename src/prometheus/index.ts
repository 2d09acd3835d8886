/**
 * `rxjs-resilience/prometheus`: Prometheus metrics for a resilience registry, through `prom-client`
 * (an optional peer dependency: install it beside rxjs-resilience to use this entry point).
 * @packageDocumentation
 */
export { registerResilienceMetrics } from './registerResilienceMetrics';
export type { ResilienceMetrics, ResilienceMetricsOptions } from './registerResilienceMetrics';

/**
 * The names of the metrics this entry point exposes (each preceded by the `prefix` option).
 */
export const metricNames = Object.freeze({
  circuitBreakerState: 'circuit_breaker_state',
  circuitBreakerCallsTotal: 'circuit_breaker_calls_total',
  retryAttemptsTotal: 'retry_attempts_total',
  timeoutErrorsTotal: 'timeout_errors_total',
  fallbackInvocationsTotal: 'fallback_invocations_total',
  bulkheadActive: 'bulkhead_active',
  bulkheadQueued: 'bulkhead_queued',
  bulkheadRejectedTotal: 'bulkhead_rejected_total',
  retryBudgetUsedRatio: 'retry_budget_used_ratio',
  drainerInFlight: 'drainer_in_flight',
  dependencyHealthStatus: 'dependency_health_status',
} as const);
