/**
 * The circuit breaker beside cockatiel's and opossum's on the same work: the closed path (a
 * synchronous source, and promise-returning work) and the rejection by an open breaker.
 */
import { circuitBreaker as cockatielBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import { defer, lastValueFrom, map, of } from 'rxjs';
import type { Comparison } from '../harness';
import { lib } from '../lib';

const { CircuitBreaker, circuitBreaker, consecutiveFailures } = lib;
const sink = { next: () => {}, error: () => {}, complete: () => {} };
const BATCH = 1000;

export function breakerComparisons(): Comparison[] {
  const ours = new CircuitBreaker({ name: 'bench', trip: consecutiveFailures(5) });
  const source = defer(() => of(1));
  const guarded = source.pipe(circuitBreaker(ours));

  // Promise-returning work: the same for every library.
  const work = () => Promise.resolve(1);
  const oursAsync = defer(work).pipe(circuitBreaker(ours));
  const bareAsync = defer(work);
  const cockatiel = cockatielBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(5) });
  const opossum = new Opossum(work, { timeout: false, resetTimeout: 60_000 });

  // Open breakers: every call is rejected.
  const openOurs = new CircuitBreaker({ name: 'open', resetTimeout: 60_000 });
  openOurs.isolate();
  const rejected = source.pipe(circuitBreaker(openOurs));
  const openCockatiel = cockatielBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(5) });
  openCockatiel.isolate();
  const openOpossum = new Opossum(work, { timeout: false, resetTimeout: 60_000 });
  openOpossum.open();
  const swallow = () => {};

  // The floor of any operator that puts a subscriber between source and destination in RxJS 7.
  const mapped = source.pipe(map((x) => x));

  return [
    {
      group: 'circuitBreaker',
      subject: { name: 'RxJS map(x => x), for reference', fn: () => void mapped.subscribe(sink), batch: BATCH },
      baseline: { name: 'defer(() => of(x))', fn: () => void source.subscribe(sink), batch: BATCH },
      target: 'reference: one RxJS operator',
    },
    {
      group: 'circuitBreaker',
      subject: { name: 'closed, synchronous source', fn: () => void guarded.subscribe(sink), batch: BATCH },
      baseline: { name: 'defer(() => of(x))', fn: () => void source.subscribe(sink), batch: BATCH },
      target: '≤ 1.6x',
      maxRatio: 1.6,
    },
    {
      group: 'circuitBreaker',
      subject: { name: 'closed, promise work (rxjs-resilience)', fn: () => lastValueFrom(oursAsync).then(swallow) },
      baseline: { name: 'lastValueFrom(from(promise))', fn: () => lastValueFrom(bareAsync).then(swallow) },
      target: 'added cost ≤ ½ of cockatiel’s (see figures)',
    },
    {
      group: 'circuitBreaker',
      subject: { name: 'closed, promise work (cockatiel)', fn: () => cockatiel.execute(work).then(swallow) },
      baseline: { name: 'the promise alone', fn: () => work().then(swallow) },
      target: 'peer',
    },
    {
      group: 'circuitBreaker',
      subject: { name: 'closed, promise work (opossum, timeout off)', fn: () => opossum.fire().then(swallow) },
      baseline: { name: 'the promise alone', fn: () => work().then(swallow) },
      target: 'peer',
    },
    {
      group: 'circuitBreaker',
      subject: { name: 'open: rejection (rxjs-resilience)', fn: () => void rejected.subscribe(sink), batch: BATCH },
      baseline: { name: 'open: rejection (cockatiel)', fn: () => openCockatiel.execute(work).then(swallow, swallow) },
      target: '≤ 1 µs and ≥ 4x faster (ratio ≤ 0.25)',
      maxRatio: 0.25,
    },
    {
      group: 'circuitBreaker',
      subject: { name: 'open: rejection (rxjs-resilience)', fn: () => void rejected.subscribe(sink), batch: BATCH },
      baseline: { name: 'open: rejection (opossum)', fn: () => openOpossum.fire().then(swallow, swallow) },
      target: '≥ 4x faster (ratio ≤ 0.25)',
      maxRatio: 0.25,
    },
  ];
}
