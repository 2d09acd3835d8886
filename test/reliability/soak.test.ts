import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A million calls through a full resilient(...) policy (timeout, retry with a budget, breaker,
 * bulkhead, health tracker, drainer, fallback) with injected faults and latency, in virtual time,
 * in a child process started with --expose-gc so the heap can be measured honestly.
 */
const CALLS = 1_000_000;

describe('soak: 1,000,000 calls through resilient(...) with injectFaults', () => {
  it('keeps every count consistent and the heap flat', { timeout: 600_000 }, () => {
    const fixture = fileURLToPath(new URL('./fixtures/soak.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fixture, String(CALLS)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!);

    // Every call ended exactly once: with the source's value or the fallback's (never an error).
    expect(r.outcome.ok + r.outcome.fallback + r.outcome.error).toBe(CALLS);
    expect(r.outcome.error).toBe(0);
    expect(r.fallbacks).toBe(r.outcome.fallback);
    // Both phases happened: calls were served, and faults were survived.
    expect(r.outcome.ok).toBeGreaterThan(CALLS / 4);
    expect(r.outcome.fallback).toBeGreaterThan(CALLS / 100);
    expect(r.retries).toBeGreaterThan(0);
    expect(r.breaker.rejectedCount).toBeGreaterThan(0);

    // Every attempt (each call plus each retry) was rejected by the breaker, rejected by the
    // bulkhead, or admitted by the bulkhead — and every admitted one was released exactly once.
    const attempts = CALLS + r.retries;
    expect(r.breaker.rejectedCount + r.bulkheadEvents.rejected + r.bulkheadEvents.acquired).toBe(attempts);
    expect(r.bulkheadEvents.released).toBe(r.bulkheadEvents.acquired);
    expect(r.bulkheadEvents.rejected).toBe(r.bulkhead.rejected);
    expect(r.bulkhead).toMatchObject({ active: 0, queued: 0 });
    // Values only come from admitted attempts that reached the source.
    expect(r.sourceSubscriptions).toBe(r.outcome.ok);
    expect(r.sourceSubscriptions).toBeLessThanOrEqual(r.bulkheadEvents.acquired);

    // The breaker's own books balance; the drainer has nothing left in flight.
    expect(r.breaker.totalCalls).toBe(r.breaker.successCount + r.breaker.failureCount);
    expect(r.drainer.inFlight).toBe(0);

    // Flat heap: well under a byte per call between the first tenth and the end.
    expect(r.heapGrowth).toBeLessThan(1024 * 1024);
  });
});
