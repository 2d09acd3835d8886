import { defer, of, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, circuitBreaker, consecutiveFailures, failureRate, failuresInWindow } from 'rxjs-resilience';
import type { CircuitBreakerEvent } from 'rxjs-resilience';
import { createScheduler } from '../helpers/scheduler';

/** A virtual scheduler that counts how often its clock is read. */
function countingScheduler() {
  const scheduler = new VirtualTimeScheduler();
  let reads = 0;
  const now = scheduler.now.bind(scheduler);
  scheduler.now = () => {
    reads++;
    return now();
  };
  return { scheduler, reads: () => reads };
}

const ok = defer(() => of(1));

describe('CircuitBreaker: the closed path reads the clock only when something needs the time', () => {
  it('no reads for a successful call with a count-based policy and nobody listening', () => {
    for (const trip of [
      consecutiveFailures(3),
      failuresInWindow({ threshold: 3, window: 100 }),
      failureRate({ threshold: 0.5, window: { calls: 10 } }),
    ]) {
      const { scheduler, reads } = countingScheduler();
      const breaker = new CircuitBreaker({ trip, scheduler });
      const before = reads();
      for (let i = 0; i < 10; i++) ok.pipe(circuitBreaker(breaker)).subscribe();
      expect(reads() - before).toBe(0);
      expect(breaker.snapshot().successCount).toBe(10);
    }
  });

  it('reads it with a slow-call limit, a time-window policy, or an events$ listener', () => {
    const cases = [{ slowCallDuration: 10 }, { trip: failureRate({ threshold: 0.5, window: { duration: 1000 } }) }];
    for (const options of cases) {
      const { scheduler, reads } = countingScheduler();
      const breaker = new CircuitBreaker({ ...options, scheduler });
      const before = reads();
      ok.pipe(circuitBreaker(breaker)).subscribe();
      expect(reads() - before).toBeGreaterThan(0);
    }
    const { scheduler, reads } = countingScheduler();
    const breaker = new CircuitBreaker({ scheduler });
    breaker.events$.subscribe();
    const before = reads();
    ok.pipe(circuitBreaker(breaker)).subscribe();
    expect(reads() - before).toBeGreaterThan(0);
  });

  it('durations are measured when someone listens; a call started before the first listener reports 0', () => {
    const scheduler = createScheduler();
    const events: CircuitBreakerEvent[] = [];
    scheduler.run(({ cold }) => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(5) });
      // Started at 0 while nobody listens (its start time is not read); completes at 3.
      cold('---|').pipe(circuitBreaker(breaker)).subscribe();
      scheduler.schedule(() => {
        breaker.events$.subscribe((e) => events.push(e));
        // Started at 1 while someone listens; completes at 4, fails at 6.
        cold('---|').pipe(circuitBreaker(breaker)).subscribe();
        cold('-----#')
          .pipe(circuitBreaker(breaker))
          .subscribe({ error: () => {} });
      }, 1);
    });
    expect(events.map((e) => [e.type, e.at, 'duration' in e ? e.duration : null])).toEqual([
      ['success', 3, 0],
      ['success', 4, 3],
      ['failure', 6, 5],
    ]);
  });
});
