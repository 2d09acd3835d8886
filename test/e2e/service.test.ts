/**
 * The demo's scenario, end to end, with compressed timings: a real upstream, the service and a
 * load generator on 127.0.0.1, real sockets. Asserts on what the scenario observed, never on exact
 * timings: the phases that depend on the breaker wait for its state$, within generous bounds.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../examples/service/scenario';
import type { ScenarioResult } from '../../examples/service/scenario';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Is `wanted` a subsequence of `seen` (in order, gaps allowed)? */
function inOrder<T>(seen: readonly T[], wanted: readonly T[]): boolean {
  let i = 0;
  for (const item of seen) if (item === wanted[i]) i++;
  return i === wanted.length;
}

describe('the demo service under the scripted scenario (real sockets, scale 0.25)', () => {
  let result: ScenarioResult;
  const lines: string[] = [];

  beforeAll(async () => {
    result = await runScenario({ scale: 0.25, reporter: { log: (line) => lines.push(line) } });
  }, 30_000);

  it('runs every phase, in order', () => {
    expect(result.phases.map((p) => p.name)).toEqual(['steady', 'slow', 'down', 'recovery', 'burst', 'drain']);
    expect(result.elapsed).toBeLessThan(30_000);
  });

  it('answers every request exactly once', () => {
    const s = result.summary;
    expect(s.servedFresh + s.servedByFallback).toBe(s.served);
    expect(s.served + s.rejected + s.refusedWhileDraining + s.unavailable + s.lostAtDrain).toBe(s.requests);
  });

  it('loses no request at the drain: readiness goes 503, the requests in flight finish, late ones are refused', () => {
    const { summary } = result;
    expect(summary.inFlightAtDrain).toBeGreaterThanOrEqual(1);
    expect(summary.finishedAfterDrain).toBe(summary.inFlightAtDrain);
    expect(summary.lostAtDrain).toBe(0);
    expect(summary.drain.completed).toBe(true);
    expect(summary.drain.abandoned).toBe(0);
    expect(summary.readinessDuringDrain).toBe(503);
    expect(summary.requestDuringDrain).toBe(503);
    expect(summary.networkErrors).toBe(0);
  });

  it('during the outage the breaker keeps the upstream calls far below the requests, and the fallback answers', () => {
    const { outage, servedByFallback, upstreamCallsSaved } = result.summary;
    expect(outage.requests).toBeGreaterThan(20);
    // Without the breaker each request would make 1 to 3 upstream calls (retries).
    expect(outage.upstreamCalls).toBeLessThan(0.3 * outage.requests);
    expect(upstreamCallsSaved).toBeGreaterThan(0);
    expect(servedByFallback).toBeGreaterThan(0);
    const [slow, down] = [result.phases[1]!, result.phases[2]!];
    expect(slow.counts.timeouts).toBeGreaterThan(0);
    expect(slow.counts.retries).toBeGreaterThan(0);
    expect(down.counts.fromCache).toBeGreaterThan(0);
  });

  it('observes the breaker go closed → open → half-open → closed, each change in its phase', () => {
    const states = result.states.map((s) => s.state);
    expect(states[0]).toBe('closed');
    expect(inOrder(states, ['closed', 'open', 'half-open', 'closed'])).toBe(true);
    const of = (name: string) => result.phases.find((p) => p.name === name)!.states;
    expect(of('slow')).toContain('open'); // the slow phase lasts until the breaker has opened
    expect(of('recovery')).toContain('closed'); // the recovery lasts until it has closed again
    // it closes only from half-open (the probe may have been let through just before the recovery began)
    const closedAgain = result.states.findIndex((s) => s.phase === 'recovery' && s.state === 'closed');
    expect(result.states[closedAgain - 1]!.state).toBe('half-open');
    expect(result.states.at(-1)!.state).toBe('closed');
  });

  it('rejects the excess of a burst at the bulkhead (429), counted', () => {
    const burst = result.phases.find((p) => p.name === 'burst')!;
    expect(burst.counts.rejected).toBeGreaterThan(0);
    expect(result.summary.rejected).toBe(result.endpoints!.resilience.bulkheads['pricing']!.rejected);
  });

  it('serves /metrics and /health/resilience, parseable and consistent with each other', () => {
    const { metrics, resilience } = result.endpoints!;
    const samples = parsePrometheus(metrics);
    const value = (name: string, labels: Record<string, string>) => {
      const found = samples.filter(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      );
      expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
      return found[0]!.value;
    };
    const breaker = resilience.circuitBreakers['pricing']!;
    const stateValue = { closed: 0, 'half-open': 1, open: 2, isolated: 3 }[breaker.state];
    expect(value('circuit_breaker_state', { name: 'pricing' })).toBe(stateValue);
    expect(value('circuit_breaker_calls_total', { name: 'pricing', outcome: 'success' })).toBe(breaker.successCount);
    expect(value('circuit_breaker_calls_total', { name: 'pricing', outcome: 'failure' })).toBe(breaker.failureCount);
    expect(value('circuit_breaker_calls_total', { name: 'pricing', outcome: 'rejected' })).toBe(breaker.rejectedCount);
    expect(value('retry_attempts_total', { operation: 'pricing' })).toBe(resilience.counters.retries['pricing']);
    expect(value('timeout_errors_total', { operation: 'pricing' })).toBe(resilience.counters.timeouts['pricing']);
    expect(value('fallback_invocations_total', { operation: 'pricing' })).toBe(
      resilience.counters.fallbacks['pricing'],
    );
    const bulkhead = resilience.bulkheads['pricing']!;
    expect(value('bulkhead_rejected_total', { name: 'pricing' })).toBe(bulkhead.rejected);
    expect(value('bulkhead_active', { name: 'pricing' })).toBe(bulkhead.active);
    expect(value('bulkhead_queued', { name: 'pricing' })).toBe(bulkhead.queued);
    const healthValue = { healthy: 0, degraded: 1, unhealthy: 2 }[resilience.healthTrackers['pricing']!.status];
    expect(value('dependency_health_status', { name: 'pricing' })).toBe(healthValue);
    expect(value('drainer_in_flight', { name: 'http' })).toBe(resilience.drainers['http']!.inFlight);
    expect(resilience.ready).toBe(true); // fetched before the drain
    // and both agree with what the service counted
    expect(resilience.counters.fallbacks['pricing']).toBeGreaterThanOrEqual(result.phases[1]!.counts.fromCache);
    expect(breaker.rejectedCount).toBe(result.summary.upstreamCallsSaved);
  });

  it('tells its story: the timeline names each phase and each breaker change', () => {
    const text = lines.join('\n');
    for (const phase of ['steady', 'slow', 'down', 'recovery', 'burst', 'drain']) expect(text).toContain(`/6 ${phase}`);
    expect(text).toContain('closed → open');
    expect(text).toContain('half-open → closed');
  });
});

describe('npm run demo, as a process', () => {
  it('a real SIGTERM mid-scenario drains the service, prints the summary, and the process exits 0 by itself', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts', '--scale=0.25'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // Event-driven: SIGTERM as soon as the outage phase has begun.
    const outage = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('3/6 down')) resolve();
      });
    });
    await Promise.race([outage, exited]);
    child.kill('SIGTERM');
    expect(await exited, `stdout: ${stdout}\nstderr: ${stderr}`).toBe(0);
    expect(stdout).toContain('SIGTERM received: draining');
    expect(stdout).toMatch(/in-flight requests lost at the drain\s+0\n/);
    expect(stdout).toContain('No request lost.');
    expect(stdout).not.toContain('4/6 recovery');
  }, 30_000);
});
