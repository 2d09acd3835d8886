import fc from 'fast-check';
import { Counter, Registry, register as defaultRegister } from 'prom-client';
import { NEVER, Observable, of, throwError, timer, VirtualTimeScheduler } from 'rxjs';
import { map } from 'rxjs/operators';
import type { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  Bulkhead,
  bulkhead,
  CircuitBreaker,
  circuitBreaker,
  consecutiveFailures,
  Drainer,
  drainUntilComplete,
  fallback,
  HealthTracker,
  loadResilienceConfig,
  ResilienceConfigError,
  ResilienceRegistry,
  retryWithBackoff,
  RetryBudget,
  timeoutWith,
} from 'rxjs-resilience';
import type { CircuitState, HealthStatus } from 'rxjs-resilience';
import { metricNames, registerResilienceMetrics } from 'rxjs-resilience/prometheus';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Exposition {
  readonly samples: readonly Sample[];
  /** `# TYPE` per metric name. */
  readonly types: Readonly<Record<string, string>>;
  /** `# HELP` per metric name. */
  readonly help: Readonly<Record<string, string>>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(raw: string): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  const n = Number(raw);
  if (Number.isNaN(n)) throw new Error(`not a sample value: ${raw}`);
  return n;
}

function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const help: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'HELP' ? help : types)[meta[2]!] = meta[3]!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let l = LABEL.exec(body); l; l = LABEL.exec(body)) {
      labels[l[1]!] = unescape(l[2]!);
      consumed = LABEL.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`bad labels: ${body}`);
    samples.push({ name: m[1]!, labels, value: parseValue(m[3]!) });
  }
  return { samples, types, help };
}

const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** The value of the sample with exactly that name and those labels, or `undefined`. */
function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  return exposition.samples.find((s) => s.name === name && sameLabels(s.labels, labels))?.value;
}

/** The samples of one metric. */
function samplesOf(exposition: Exposition, name: string): Sample[] {
  return exposition.samples.filter((s) => s.name === name);
}

// ---------------------------------------------------------------------------------------------
// Helpers

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };
const HEALTH_VALUE: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** Every metric API.md names, with its type and label names. */
const METRICS: Array<[name: string, type: 'gauge' | 'counter', labels: string[]]> = [
  ['circuit_breaker_state', 'gauge', ['name']],
  ['circuit_breaker_calls_total', 'counter', ['name', 'outcome']],
  ['retry_attempts_total', 'counter', ['operation']],
  ['timeout_errors_total', 'counter', ['operation']],
  ['fallback_invocations_total', 'counter', ['operation']],
  ['bulkhead_active', 'gauge', ['name']],
  ['bulkhead_queued', 'gauge', ['name']],
  ['bulkhead_rejected_total', 'counter', ['name']],
  ['retry_budget_used_ratio', 'gauge', ['name']],
  ['drainer_in_flight', 'gauge', ['name']],
  ['dependency_health_status', 'gauge', ['name']],
];

const scrape = async (register: Registry) => parseExposition(await register.metrics());

/** Moves a VirtualTimeScheduler's clock to `t`, running every action due by then (and none after). */
function advanceTo(scheduler: VirtualTimeScheduler, t: number): void {
  scheduler.schedule(() => {}, t - scheduler.now());
  scheduler.maxFrames = t;
  scheduler.flush();
  scheduler.maxFrames = Infinity;
}

/** One call through `breaker`, which succeeds or fails at once. */
function call(breaker: CircuitBreaker, ok: boolean, error: unknown = new Error('boom')): void {
  (ok ? of(1) : throwError(() => error)).pipe(circuitBreaker(breaker)).subscribe({ error: () => {} });
}

/** A registry with one member of every kind, all on `scheduler`. */
function fullRegistry(scheduler: VirtualTimeScheduler) {
  const registry = new ResilienceRegistry({ scheduler });
  const breaker = registry.add(
    new CircuitBreaker({ name: 'db', trip: consecutiveFailures(1), resetTimeout: 100, scheduler }),
  );
  const pool = registry.add(new Bulkhead({ name: 'db', maxConcurrent: 1, maxQueue: 1, queueTimeout: 50, scheduler }));
  const budget = registry.add(new RetryBudget({ name: 'retries', maxRetries: 4, window: 1000, scheduler }));
  const drainer = registry.add(new Drainer({ name: 'shutdown', drainTimeout: 1000, scheduler }));
  const health = registry.add(new HealthTracker({ name: 'db', minimumCalls: 1, scheduler }));
  return { registry, breaker, pool, budget, drainer, health };
}

/**
 * The exposition agrees with `registry.snapshot()`: every member's gauges and counters, and the
 * operation counters (for a registry whose metrics were registered before any activity).
 */
function expectConsistent(exposition: Exposition, registry: ResilienceRegistry, prefix = ''): void {
  const snapshot = registry.snapshot();
  const value = (name: string, labels: Record<string, string>) => valueOf(exposition, prefix + name, labels);
  const labelSets = (name: string) => samplesOf(exposition, prefix + name).map((s) => s.labels);

  expect(labelSets('circuit_breaker_state')).toHaveLength(Object.keys(snapshot.circuitBreakers).length);
  for (const [name, b] of Object.entries(snapshot.circuitBreakers)) {
    expect(value('circuit_breaker_state', { name })).toBe(STATE_VALUE[b.state]);
    expect(value('circuit_breaker_calls_total', { name, outcome: 'success' })).toBe(b.successCount);
    expect(value('circuit_breaker_calls_total', { name, outcome: 'failure' })).toBe(b.failureCount);
    expect(value('circuit_breaker_calls_total', { name, outcome: 'rejected' })).toBe(b.rejectedCount);
  }
  expect(labelSets('bulkhead_active')).toHaveLength(Object.keys(snapshot.bulkheads).length);
  for (const [name, b] of Object.entries(snapshot.bulkheads)) {
    expect(value('bulkhead_active', { name })).toBe(b.active);
    expect(value('bulkhead_queued', { name })).toBe(b.queued);
    expect(value('bulkhead_rejected_total', { name })).toBe(b.rejected);
  }
  for (const [name, b] of Object.entries(snapshot.retryBudgets))
    expect(value('retry_budget_used_ratio', { name })).toBe(b.budgetUsed);
  for (const [name, d] of Object.entries(snapshot.drainers))
    expect(value('drainer_in_flight', { name })).toBe(d.inFlight);
  for (const [name, h] of Object.entries(snapshot.healthTrackers)) {
    expect(value('dependency_health_status', { name })).toBe(HEALTH_VALUE[h.status]);
  }
  const counters: Array<[string, Readonly<Record<string, number>>]> = [
    ['retry_attempts_total', snapshot.counters.retries],
    ['timeout_errors_total', snapshot.counters.timeouts],
    ['fallback_invocations_total', snapshot.counters.fallbacks],
  ];
  for (const [metric, counts] of counters) {
    const exposed = Object.fromEntries(
      samplesOf(exposition, prefix + metric).map((s) => [s.labels.operation, s.value]),
    );
    expect(exposed).toEqual(counts);
  }
}

/** `fn()` throws a ResilienceConfigError with exactly that message. */
function expectConfigError(fn: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ResilienceConfigError);
  expect((thrown as Error).message).toBe(message);
}

// ---------------------------------------------------------------------------------------------

describe('parseExposition (the test’s own parser)', () => {
  it('reads HELP, TYPE and samples with escaped labels', () => {
    const e = parseExposition(
      '# HELP a_total Things.\n# TYPE a_total counter\na_total{name="x\\"y",op="z\\\\"} 3\nb 1.5\nc +Inf\n\n',
    );
    expect(e.types).toEqual({ a_total: 'counter' });
    expect(e.help).toEqual({ a_total: 'Things.' });
    expect(valueOf(e, 'a_total', { name: 'x"y', op: 'z\\' })).toBe(3);
    expect(valueOf(e, 'a_total', { name: 'x"y' })).toBeUndefined();
    expect(valueOf(e, 'b')).toBe(1.5);
    expect(valueOf(e, 'c')).toBe(Infinity);
    expect(() => parseExposition('a{b=c} 1')).toThrow('bad labels');
    expect(() => parseExposition('not a sample')).toThrow('not a sample line');
    expect(() => parseExposition('a x')).toThrow('not a sample value');
  });
});

describe('registerResilienceMetrics', () => {
  describe('names, types and labels', () => {
    it.each([[''], ['shop_'], ['svc:']])(
      'exposes every metric of API.md with its type and labels (prefix %j)',
      async (prefix) => {
        const scheduler = new VirtualTimeScheduler();
        const { registry, breaker } = fullRegistry(scheduler);
        const register = new Registry();
        registerResilienceMetrics(registry, prefix ? { register, prefix } : { register });
        // one event of each operation kind, so that those counters have a series
        of(1)
          .pipe(timeoutWith({ each: 5, name: 'op', registry, scheduler }))
          .subscribe();
        NEVER.pipe(
          timeoutWith({ each: 5, name: 'op', registry, scheduler }),
          fallback(() => of(0), { name: 'op', registry }),
        ).subscribe();
        throwError(() => new Error('x'))
          .pipe(retryWithBackoff({ maxRetries: 1, initialDelay: 0, name: 'op', registry, scheduler }))
          .subscribe({ error: () => {} });
        call(breaker, true);
        scheduler.flush();

        const e = await scrape(register);
        for (const [name, type, labels] of METRICS) {
          expect(e.types[prefix + name], name).toBe(type);
          expect(e.help[prefix + name], name).toBeTruthy();
          const samples = samplesOf(e, prefix + name);
          expect(samples.length, name).toBeGreaterThan(0);
          for (const s of samples) expect(Object.keys(s.labels).sort(), name).toEqual([...labels].sort());
          if (prefix) expect(samplesOf(e, name), `${name} unprefixed`).toEqual([]);
        }
        // nothing else
        expect(Object.keys(e.types).sort()).toEqual(METRICS.map(([n]) => prefix + n).sort());
        // the exported names are the same
        expect(Object.values(metricNames).sort()).toEqual(METRICS.map(([n]) => n).sort());
      },
    );

    it('circuit_breaker_calls_total has a series per breaker and outcome (success, failure, rejected) from the start, at 0', async () => {
      const { registry } = fullRegistry(new VirtualTimeScheduler());
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      const e = await scrape(register);
      expect(samplesOf(e, 'circuit_breaker_calls_total')).toEqual([
        { name: 'circuit_breaker_calls_total', labels: { name: 'db', outcome: 'success' }, value: 0 },
        { name: 'circuit_breaker_calls_total', labels: { name: 'db', outcome: 'failure' }, value: 0 },
        { name: 'circuit_breaker_calls_total', labels: { name: 'db', outcome: 'rejected' }, value: 0 },
      ]);
      expect(samplesOf(e, 'bulkhead_rejected_total')).toEqual([
        { name: 'bulkhead_rejected_total', labels: { name: 'db' }, value: 0 },
      ]);
      // no operation has reported yet: no series
      expect(samplesOf(e, 'retry_attempts_total')).toEqual([]);
    });
  });

  describe('gauges, computed at scrape time', () => {
    it('circuit_breaker_state: 0 closed, 2 open, 1 half-open, 3 isolated, following a real breaker', async () => {
      const scheduler = new VirtualTimeScheduler();
      const { registry, breaker } = fullRegistry(scheduler);
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      const state = async () => valueOf(await scrape(register), 'circuit_breaker_state', { name: 'db' });

      expect(await state()).toBe(0);
      call(breaker, false); // consecutiveFailures(1): open
      expect(breaker.state).toBe('open');
      expect(await state()).toBe(2);
      advanceTo(scheduler, 100); // resetTimeout: half-open
      expect(breaker.state).toBe('half-open');
      expect(await state()).toBe(1);
      breaker.isolate();
      expect(await state()).toBe(3);
      breaker.reset();
      expect(await state()).toBe(0);
    });

    it('bulkhead_active and bulkhead_queued follow the bulkhead', async () => {
      const scheduler = new VirtualTimeScheduler();
      const { registry, pool } = fullRegistry(scheduler);
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      const gauges = async () => {
        const e = await scrape(register);
        return [valueOf(e, 'bulkhead_active', { name: 'db' }), valueOf(e, 'bulkhead_queued', { name: 'db' })];
      };
      expect(await gauges()).toEqual([0, 0]);
      const first = NEVER.pipe(bulkhead(pool)).subscribe();
      expect(await gauges()).toEqual([1, 0]);
      const second = NEVER.pipe(bulkhead(pool)).subscribe();
      expect(await gauges()).toEqual([1, 1]);
      first.unsubscribe(); // the waiter gets the permit
      expect(await gauges()).toEqual([1, 0]);
      second.unsubscribe();
      expect(await gauges()).toEqual([0, 0]);
    });

    it('retry_budget_used_ratio: the share of the allowance in use, back to 0 when the window has passed', async () => {
      const scheduler = new VirtualTimeScheduler();
      const { registry, budget } = fullRegistry(scheduler);
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      const ratio = async () => valueOf(await scrape(register), 'retry_budget_used_ratio', { name: 'retries' });
      expect(await ratio()).toBe(0);
      budget.tryAcquire();
      expect(await ratio()).toBe(0.25);
      budget.tryAcquire();
      expect(await ratio()).toBe(0.5);
      advanceTo(scheduler, 1000);
      expect(await ratio()).toBe(0);
    });

    it('drainer_in_flight: the calls in flight through the drainer', async () => {
      const { registry, drainer } = fullRegistry(new VirtualTimeScheduler());
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      const inFlight = async () => valueOf(await scrape(register), 'drainer_in_flight', { name: 'shutdown' });
      expect(await inFlight()).toBe(0);
      const a = NEVER.pipe(drainUntilComplete(drainer)).subscribe();
      const b = NEVER.pipe(drainUntilComplete(drainer)).subscribe();
      expect(await inFlight()).toBe(2);
      a.unsubscribe();
      expect(await inFlight()).toBe(1);
      b.unsubscribe();
      expect(await inFlight()).toBe(0);
    });

    it('dependency_health_status: 0 healthy, 1 degraded, 2 unhealthy', async () => {
      const { registry, health } = fullRegistry(new VirtualTimeScheduler());
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      const status = async () => valueOf(await scrape(register), 'dependency_health_status', { name: 'db' });
      expect(await status()).toBe(0);
      health.recordFailure(new Error('x')); // 0 / 1
      expect(health.status).toBe('unhealthy');
      expect(await status()).toBe(2);
      for (let i = 0; i < 3; i++) health.recordSuccess(1); // 3 / 4 = 0.75
      expect(health.status).toBe('degraded');
      expect(await status()).toBe(1);
      for (let i = 0; i < 20; i++) health.recordSuccess(1); // 23 / 24 > 0.95
      expect(health.status).toBe('healthy');
      expect(await status()).toBe(0);
    });

    it('members added after registration appear, removed ones disappear from the gauges', async () => {
      const scheduler = new VirtualTimeScheduler();
      const registry = new ResilienceRegistry({ scheduler });
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      expect(samplesOf(await scrape(register), 'circuit_breaker_state')).toEqual([]);

      const dependency = registry.dependency('payments', { type: 'externalApi' });
      let e = await scrape(register);
      expect(valueOf(e, 'circuit_breaker_state', { name: 'payments' })).toBe(0);
      expect(valueOf(e, 'bulkhead_active', { name: 'payments' })).toBe(0);
      expect(valueOf(e, 'dependency_health_status', { name: 'payments' })).toBe(0);
      expect(valueOf(e, 'circuit_breaker_calls_total', { name: 'payments', outcome: 'success' })).toBe(0);

      // a new member's events are counted too
      call(dependency.circuitBreaker!, true);
      e = await scrape(register);
      expect(valueOf(e, 'circuit_breaker_calls_total', { name: 'payments', outcome: 'success' })).toBe(1);

      registry.remove(dependency);
      e = await scrape(register);
      for (const gauge of ['circuit_breaker_state', 'bulkhead_active', 'bulkhead_queued', 'dependency_health_status']) {
        expect(samplesOf(e, gauge), gauge).toEqual([]);
      }
      // a counter never goes back: the removed breaker's series stays at its last value
      expect(valueOf(e, 'circuit_breaker_calls_total', { name: 'payments', outcome: 'success' })).toBe(1);
    });
  });

  describe('counters, fed from events$ after registration', () => {
    it('circuit_breaker_calls_total counts successes, failures and rejections of real calls (not ignored errors)', async () => {
      const scheduler = new VirtualTimeScheduler();
      const registry = new ResilienceRegistry({ scheduler });
      const breaker = registry.add(
        new CircuitBreaker({
          name: 'api',
          trip: consecutiveFailures(2),
          isFailure: (e) => !(e instanceof TypeError),
          scheduler,
        }),
      );
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      call(breaker, true);
      call(breaker, true);
      call(breaker, false, new TypeError('ignored'));
      call(breaker, false);
      call(breaker, false); // opens
      call(breaker, true); // rejected
      call(breaker, true); // rejected
      call(breaker, true); // rejected
      const e = await scrape(register);
      const calls = (outcome: string) => valueOf(e, 'circuit_breaker_calls_total', { name: 'api', outcome });
      expect([calls('success'), calls('failure'), calls('rejected')]).toEqual([2, 2, 3]);
      expect(breaker.snapshot()).toMatchObject({ successCount: 2, failureCount: 2, rejectedCount: 3 });
      expect(samplesOf(e, 'circuit_breaker_calls_total').map((s) => s.labels.outcome)).toEqual([
        'success',
        'failure',
        'rejected',
      ]);
    });

    it('retry_attempts_total, timeout_errors_total and fallback_invocations_total per operation (operators given `registry`)', async () => {
      const scheduler = new VirtualTimeScheduler();
      const registry = new ResilienceRegistry({ scheduler });
      const register = new Registry();
      registerResilienceMetrics(registry, { register });

      throwError(() => new Error('x'))
        .pipe(retryWithBackoff({ maxRetries: 3, initialDelay: 10, name: 'fetch-user', registry, scheduler }))
        .subscribe({ error: () => {} });
      NEVER.pipe(timeoutWith({ total: 5, name: 'slow-report', registry, scheduler })).subscribe({ error: () => {} });
      NEVER.pipe(timeoutWith({ first: 5, name: 'slow-report', registry, scheduler, with: () => of(0) })).subscribe();
      throwError(() => new Error('x'))
        .pipe(fallback(() => of('cached'), { name: 'prices', registry }))
        .subscribe();
      of(1)
        .pipe(fallback(() => of('cached'), { name: 'prices', registry }))
        .subscribe(); // no error: no fallback
      scheduler.flush();

      const e = await scrape(register);
      expect(samplesOf(e, 'retry_attempts_total')).toEqual([
        { name: 'retry_attempts_total', labels: { operation: 'fetch-user' }, value: 3 },
      ]);
      expect(samplesOf(e, 'timeout_errors_total')).toEqual([
        { name: 'timeout_errors_total', labels: { operation: 'slow-report' }, value: 2 },
      ]);
      expect(samplesOf(e, 'fallback_invocations_total')).toEqual([
        { name: 'fallback_invocations_total', labels: { operation: 'prices' }, value: 1 },
      ]);
      expectConsistent(e, registry);
    });

    it('the same counters from a dependency’s protect(), under the dependency’s name', async () => {
      const scheduler = new VirtualTimeScheduler();
      const registry = loadResilienceConfig(
        {
          dependencies: {
            inventory: { type: 'cache', timeout: 20, retry: { maxRetries: 2, initialDelay: 5, backoff: 'constant' } },
          },
        },
        { scheduler },
      );
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      const inventory = registry.get('dependency', 'inventory')!;
      NEVER.pipe(inventory.protect({ fallback: () => of('unknown') })).subscribe();
      scheduler.flush();
      const e = await scrape(register);
      expect(valueOf(e, 'timeout_errors_total', { operation: 'inventory' })).toBe(3);
      expect(valueOf(e, 'retry_attempts_total', { operation: 'inventory' })).toBe(2);
      expect(valueOf(e, 'fallback_invocations_total', { operation: 'inventory' })).toBe(1);
      expectConsistent(e, registry);
    });

    it('bulkhead_rejected_total counts rejections for a full queue and for a queue timeout', async () => {
      const scheduler = new VirtualTimeScheduler();
      const { registry, pool } = fullRegistry(scheduler);
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      const rejected = async () => valueOf(await scrape(register), 'bulkhead_rejected_total', { name: 'db' });
      const errors: unknown[] = [];
      const subs = [0, 1, 2].map(() => NEVER.pipe(bulkhead(pool)).subscribe({ error: (e) => errors.push(e) }));
      expect(await rejected()).toBe(1); // the third: full
      advanceTo(scheduler, 50); // the second waited queueTimeout
      expect(await rejected()).toBe(2);
      expect(errors.map((e) => (e as { reason: string }).reason)).toEqual(['full', 'queue-timeout']);
      expect(pool.snapshot().rejected).toBe(2);
      subs.forEach((s) => s.unsubscribe());
    });

    it('counts only what happens after registration (a counter starts at 0 whatever the snapshot says)', async () => {
      const scheduler = new VirtualTimeScheduler();
      const { registry, breaker } = fullRegistry(scheduler);
      registry.reportOperation({ kind: 'retry', type: 'retry', name: 'early', attempt: 1, delay: 0, error: null });
      call(breaker, true);
      call(breaker, true);
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      let e = await scrape(register);
      expect(valueOf(e, 'circuit_breaker_calls_total', { name: 'db', outcome: 'success' })).toBe(0);
      // an operation known to the registry gets its series, at 0
      expect(valueOf(e, 'retry_attempts_total', { operation: 'early' })).toBe(0);
      call(breaker, true);
      registry.reportOperation({ kind: 'retry', type: 'retry', name: 'early', attempt: 1, delay: 0, error: null });
      e = await scrape(register);
      expect(valueOf(e, 'circuit_breaker_calls_total', { name: 'db', outcome: 'success' })).toBe(1);
      expect(valueOf(e, 'retry_attempts_total', { operation: 'early' })).toBe(1);
      expect(breaker.snapshot().successCount).toBe(3);
      expect(registry.snapshot().counters.retries).toEqual({ early: 2 });
    });

    it('counters are monotonic: a breaker’s reset() zeroes its snapshot counts, not the counters', async () => {
      const { registry, breaker } = fullRegistry(new VirtualTimeScheduler());
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      call(breaker, false);
      breaker.reset();
      expect(breaker.snapshot().failureCount).toBe(0);
      expect(valueOf(await scrape(register), 'circuit_breaker_calls_total', { name: 'db', outcome: 'failure' })).toBe(
        1,
      );
    });
  });

  describe('the /metrics text and registry.snapshot() agree', () => {
    it('after a mixed workload through a loaded config, at every step', async () => {
      const scheduler = new VirtualTimeScheduler();
      const registry = loadResilienceConfig(
        {
          dependencies: {
            user_db: {
              type: 'database',
              maxConcurrent: 1,
              maxQueue: 1,
              queueTimeout: 30,
              circuitBreaker: { trip: { kind: 'consecutiveFailures', threshold: 2 }, resetTimeout: 200 },
            },
            payments: { type: 'externalApi', timeout: 50, retry: { maxRetries: 1, initialDelay: 10 } },
            cache: { type: 'cache' },
          },
        },
        { scheduler },
      );
      registry.add(new Drainer({ name: 'shutdown', scheduler }));
      registry.add(new RetryBudget({ name: 'global', maxRetries: 3, scheduler }));
      const register = new Registry();
      registerResilienceMetrics(registry, { register, prefix: 'app_' });
      const check = async () => expectConsistent(await scrape(register), registry, 'app_');
      const dep = (name: string) => registry.get('dependency', name)!;
      const subs: Subscription[] = [];
      const run = (source: Observable<unknown>) => subs.push(source.subscribe({ error: () => {} }));

      await check();
      run(timer(10, scheduler).pipe(dep('user_db').protect()));
      run(NEVER.pipe(dep('user_db').protect())); // queued
      run(NEVER.pipe(dep('user_db').protect())); // rejected: full
      await check();
      advanceTo(scheduler, 10); // first done, the queued one runs
      await check();
      run(throwError(() => new Error('down')).pipe(dep('payments').protect()));
      run(NEVER.pipe(dep('payments').protect({ fallback: () => of(0) })));
      run(
        timer(5, scheduler).pipe(
          map(() => 1),
          dep('cache').protect(),
        ),
      );
      await check();
      advanceTo(scheduler, 500);
      await check();
      subs.forEach((s) => s.unsubscribe());
      await check();
      const e = await scrape(register);
      expect(valueOf(e, 'app_bulkhead_rejected_total', { name: 'user_db' })).toBe(1);
      expect(valueOf(e, 'app_circuit_breaker_state', { name: 'payments' })).toBe(
        STATE_VALUE[dep('payments').circuitBreaker!.state],
      );
    });

    it('property: any sequence of calls, waits and breaker actions keeps them in agreement', async () => {
      type Action =
        | { kind: 'call'; dep: 'a' | 'b'; outcome: 'ok' | 'fail' | 'hang'; latency: number }
        | { kind: 'wait'; ms: number }
        | { kind: 'unsubscribe' }
        | { kind: 'isolate' | 'release'; dep: 'a' | 'b' };
      const dep = fc.constantFrom<'a' | 'b'>('a', 'b');
      const action: fc.Arbitrary<Action> = fc.oneof(
        {
          weight: 5,
          arbitrary: fc.record({
            kind: fc.constant('call' as const),
            dep,
            outcome: fc.constantFrom('ok' as const, 'fail' as const, 'hang' as const),
            latency: fc.integer({ min: 0, max: 60 }),
          }),
        },
        {
          weight: 2,
          arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 300 }) }),
        },
        { weight: 1, arbitrary: fc.constant({ kind: 'unsubscribe' as const }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('isolate' as const, 'release' as const), dep }) },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(action, { maxLength: 25 }), async (actions) => {
          const scheduler = new VirtualTimeScheduler();
          const registry = loadResilienceConfig(
            {
              defaults: {
                maxConcurrent: 2,
                maxQueue: 1,
                queueTimeout: 40,
                timeout: 50,
                circuitBreaker: { trip: { kind: 'consecutiveFailures', threshold: 2 }, resetTimeout: 100 },
              },
              dependencies: {
                a: { retry: { maxRetries: 1, initialDelay: 5 } },
                b: {
                  circuitBreaker: {
                    trip: { kind: 'failureRate', threshold: 0.5, minimumCalls: 2, window: { calls: 4 } },
                  },
                },
              },
            },
            { scheduler },
          );
          const register = new Registry();
          registerResilienceMetrics(registry, { register });
          const subs: Subscription[] = [];
          for (const a of actions) {
            if (a.kind === 'call') {
              const source =
                a.outcome === 'hang'
                  ? NEVER
                  : timer(a.latency, scheduler).pipe(
                      map(() => {
                        if (a.outcome === 'fail') throw new Error('fail');
                        return 1;
                      }),
                    );
              subs.push(
                source
                  .pipe(registry.get('dependency', a.dep)!.protect(a.dep === 'b' ? { fallback: () => of(0) } : {}))
                  .subscribe({ error: () => {} }),
              );
            } else if (a.kind === 'wait') advanceTo(scheduler, scheduler.now() + a.ms);
            else if (a.kind === 'unsubscribe') subs.shift()?.unsubscribe();
            else if (a.kind === 'isolate') registry.get('circuitBreaker', a.dep)!.isolate();
            else if (registry.get('circuitBreaker', a.dep)!.state === 'isolated')
              registry.get('circuitBreaker', a.dep)!.reset();
            if (a.kind === 'release') continue; // reset() zeroes snapshot counts: compare before it only
            expectConsistent(await scrape(register), registry);
          }
          subs.forEach((s) => s.unsubscribe());
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('unregister()', () => {
    it('removes every metric it registered, and only those', async () => {
      const { registry } = fullRegistry(new VirtualTimeScheduler());
      const register = new Registry();
      const mine = new Counter({ name: 'http_requests_total', help: 'Requests.', registers: [register] });
      mine.inc();
      const metrics = registerResilienceMetrics(registry, { register });
      expect(register.getMetricsAsArray()).toHaveLength(METRICS.length + 1);
      metrics.unregister();
      expect(register.getMetricsAsArray().map((m) => m.name)).toEqual(['http_requests_total']);
      const e = await scrape(register);
      expect(Object.keys(e.types)).toEqual(['http_requests_total']);
      expect(valueOf(e, 'http_requests_total')).toBe(1);
    });

    it('stops the feed from events$', async () => {
      const { registry, breaker } = fullRegistry(new VirtualTimeScheduler());
      let subscribers = 0;
      const counted = {
        list: registry.list.bind(registry),
        snapshot: registry.snapshot.bind(registry),
        events$: new Observable<never>((subscriber) => {
          subscribers++;
          const s = (registry.events$ as Observable<never>).subscribe(subscriber);
          return () => {
            subscribers--;
            s.unsubscribe();
          };
        }),
      } as unknown as ResilienceRegistry;
      const register = new Registry();
      const metrics = registerResilienceMetrics(counted, { register });
      expect(subscribers).toBe(1);
      metrics.unregister();
      expect(subscribers).toBe(0);

      // registered again: what happened in between is not counted
      call(breaker, true);
      registerResilienceMetrics(counted, { register });
      call(breaker, true);
      expect(valueOf(await scrape(register), 'circuit_breaker_calls_total', { name: 'db', outcome: 'success' })).toBe(
        1,
      );
    });

    it('is idempotent, and never removes metrics of the same names registered after it', async () => {
      const { registry } = fullRegistry(new VirtualTimeScheduler());
      const register = new Registry();
      const first = registerResilienceMetrics(registry, { register });
      first.unregister();
      const second = registerResilienceMetrics(registry, { register });
      first.unregister();
      expect(register.getMetricsAsArray()).toHaveLength(METRICS.length);
      second.unregister();
      second.unregister();
      expect(register.getMetricsAsArray()).toHaveLength(0);

      // cleared by someone else, and the name taken by another metric: unregister() leaves it alone
      const third = registerResilienceMetrics(registry, { register });
      register.clear();
      const other = new Counter({ name: 'circuit_breaker_state', help: 'Not ours.', registers: [register] });
      third.unregister();
      expect(register.getSingleMetric('circuit_breaker_state')).toBe(other);
    });
  });

  describe('the prom-client registry', () => {
    it('defaults to prom-client’s default register', async () => {
      const { registry } = fullRegistry(new VirtualTimeScheduler());
      const metrics = registerResilienceMetrics(registry, { prefix: 'default_register_test_' });
      try {
        const e = parseExposition(await defaultRegister.metrics());
        expect(valueOf(e, 'default_register_test_circuit_breaker_state', { name: 'db' })).toBe(0);
      } finally {
        metrics.unregister();
      }
      expect(defaultRegister.getSingleMetric('default_register_test_circuit_breaker_state')).toBeUndefined();
      const again = registerResilienceMetrics(registry);
      expect(defaultRegister.getSingleMetric('circuit_breaker_state')).toBeDefined();
      again.unregister();
    });

    it('registering twice on one prom-client Registry (same prefix) is a ResilienceConfigError, and registers nothing more', async () => {
      const { registry } = fullRegistry(new VirtualTimeScheduler());
      const register = new Registry();
      registerResilienceMetrics(registry, { register });
      const before = await register.metrics();
      expectConfigError(
        () => registerResilienceMetrics(registry, { register }),
        'registerResilienceMetrics: the prom-client Registry already has a metric named "circuit_breaker_state" ' +
          '(metrics registered twice? call unregister() on the first registration, or give another prefix or register)',
      );
      expect(await register.metrics()).toBe(before);
      // another ResilienceRegistry under the same names is refused the same way
      expect(() => registerResilienceMetrics(new ResilienceRegistry(), { register })).toThrow(ResilienceConfigError);
      // with another prefix, or on another Registry, it is fine
      registerResilienceMetrics(new ResilienceRegistry(), { register, prefix: 'other_' });
      expect(register.getMetricsAsArray()).toHaveLength(2 * METRICS.length);
      registerResilienceMetrics(registry, { register: new Registry() });
    });

    it('a metric of one of its names already there (not its own) is refused too, all or nothing', () => {
      const register = new Registry();
      new Counter({ name: 'app_bulkhead_rejected_total', help: 'Someone else’s.', registers: [register] });
      let thrown: unknown;
      try {
        registerResilienceMetrics(new ResilienceRegistry(), { register, prefix: 'app_' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ResilienceConfigError);
      expect((thrown as Error).message).toContain('"app_bulkhead_rejected_total"');
      expect(register.getMetricsAsArray().map((m) => m.name)).toEqual(['app_bulkhead_rejected_total']);
    });
  });

  describe('bad options → ResilienceConfigError', () => {
    const registry = new ResilienceRegistry();
    it.each<[string, () => unknown, string]>([
      [
        'no registry',
        () => registerResilienceMetrics(undefined as never),
        'registerResilienceMetrics: registry must be a ResilienceRegistry, got undefined',
      ],
      [
        'null registry',
        () => registerResilienceMetrics(null as never),
        'registerResilienceMetrics: registry must be a ResilienceRegistry, got null',
      ],
      [
        'a plain object',
        () => registerResilienceMetrics({} as never),
        'registerResilienceMetrics: registry must be a ResilienceRegistry, got an object',
      ],
      [
        'no events$',
        () => registerResilienceMetrics({ list: () => [], snapshot: () => ({}) } as never),
        'registerResilienceMetrics: registry must be a ResilienceRegistry, got an object',
      ],
      [
        'no snapshot()',
        () => registerResilienceMetrics({ list: () => [], events$: NEVER } as never),
        'registerResilienceMetrics: registry must be a ResilienceRegistry, got an object',
      ],
      [
        'options not an object',
        () => registerResilienceMetrics(registry, 5 as never),
        'registerResilienceMetrics: options must be an object, got 5',
      ],
      [
        'an unknown option',
        () => registerResilienceMetrics(registry, { registry: new Registry() } as never),
        'registerResilienceMetrics: registry is not a known option (known: register, prefix)',
      ],
      [
        'a prefix starting with a digit',
        () => registerResilienceMetrics(registry, { prefix: '1app_' }),
        'registerResilienceMetrics: prefix must be a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got "1app_"',
      ],
      [
        'a prefix with a dash',
        () => registerResilienceMetrics(registry, { prefix: 'my-app_' }),
        'registerResilienceMetrics: prefix must be a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got "my-app_"',
      ],
      [
        'a prefix that is not a string',
        () => registerResilienceMetrics(registry, { prefix: 5 as never }),
        'registerResilienceMetrics: prefix must be a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got 5',
      ],
      [
        'register null',
        () => registerResilienceMetrics(registry, { register: null as never }),
        'registerResilienceMetrics: register must be a prom-client Registry, got null',
      ],
      [
        'register not a Registry',
        () => registerResilienceMetrics(registry, { register: {} as never }),
        'registerResilienceMetrics: register must be a prom-client Registry, got an object',
      ],
    ])('%s', (_, fn, message) => {
      expectConfigError(fn, message);
      expect(defaultRegister.getMetricsAsArray()).toEqual([]);
    });
  });
});
