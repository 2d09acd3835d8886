import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/**
 * Schedules `work` once after `delay` ms and ties it to `parent`: unsubscribing the parent cancels
 * it, and once it has run it leaves the parent, so a long stream does not collect spent timers.
 */
export function scheduleOnce(
  parent: Subscription,
  scheduler: SchedulerLike,
  work: () => void,
  delay: number,
): Subscription {
  const action = scheduler.schedule(function () {
    this.unsubscribe();
    work();
  }, delay);
  parent.add(action);
  return action;
}

/**
 * Like {@link scheduleOnce}, for hot paths: `work` is a shared (static) function called with
 * `state`, so scheduling allocates no closure.
 */
export function scheduleOnceWith<S>(
  parent: Subscription,
  scheduler: SchedulerLike,
  work: (state: S) => void,
  delay: number,
  state: S,
): Subscription {
  const action = scheduler.schedule<[(state: S) => void, S]>(runOnce, delay, [work, state]);
  parent.add(action);
  return action;
}

function runOnce<S>(this: SchedulerAction<[(state: S) => void, S]>, pair?: [(state: S) => void, S]): void {
  this.unsubscribe();
  pair![0](pair![1]);
}
