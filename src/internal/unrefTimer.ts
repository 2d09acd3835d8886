import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * Schedules `work` once after `delay` ms without letting the timer keep a Node.js process alive:
 * a shared object's timer (an open breaker waiting to half-open, a drain timeout) must never be
 * the only thing holding the event loop open.
 *
 * RxJS's async actions keep their host timer in `id`; where that timer has `unref()` (Node.js),
 * it is called. Virtual-time and browser schedulers have no such timer and are left as they are.
 * The returned subscription cancels the work.
 */
export function scheduleUnref(scheduler: SchedulerLike, work: () => void, delay: number): Subscription {
  const action = scheduler.schedule(function () {
    this.unsubscribe();
    work();
  }, delay);
  unref(action);
  return action;
}

function unref(action: Subscription): void {
  const id = (action as { id?: unknown }).id;
  if (id !== null && typeof id === 'object' && typeof (id as { unref?: unknown }).unref === 'function') {
    (id as { unref(): void }).unref();
  }
}
