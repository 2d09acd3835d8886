import { Counter, Gauge, register as defaultRegister } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { CircuitState } from '../breaker/types';
import { ResilienceConfigError } from '../errors/ResilienceConfigError';
import type { HealthStatus } from '../health/HealthTracker';
import { OptionChecker } from '../internal/validate';
import type { MemberKind } from '../registry/events';
import type { ResilienceRegistry } from '../registry/ResilienceRegistry';

/** Options of {@link registerResilienceMetrics}. */
export interface ResilienceMetricsOptions {
  /** The prom-client registry the metrics join. Default: prom-client's default `register`. */
  register?: Registry;
  /** Put before every metric name, e.g. `'myservice_'`. Default `''`. */
  prefix?: string;
}

/** What {@link registerResilienceMetrics} returns: a way to take the metrics away again. */
export interface ResilienceMetrics {
  /** Stops feeding the counters and removes every metric from the prom-client registry. */
  unregister(): void;
}

/**
 * The names of the metrics {@link registerResilienceMetrics} exposes (each preceded by its `prefix`
 * option).
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

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };
const HEALTH_VALUE: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * Exposes a `ResilienceRegistry` to Prometheus through `prom-client`.
 *
 * Gauges are computed when Prometheus scrapes (from the members' snapshots at that moment);
 * counters are fed from the registry's `events$`, from the moment of registration on, and never go
 * down (each breaker's and bulkhead's series start at 0). A prom-client registry that already has a
 * metric of one of these names (the same prefix registered twice) is a `ResilienceConfigError`, and
 * nothing is registered. Every name is preceded by `prefix`:
 *
 * | metric | type | labels | value |
 * | --- | --- | --- | --- |
 * | `circuit_breaker_state` | gauge | `name` | 0 closed, 1 half-open, 2 open, 3 isolated |
 * | `circuit_breaker_calls_total` | counter | `name`, `outcome` = `success` \| `failure` \| `rejected` | calls by outcome |
 * | `retry_attempts_total` | counter | `operation` | retries made |
 * | `timeout_errors_total` | counter | `operation` | timeouts expired |
 * | `fallback_invocations_total` | counter | `operation` | fallbacks used |
 * | `bulkhead_active` | gauge | `name` | calls holding a permit |
 * | `bulkhead_queued` | gauge | `name` | calls waiting for one |
 * | `bulkhead_rejected_total` | counter | `name` | calls turned away |
 * | `retry_budget_used_ratio` | gauge | `name` | 0..1 of the current allowance used |
 * | `drainer_in_flight` | gauge | `name` | calls in flight |
 * | `dependency_health_status` | gauge | `name` | 0 healthy, 1 degraded, 2 unhealthy |
 *
 * ## Example
 * ```ts
 * import http from 'node:http';
 * import { register } from 'prom-client';
 * import { ResilienceRegistry } from 'rxjs-resilience';
 * import { registerResilienceMetrics } from 'rxjs-resilience/prometheus';
 *
 * const registry = new ResilienceRegistry();
 * registerResilienceMetrics(registry, { prefix: 'shop_' });
 * http.createServer(async (_req, res) => res.end(await register.metrics())).listen(9464);
 * // Output (GET http://localhost:9464/metrics, among prom-client's own metrics):
 * // # HELP shop_circuit_breaker_state Circuit breaker state: 0 closed, 1 half-open, 2 open, 3 isolated.
 * // # TYPE shop_circuit_breaker_state gauge
 * // shop_circuit_breaker_state{name="user-db"} 0
 * ```
 */
export function registerResilienceMetrics(
  registry: ResilienceRegistry,
  options?: ResilienceMetricsOptions,
): ResilienceMetrics {
  const check = new OptionChecker('registerResilienceMetrics');
  const r = registry as Partial<ResilienceRegistry> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    typeof r.list !== 'function' ||
    typeof r.snapshot !== 'function' ||
    typeof r.events$?.subscribe !== 'function'
  ) {
    check.fail('registry', 'a ResilienceRegistry', registry);
  }
  check.options(options, ['register', 'prefix']);
  const { register = defaultRegister, prefix = '' } = options ?? {};
  if (typeof prefix !== 'string' || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
    check.fail('prefix', 'a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)', prefix);
  }
  if (register === null || typeof register !== 'object' || typeof register.registerMetric !== 'function') {
    check.fail('register', 'a prom-client Registry', register);
  }
  // All or nothing: a name already taken (this registry registered twice on one prom-client
  // Registry with the same prefix, or another metric of that name) registers nothing.
  for (const name of Object.values(metricNames)) {
    if (register.getSingleMetric(prefix + name) !== undefined) {
      throw new ResilienceConfigError(
        'registerResilienceMetrics',
        'register',
        'a prom-client Registry without a metric of that name',
        prefix + name,
        `registerResilienceMetrics: the prom-client Registry already has a metric named "${prefix + name}" ` +
          '(metrics registered twice? call unregister() on the first registration, or give another prefix or register)',
      );
    }
  }
  const registers = [register];
  const names = (kind: MemberKind) => registry.list(kind as 'bulkhead').map((m) => m.name);

  const gauge = <L extends string>(name: string, help: string, labelNames: L[], collect: (g: Gauge<L>) => void) =>
    new Gauge<L>({
      name: prefix + name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        collect(this);
      },
    });

  // Counters are fed by events; at scrape time every known member gets its series (at 0 if new).
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    known: () => Array<Partial<Record<L, string>>>,
  ) =>
    new Counter<L>({
      name: prefix + name,
      help,
      labelNames,
      registers,
      collect() {
        for (const labels of known()) this.inc(labels, 0);
      },
    });

  const metrics = [
    gauge(
      metricNames.circuitBreakerState,
      'Circuit breaker state: 0 closed, 1 half-open, 2 open, 3 isolated.',
      ['name'],
      (g) => {
        for (const b of registry.list('circuitBreaker')) g.set({ name: b.name }, STATE_VALUE[b.state]);
      },
    ),
    gauge(metricNames.bulkheadActive, 'Calls holding a bulkhead permit.', ['name'], (g) => {
      for (const b of registry.list('bulkhead')) g.set({ name: b.name }, b.snapshot().active);
    }),
    gauge(metricNames.bulkheadQueued, 'Calls waiting for a bulkhead permit.', ['name'], (g) => {
      for (const b of registry.list('bulkhead')) g.set({ name: b.name }, b.snapshot().queued);
    }),
    gauge(metricNames.retryBudgetUsedRatio, 'Share of the retry budget allowance in use, 0 to 1.', ['name'], (g) => {
      for (const b of registry.list('retryBudget')) g.set({ name: b.name }, b.snapshot().budgetUsed);
    }),
    gauge(metricNames.drainerInFlight, 'Calls in flight through a drainer.', ['name'], (g) => {
      for (const d of registry.list('drainer')) g.set({ name: d.name }, d.snapshot().inFlight);
    }),
    gauge(
      metricNames.dependencyHealthStatus,
      'Dependency health: 0 healthy, 1 degraded, 2 unhealthy.',
      ['name'],
      (g) => {
        for (const h of registry.list('healthTracker')) g.set({ name: h.name }, HEALTH_VALUE[h.snapshot().status]);
      },
    ),
  ];
  const calls = counter(
    metricNames.circuitBreakerCallsTotal,
    'Circuit breaker calls by outcome.',
    ['name', 'outcome'],
    () =>
      names('circuitBreaker').flatMap((name) =>
        ['success', 'failure', 'rejected'].map((outcome) => ({ name, outcome })),
      ),
  );
  const retries = counter(metricNames.retryAttemptsTotal, 'Retries made, per operation.', ['operation'], () =>
    Object.keys(registry.snapshot().counters.retries).map((operation) => ({ operation })),
  );
  const timeouts = counter(metricNames.timeoutErrorsTotal, 'Timeouts expired, per operation.', ['operation'], () =>
    Object.keys(registry.snapshot().counters.timeouts).map((operation) => ({ operation })),
  );
  const fallbacks = counter(metricNames.fallbackInvocationsTotal, 'Fallbacks used, per operation.', ['operation'], () =>
    Object.keys(registry.snapshot().counters.fallbacks).map((operation) => ({ operation })),
  );
  const bulkheadRejected = counter(metricNames.bulkheadRejectedTotal, 'Calls a bulkhead turned away.', ['name'], () =>
    names('bulkhead').map((name) => ({ name })),
  );

  const feed: Subscription = registry.events$.subscribe((event) => {
    switch (event.kind) {
      case 'circuitBreaker':
        if (event.type === 'success' || event.type === 'failure' || event.type === 'rejected') {
          calls.inc({ name: event.name, outcome: event.type });
        }
        break;
      case 'bulkhead':
        if (event.type === 'rejected') bulkheadRejected.inc({ name: event.name });
        break;
      case 'retry':
        retries.inc({ operation: event.name });
        break;
      case 'timeout':
        timeouts.inc({ operation: event.name });
        break;
      case 'fallback':
        fallbacks.inc({ operation: event.name });
        break;
    }
  });

  const all: Array<Gauge<string> | Counter<string>> = [
    ...metrics,
    calls,
    retries,
    timeouts,
    fallbacks,
    bulkheadRejected,
  ];
  return {
    unregister() {
      feed.unsubscribe();
      // Idempotent, and never removes a metric of the same name registered after this one was removed.
      for (const m of all.splice(0)) {
        const name = (m as unknown as { name: string }).name;
        if (register.getSingleMetric(name) === m) register.removeSingleMetric(name);
      }
    },
  };
}
