/**
 * The scripted scenario, shared by `npm run demo` and the end-to-end test: a real upstream, the
 * service in front of it and a load generator, all on 127.0.0.1, through six phases:
 *
 *   1 steady    healthy upstream, steady traffic
 *   2 slow      the upstream answers after 3 × the timeout: attempts time out, retries, the
 *               breaker opens, the fallback answers from cache
 *   3 down      the upstream answers 503: the breaker stays open, its probes fail
 *   4 recovery  the upstream is healthy again: half-open probe → closed
 *   5 burst     a burst of requests beyond the bulkhead: the excess is rejected (429)
 *   6 drain     SIGTERM: readiness 503, new requests refused, the requests in flight finish
 *
 * Every duration is multiplied by `scale` (1 = the demo, about 22 s; the e2e test uses 0.25). Phases
 * that wait for the breaker (slow: until it opened; recovery: until it closed) wait for its
 * `state$`, within generous bounds, rather than trusting the clock.
 */
import { filter, firstValueFrom, map, merge, of, race, Subject, take, timer } from 'rxjs';
import type { Observable } from 'rxjs';
import type { CircuitState, DrainResult, RegistrySnapshot } from 'rxjs-resilience';
import { createService } from './app';
import type { Service, ServiceTimings } from './app';
import { createLoadGen } from './loadgen';
import type { LoadGen } from './loadgen';
import { startUpstream } from './upstream';
import type { Upstream, UpstreamMode } from './upstream';

/** Where the scenario tells its story. */
export interface Reporter {
  /** One line of the timeline. */
  log(line: string): void;
  /** The progress line, several times a second (optional). */
  status?(line: string): void;
}

export interface ScenarioOptions {
  /** Multiplies every duration. Default 1 (the demo). */
  scale?: number;
  reporter?: Reporter;
  /**
   * Called once everything runs, with `shutdown`: what a SIGTERM handler calls (the scenario's
   * drain phase calls the same function). If it is called earlier, the scenario skips to the drain.
   */
  onStart?: (run: { service: Service; upstream: Upstream; shutdown: () => Promise<DrainResult> }) => void;
}

/** What changed during one phase (counted at the service and the upstream). */
export interface PhaseCounts {
  /** Requests that reached /price/:sku. */
  requests: number;
  fresh: number;
  fromCache: number;
  rejected: number;
  refusedDraining: number;
  unavailable: number;
  /** Requests the upstream received. */
  upstreamCalls: number;
  retries: number;
  timeouts: number;
  fallbacks: number;
  /** Calls the breaker turned away: upstream calls saved. */
  breakerRejected: number;
  /** Retries the retry budget refused. */
  budgetRefused: number;
}

export interface PhaseReport {
  name: string;
  title: string;
  duration: number;
  counts: PhaseCounts;
  /** The breaker states entered during the phase, in order. */
  states: CircuitState[];
}

export interface ScenarioSummary {
  requests: number;
  served: number;
  servedFresh: number;
  servedByFallback: number;
  /** 429: the bulkhead was full. */
  rejected: number;
  refusedWhileDraining: number;
  unavailable: number;
  /** Requests of the load generator that got no HTTP answer at all. */
  networkErrors: number;
  upstreamCalls: number;
  /** Calls the open (or half-open) breaker turned away, each one upstream call not made. */
  upstreamCallsSaved: number;
  retries: number;
  retriesRefusedByBudget: number;
  timeouts: number;
  fallbacks: number;
  /** The slow and down phases together. */
  outage: { requests: number; upstreamCalls: number };
  inFlightAtDrain: number;
  finishedAfterDrain: number;
  lostAtDrain: number;
  /** The status of GET /health/ready just after the drain started. */
  readinessDuringDrain: number | 'error';
  /** The status of a request sent while draining. */
  requestDuringDrain: number | 'error' | undefined;
  drain: DrainResult;
}

export interface ScenarioResult {
  phases: PhaseReport[];
  /** Every breaker state from `state$`, with the time (ms since the start) and the phase. */
  states: Array<{ at: number; state: CircuitState; phase: string }>;
  summary: ScenarioSummary;
  /**
   * GET /metrics and GET /health/resilience, fetched back to back while no request was in flight,
   * after the burst (undefined when a SIGTERM cut the scenario short).
   */
  endpoints: { metrics: string; resilience: RegistrySnapshot } | undefined;
  /** ms, start to end. */
  elapsed: number;
}

/** The scenario's durations at a scale (with floors, so small scales stay meaningful). */
export function scenarioTimings(scale = 1) {
  const s = (ms: number, floor = 1) => Math.max(floor, Math.round(ms * scale));
  const timeout = s(500, 300);
  const service: ServiceTimings = {
    timeout,
    retryInitialDelay: s(100, 10),
    retryMaxDelay: s(400, 40),
    resetTimeout: s(2000, 400),
    queueTimeout: s(1000, 250),
    budgetWindow: s(10_000, 2000),
    drainTimeout: s(5000, 3000),
    shutdownGrace: s(500, 500),
  };
  return {
    service,
    /** Steady traffic: one request every `interval` ms (20 a second at scale 1). */
    interval: s(50, 5),
    latency: { min: s(20), max: s(60) },
    slowLatency: timeout * 3,
    burstLatency: s(300, 100),
    /** Long enough for requests to be in flight when the drain starts, short of the timeout. */
    drainLatency: Math.round(timeout * 0.6),
    burstSize: 60,
    phase: { steady: s(5000), slow: s(4000), down: s(5000), recovery: s(4000), burst: s(2000) },
    /** The bound on waiting for the breaker: far more than it should ever take. */
    breakerWait: s(20_000, 10_000),
  };
}

const ZERO: PhaseCounts = {
  requests: 0,
  fresh: 0,
  fromCache: 0,
  rejected: 0,
  refusedDraining: 0,
  unavailable: 0,
  upstreamCalls: 0,
  retries: 0,
  timeouts: 0,
  fallbacks: 0,
  breakerRejected: 0,
  budgetRefused: 0,
};

function diff(after: PhaseCounts, before: PhaseCounts): PhaseCounts {
  const out = { ...ZERO };
  for (const key of Object.keys(ZERO) as Array<keyof PhaseCounts>) out[key] = after[key] - before[key];
  return out;
}

const STATE_NOTES: Record<CircuitState, string> = {
  open: 'calls fail fast; the fallback answers from cache',
  'half-open': 'the next request is a probe',
  closed: 'traffic reaches the upstream again',
  isolated: 'held open by hand',
};

export async function runScenario(options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const { scale = 1, reporter = { log: () => {} } } = options;
  const t = scenarioTimings(scale);
  const began = Date.now();
  const elapsed = () => Date.now() - began;
  const stamp = () => `[${(elapsed() / 1000).toFixed(1).padStart(5)} s]`;
  const log = (line: string) => reporter.log(`${stamp()} ${line}`);

  const upstream = await startUpstream({ kind: 'ok', latency: t.latency });
  const service = await createService({ upstreamUrl: upstream.url, timings: t.service });
  const { registry, drainer, budget } = service;
  const breaker = service.pricing.circuitBreaker!;
  const shutdown = () => service.close();

  let phaseName = 'start';
  let phaseIndex = 0;
  const loadgen: LoadGen = createLoadGen({
    baseUrl: service.url,
    interval: t.interval,
    phase: () => phaseName,
    maxRequests: 5000,
    maxDuration: 120_000,
  });

  // The timeline: every state the breaker enters, from its state$.
  const states: ScenarioResult['states'] = [];
  const stateChanged = new Subject<void>();
  let previous: CircuitState | undefined;
  const stateSubscription = breaker.state$.subscribe((state) => {
    states.push({ at: elapsed(), state, phase: phaseName });
    if (previous !== undefined) log(`  breaker "pricing": ${previous} → ${state}: ${STATE_NOTES[state]}`);
    previous = state;
    stateChanged.next();
  });

  /** Resolves after `ms`, or as soon as the service starts draining (a SIGTERM cuts it short). */
  const sleep = (ms: number): Promise<void> =>
    firstValueFrom(race(timer(ms), drainer.draining$ as Observable<unknown>), { defaultValue: undefined }).then(
      () => undefined,
    );
  /** Resolves once `condition()` holds (checked on each breaker change), or after `max` ms. */
  const breakerUntil = (condition: () => boolean, max: number) =>
    firstValueFrom(
      race(
        merge(of(0), stateChanged, drainer.draining$).pipe(
          filter(() => condition() || drainer.draining),
          take(1),
          map(() => true),
        ),
        timer(max).pipe(map(() => false)),
      ),
    );
  const enteredDuringPhase = (state: CircuitState) => states.some((s) => s.phase === phaseName && s.state === state);

  const counts = (): PhaseCounts => {
    const snapshot = registry.snapshot();
    const s = service.stats;
    return {
      requests: s.requests,
      fresh: s.fresh,
      fromCache: s.fromCache,
      rejected: s.rejected,
      refusedDraining: s.refusedDraining,
      unavailable: s.unavailable,
      upstreamCalls: upstream.stats.requests,
      retries: snapshot.counters.retries['pricing'] ?? 0,
      timeouts: snapshot.counters.timeouts['pricing'] ?? 0,
      fallbacks: snapshot.counters.fallbacks['pricing'] ?? 0,
      breakerRejected: snapshot.circuitBreakers['pricing']!.rejectedCount,
      budgetRefused: budget.snapshot().rejected,
    };
  };

  // The progress line (short enough for an 80-column terminal).
  const progress = setInterval(() => {
    const bulkhead = service.pricing.bulkhead.snapshot();
    reporter.status?.(
      `${stamp()} ${phaseIndex}/6 ${phaseName} │ ${service.stats.requests} req │ breaker ${breaker.state} │ ` +
        `bulkhead ${bulkhead.active}+${bulkhead.queued} │ upstream ${upstream.stats.requests}`,
    );
  }, 200);

  try {
    const phases: PhaseReport[] = [];
    const runPhase = async (name: string, title: string, mode: UpstreamMode, body: () => Promise<void>) => {
      if (drainer.draining) return;
      phaseName = name;
      phaseIndex++;
      const before = counts();
      const startedAt = elapsed();
      upstream.setMode(mode);
      log(`── ${phaseIndex}/6 ${name}: ${title}`);
      await body();
      const c = diff(counts(), before);
      const report: PhaseReport = {
        name,
        title,
        duration: elapsed() - startedAt,
        counts: c,
        states: states.filter((s) => s.phase === name).map((s) => s.state),
      };
      phases.push(report);
      log(
        `   ${c.requests} requests: ${c.fresh} fresh, ${c.fromCache} from cache, ${c.rejected} rejected (429)` +
          `${c.refusedDraining ? `, ${c.refusedDraining} refused (draining)` : ''}` +
          `${c.unavailable ? `, ${c.unavailable} unavailable` : ''} │ upstream calls ${c.upstreamCalls}, ` +
          `saved by the breaker ${c.breakerRejected} │ retries ${c.retries}, timeouts ${c.timeouts}`,
      );
    };

    log(`upstream on ${upstream.url}, service on ${service.url}`);
    log(
      `policy: timeout ${t.service.timeout} ms per attempt, 2 retries (full jitter; budget 5 + 5% of calls), breaker opens after ` +
        `5 consecutive failures and probes after ${t.service.resetTimeout} ms, bulkhead 10 + 10 queued`,
    );
    options.onStart?.({ service, upstream, shutdown });
    // Warm-up: one request per SKU, one at a time, so every SKU has a last good price to fall back on.
    for (let i = 0; i < loadgen.skus.length; i++) await loadgen.send();
    log(`warm-up: ${loadgen.skus.length} requests, one per SKU: the fallback has a price for each`);
    loadgen.start();

    await runPhase('steady', 'healthy upstream, steady traffic', { kind: 'ok', latency: t.latency }, () =>
      sleep(t.phase.steady),
    );
    await runPhase(
      'slow',
      `the upstream slows down to ${t.slowLatency} ms, past the ${t.service.timeout} ms timeout`,
      { kind: 'ok', latency: t.slowLatency },
      async () => {
        await Promise.all([sleep(t.phase.slow), breakerUntil(() => enteredDuringPhase('open'), t.breakerWait)]);
      },
    );
    await runPhase(
      'down',
      'the upstream fails: every call answers 503',
      { kind: 'fail', status: 503, latency: 5 },
      () => sleep(t.phase.down),
    );
    await runPhase('recovery', 'the upstream is healthy again', { kind: 'ok', latency: t.latency }, async () => {
      await Promise.all([sleep(t.phase.recovery), breakerUntil(() => enteredDuringPhase('closed'), t.breakerWait)]);
    });
    await runPhase(
      'burst',
      `a burst of ${t.burstSize} requests at once, beyond the bulkhead (10 running + 10 queued)`,
      { kind: 'ok', latency: t.burstLatency },
      async () => {
        const answers = await loadgen.burst(t.burstSize);
        const by = (status: number) => answers.filter((r) => r.status === status).length;
        log(`   the burst: ${by(200)} answered 200, ${by(429)} rejected 429 by the bulkhead`);
        await sleep(t.phase.burst);
      },
    );

    // A checkpoint with no request in flight: what a dashboard would scrape.
    let endpoints: ScenarioResult['endpoints'];
    if (!drainer.draining) {
      loadgen.pause();
      await loadgen.idle();
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      const resilience = (await (await fetch(`${service.url}/health/resilience`)).json()) as RegistrySnapshot;
      endpoints = { metrics, resilience };
      const tracker = resilience.healthTrackers['pricing']!;
      log(
        `GET /health/resilience → status ${resilience.status}, breaker ${resilience.circuitBreakers['pricing']!.state}, ` +
          `health ${tracker.status} (success rate ${Math.round(tracker.successRate * 100)}% over its window), ` +
          `retries ${resilience.counters.retries['pricing'] ?? 0}, fallbacks ${resilience.counters.fallbacks['pricing'] ?? 0}`,
      );
      log(
        `GET /metrics → ${metrics
          .split('\n')
          .filter((line) => /^(circuit_breaker_state|circuit_breaker_calls_total|bulkhead_rejected_total)\{/.test(line))
          .join(', ')}`,
      );
    }

    // 6: drain, through the very function a SIGTERM handler calls.
    let readinessDuringDrain: number | 'error' = 'error';
    let requestDuringDrain: number | 'error' | undefined;
    let result: DrainResult;
    if (!drainer.draining) {
      phaseName = 'drain';
      phaseIndex++;
      const before = counts();
      const startedAt = elapsed();
      upstream.setMode({ kind: 'ok', latency: t.drainLatency });
      log(`── 6/6 drain: SIGTERM while requests are in flight (the upstream takes ${t.drainLatency} ms)`);
      loadgen.start();
      await firstValueFrom(
        race(drainer.state$.pipe(filter((s) => s.inFlight >= 3)), timer(t.breakerWait)) as Observable<unknown>,
      );
      const closing = shutdown();
      log(`   SIGTERM → drain() with ${service.stats.inFlightAtDrain} requests in flight`);
      readinessDuringDrain = await fetch(`${service.url}/health/ready`).then(
        (res) => res.status,
        () => 'error' as const,
      );
      log(`   GET /health/ready → ${readinessDuringDrain}; the load balancer stops sending`);
      loadgen.pause();
      requestDuringDrain = await loadgen.send().then(
        (record) => record.status,
        () => undefined,
      );
      log(`   a request that still arrives → ${requestDuringDrain}`);
      result = await closing;
      await loadgen.stop();
      log(
        `   drained in ${result.duration} ms: ${service.stats.finishedAfterDrain} of ${service.stats.inFlightAtDrain} in-flight requests ` +
          `finished, ${result.abandoned} abandoned; the listener is closed`,
      );
      phases.push({
        name: 'drain',
        title: 'SIGTERM: drain',
        duration: elapsed() - startedAt,
        counts: diff(counts(), before),
        states: states.filter((s) => s.phase === 'drain').map((s) => s.state),
      });
    } else {
      // Someone sent SIGTERM mid-scenario: the drain is already under way.
      log('── drain: SIGTERM received, skipping the rest of the scenario');
      loadgen.pause();
      result = await shutdown();
      await loadgen.stop();
    }

    const s = service.stats;
    const total = counts();
    const outagePhases = phases.filter((p) => p.name === 'slow' || p.name === 'down');
    const summary: ScenarioSummary = {
      requests: s.requests,
      served: s.fresh + s.fromCache,
      servedFresh: s.fresh,
      servedByFallback: s.fromCache,
      rejected: s.rejected,
      refusedWhileDraining: s.refusedDraining,
      unavailable: s.unavailable,
      networkErrors: loadgen.records.filter((r) => r.status === 'error').length,
      upstreamCalls: upstream.stats.requests,
      upstreamCallsSaved: total.breakerRejected,
      retries: total.retries,
      retriesRefusedByBudget: total.budgetRefused,
      timeouts: total.timeouts,
      fallbacks: total.fallbacks,
      outage: {
        requests: outagePhases.reduce((sum, p) => sum + p.counts.requests, 0),
        upstreamCalls: outagePhases.reduce((sum, p) => sum + p.counts.upstreamCalls, 0),
      },
      inFlightAtDrain: s.inFlightAtDrain,
      finishedAfterDrain: s.finishedAfterDrain,
      lostAtDrain: s.lostAtDrain + result.abandoned,
      readinessDuringDrain,
      requestDuringDrain,
      drain: result,
    };
    return { phases, states, summary, endpoints, elapsed: elapsed() };
  } finally {
    // Also when something above threw: nothing may be left running.
    clearInterval(progress);
    stateSubscription.unsubscribe();
    await loadgen.stop();
    await service.close();
    await upstream.close();
  }
}

/** The phase table and the summary table, as lines of text. */
export function formatReport({ phases, summary, elapsed }: ScenarioResult): string[] {
  const table = (rows: string[][], align: Array<'l' | 'r'>) => {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) =>
      r.map((cell, i) => (align[i] === 'l' ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    return [line(rows[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  };
  const phaseRows = [
    ['phase', 'requests', 'fresh', 'cache', '429', '503', 'upstream calls', 'saved', 'retries', 'timeouts', 'breaker'],
    ...phases.map((p) => [
      p.name,
      ...[
        p.counts.requests,
        p.counts.fresh,
        p.counts.fromCache,
        p.counts.rejected,
        p.counts.refusedDraining + p.counts.unavailable,
        p.counts.upstreamCalls,
        p.counts.breakerRejected,
        p.counts.retries,
        p.counts.timeouts,
      ].map(String),
      p.states.join(' → ') || '—',
    ]),
  ];
  const pct = (n: number, of: number) => (of === 0 ? '—' : `${Math.round((n / of) * 100)}%`);
  const s = summary;
  const summaryRows = [
    ['summary', ''],
    ['requests to GET /price/:sku', String(s.requests)],
    ['  served', String(s.served)],
    ['    fresh from the upstream', String(s.servedFresh)],
    ['    by the fallback (last good price)', String(s.servedByFallback)],
    ['  rejected by the bulkhead (429)', String(s.rejected)],
    ['  refused while draining (503)', String(s.refusedWhileDraining)],
    ['  unavailable (503, nothing cached)', String(s.unavailable)],
    ['  no answer at all (network error)', String(s.networkErrors)],
    ['upstream calls made', String(s.upstreamCalls)],
    ['upstream calls saved by the open breaker', String(s.upstreamCallsSaved)],
    [
      'outage: upstream calls per request',
      `${s.outage.upstreamCalls} / ${s.outage.requests} = ${pct(s.outage.upstreamCalls, s.outage.requests)}`,
    ],
    ['retries made / refused by the retry budget', `${s.retries} / ${s.retriesRefusedByBudget}`],
    ['attempts timed out', String(s.timeouts)],
    ['in flight at the drain / finished', `${s.inFlightAtDrain} / ${s.finishedAfterDrain}`],
    ['in-flight requests lost at the drain', String(s.lostAtDrain)],
    ['elapsed', `${(elapsed / 1000).toFixed(1)} s`],
  ];
  return [
    ...table(phaseRows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']),
    '',
    ...table(summaryRows, ['l', 'r']),
  ];
}
