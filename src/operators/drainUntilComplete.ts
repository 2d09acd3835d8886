import { Observable } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { Drainer } from '../drain/Drainer';
import { DrainingError } from '../errors/DrainingError';
import { OperatorSubscriber } from '../internal/OperatorSubscriber';
import { OptionChecker } from '../internal/validate';

/**
 * Counts each subscription as one call in flight through `drainer`, so a graceful shutdown can wait
 * for it; refuses new subscriptions once the drainer drains.
 *
 * <span class="informal">Like `finalize` around each call, reporting to a shared `Drainer`: the
 * call is in flight from subscription until it completes, errors or is unsubscribed.</span>
 *
 * ```text
 * source:   -a-----b|
 * drain():  ---d               (drainTimeout: 10)
 * output:   -a-----b|          drain() emits { completed: true, inFlightAtStart: 1, abandoned: 0, duration: 5 } at 8
 * ```
 *
 * While the drainer drains, or after it has drained (draining is final), a new subscription errors
 * with `DrainingError` at once, without subscribing to the source. When the drain timeout passes,
 * every call still in flight is unsubscribed from its source and errors with `DrainTimeoutError`.
 *
 * A long-lived stream (a queue consumer, a server's request stream) never completes by itself: stop
 * its intake with `takeUntil(drainer.draining$)` before its `mergeMap`, and put
 * `drainUntilComplete(drainer)` on each inner call, so the drain waits for the calls in flight only.
 *
 * A `drainer` that is not a `Drainer` throws `ResilienceConfigError` here, when the operator is created.
 *
 * ## Example
 * ```ts
 * import { mergeMap, takeUntil } from 'rxjs';
 * import { Drainer, drainUntilComplete } from 'rxjs-resilience';
 *
 * const drainer = new Drainer({ drainTimeout: 10_000 });
 * requests$
 *   .pipe(
 *     takeUntil(drainer.draining$),
 *     mergeMap((request) => handle(request).pipe(drainUntilComplete(drainer))),
 *   )
 *   .subscribe();
 * process.once('SIGTERM', () => drainer.drain().subscribe((r) => process.exit(r.completed ? 0 : 1)));
 * // Output (on SIGTERM): no new request is handled; those in flight finish, then the process exits 0
 * // (or 1 if some were still running after 10 s, each of those erroring with DrainTimeoutError).
 * ```
 */
export function drainUntilComplete<T>(drainer: Drainer): MonoTypeOperatorFunction<T> {
  if (!(drainer instanceof Drainer)) new OptionChecker('drainUntilComplete').fail('drainer', 'a Drainer', drainer);

  return (source) =>
    new Observable<T>((subscriber) => {
      const call = drainer.enter((error) => {
        // The drain timeout passed (always a later task, so `attempt` is set): unsubscribe from
        // the source first, then fail the call.
        attempt.unsubscribe();
        subscriber.error(error);
      });
      if (call instanceof DrainingError) {
        subscriber.error(call);
        return;
      }
      // Chained to `subscriber`: the call leaves on completion, error or unsubscription alike.
      const attempt = new OperatorSubscriber<T>(subscriber, undefined, undefined, undefined, () => call.leave());
      source.subscribe(attempt);
    });
}
