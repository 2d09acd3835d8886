/**
 * `rxjs-resilience/prometheus`: Prometheus metrics for a resilience registry, through `prom-client`
 * (an optional peer dependency: install it beside rxjs-resilience to use this entry point).
 * @packageDocumentation
 */
export { metricNames, registerResilienceMetrics } from './registerResilienceMetrics';
export type { ResilienceMetrics, ResilienceMetricsOptions } from './registerResilienceMetrics';
