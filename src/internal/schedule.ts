import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * Schedules `work` once after `delay` ms and ties it to `parent`: unsubscribing the parent cancels
 * it, and once it has run it leaves the parent, so a long stream does not collect spent timers.
 */
export function scheduleOnce(parent: Subscription, scheduler: SchedulerLike, work: () => void, delay: number): Subscription {
  const action = scheduler.schedule(function () {
    this.unsubscribe();
    work();
  }, delay);
  parent.add(action);
  return action;
}
