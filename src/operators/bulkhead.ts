import { Observable } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import type { Bulkhead, BulkheadPermit } from '../bulkhead/Bulkhead';
import { OperatorSubscriber } from '../internal/OperatorSubscriber';
import { OptionChecker } from '../internal/validate';

/**
 * Runs each subscription as one call through a shared `Bulkhead`: at most `maxConcurrent` at once,
 * the rest waiting in its FIFO queue.
 *
 * <span class="informal">A semaphore around `subscribe`: the source is subscribed only once a permit
 * is free, and the permit is held until the source completes or errors or the subscriber
 * unsubscribes.</span>
 *
 * ```text
 * a:        ---|            (a, b, c subscribe at 0 through one Bulkhead: maxConcurrent 1, maxQueue 1)
 * b:           ---|         b waits for a's permit and is subscribed when a completes
 * c:        #               c finds the queue full: BulkheadRejectedError 'full'
 * ```
 *
 * A subscription that finds every permit taken waits in the queue (at most `maxQueue`, for at most
 * `queueTimeout` ms); a released permit goes, synchronously, to the oldest waiter at that moment.
 * A full queue errors the subscription at once with `BulkheadRejectedError` reason `'full'`, a wait
 * that runs out with reason `'queue-timeout'`; either way the source is never subscribed.
 * Unsubscribing while queued leaves the queue.
 *
 * The permit is given back just before a completion or error is passed on, so a subscriber that
 * reacts by calling again at once finds it free; when the subscriber unsubscribes, it is given back
 * after the source has been torn down.
 *
 * Throws `ResilienceConfigError` here, when the operator is created, if `bulkhead` is not a
 * `Bulkhead`.
 *
 * ## Example
 * ```ts
 * import { defer, merge } from 'rxjs';
 * import { Bulkhead, bulkhead } from 'rxjs-resilience';
 *
 * const payments = new Bulkhead({ name: 'payments', maxConcurrent: 2, maxQueue: 10 });
 * const charge = (id: string) => defer(() => api.charge(id)).pipe(bulkhead(payments));
 *
 * merge(charge('a'), charge('b'), charge('c')).subscribe(console.log);
 * // Output (each charge's result as it completes; 'a' and 'b' run at once,
 * // 'c' starts when one of them ends):
 * // { id: 'a', status: 'charged' }
 * // { id: 'b', status: 'charged' }
 * // { id: 'c', status: 'charged' }
 * ```
 */
export function bulkhead<T>(bulkhead: Bulkhead): MonoTypeOperatorFunction<T> {
  const given = bulkhead as Partial<Bulkhead> | null | undefined;
  if (given === null || typeof given !== 'object' || typeof given.acquire !== 'function') {
    new OptionChecker('bulkhead').fail('bulkhead', 'a Bulkhead', bulkhead);
  }

  return (source) =>
    new Observable<T>((subscriber) => {
      const permit = bulkhead.acquire(
        (granted: BulkheadPermit) => {
          // Release before passing the end on, so whoever resubscribes in reaction finds the permit free.
          source.subscribe(
            new OperatorSubscriber<T>(
              subscriber,
              undefined,
              () => {
                granted.release();
                subscriber.complete();
              },
              (error) => {
                granted.release();
                subscriber.error(error);
              },
              // Unsubscribed: the source has been torn down, now hand the permit on.
              () => granted.release(),
            ),
          );
        },
        (error) => subscriber.error(error),
      );
      // Leave the queue when unsubscribed while still waiting. Once granted, the permit is the
      // source subscriber's to release, after the source's own teardown.
      return () => {
        if (permit.status === 'waiting') permit.release();
      };
    });
}
