import type { Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { MarbleScenario } from './define';

/** Runs one scenario in virtual time: every output lane and every expected subscription is asserted. */
export function runScenario(s: MarbleScenario, scheduler: TestScheduler): void {
  scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
    const inputs: Record<string, Observable<unknown>> = {};
    const subscriptionLogs: Record<string, { subscriptions: unknown[] }> = {};
    for (const [name, lane] of Object.entries(s.inputs)) {
      const made = lane.hot ? hot(lane.marbles, lane.values, lane.error) : cold(lane.marbles, lane.values, lane.error);
      inputs[name] = made;
      subscriptionLogs[name] = made;
    }
    const outputs = s.run(inputs);
    for (const [name, lane] of Object.entries(s.outputs)) {
      const output = outputs[name];
      if (!output) throw new Error(`scenario "${s.id}": run() returned no output lane "${name}"`);
      expectObservable(output, lane.unsub).toBe(lane.marbles, lane.values, lane.error);
    }
    for (const [name, lane] of Object.entries(s.inputs)) {
      if (lane.subs !== undefined) {
        expectSubscriptions(subscriptionLogs[name]!.subscriptions as never).toBe(lane.subs);
      }
    }
  });
}
