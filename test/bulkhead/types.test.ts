// Type-level checks of the public signatures (vitest's expectTypeOf; they fail `tsc --noEmit`).
import { Observable, of } from 'rxjs';
import type { MonoTypeOperatorFunction, OperatorFunction, Unsubscribable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import { Bulkhead } from '../../src/bulkhead/index';
import type {
  BulkheadEvent,
  BulkheadOptions,
  BulkheadPermit,
  BulkheadPermitStatus,
  BulkheadSnapshot,
} from '../../src/bulkhead/index';
import type { BulkheadRejectedError } from '../../src/errors/BulkheadRejectedError';
import { bulkhead } from '../../src/operators/bulkhead';
import { bulkheadMap } from '../../src/operators/bulkheadMap';
import type { BulkheadMapOptions } from '../../src/operators/bulkheadMap';

describe('types', () => {
  const pool = new Bulkhead({ maxConcurrent: 2 });

  it('bulkhead() is a MonoTypeOperatorFunction', () => {
    expectTypeOf(bulkhead<number>(pool)).toEqualTypeOf<MonoTypeOperatorFunction<number>>();
    expectTypeOf(of(1).pipe(bulkhead(pool))).toEqualTypeOf<Observable<number>>();
  });

  it('bulkheadMap() emits the values of what project returns, with either form', () => {
    expectTypeOf(of(1).pipe(bulkheadMap((n) => of(String(n)), pool))).toEqualTypeOf<Observable<string>>();
    expectTypeOf(of(1).pipe(bulkheadMap((n) => Promise.resolve(n > 0), { maxConcurrent: 2 }))).toEqualTypeOf<
      Observable<boolean>
    >();
    expectTypeOf(of('a').pipe(bulkheadMap((s, i) => [s.length + i], { maxConcurrent: 1 }))).toEqualTypeOf<
      Observable<number>
    >();
    const either = pool as Bulkhead | BulkheadMapOptions;
    expectTypeOf(bulkheadMap((n: number) => of(n), either)).toEqualTypeOf<OperatorFunction<number, number>>();
  });

  it('options, snapshot and events have the documented shapes', () => {
    expectTypeOf<BulkheadOptions>().toEqualTypeOf<{
      name?: string;
      maxConcurrent: number;
      maxQueue?: number;
      queueTimeout?: number;
      scheduler?: import('rxjs').SchedulerLike;
    }>();
    expectTypeOf<keyof BulkheadSnapshot>().toEqualTypeOf<
      'name' | 'active' | 'queued' | 'maxConcurrent' | 'maxQueue' | 'utilization' | 'rejected'
    >();
    expectTypeOf<BulkheadEvent['type']>().toEqualTypeOf<'acquired' | 'released' | 'rejected'>();
    expectTypeOf<Extract<BulkheadEvent, { type: 'acquired' }>['waited']>().toEqualTypeOf<number>();
    expectTypeOf<Extract<BulkheadEvent, { type: 'rejected' }>['reason']>().toEqualTypeOf<'full' | 'queue-timeout'>();
    expectTypeOf(pool.state$).toEqualTypeOf<Observable<BulkheadSnapshot>>();
    expectTypeOf(pool.events$).toEqualTypeOf<Observable<BulkheadEvent>>();
  });

  it('acquire() returns an Unsubscribable permit, with callbacks or a waiter object', () => {
    const permit = pool.acquire(
      (p) => expectTypeOf(p).toEqualTypeOf<BulkheadPermit>(),
      (e) => expectTypeOf(e).toEqualTypeOf<BulkheadRejectedError>(),
    );
    expectTypeOf(permit).toMatchTypeOf<Unsubscribable>();
    expectTypeOf(permit.status).toEqualTypeOf<BulkheadPermitStatus>();
    expectTypeOf(pool.acquire({ granted: () => {}, rejected: () => {} })).toEqualTypeOf<BulkheadPermit>();
    permit.release();
  });
});
