import { Observable } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { HealthTracker } from '../health/HealthTracker';
import { OperatorSubscriber } from '../internal/OperatorSubscriber';
import { OptionChecker } from '../internal/validate';

/**
 * Records each subscription as one call in `tracker`: its outcome and, for a success, its latency.
 *
 * <span class="informal">A `tap` that times each subscription on the tracker's clock and reports
 * success or failure to a shared `HealthTracker`.</span>
 *
 * ```text
 * source:   ---a|
 * output:   ---a|          recorded at 4: success, latency 4 ms
 * source:   --#
 * output:   --#            recorded at 2: failure
 * ```
 *
 * - completion → success, with the time from subscription to completion;
 * - error → failure (the error goes to the tracker's `failure` event), then the error propagates
 *   unchanged;
 * - unsubscribing after the source emitted a value → success, with the time up to the
 *   unsubscription (so `take(1)` and `firstValueFrom` count);
 * - unsubscribing before any value → not recorded.
 *
 * The outcome is recorded before it reaches the subscriber, so a subscriber already sees it in
 * `tracker.snapshot()`. A `tracker` that is not a `HealthTracker` throws `ResilienceConfigError`
 * here, when the operator is created.
 *
 * ## Example
 * ```ts
 * import { defer } from 'rxjs';
 * import { HealthTracker, trackHealth } from 'rxjs-resilience';
 *
 * const health = new HealthTracker({ name: 'users-api', degradedLatency: 300 });
 * defer(() => fetch('https://api.example.com/users'))
 *   .pipe(trackHealth(health))
 *   .subscribe();
 * health.state$.subscribe((s) => console.log(s.status, s.successRate));
 * // Output:
 * // healthy 1
 * // healthy 1
 * ```
 */
export function trackHealth<T>(tracker: HealthTracker): MonoTypeOperatorFunction<T> {
  if (!(tracker instanceof HealthTracker)) new OptionChecker('trackHealth').fail('tracker', 'a HealthTracker', tracker);

  return (source) =>
    new Observable<T>((subscriber) => {
      const start = tracker.now();
      let emitted = false;
      let recorded = false;
      const latency = () => Math.max(0, tracker.now() - start);
      source.subscribe(
        new OperatorSubscriber<T>(
          subscriber,
          (value) => {
            emitted = true;
            subscriber.next(value);
          },
          () => {
            recorded = true;
            tracker.recordSuccess(latency());
            subscriber.complete();
          },
          (error) => {
            recorded = true;
            tracker.recordFailure(error);
            subscriber.error(error);
          },
          () => {
            // Unsubscribed before an outcome: a success if the source had delivered something.
            if (!recorded && emitted) tracker.recordSuccess(latency());
          },
        ),
      );
    });
}
