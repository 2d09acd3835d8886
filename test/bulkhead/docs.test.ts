// The examples of README bulkhead sections, run as tests: if one of these breaks, the docs are wrong.
import { defer, distinctUntilChanged, map, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Bulkhead } from '../../src/bulkhead/index';
import { BulkheadRejectedError } from '../../src/errors/BulkheadRejectedError';
import { bulkhead } from '../../src/operators/bulkhead';
import { fallback } from '../../src/operators/fallback';
import { createScheduler } from '../helpers/scheduler';

describe('README bulkhead sections', () => {
  it('Testing code that uses a bulkhead', () => {
    const scheduler = createScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const pool = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 4 });
      expectObservable(cold('------a|').pipe(bulkhead(pool))).toBe('------a|');
      expectObservable(cold('b|').pipe(bulkhead(pool))).toBe(
        '----#',
        undefined,
        new BulkheadRejectedError('bulkhead', 'queue-timeout'),
      );
      expectObservable(
        pool.state$.pipe(
          map((s) => String(s.queued)),
          distinctUntilChanged(),
        ),
        '--------!',
      ).toBe('1---0');
    });
  });

  it('snapshot() as JSON', () => {
    const db = new Bulkhead({ name: 'db', maxConcurrent: 10, maxQueue: 50 });
    expect(JSON.stringify(db.snapshot())).toBe(
      '{"name":"db","active":0,"queued":0,"maxConcurrent":10,"maxQueue":50,"utilization":0,"rejected":0}',
    );
    expect(JSON.parse(JSON.stringify(new Bulkhead({ maxConcurrent: 1, maxQueue: Infinity }).snapshot())).maxQueue).toBe(
      null,
    );
  });

  it('acquire(): the permit handed to onGranted releases; the returned one aborts', async () => {
    const db = new Bulkhead({ name: 'db', maxConcurrent: 1, maxQueue: 1 });
    const replies: unknown[] = [];
    const reply = (status: number, reason: string) => replies.push([status, reason]);
    let finish!: () => void;
    const runQuery = () => new Promise<void>((resolve) => (finish = resolve));
    const call = () =>
      db.acquire(
        (granted) => runQuery().finally(() => granted.release()),
        (error) => reply(503, error.reason),
      );
    call();
    const waiting = call();
    call();
    expect(replies).toEqual([[503, 'full']]);
    waiting.release(); // abort while waiting
    expect(db.snapshot()).toMatchObject({ active: 1, queued: 0 });
    finish();
    await Promise.resolve();
    await Promise.resolve();
    expect(db.active).toBe(0);
  });

  it('Shed load, do not queue it', () => {
    const search = new Bulkhead({ name: 'search', maxConcurrent: 1, maxQueue: 0 });
    const pending = new Subject<{ results: string[] }>();
    const searchApi = (q: string) => (q === 'slow' ? pending : of({ results: [q] }));
    const guarded = (q: string) =>
      defer(() => searchApi(q)).pipe(
        bulkhead(search),
        fallback(() => of({ results: [] as string[], degraded: true }), { when: [BulkheadRejectedError] }),
      );
    const seen: unknown[] = [];
    guarded('slow').subscribe((r) => seen.push(r));
    guarded('fast').subscribe((r) => seen.push(r)); // the only permit is taken: shed
    expect(seen).toEqual([{ results: [], degraded: true }]);
    pending.next({ results: ['slow'] });
    expect(seen).toEqual([{ results: [], degraded: true }, { results: ['slow'] }]);
  });
});
