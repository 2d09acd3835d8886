import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';

/** A fresh TestScheduler whose assertions are vitest's deep equality. One per test. */
export function createScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
}

/**
 * The number of actions queued on a scheduler right now. Unsubscribed actions leave the queue, so
 * this counts timers still live. Note that `TestScheduler.run()` flushes the whole queue before it
 * returns: after `run()` this is always 0. Inside `run()`, use {@link pendingAfter}.
 */
export function pendingActions(scheduler: { actions: unknown[] }): number {
  return scheduler.actions.length;
}

/**
 * Call inside `TestScheduler.run()`: looks at the queue at `frame` (after a stream's teardown) and
 * reports how many actions were still scheduled then, other than the look itself. Only cold
 * sources may be in play: a hot observable's messages are queued from the start.
 *
 *   const pending = pendingAfter(scheduler, 5);
 *   … // after run():
 *   expect(pending.count).toBe(0);
 */
export function pendingAfter(scheduler: TestScheduler, frame: number): { readonly count: number } {
  const box = { count: -1 };
  scheduler.schedule(() => {
    box.count = scheduler.actions.length;
  }, frame);
  return box;
}
