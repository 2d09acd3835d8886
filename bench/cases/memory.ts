/**
 * Memory: the heap of one CircuitBreaker, heap growth of every stateful object over 1,000,000
 * calls, and whether a dropped, undisposed object is collected. Needs `node --expose-gc`.
 */
import { circuitBreaker as cockatielBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import { defer, of, throwError } from 'rxjs';
import type { Figure } from '../harness';
import { lib } from '../lib';

const {
  CircuitBreaker,
  circuitBreaker,
  consecutiveFailures,
  Bulkhead,
  bulkhead,
  RetryBudget,
  Drainer,
  drainUntilComplete,
  HealthTracker,
  trackHealth,
} = lib;
const sink = { next: () => {}, error: () => {}, complete: () => {} };

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) g();
}

function heap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Bytes per instance: make `n`, keep them, divide the heap growth. */
function perInstance(make: () => unknown, n = 10_000): number {
  const keep: unknown[] = new Array(n);
  const before = heap();
  for (let i = 0; i < n; i++) keep[i] = make();
  const after = heap();
  if (keep.length !== n) throw new Error('unreachable');
  return (after - before) / n;
}

/** Heap growth over `calls` calls, after a warm-up of the same calls. */
function growth(call: (i: number) => void, calls: number): number {
  for (let i = 0; i < 20_000; i++) call(i);
  const before = heap();
  for (let i = 0; i < calls; i++) call(i);
  return heap() - before;
}

async function collectable(make: () => { use(): void }): Promise<boolean> {
  let collected = false;
  const registry = new FinalizationRegistry(() => (collected = true));
  (() => {
    const o = make();
    o.use();
    registry.register(o, 'x');
  })();
  for (let i = 0; i < 20 && !collected; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  return collected;
}

export async function memoryFigures(quick: boolean): Promise<Figure[]> {
  const calls = quick ? 100_000 : 1_000_000;
  const figures: Figure[] = [];
  const kb = (bytes: number) => bytes / 1024;

  const ours = perInstance(() => new CircuitBreaker({ trip: consecutiveFailures(5) }));
  const cockatiel = perInstance(() =>
    cockatielBreaker(handleAll, { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(5) }),
  );
  const opossum = perInstance(() => new Opossum(() => Promise.resolve(1), { timeout: false }), 2000);
  figures.push(
    {
      group: 'memory',
      label: 'CircuitBreaker (consecutiveFailures), per instance',
      value: kb(ours),
      unit: 'KB',
      target: '≤ 1 KB',
      ok: ours <= 1024,
    },
    { group: 'memory', label: 'cockatiel breaker, per instance', value: kb(cockatiel), unit: 'KB' },
    { group: 'memory', label: 'opossum breaker, per instance', value: kb(opossum), unit: 'KB' },
  );

  const flat = (label: string, bytes: number) =>
    figures.push({
      group: 'memory',
      label: `${label}: heap growth over ${calls.toLocaleString('en')} calls`,
      value: kb(bytes),
      unit: 'KB',
      target: '≤ 64 KB',
      ok: bytes <= 64 * 1024,
    });

  const boom = throwError(() => new Error('x'));
  const ok = defer(() => of(1));
  const breaker = new CircuitBreaker({ trip: consecutiveFailures(1_000_000_000) });
  const viaBreakerOk = ok.pipe(circuitBreaker(breaker));
  const viaBreakerFail = boom.pipe(circuitBreaker(breaker));
  flat(
    'CircuitBreaker',
    growth((i) => (i % 3 ? viaBreakerOk : viaBreakerFail).subscribe(sink), calls),
  );

  const rate = new CircuitBreaker({ trip: lib.failureRate({ threshold: 1, window: { duration: 1000, buckets: 10 } }) });
  const viaRate = ok.pipe(circuitBreaker(rate));
  flat(
    'CircuitBreaker (failureRate, time window)',
    growth(() => viaRate.subscribe(sink), calls),
  );

  const pool = new Bulkhead({ maxConcurrent: 4, maxQueue: 10 });
  const viaPool = ok.pipe(bulkhead(pool));
  flat(
    'Bulkhead',
    growth(() => viaPool.subscribe(sink), calls),
  );

  const budget = new RetryBudget({ maxRetries: 1_000_000_000 });
  flat(
    'RetryBudget',
    growth(() => {
      budget.recordCall();
      budget.tryAcquire();
    }, calls),
  );

  const drainer = new Drainer();
  const viaDrainer = ok.pipe(drainUntilComplete(drainer));
  flat(
    'Drainer',
    growth(() => viaDrainer.subscribe(sink), calls),
  );

  const tracker = new HealthTracker();
  const viaTracker = ok.pipe(trackHealth(tracker));
  flat(
    'HealthTracker',
    growth(() => viaTracker.subscribe(sink), calls),
  );

  for (const [label, make] of [
    [
      'CircuitBreaker',
      () => {
        const b = new CircuitBreaker({ resetTimeout: 60_000 });
        return { use: () => b.isolate() };
      },
    ],
    [
      'Bulkhead',
      () => {
        const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 60_000 });
        return { use: () => ok.pipe(bulkhead(b)).subscribe(sink) };
      },
    ],
    [
      'HealthTracker',
      () => {
        const t = new HealthTracker();
        return { use: () => t.recordSuccess(5) };
      },
    ],
    [
      'RetryBudget',
      () => {
        const b = new RetryBudget();
        return { use: () => void b.tryAcquire() };
      },
    ],
    [
      'Drainer',
      () => {
        const d = new Drainer();
        return { use: () => void d.snapshot() };
      },
    ],
  ] as const) {
    const done = await collectable(make);
    figures.push({
      group: 'memory',
      label: `${label}: dropped without dispose() is collected`,
      value: done ? 1 : 0,
      unit: done ? '(yes)' : '(no)',
      target: 'yes',
      ok: done,
    });
  }
  breaker.dispose();
  rate.dispose();
  pool.dispose();
  budget.dispose();
  drainer.dispose();
  tracker.dispose();
  return figures;
}
