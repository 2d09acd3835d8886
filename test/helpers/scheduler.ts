import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';

/** A fresh TestScheduler whose assertions are vitest's deep equality. One per test. */
export function createScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });
}

/**
 * The number of actions still queued on a TestScheduler: after a stream's teardown this must be
 * 0, or a timer outlived its stream.
 */
export function pendingActions(scheduler: TestScheduler): number {
  return (scheduler as unknown as { actions: unknown[] }).actions.length;
}
