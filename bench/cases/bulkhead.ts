/** bulkheadMap beside RxJS mergeMap with the same concurrency, on bursts of synchronous and promise work. */
import { from, lastValueFrom, mergeMap, of, range } from 'rxjs';
import type { Comparison } from '../harness';
import { lib } from '../lib';

const { bulkheadMap } = lib;
const swallow = () => {};

export function burst(n: number, kind: 'sync' | 'promise', op: 'bulkheadMap' | 'mergeMap'): () => Promise<void> {
  const project = kind === 'sync' ? (x: number) => of(x) : (x: number) => from(Promise.resolve(x));
  const operator = op === 'bulkheadMap' ? bulkheadMap(project, { maxConcurrent: 8 }) : mergeMap(project, 8);
  const stream = range(0, n).pipe(operator);
  return () => lastValueFrom(stream, { defaultValue: 0 }).then(swallow);
}

export function bulkheadComparisons(): Comparison[] {
  return [
    {
      group: 'bulkheadMap',
      subject: { name: '1,000-item burst, synchronous inner', fn: burst(1000, 'sync', 'bulkheadMap') },
      baseline: { name: 'mergeMap(fn, 8)', fn: burst(1000, 'sync', 'mergeMap') },
      target: '≤ 1.2x',
      maxRatio: 1.2,
    },
    {
      group: 'bulkheadMap',
      subject: { name: '1,000-item burst, promise inner', fn: burst(1000, 'promise', 'bulkheadMap') },
      baseline: { name: 'mergeMap(fn, 8)', fn: burst(1000, 'promise', 'mergeMap') },
      target: '≤ 1.2x',
      maxRatio: 1.2,
    },
    {
      group: 'bulkheadMap',
      subject: { name: '100,000-item burst, synchronous inner', fn: burst(100_000, 'sync', 'bulkheadMap') },
      baseline: { name: 'mergeMap(fn, 8)', fn: burst(100_000, 'sync', 'mergeMap') },
      target: 'no quadratic queue',
    },
    {
      group: 'bulkheadMap',
      subject: { name: '100,000-item burst, promise inner', fn: burst(100_000, 'promise', 'bulkheadMap') },
      baseline: { name: 'mergeMap(fn, 8)', fn: burst(100_000, 'promise', 'mergeMap') },
      target: 'no quadratic queue',
    },
  ];
}
