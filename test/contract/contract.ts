import { map, Observable, of, take } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createScheduler, pendingAfter } from '../helpers/scheduler';

/**
 * The contract every operator keeps, as RxJS's own specs check it for theirs:
 * a synchronous firehose stops under `take`, unsubscription chains stay intact, a plain source
 * passes through, and nothing stays scheduled once the output is torn down.
 *
 * `make()` returns a fresh operator for a source that succeeds (no timers need to fire).
 */
export function describeContract(name: string, make: () => OperatorFunction<any, unknown>): void {
  describe(`${name}: RxJS operator contract`, () => {
    it('stops listening to a synchronous observable when unsubscribed (take)', () => {
      const sideEffects: number[] = [];
      const synchronousObservable = new Observable<number>((subscriber) => {
        // This will check to see if the subscriber was closed on each loop: when the
        // unsubscribe hits (from the `take`), it should be closed.
        for (let i = 0; !subscriber.closed && i < 10; i++) {
          sideEffects.push(i);
          subscriber.next(i);
        }
      });
      synchronousObservable.pipe(make(), take(3)).subscribe(() => {});
      expect(sideEffects).toEqual([0, 1, 2]);
    });

    it('does not break unsubscription chains when the result is unsubscribed explicitly', () => {
      createScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
        const source = hot('---a---b---c---d---|');
        const subs = '      ^---------!';
        const unsub = '     ----------!';
        const result = source.pipe(
          map((x) => x),
          make(),
          map((x) => x),
        );
        expectObservable(result, unsub).toBe('---a---b---', undefined);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('passes values and completion of a well-behaved source through unchanged', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b-|', { a: 1, b: 2 });
        expectObservable(source.pipe(make())).toBe('-a-b-|', { a: 1, b: 2 });
        expectSubscriptions(source.subscriptions).toBe('^----!');
      });
    });

    it('leaves nothing scheduled after the output is torn down', () => {
      const scheduler = createScheduler();
      let pending = { count: -1 };
      scheduler.run(({ cold }) => {
        const sub = cold('-a-b-c-d-e-f-g-h-i-j|').pipe(make()).subscribe();
        scheduler.schedule(() => sub.unsubscribe(), 4);
        pending = pendingAfter(scheduler, 5);
      });
      expect(pending.count).toBe(0);
    });

    it('works on a synchronous source', () => {
      const seen: unknown[] = [];
      let done = false;
      of(1, 2, 3)
        .pipe(make())
        .subscribe({ next: (v) => seen.push(v), complete: () => (done = true) });
      expect(seen).toEqual([1, 2, 3]);
      expect(done).toBe(true);
    });
  });
}
