import { concat, distinctUntilChanged, map, merge, Observable, of, repeat, retry, take, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Bulkhead } from '../../src/bulkhead/index';
import { BulkheadRejectedError } from '../../src/errors/BulkheadRejectedError';
import { ResilienceConfigError } from '../../src/errors/ResilienceConfigError';
import { bulkhead } from '../../src/operators/bulkhead';
import { describeContract } from '../contract/contract';
import { createScheduler, pendingActions } from '../helpers/scheduler';

const full = (name = 'bulkhead') => new BulkheadRejectedError(name, 'full');
const timedOut = (name = 'bulkhead') => new BulkheadRejectedError(name, 'queue-timeout');

describeContract('bulkhead', () => bulkhead(new Bulkhead({ maxConcurrent: 1, maxQueue: Infinity })));

describe('bulkhead(b)', () => {
  it('subscribes to the source once it holds a permit, and holds it until the source completes', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
      const a = cold('---a|');
      const c = cold('  --c|');
      expectObservable(a.pipe(bulkhead(b))).toBe('---a|');
      expectObservable(c.pipe(bulkhead(b))).toBe('------c|');
      expectSubscriptions(a.subscriptions).toBe('^---!');
      expectSubscriptions(c.subscriptions).toBe('----^--!');
    });
  });

  it('holds the permit until the source errors, and passes the error on unchanged', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
      const a = cold('--#', undefined, new Error('db down'));
      const c = cold('-c|');
      expectObservable(a.pipe(bulkhead(b))).toBe('--#', undefined, new Error('db down'));
      expectObservable(c.pipe(bulkhead(b))).toBe('---c|');
      expectSubscriptions(a.subscriptions).toBe('^-!');
      expectSubscriptions(c.subscriptions).toBe('--^-!');
    });
  });

  it('holds the permit until the subscriber unsubscribes', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
      const a = cold('-a---a|');
      const c = cold('-c|');
      expectObservable(a.pipe(bulkhead(b)), '---!').toBe('-a-');
      expectObservable(c.pipe(bulkhead(b))).toBe('----c|');
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(c.subscriptions).toBe('---^-!');
    });
  });

  it('lets maxConcurrent subscriptions run at once; values and completion pass through', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 2, maxQueue: 5 });
      const a = cold('-a-b|', { a: 1, b: 2 });
      const c = cold('--c|', { c: 3 });
      const d = cold('-d|', { d: 4 });
      expectObservable(a.pipe(bulkhead(b))).toBe('-a-b|', { a: 1, b: 2 });
      expectObservable(c.pipe(bulkhead(b))).toBe('--c|', { c: 3 });
      expectObservable(d.pipe(bulkhead(b))).toBe('----d|', { d: 4 });
      expectSubscriptions(a.subscriptions).toBe('^---!');
      expectSubscriptions(c.subscriptions).toBe('^--!');
      expectSubscriptions(d.subscriptions).toBe('---^-!');
    });
  });

  it('errors at subscription with BulkheadRejectedError "full" when the queue is full, never subscribing to the source', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ name: 'db', maxConcurrent: 1, maxQueue: 1 });
      const a = cold('----a|');
      const c = cold('c|');
      const d = cold('d|');
      expectObservable(a.pipe(bulkhead(b))).toBe('----a|');
      expectObservable(c.pipe(bulkhead(b))).toBe('-----c|');
      expectObservable(d.pipe(bulkhead(b))).toBe('#', undefined, full('db'));
      expectSubscriptions(d.subscriptions).toBe([]);
    });
  });

  it('rejects at once with the default maxQueue of 0', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1 });
      const a = cold('--a|');
      const c = cold('c|');
      expectObservable(a.pipe(bulkhead(b))).toBe('--a|');
      expectObservable(c.pipe(bulkhead(b))).toBe('#', undefined, full());
      expectSubscriptions(c.subscriptions).toBe([]);
    });
  });

  it('starts waiters in the order they queued', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 3 });
      const [a, c, d, e] = ['a', 'c', 'd', 'e'].map((v) => cold(`-${v}|`));
      expectObservable(a!.pipe(bulkhead(b))).toBe('-a|');
      expectObservable(c!.pipe(bulkhead(b))).toBe('---c|');
      expectObservable(d!.pipe(bulkhead(b))).toBe('-----d|');
      expectObservable(e!.pipe(bulkhead(b))).toBe('-------e|');
      expectSubscriptions(a!.subscriptions).toBe('^-!');
      expectSubscriptions(c!.subscriptions).toBe('--^-!');
      expectSubscriptions(d!.subscriptions).toBe('----^-!');
      expectSubscriptions(e!.subscriptions).toBe('------^-!');
    });
  });

  it('gives a released permit to the oldest waiter at that moment, skipping those that left', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 5 });
      const running = cold('-----|');
      const w1 = cold('w|');
      const w2 = cold('x|');
      const w3 = cold('y|');
      expectObservable(running.pipe(bulkhead(b))).toBe('-----|');
      expectObservable(w1.pipe(bulkhead(b)), '---!').toBe('---');
      expectObservable(w2.pipe(bulkhead(b))).toBe('-----x|');
      expectObservable(w3.pipe(bulkhead(b))).toBe('------y|');
      expectSubscriptions(w1.subscriptions).toBe([]);
      expectSubscriptions(w2.subscriptions).toBe('-----^!');
      expectSubscriptions(w3.subscriptions).toBe('------^!');
    });
  });

  it('leaves the queue when unsubscribed while waiting: the queued count drops and the source is never subscribed', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 2 });
      const a = cold('------a|');
      const c = cold('c|');
      const d = cold('d|');
      expectObservable(a.pipe(bulkhead(b))).toBe('------a|');
      expectObservable(c.pipe(bulkhead(b)), '--!').toBe('--');
      expectObservable(d.pipe(bulkhead(b))).toBe('-------d|');
      expectObservable(
        b.state$.pipe(
          map((s) => s.queued),
          distinctUntilChanged(),
        ),
        '---------!',
      ).toBe('2-1----0-', { 0: 0, 1: 1, 2: 2 });
      expectSubscriptions(c.subscriptions).toBe([]);
      expectSubscriptions(d.subscriptions).toBe('-------^!');
    });
  });

  it('errors with BulkheadRejectedError "queue-timeout" after waiting queueTimeout ms', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ name: 'api', maxConcurrent: 1, maxQueue: 2, queueTimeout: 4 });
      const a = cold('-------a|');
      const c = cold('c|');
      const d = cold('d|');
      expectObservable(a.pipe(bulkhead(b))).toBe('-------a|');
      expectObservable(c.pipe(bulkhead(b))).toBe('----#', undefined, timedOut('api'));
      expectObservable(d.pipe(bulkhead(b))).toBe('----#', undefined, timedOut('api'));
      expectSubscriptions(c.subscriptions).toBe([]);
      expectSubscriptions(d.subscriptions).toBe([]);
    });
  });

  it('a waiter granted before its queueTimeout runs normally and leaves no timer behind', () => {
    const scheduler = createScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 100 });
      const a = cold('--a|');
      const c = cold('-c|');
      expectObservable(a.pipe(bulkhead(b))).toBe('--a|');
      expectObservable(c.pipe(bulkhead(b))).toBe('----c|');
      expectSubscriptions(c.subscriptions).toBe('---^-!');
      scheduler.schedule(() => expect(pendingActions(scheduler)).toBe(0), 50);
    });
  });

  it('leaves no timer behind when a waiter under queueTimeout is unsubscribed', () => {
    const scheduler = createScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 100 });
      expectObservable(cold('-----|').pipe(bulkhead(b))).toBe('-----|');
      expectObservable(cold('c|').pipe(bulkhead(b)), '--!').toBe('--');
      scheduler.schedule(() => expect(pendingActions(scheduler)).toBe(0), 50);
    });
  });

  it('dispose() cancels the queue timers; the waiter stays queued and runs when the permit frees', () => {
    const scheduler = createScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 5 });
      const a = cold('--------a|');
      const c = cold('c|');
      expectObservable(a.pipe(bulkhead(b))).toBe('--------a|');
      expectObservable(c.pipe(bulkhead(b))).toBe('---------c|');
      expectSubscriptions(c.subscriptions).toBe('---------^!');
      scheduler.schedule(() => {
        expect(pendingActions(scheduler)).toBeGreaterThan(0);
        b.dispose();
      }, 2);
      scheduler.schedule(() => expect(b.snapshot()).toMatchObject({ active: 1, queued: 1, rejected: 0 }), 7);
    });
  });

  it('shows the bulkhead state as it goes', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const b = new Bulkhead({ maxConcurrent: 2, maxQueue: 2 });
      const call = (m: string) => cold(m).pipe(bulkhead(b));
      expectObservable(call('---|')).toBe('---|');
      expectObservable(call('------|')).toBe('------|');
      expectObservable(call('--|')).toBe('-----|');
      const active = b.state$.pipe(
        map((s) => s.active),
        distinctUntilChanged(),
      );
      expectObservable(active, '---------!').toBe('2----10--', { 0: 0, 1: 1, 2: 2 });
    });
  });

  it('lets repeat() resubscribe through a one-permit bulkhead with no queue', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1 });
      const a = cold('-a|');
      expectObservable(a.pipe(bulkhead(b), repeat(3))).toBe('-a-a-a|');
      expectSubscriptions(a.subscriptions).toBe(['^-!', '--^-!', '----^-!']);
    });
  });

  it('lets retry() resubscribe through a one-permit bulkhead with no queue', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1 });
      const a = cold('-#');
      expectObservable(a.pipe(bulkhead(b), retry(2))).toBe('---#');
      expectSubscriptions(a.subscriptions).toBe(['^!', '-^!', '--^!']);
    });
  });

  it('gives the permit back before passing completion or an error on: the subscriber can call again at once', () => {
    const b = new Bulkhead({ maxConcurrent: 1 });
    const log: unknown[] = [];
    const again = () =>
      of('again')
        .pipe(bulkhead(b))
        .subscribe({ next: (v) => log.push(v), error: (e) => log.push(e) });
    of(1)
      .pipe(bulkhead(b))
      .subscribe({
        complete: () => {
          log.push(`complete, active ${b.active}`);
          again();
        },
      });
    throwError(() => new Error('x'))
      .pipe(bulkhead(b))
      .subscribe({
        error: () => {
          log.push(`error, active ${b.active}`);
          again();
        },
      });
    expect(log).toEqual(['complete, active 0', 'again', 'error, active 0', 'again']);
  });

  it('lets concat() run synchronous sources one after another through a one-permit bulkhead', () => {
    const b = new Bulkhead({ maxConcurrent: 1 });
    const seen: unknown[] = [];
    concat(of(1, 2).pipe(bulkhead(b)), of(3).pipe(bulkhead(b))).subscribe({
      next: (v) => seen.push(v),
      error: (e) => seen.push(e),
      complete: () => seen.push('done'),
    });
    expect(seen).toEqual([1, 2, 3, 'done']);
    expect(b.active).toBe(0);
  });

  it('on unsubscription hands the permit on only after the source has been torn down', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const log: string[] = [];
    const running = new Observable<never>(() => () => log.push(`teardown (active ${b.active})`));
    const waiting = new Observable<never>(() => {
      log.push('waiter subscribed');
    });
    const sub = running.pipe(bulkhead(b)).subscribe();
    waiting.pipe(bulkhead(b)).subscribe();
    sub.unsubscribe();
    expect(log).toEqual(['teardown (active 1)', 'waiter subscribed']);
  });

  it('takes one permit per subscription of the same observable', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
      const a = cold('--a|');
      const guarded = a.pipe(bulkhead(b));
      expectObservable(merge(guarded, guarded)).toBe('--a--a|');
      expectSubscriptions(a.subscriptions).toBe(['^--!', '---^--!']);
    });
  });

  it('stops a synchronous firehose under take()', () => {
    const b = new Bulkhead({ maxConcurrent: 1 });
    const sideEffects: number[] = [];
    const firehose = new Observable<number>((subscriber) => {
      for (let i = 0; !subscriber.closed && i < 10; i++) {
        sideEffects.push(i);
        subscriber.next(i);
      }
    });
    firehose.pipe(bulkhead(b), take(3)).subscribe();
    expect(sideEffects).toEqual([0, 1, 2]);
    expect(b.active).toBe(0);
  });

  it('keeps unsubscription chains intact, with map(x => x) on both sides', () => {
    createScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1 });
      const source = hot('--1-^-2---3-4----|');
      const subs = '          ^--------!';
      const unsub = '         ---------!';
      const result = source.pipe(
        map((x) => x),
        bulkhead(b),
        map((x) => x),
      );
      expectObservable(result, unsub).toBe('--2---3-4', { 2: '2', 3: '3', 4: '4' });
      expectSubscriptions(source.subscriptions).toBe(subs);
      expectObservable(b.state$.pipe(map((s) => s.active)), '----------!').toBe('1--------0', { 0: 0, 1: 1 });
    });
  });

  it('throws a ResilienceConfigError when not given a Bulkhead', () => {
    expect(() => bulkhead(undefined as never)).toThrow(ResilienceConfigError);
    expect(() => bulkhead(undefined as never)).toThrow('bulkhead: bulkhead must be a Bulkhead, got undefined');
    expect(() => bulkhead({} as never)).toThrow('bulkhead: bulkhead must be a Bulkhead, got an object');
    expect(() => bulkhead(null as never)).toThrow('got null');
    expect(() => bulkhead(5 as never)).toThrow('got 5');
  });
});
