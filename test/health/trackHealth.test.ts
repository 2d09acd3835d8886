import { firstValueFrom, map, Observable, of, retry, take, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ResilienceConfigError } from '../../src/errors/index';
import { HealthTracker } from '../../src/health/index';
import type { HealthEvent, HealthTrackerSnapshot } from '../../src/health/index';
import { trackHealth } from '../../src/operators/trackHealth';
import { describeContract } from '../contract/contract';
import { createScheduler, pendingAfter } from '../helpers/scheduler';

// The contract is about the operator's own timers (it has none). The tracker's expiry timer, armed by
// the success recorded at unsubscription, runs on a scheduler of its own here; it is tested below.
describeContract('trackHealth', () => trackHealth(new HealthTracker({ scheduler: new VirtualTimeScheduler() })));

/** The outcomes a tracker recorded, as `success@latency` and `failure`. */
function outcomes(tracker: HealthTracker): string[] {
  const seen: string[] = [];
  tracker.events$.subscribe((e: HealthEvent) => {
    if (e.type === 'success') seen.push(`success@${e.latency}`);
    else if (e.type === 'failure') seen.push('failure');
  });
  return seen;
}

describe('trackHealth', () => {
  it('rejects anything but a HealthTracker when the operator is created', () => {
    const make = () => trackHealth({ recordSuccess() {} } as unknown as HealthTracker);
    expect(make).toThrow(ResilienceConfigError);
    expect(make).toThrow('trackHealth: tracker must be a HealthTracker, got an object');
  });

  it('completion is a success, with the time from subscription to completion', () => {
    let seen: string[] = [];
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const tracker = new HealthTracker({ window: 10 });
      seen = outcomes(tracker);
      const source = cold('-a-b|');
      expectObservable(source.pipe(trackHealth(tracker)), '--^').toBe('---a-b|');
      expectSubscriptions(source.subscriptions).toBe('--^---!');
      // recorded at 6; it leaves the window at 16
      expectObservable(tracker.state$.pipe(map((s) => s.calls))).toBe('0-----1---------0', { 0: 0, 1: 1 });
    });
    expect(seen).toEqual(['success@4']);
  });

  it('records success@latency on completion, failure on error, and lets the error through unchanged', () => {
    const scheduler = createScheduler();
    let seen: string[] = [];
    const error = new Error('boom');
    scheduler.run(({ cold, expectObservable }) => {
      const tracker = new HealthTracker();
      seen = outcomes(tracker);
      expectObservable(cold('---a|').pipe(trackHealth(tracker))).toBe('---a|');
      expectObservable(cold('--#', undefined, error).pipe(trackHealth(tracker))).toBe('--#', undefined, error);
      expectObservable(cold('|').pipe(trackHealth(tracker)), '------^').toBe('------|');
    });
    expect(seen).toEqual(['failure', 'success@4', 'success@0']);
  });

  it('unsubscribing after a value is a success, with the latency up to the unsubscription', () => {
    let seen: string[] = [];
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const tracker = new HealthTracker();
      seen = outcomes(tracker);
      const source = cold('-a-----b|');
      expectObservable(source.pipe(trackHealth(tracker)), '^----!').toBe('-a---');
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
    expect(seen).toEqual(['success@5']);
  });

  it('unsubscribing before any value records nothing', () => {
    let seen: string[] = [];
    let last: HealthTrackerSnapshot | undefined;
    createScheduler().run(({ cold, expectObservable }) => {
      const tracker = new HealthTracker();
      seen = outcomes(tracker);
      expectObservable(cold('-----a|').pipe(trackHealth(tracker)), '---!').toBe('---');
      tracker.state$.subscribe((s) => (last = s));
    });
    expect(seen).toEqual([]);
    expect(last).toMatchObject({ calls: 0 });
  });

  it('take(1) and firstValueFrom count as successes', async () => {
    let seen: string[] = [];
    createScheduler().run(({ cold, expectObservable }) => {
      const tracker = new HealthTracker();
      seen = outcomes(tracker);
      expectObservable(cold('--a-b-c').pipe(trackHealth(tracker), take(1))).toBe('--(a|)');
    });
    const tracker = new HealthTracker({ scheduler: new VirtualTimeScheduler() });
    const later = outcomes(tracker);
    await expect(firstValueFrom(new Observable<number>((s) => s.next(1)).pipe(trackHealth(tracker)))).resolves.toBe(1);
    expect(seen).toEqual(['success@2']);
    expect(later).toEqual([expect.stringMatching(/^success@/)]);
    tracker.dispose();
  });

  it('the outcome is recorded before it reaches the subscriber', () => {
    const tracker = new HealthTracker({ scheduler: new VirtualTimeScheduler() });
    const seenAtComplete: number[] = [];
    const seenAtError: number[] = [];
    of(1)
      .pipe(trackHealth(tracker))
      .subscribe({ complete: () => seenAtComplete.push(tracker.snapshot().calls) });
    new Observable((s) => s.error(new Error('x')))
      .pipe(trackHealth(tracker))
      .subscribe({ error: () => seenAtError.push(tracker.snapshot().failures) });
    expect([seenAtComplete, seenAtError]).toEqual([[1], [1]]);
    tracker.dispose();
  });

  it('each resubscription (retry) is a call of its own', () => {
    let seen: string[] = [];
    createScheduler().run(({ expectObservable }) => {
      const tracker = new HealthTracker();
      seen = outcomes(tracker);
      let attempt = 0;
      const source = new Observable<string>((s) => {
        if (attempt++ < 2) s.error(new Error('flaky'));
        else s.complete();
      });
      expectObservable(source.pipe(trackHealth(tracker), retry(3))).toBe('|');
    });
    expect(seen).toEqual(['failure', 'failure', 'success@0']);
  });

  it('a source that throws in its subscribe function is a failure, and the error reaches the subscriber', () => {
    const tracker = new HealthTracker({ scheduler: new VirtualTimeScheduler() });
    const seen = outcomes(tracker);
    const errors: unknown[] = [];
    new Observable(() => {
      throw new Error('user code');
    })
      .pipe(trackHealth(tracker))
      .subscribe({ error: (e) => errors.push(e) });
    expect(seen).toEqual(['failure']);
    expect(errors).toEqual([new Error('user code')]);
    tracker.dispose();
  });

  it('an error thrown downstream after a value: the source had delivered, so the call is a success', () => {
    const tracker = new HealthTracker({ scheduler: new VirtualTimeScheduler() });
    const seen = outcomes(tracker);
    const errors: unknown[] = [];
    of(1, 2)
      .pipe(
        trackHealth(tracker),
        map(() => {
          throw new Error('downstream');
        }),
      )
      .subscribe({ error: (e) => errors.push(e) });
    expect(seen).toEqual(['success@0']);
    expect(errors).toEqual([new Error('downstream')]);
    tracker.dispose();
  });

  it('drives the status: failures make it unhealthy, and it recovers when they leave the window', () => {
    createScheduler().run(({ cold, hot, expectObservable }) => {
      const tracker = new HealthTracker({ window: 10, buckets: 10, degradedBelow: 0.9, unhealthyBelow: 0.5 });
      const ok = cold('--a|');
      const failing = cold('-#');
      hot('-o--f--f').subscribe((c) =>
        (c === 'o' ? ok : failing).pipe(trackHealth(tracker)).subscribe({ error: () => {} }),
      );
      // calls end at 4 (success: 1/1), 5 (failure: 1/2), 8 (failure: 1/3); each leaves 10 ms later
      expectObservable(tracker.state$.pipe(map((s) => s.status[0]))).toBe('h---hd--u-----uu--h', {
        h: 'h',
        d: 'd',
        u: 'u',
      });
    });
  });

  it('leaves no timer pending once the tracker is disposed (its expiry timer is pending without dispose())', () => {
    const pendingAt6 = (dispose: boolean) => {
      const scheduler = createScheduler();
      let pending = { count: -1 };
      scheduler.run(({ cold }) => {
        const tracker = new HealthTracker({ window: 1000 });
        cold('-a|').pipe(trackHealth(tracker)).subscribe();
        if (dispose) scheduler.schedule(() => tracker.dispose(), 5);
        pending = pendingAfter(scheduler, 6);
      });
      return pending.count;
    };
    expect(pendingAt6(false)).toBe(1);
    expect(pendingAt6(true)).toBe(0);
  });
});
