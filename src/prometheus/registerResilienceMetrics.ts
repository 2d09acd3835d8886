import { Counter, Gauge, register as defaultRegister } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { CircuitState } from '../breaker/types';
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

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };
const HEALTH_VALUE: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * Exposes a `ResilienceRegistry` to Prometheus through `prom-client`.
 *
 * Gauges are computed when Prometheus scrapes (from the members' snapshots at that moment);
 * counters are fed from the registry's `events$`, from the moment of registration on. Every name is
 * preceded by `prefix`:
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
 * ```
 */
export function registerResilienceMetrics(registry: ResilienceRegistry, options?: ResilienceMetricsOptions): ResilienceMetrics {
  const check = new OptionChecker('registerResilienceMetrics');
  if (registry === null || typeof registry !== 'object' || typeof (registry as ResilienceRegistry).list !== 'function') {
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
  const counter = <L extends string>(name: string, help: string, labelNames: L[], known: () => Array<Partial<Record<L, string>>>) =>
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
    gauge('circuit_breaker_state', 'Circuit breaker state: 0 closed, 1 half-open, 2 open, 3 isolated.', ['name'], (g) => {
      for (const b of registry.list('circuitBreaker')) g.set({ name: b.name }, STATE_VALUE[b.state]);
    }),
    gauge('bulkhead_active', 'Calls holding a bulkhead permit.', ['name'], (g) => {
      for (const b of registry.list('bulkhead')) g.set({ name: b.name }, b.snapshot().active);
    }),
    gauge('bulkhead_queued', 'Calls waiting for a bulkhead permit.', ['name'], (g) => {
      for (const b of registry.list('bulkhead')) g.set({ name: b.name }, b.snapshot().queued);
    }),
    gauge('retry_budget_used_ratio', 'Share of the retry budget allowance in use, 0 to 1.', ['name'], (g) => {
      for (const b of registry.list('retryBudget')) g.set({ name: b.name }, b.snapshot().budgetUsed);
    }),
    gauge('drainer_in_flight', 'Calls in flight through a drainer.', ['name'], (g) => {
      for (const d of registry.list('drainer')) g.set({ name: d.name }, d.snapshot().inFlight);
    }),
    gauge('dependency_health_status', 'Dependency health: 0 healthy, 1 degraded, 2 unhealthy.', ['name'], (g) => {
      for (const h of registry.list('healthTracker')) g.set({ name: h.name }, HEALTH_VALUE[h.snapshot().status]);
    }),
  ];
  const calls = counter('circuit_breaker_calls_total', 'Circuit breaker calls by outcome.', ['name', 'outcome'], () =>
    names('circuitBreaker').flatMap((name) => ['success', 'failure', 'rejected'].map((outcome) => ({ name, outcome }))),
  );
  const retries = counter('retry_attempts_total', 'Retries made, per operation.', ['operation'], () =>
    Object.keys(registry.snapshot().counters.retries).map((operation) => ({ operation })),
  );
  const timeouts = counter('timeout_errors_total', 'Timeouts expired, per operation.', ['operation'], () =>
    Object.keys(registry.snapshot().counters.timeouts).map((operation) => ({ operation })),
  );
  const fallbacks = counter('fallback_invocations_total', 'Fallbacks used, per operation.', ['operation'], () =>
    Object.keys(registry.snapshot().counters.fallbacks).map((operation) => ({ operation })),
  );
  const bulkheadRejected = counter('bulkhead_rejected_total', 'Calls a bulkhead turned away.', ['name'], () =>
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

  const all = [...metrics, calls, retries, timeouts, fallbacks, bulkheadRejected];
  return {
    unregister() {
      feed.unsubscribe();
      for (const m of all) register.removeSingleMetric((m as unknown as { name: string }).name);
    },
  };
}
