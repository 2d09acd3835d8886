import fc from 'fast-check';
import {
  concat,
  defer,
  map,
  mergeMap,
  NEVER,
  Observable,
  of,
  retry,
  Subscription,
  take,
  takeUntil,
  throwError,
  timer,
} from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Drainer } from '../../src/drain/index';
import type { DrainResult } from '../../src/drain/index';
import { DrainingError, DrainTimeoutError, ResilienceConfigError } from '../../src/errors/index';
import { drainUntilComplete } from '../../src/operators/drainUntilComplete';
import { describeContract } from '../contract/contract';
import { createScheduler, pendingAfter } from '../helpers/scheduler';

describeContract('drainUntilComplete', () => drainUntilComplete(new Drainer()));

describe('drainUntilComplete', () => {
  it('rejects anything but a Drainer when the operator is created', () => {
    const make = () => drainUntilComplete({ drain: () => of(null) } as unknown as Drainer);
    expect(make).toThrow(ResilienceConfigError);
    expect(make).toThrow('drainUntilComplete: drainer must be a Drainer, got an object');
  });

  it('each subscription is in flight until it completes, errors or is unsubscribed', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const drainer = new Drainer();
      const completes = cold('-a-|');
      const errors = cold('  --#');
      const endless = cold(' ----a---');
      expectObservable(completes.pipe(drainUntilComplete(drainer))).toBe('-a-|');
      expectObservable(errors.pipe(drainUntilComplete(drainer))).toBe('--#');
      expectObservable(endless.pipe(drainUntilComplete(drainer)), '-----!').toBe('----a');
      expectObservable(drainer.state$.pipe(map((s) => s.inFlight))).toBe('3-21-0', { 3: 3, 2: 2, 1: 1, 0: 0 });
      expectSubscriptions(completes.subscriptions).toBe('^--!');
      expectSubscriptions(errors.subscriptions).toBe('^-!');
      expectSubscriptions(endless.subscriptions).toBe('^----!');
    });
  });

  it('passes values, completion and errors through unchanged', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const drainer = new Drainer();
      const error = new Error('boom');
      expectObservable(cold('-a-b-#', { a: 1, b: 2 }, error).pipe(drainUntilComplete(drainer))).toBe(
        '-a-b-#',
        { a: 1, b: 2 },
        error,
      );
    });
  });

  it('while draining, a new subscription errors with DrainingError without subscribing to the source', () => {
    createScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const drainer = new Drainer({ name: 'http' });
      const inFlight = cold('-----a|');
      const late = cold('a|');
      hot('--s').subscribe(() => drainer.drain());
      expectObservable(inFlight.pipe(drainUntilComplete(drainer))).toBe('-----a|');
      expectObservable(late.pipe(drainUntilComplete(drainer)), '---^').toBe(
        '---#',
        undefined,
        new DrainingError('http'),
      );
      expectSubscriptions(late.subscriptions).toBe([]);
    });
  });

  it('draining is final: after the drain has ended, new calls still get DrainingError', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const drainer = new Drainer();
      const source = cold('a|');
      drainer.drain();
      expect(drainer.snapshot().drained).toBe(true);
      expectObservable(source.pipe(drainUntilComplete(drainer)), '----^').toBe(
        '----#',
        undefined,
        expect.any(DrainingError),
      );
      expectSubscriptions(source.subscriptions).toBe([]);
    });
  });

  it('the drain ends when the last call in flight completes', () => {
    createScheduler().run(({ cold, hot, expectObservable }) => {
      const drainer = new Drainer({ drainTimeout: 100 });
      const a = cold('---a|');
      const b = cold('-------b|');
      const drained = hot('-s').pipe(mergeMap(() => drainer.drain()));
      expectObservable(a.pipe(drainUntilComplete(drainer))).toBe('---a|');
      expectObservable(b.pipe(drainUntilComplete(drainer))).toBe('-------b|');
      expectObservable(drained).toBe('--------r', {
        r: { completed: true, inFlightAtStart: 2, abandoned: 0, duration: 7 },
      });
    });
  });

  it('at the drain timeout, every call still in flight is unsubscribed from its source and errors with DrainTimeoutError', () => {
    const scheduler = createScheduler();
    let pending = { count: -1 };
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const drainer = new Drainer({ name: 'jobs', drainTimeout: 4 });
      const quick = cold('--a|');
      const slow = cold('-a--------b|');
      const other = cold('----------|');
      hot('-s').subscribe(() => drainer.drain());
      const error = new DrainTimeoutError('jobs', 4);
      expectObservable(quick.pipe(drainUntilComplete(drainer))).toBe('--a|');
      expectObservable(slow.pipe(drainUntilComplete(drainer))).toBe('-a---#', undefined, error);
      expectObservable(other.pipe(drainUntilComplete(drainer))).toBe('-----#', undefined, error);
      expectObservable(
        defer(() => drainer.drain()),
        '-^',
      ).toBe('-----(r|)', { r: { completed: false, inFlightAtStart: 3, abandoned: 2, duration: 4 } });
      expectSubscriptions(slow.subscriptions).toBe('^----!');
      expectSubscriptions(other.subscriptions).toBe('^----!');
      pending = pendingAfter(scheduler, 6);
    });
    expect(pending.count).toBe(0);
  });

  it('the source is unsubscribed before the DrainTimeoutError reaches the subscriber', () => {
    const log: string[] = [];
    createScheduler().run(() => {
      const drainer = new Drainer({ drainTimeout: 1 });
      new Observable(() => () => log.push('source teardown'))
        .pipe(drainUntilComplete(drainer))
        .subscribe({ error: (e) => log.push((e as Error).name) });
      drainer.drain();
    });
    expect(log).toEqual(['source teardown', 'DrainTimeoutError']);
  });

  it('a long-lived stream drains with takeUntil(draining$) before its mergeMap', () => {
    createScheduler().run(({ cold, hot, expectObservable }) => {
      const drainer = new Drainer({ drainTimeout: 50 });
      const requests = hot('-a--b--c--d', { a: 1, b: 2, c: 3, d: 4 });
      const handle = (n: number) => cold('----(r|)', { r: n * 10 });
      const served = requests.pipe(
        takeUntil(drainer.draining$),
        mergeMap((n) => handle(n).pipe(drainUntilComplete(drainer))),
      );
      hot('------s').subscribe(() => drainer.drain());
      // 3 and 4 arrive after the drain started: never taken; 2 (in flight at 6) finishes at 8
      expectObservable(served).toBe('-----a--(b|)', { a: 10, b: 20 });
      expectObservable(
        defer(() => drainer.drain()),
        '------^',
      ).toBe('--------(r|)', {
        r: { completed: true, inFlightAtStart: 1, abandoned: 0, duration: 2 },
      });
    });
  });

  it('each resubscription (retry) is a call of its own, refused once the drainer drains', () => {
    createScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const drainer = new Drainer();
      const source = cold('--#');
      hot('---s').subscribe(() => drainer.drain());
      expectObservable(source.pipe(drainUntilComplete(drainer), retry(5))).toBe(
        '----#',
        undefined,
        expect.any(DrainingError),
      );
      expectSubscriptions(source.subscriptions).toBe(['^-!', '--^-!']);
    });
  });

  it('a source that throws in its subscribe function errors the call, which leaves', () => {
    const drainer = new Drainer();
    const errors: unknown[] = [];
    new Observable(() => {
      throw new Error('user code');
    })
      .pipe(drainUntilComplete(drainer))
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([new Error('user code')]);
    expect(drainer.inFlight).toBe(0);
    drainer.dispose();
  });

  it('a synchronous source is in flight only while it runs', () => {
    const drainer = new Drainer();
    const seen: number[] = [];
    of(1, 2)
      .pipe(
        drainUntilComplete(drainer),
        map((v) => (seen.push(drainer.inFlight), v)),
      )
      .subscribe();
    expect(seen).toEqual([1, 1]);
    expect(drainer.inFlight).toBe(0);
    concat(throwError(() => new Error('x')))
      .pipe(drainUntilComplete(drainer))
      .subscribe({ error: () => {} });
    expect(drainer.inFlight).toBe(0);
    drainer.dispose();
  });

  it('unsubscribing in flight leaves; take(1) on a never-ending source', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const drainer = new Drainer();
      const source = cold('-a-b-c-');
      expectObservable(source.pipe(drainUntilComplete(drainer), take(1))).toBe('-(a|)');
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectObservable(drainer.state$.pipe(map((s) => s.inFlight))).toBe('1a', { 1: 1, a: 0 });
    });
  });

  it('leaves no drain timer pending once the drain has ended', () => {
    const scheduler = createScheduler();
    let pending = { count: -1 };
    scheduler.run(({ cold }) => {
      const drainer = new Drainer({ drainTimeout: 1000 });
      cold('--|').pipe(drainUntilComplete(drainer)).subscribe();
      drainer.drain();
      pending = pendingAfter(scheduler, 3); // the call ended at 2, and the drain with it
    });
    expect(pending.count).toBe(0);
  });

  it('leaves no drain timer pending once the drainer is disposed (and one is pending without dispose())', () => {
    const pendingAt6 = (dispose: boolean) => {
      const scheduler = createScheduler();
      let pending = { count: -1 };
      scheduler.run(() => {
        const drainer = new Drainer({ drainTimeout: 1000 });
        NEVER.pipe(drainUntilComplete(drainer)).subscribe({ error: () => {} });
        drainer.drain();
        if (dispose) scheduler.schedule(() => drainer.dispose(), 5);
        pending = pendingAfter(scheduler, 6);
      });
      return pending.count;
    };
    expect(pendingAt6(false)).toBe(1);
    expect(pendingAt6(true)).toBe(0);
  });

  describe('properties', () => {
    it('over random interleavings, inFlight always matches the calls running and returns to 0', () => {
      type Call = { at: number; length: number; outcome: 'complete' | 'error' | 'unsubscribe' };
      const call = fc.record({
        at: fc.integer({ min: 0, max: 40 }),
        length: fc.integer({ min: 0, max: 40 }),
        outcome: fc.constantFrom<Call['outcome']>('complete', 'error', 'unsubscribe'),
      });
      fc.assert(
        fc.property(
          fc.array(call, { maxLength: 25 }),
          fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
          fc.integer({ min: 0, max: 30 }),
          (calls: Call[], drainAt, drainTimeout) => {
            const scheduler = createScheduler();
            const outcomes: string[] = [];
            let running = 0;
            let result: DrainResult | undefined;
            let drainer!: Drainer;
            let pending = { count: -1 };
            scheduler.run(() => {
              drainer = new Drainer({ drainTimeout });
              calls.forEach((c, i) => {
                scheduler.schedule(() => {
                  let live = false;
                  const body =
                    c.outcome === 'error'
                      ? timer(c.length).pipe(mergeMap(() => throwError(() => new Error('failed'))))
                      : timer(c.length);
                  const sub: Subscription = defer(() => {
                    live = true;
                    running++;
                    return body;
                  })
                    .pipe(drainUntilComplete(drainer))
                    .subscribe({
                      complete: () => ((live = false), running--, (outcomes[i] = 'complete')),
                      error: (e: Error) => {
                        if (live) running--;
                        live = false;
                        outcomes[i] = e.name === 'Error' ? 'error' : e.name;
                      },
                    });
                  if (c.outcome === 'unsubscribe') {
                    scheduler.schedule(
                      () => {
                        if (live) {
                          live = false;
                          running--;
                          outcomes[i] = 'unsubscribed';
                        }
                        sub.unsubscribe();
                      },
                      Math.max(0, c.length - 1),
                    );
                  }
                }, c.at);
              });
              if (drainAt !== undefined) {
                scheduler.schedule(() => drainer.drain().subscribe((r) => (result = r)), drainAt);
              }
              // checked at every frame: the drainer counts exactly the calls running
              for (let t = 0; t <= 100; t++) scheduler.schedule(() => expect(drainer.inFlight).toBe(running), t);
              pending = pendingAfter(scheduler, 200); // every call and the drain are over by then
            });
            expect(drainer.inFlight).toBe(0);
            expect(pending.count).toBe(0);
            if (drainAt === undefined) {
              expect(outcomes.filter((o) => o === 'DrainingError' || o === 'DrainTimeoutError')).toEqual([]);
              return;
            }
            expect(result).toBeDefined();
            expect(result!.completed).toBe(result!.abandoned === 0);
            expect(outcomes.filter((o) => o === 'DrainTimeoutError')).toHaveLength(result!.abandoned);
            calls.forEach((c, i) => {
              if (c.at > drainAt) expect(outcomes[i]).toBe('DrainingError');
            });
            expect(drainer.snapshot()).toMatchObject({ draining: true, drained: true, inFlight: 0 });
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
