import {
  asyncScheduler,
  NEVER,
  concat,
  distinctUntilChanged,
  map,
  mergeMap,
  Observable,
  of,
  range,
  Subject,
  take,
  throwError,
} from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Bulkhead } from '../../src/bulkhead/index';
import { BulkheadRejectedError } from '../../src/errors/BulkheadRejectedError';
import { ResilienceConfigError } from '../../src/errors/ResilienceConfigError';
import { bulkhead } from '../../src/operators/bulkhead';
import { bulkheadMap } from '../../src/operators/bulkheadMap';
import { describeContract } from '../contract/contract';
import { createScheduler, pendingActions } from '../helpers/scheduler';

describeContract('bulkheadMap (options)', () => bulkheadMap((x: unknown) => of(x), { maxConcurrent: 2 }));
describeContract('bulkheadMap (shared Bulkhead)', () =>
  bulkheadMap((x: unknown) => of(x), new Bulkhead({ maxConcurrent: 1, maxQueue: Infinity })),
);

describe('bulkheadMap(project, options)', () => {
  it('runs at most maxConcurrent calls at once; the other values wait, in order', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('abc|');
      const inner = cold(' --x|');
      const result = source.pipe(bulkheadMap((v) => inner.pipe(map(() => v.toUpperCase())), { maxConcurrent: 2 }));
      expectObservable(result).toBe('--AB-C|');
      expectSubscriptions(inner.subscriptions).toBe(['^--!', '-^--!', '---^--!']);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('with maxConcurrent 1 runs the calls one after another, like concatMap', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c|');
      const inner = cold(' -x-y|');
      const result = source.pipe(bulkheadMap((v) => inner.pipe(map((w) => v + w)), { maxConcurrent: 1 }));
      expectObservable(result).toBe('-p-q-r-s-t-u|', { p: 'ax', q: 'ay', r: 'bx', s: 'by', t: 'cx', u: 'cy' });
      expectSubscriptions(inner.subscriptions).toBe(['^---!', '----^---!', '--------^---!']);
    });
  });

  it('passes each value and its 0-based index to project', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c|');
      const result = source.pipe(bulkheadMap((v, i) => of(`${v}${i}`), { maxConcurrent: 1 }));
      expectObservable(result).toBe('a-b-c|', { a: 'a0', b: 'b1', c: 'c2' });
    });
  });

  it('never rejects by default (maxQueue Infinity): a burst of 1,000 values all run, in order', () => {
    const seen: number[] = [];
    let completedAt = -1;
    createScheduler().run(({ cold }) => {
      range(0, 1000)
        .pipe(bulkheadMap((i) => cold('-x|', { x: i }), { maxConcurrent: 10 }))
        .subscribe({ next: (i) => seen.push(i), complete: () => (completedAt = asyncScheduler.now()) });
    });
    expect(seen).toEqual([...Array(1000).keys()]);
    expect(completedAt).toBe(200); // 100 rounds of 10 calls, 2 ms each
  });

  it('errors the output with BulkheadRejectedError "full" when a value finds the queue full', () => {
    const calls: string[] = [];
    createScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a-b-c|');
      const inner = cold('------x|');
      const result = source.pipe(
        bulkheadMap(
          (v) => {
            calls.push(v);
            return inner;
          },
          { name: 'uploads', maxConcurrent: 1, maxQueue: 1 },
        ),
      );
      expectObservable(result).toBe('----#', undefined, new BulkheadRejectedError('uploads', 'full'));
      expectSubscriptions(inner.subscriptions).toBe('^---!');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(calls).toEqual(['a']);
  });

  it('names its bulkhead "bulkheadMap" by default', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const result = cold('ab').pipe(bulkheadMap(() => cold('--|'), { maxConcurrent: 1, maxQueue: 0 }));
      expectObservable(result).toBe('-#', undefined, new BulkheadRejectedError('bulkheadMap', 'full'));
    });
  });

  it('errors the output with BulkheadRejectedError "queue-timeout" when a value waits longer than queueTimeout', () => {
    const scheduler = createScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('ab-|');
      const inner = cold(' -----x|');
      const result = source.pipe(bulkheadMap(() => inner, { maxConcurrent: 1, queueTimeout: 3 }));
      expectObservable(result).toBe('----#', undefined, new BulkheadRejectedError('bulkheadMap', 'queue-timeout'));
      expectSubscriptions(inner.subscriptions).toBe('^---!');
    });
  });

  it('cancels the queue timers of the values still waiting when the output errors', () => {
    const scheduler = createScheduler();
    let pending = -1;
    scheduler.run(({ cold, expectObservable }) => {
      const pool = new Bulkhead({ maxConcurrent: 1, maxQueue: 5, queueTimeout: 10 });
      expectObservable(cold('-').pipe(bulkhead(pool))).toBe('-'); // holds the only permit
      const result = cold('b-----c').pipe(bulkheadMap(() => of(1), pool));
      // b times out at 10; c, queued at 6, would time out at 16
      expectObservable(result).toBe('----------#', undefined, new BulkheadRejectedError('bulkhead', 'queue-timeout'));
      scheduler.schedule(() => (pending = pendingActions(scheduler)), 13);
    });
    expect(pending).toBe(0);
  });

  it('gives each subscription its own bulkhead', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('ab|');
      const inner = cold(' --x|');
      const result = source.pipe(bulkheadMap(() => inner, { maxConcurrent: 1 }));
      expectObservable(result).toBe('--x--x|');
      expectObservable(result).toBe('--x--x|');
      expectSubscriptions(inner.subscriptions).toBe(['^--!', '^--!', '---^--!', '---^--!']);
    });
  });

  it('completes when the source has completed and the last call completes', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const inner = cold('---x|');
      expectObservable(cold('a|').pipe(bulkheadMap(() => inner, { maxConcurrent: 1 }))).toBe('---x|');
      expectObservable(cold('a----|').pipe(bulkheadMap(() => of('x'), { maxConcurrent: 1 }))).toBe('x----|');
      expectObservable(cold('ab|').pipe(bulkheadMap(() => inner, { maxConcurrent: 1 }))).toBe('---x---x|');
      expectObservable(cold('|').pipe(bulkheadMap(() => inner, { maxConcurrent: 1 }))).toBe('|');
      expectObservable(cold('a').pipe(bulkheadMap(() => inner, { maxConcurrent: 1 }))).toBe('---x');
    });
  });

  it('errors the output with an error thrown by project; no later value is projected', () => {
    const calls: string[] = [];
    createScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a-b-c|');
      const inner = cold('-----x|');
      const result = source.pipe(
        bulkheadMap(
          (v) => {
            calls.push(v);
            if (v === 'b') throw new Error('bad value');
            return inner;
          },
          { maxConcurrent: 2 },
        ),
      );
      expectObservable(result).toBe('--#', undefined, new Error('bad value'));
      expectSubscriptions(inner.subscriptions).toBe('^-!');
    });
    expect(calls).toEqual(['a', 'b']);
  });

  it('errors the output with an error emitted by a call, unsubscribing the others', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('ab|');
      const good = cold('----x|');
      const bad = cold(' --#', undefined, new Error('call failed'));
      const result = source.pipe(bulkheadMap((v) => (v === 'a' ? good : bad), { maxConcurrent: 2 }));
      expectObservable(result).toBe('---#', undefined, new Error('call failed'));
      expectSubscriptions(good.subscriptions).toBe('^--!');
      expectSubscriptions(bad.subscriptions).toBe('-^-!');
    });
  });

  it('errors the output with the source error, dropping the values that wait', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('abc#');
      const inner = cold('-----x|');
      const result = source.pipe(bulkheadMap(() => inner, { maxConcurrent: 1 }));
      expectObservable(result).toBe('---#');
      expectSubscriptions(inner.subscriptions).toBe('^--!');
    });
  });

  it('accepts any ObservableInput from project (arrays, iterables, promises)', async () => {
    const values: unknown[] = [];
    await new Promise<void>((resolve) =>
      of(1, 2)
        .pipe(bulkheadMap((x) => (x === 1 ? [x, x * 10] : Promise.resolve(x)), { maxConcurrent: 1 }))
        .subscribe({ next: (v) => values.push(v), complete: resolve }),
    );
    expect(values).toEqual([1, 10, 2]);
  });

  it('errors the output when project returns something that is not an ObservableInput', () => {
    const errors: unknown[] = [];
    of(1)
      .pipe(bulkheadMap(() => 42 as never, { maxConcurrent: 1 }))
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
  });

  it('errors at once when a synchronous source overflows the queue, and stops the source', () => {
    const emitted: number[] = [];
    const source = new Observable<number>((subscriber) => {
      for (let i = 0; i < 10 && !subscriber.closed; i++) {
        emitted.push(i);
        subscriber.next(i);
      }
    });
    const errors: unknown[] = [];
    source
      .pipe(bulkheadMap(() => NEVER, { maxConcurrent: 1, maxQueue: 1 }))
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([new BulkheadRejectedError('bulkheadMap', 'full')]);
    expect(emitted).toEqual([0, 1, 2]);
  });

  it('runs synchronous calls through a one-permit, no-queue bulkhead without rejecting any', () => {
    const seen: unknown[] = [];
    of(1, 2, 3)
      .pipe(bulkheadMap((x) => of(x), { maxConcurrent: 1, maxQueue: 0 }))
      .subscribe({ next: (v) => seen.push(v), complete: () => seen.push('done') });
    expect(seen).toEqual([1, 2, 3, 'done']);
  });

  it('drains a 100,000-value backlog of synchronous calls without growing the stack', () => {
    const gate = new Subject<never>();
    let count = 0;
    let done = false;
    range(0, 100_000)
      .pipe(bulkheadMap((i) => (i === 0 ? gate : of(i)), { maxConcurrent: 1 }))
      .subscribe({ next: () => count++, complete: () => (done = true) });
    expect(count).toBe(0);
    gate.complete();
    expect([count, done]).toEqual([99_999, true]);
  });

  it('handles a 100,000-value synchronous burst', () => {
    let sum = 0;
    range(0, 100_000)
      .pipe(bulkheadMap((i) => of(i), { maxConcurrent: 4 }))
      .subscribe((i) => (sum += i));
    expect(sum).toBe((100_000 * 99_999) / 2);
  });

  it('stops a synchronous firehose under take() (source and inner)', () => {
    const sideEffects: number[] = [];
    const firehose = new Observable<number>((subscriber) => {
      for (let i = 0; !subscriber.closed && i < 10; i++) {
        sideEffects.push(i);
        subscriber.next(i);
      }
    });
    firehose
      .pipe(
        bulkheadMap((x) => of(x), { maxConcurrent: 1 }),
        take(3),
      )
      .subscribe();
    expect(sideEffects).toEqual([0, 1, 2]);
    sideEffects.length = 0;
    of(0)
      .pipe(
        bulkheadMap(() => firehose, { maxConcurrent: 1 }),
        take(3),
      )
      .subscribe();
    expect(sideEffects).toEqual([0, 1, 2]);
  });

  it('keeps unsubscription chains intact, with map(x => x) on both sides', () => {
    createScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('--1-^-2---3-4----|');
      const subs = '          ^--------!';
      const unsub = '         ---------!';
      const inner = cold('    -x---|');
      const result = source.pipe(
        map((x) => x),
        bulkheadMap(() => inner, { maxConcurrent: 1 }),
        map((x) => x),
      );
      expectObservable(result, unsub).toBe('---x----x');
      expectSubscriptions(source.subscriptions).toBe(subs);
      expectSubscriptions(inner.subscriptions).toBe(['--^----!', '-------^-!']);
    });
  });

  it('unsubscribing the output unsubscribes the running calls and never projects a queued value', () => {
    const scheduler = createScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('abcd|');
      const inner = cold(' ---x|');
      const calls: string[] = [];
      const result = source.pipe(
        bulkheadMap(
          (v) => {
            calls.push(v);
            return inner;
          },
          { maxConcurrent: 2, queueTimeout: 50 },
        ),
      );
      expectObservable(result, '--!').toBe('--');
      expectSubscriptions(inner.subscriptions).toBe(['^-!', '-^!']);
      scheduler.schedule(() => {
        expect(calls).toEqual(['a', 'b']);
        expect(pendingActions(scheduler)).toBe(0);
      }, 10);
    });
  });

  it('never projects a queued value while the teardown of a running call hands its permit on', () => {
    const source = new Subject<string>();
    const calls: string[] = [];
    const running = new Observable<string>(() => () => {
      // The running call's teardown: its permit is about to be handed on, and it even pushes more.
      source.next('late');
    });
    const sub = source
      .pipe(
        bulkheadMap(
          (v) => {
            calls.push(v);
            return running;
          },
          { maxConcurrent: 1 },
        ),
      )
      .subscribe();
    source.next('a');
    source.next('b');
    source.next('c');
    sub.unsubscribe();
    expect(calls).toEqual(['a']);
  });
});

describe('bulkheadMap(project, bulkhead)', () => {
  it('shares the permits and the FIFO queue with every other user of the bulkhead', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 10 });
      const inner = cold('--x|');
      const other = cold('-o|');
      const s1 = cold('a-b|');
      expectObservable(s1.pipe(bulkheadMap((v) => inner.pipe(map(() => v)), b))).toBe('--a----b|');
      // queues at 1: after a (running) and before b (which arrives at 2)
      expectObservable(other.pipe(bulkhead(b)), '-^').toBe('----o|');
      expectSubscriptions(inner.subscriptions).toBe(['^--!', '-----^--!']);
      expectSubscriptions(other.subscriptions).toBe('---^-!');
      const active = b.state$.pipe(
        map((s) => `${s.active}${s.queued}`),
        distinctUntilChanged(),
      );
      expectObservable(active, '-^--------!').toBe('-abc-d--e', { a: '11', b: '12', c: '11', d: '10', e: '00' });
    });
  });

  it('errors the output when the shared bulkhead rejects a value', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ name: 'db', maxConcurrent: 1, maxQueue: 1 });
      const hog = cold('------|');
      expectObservable(hog.pipe(bulkhead(b))).toBe('------|');
      const inner = cold('-x|');
      const result = cold('a-b|').pipe(bulkheadMap(() => inner, b));
      expectObservable(result).toBe('--#', undefined, new BulkheadRejectedError('db', 'full'));
      expectSubscriptions(inner.subscriptions).toBe([]);
      // from frame 1, once a has queued
      expectObservable(
        b.state$.pipe(
          map((s) => s.queued),
          distinctUntilChanged(),
        ),
        '-^---!',
      ).toBe('-10', { 0: 0, 1: 1 });
    });
  });

  it('errors the output with "queue-timeout" under the shared bulkhead\'s queueTimeout', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const b = new Bulkhead({ name: 'db', maxConcurrent: 1, maxQueue: 5, queueTimeout: 3 });
      expectObservable(cold('--------|').pipe(bulkhead(b))).toBe('--------|');
      expectObservable(cold('-a|').pipe(bulkheadMap(() => of(1), b))).toBe(
        '----#',
        undefined,
        new BulkheadRejectedError('db', 'queue-timeout'),
      );
    });
  });

  it("on unsubscription leaves the queue first, so the running calls' permits go to other users, not to its own queued values", () => {
    const calls: string[] = [];
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 10 });
      const inner = cold('-----x|');
      const mine = cold('ab|').pipe(
        bulkheadMap((v) => {
          calls.push(v);
          return inner;
        }, b),
      );
      const theirs = cold('t|');
      expectObservable(mine, '---!').toBe('---');
      // queues at 2, behind b
      expectObservable(theirs.pipe(bulkhead(b)), '--^').toBe('---t|');
      expectSubscriptions(inner.subscriptions).toBe('^--!');
      expectSubscriptions(theirs.subscriptions).toBe('---^!');
    });
    expect(calls).toEqual(['a']);
  });

  it('returns every permit when the output errors: the bulkhead ends with nothing active or queued', () => {
    const b = new Bulkhead({ maxConcurrent: 2, maxQueue: 10 });
    const source = new Subject<number>();
    const inners = [new Subject<number>(), new Subject<number>()];
    const errors: unknown[] = [];
    source.pipe(bulkheadMap((i) => inners[i] ?? of(i), b)).subscribe({ error: (e) => errors.push(e) });
    [0, 1, 2, 3].forEach((i) => source.next(i));
    expect(b.snapshot()).toMatchObject({ active: 2, queued: 2 });
    inners[1]!.error(new Error('x'));
    expect(errors).toEqual([new Error('x')]);
    expect(b.snapshot()).toMatchObject({ active: 0, queued: 0 });
    expect(inners[0]!.observed).toBe(false);
  });

  it.each<[string, (ctl: { inners: Subject<number>[]; source: Subject<number> }) => void, unknown, number[]]>([
    ['a call errors', ({ inners }) => inners[0]!.error(new Error('call failed')), new Error('call failed'), [0, 1]],
    ['the source errors', ({ source }) => source.error(new Error('source failed')), new Error('source failed'), [0, 1]],
    [
      'project throws',
      ({ source, inners }) => {
        source.next(-1); // queued behind 2 and 3
        inners[0]!.complete(); // 2, 3 run (and complete at once), then -1 throws
      },
      new Error('bad value'),
      [0, 1, 2, 3],
    ],
    [
      'a value is rejected',
      ({ source }) => [5, 6, 7].forEach((i) => source.next(i)),
      new BulkheadRejectedError('db', 'full'),
      [0, 1],
    ],
  ])(
    'when %s, gives every permit back and leaves the queue before the subscriber hears the error',
    (_label, fail, expected, projected) => {
      const b = new Bulkhead({ name: 'db', maxConcurrent: 2, maxQueue: 3 });
      const source = new Subject<number>();
      const inners = [new Subject<number>(), new Subject<number>()];
      const calls: number[] = [];
      const heard: unknown[] = [];
      source
        .pipe(
          bulkheadMap((i) => {
            if (i < 0) throw new Error('bad value');
            calls.push(i);
            return inners[i] ?? of(i);
          }, b),
        )
        .subscribe({ error: (e) => heard.push(e, b.snapshot()) });
      [0, 1, 2, 3].forEach((i) => source.next(i));
      expect(b.snapshot()).toMatchObject({ active: 2, queued: 2 });
      fail({ inners, source });
      expect(heard).toEqual([expected, expect.objectContaining({ active: 0, queued: 0 })]);
      expect(calls).toEqual(projected);
      expect(inners.map((s) => s.observed)).toEqual([false, false]);
      expect(source.observed).toBe(false);
    },
  );

  it("when failing, a running call's teardown can push no new value in", () => {
    const source = new Subject<string>();
    const calls: string[] = [];
    const inner = new Subject<string>();
    const running = new Observable<string>(() => () => source.next('late'));
    const errors: unknown[] = [];
    source
      .pipe(
        bulkheadMap(
          (v) => {
            calls.push(v);
            return v === 'a' ? running : inner;
          },
          { maxConcurrent: 2 },
        ),
      )
      .subscribe({ error: (e) => errors.push(e) });
    source.next('a');
    source.next('b');
    inner.error(new Error('b failed'));
    expect(calls).toEqual(['a', 'b']);
    expect(errors).toEqual([new Error('b failed')]);
  });

  it('gives the permit back once when a call unsubscribes itself (the output then waits, as mergeMap does)', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 5 });
    const seen = { released: 0 };
    b.events$.subscribe((e) => {
      if (e.type === 'released') seen.released++;
    });
    const selfEnding = new Observable<number>((subscriber) => {
      subscriber.unsubscribe();
      subscriber.unsubscribe();
    });
    const values: number[] = [];
    of(1, 2)
      .pipe(bulkheadMap((x) => (x === 1 ? selfEnding : of(x)), b))
      .subscribe((v) => values.push(v));
    expect(values).toEqual([2]);
    expect(seen.released).toBe(2);
    expect(b.snapshot()).toMatchObject({ active: 0, queued: 0 });
  });

  it('releases the last permit before completing, so what follows in concat() finds it free', () => {
    const b = new Bulkhead({ maxConcurrent: 1 });
    const seen: unknown[] = [];
    concat(of(1, 2).pipe(bulkheadMap((x) => of(x), b)), of(3).pipe(bulkhead(b))).subscribe({
      next: (v) => seen.push(v),
      error: (e) => seen.push(e),
      complete: () => seen.push('done'),
    });
    expect(seen).toEqual([1, 2, 3, 'done']);
  });

  it('drains a 100,000-value backlog through a shared bulkhead', () => {
    const b = new Bulkhead({ maxConcurrent: 2, maxQueue: Infinity });
    const gates = [new Subject<never>(), new Subject<never>()];
    let count = 0;
    range(0, 100_000)
      .pipe(bulkheadMap((i) => gates[i] ?? of(i), b))
      .subscribe(() => count++);
    expect(b.snapshot()).toMatchObject({ active: 2, queued: 99_998 });
    gates[0]!.complete();
    expect(count).toBe(99_998);
    gates[1]!.complete();
    expect(b.snapshot()).toMatchObject({ active: 0, queued: 0 });
  });

  it('is the same as mergeMap(project, n) for a private bulkhead with no queue limit', () => {
    const viaMergeMap: string[] = [];
    const viaBulkhead: string[] = [];
    createScheduler().run(({ cold, hot }) => {
      const source = hot('a-b-c-d-e-f|');
      const project = (v: string) => cold('---x-y|', { x: v, y: v.toUpperCase() });
      const log = (into: string[]) => ({
        next: (v: string) => into.push(`${asyncScheduler.now()} ${v}`),
        complete: () => into.push(`${asyncScheduler.now()} |`),
      });
      source.pipe(mergeMap(project, 2)).subscribe(log(viaMergeMap));
      source.pipe(bulkheadMap(project, { maxConcurrent: 2 })).subscribe(log(viaBulkhead));
    });
    expect(viaBulkhead).toEqual(viaMergeMap);
    expect(viaBulkhead).toHaveLength(13);
  });
});

describe('bulkheadMap: options', () => {
  it.each<[string, unknown, string]>([
    [
      'no options',
      undefined,
      'bulkheadMap "bulkheadMap": bulkheadOrOptions must be a Bulkhead or an options object, got undefined',
    ],
    ['null options', null, 'bulkheadMap "bulkheadMap": options must be an object, got null'],
    [
      'missing maxConcurrent',
      {},
      'bulkheadMap "bulkheadMap": maxConcurrent must be an integer >= 1 or Infinity, got undefined',
    ],
    [
      'maxConcurrent 0',
      { maxConcurrent: 0, name: 'x' },
      'bulkheadMap "x": maxConcurrent must be an integer >= 1 or Infinity, got 0',
    ],
    ['negative maxQueue', { maxConcurrent: 1, maxQueue: -1 }, 'maxQueue must be an integer >= 0 or Infinity, got -1'],
    ['zero queueTimeout', { maxConcurrent: 1, queueTimeout: 0 }, 'queueTimeout must be a finite number > 0, got 0'],
    ['empty name', { maxConcurrent: 1, name: '' }, 'bulkheadMap: name must be a non-empty string, got ""'],
    ['bad scheduler', { maxConcurrent: 1, scheduler: 1 }, 'scheduler must be a SchedulerLike'],
    [
      'unknown option',
      { maxConcurrent: 1, concurrency: 2 },
      'bulkheadMap "bulkheadMap": concurrency is not a known option (known: maxConcurrent, maxQueue, name, queueTimeout, scheduler)',
    ],
  ])('throws a ResilienceConfigError at creation for %s', (_label, options, message) => {
    const make = () => bulkheadMap(() => of(1), options as never);
    expect(make).toThrow(ResilienceConfigError);
    expect(make).toThrow(message);
  });

  it('throws a ResilienceConfigError when project is not a function', () => {
    expect(() => bulkheadMap(undefined as never, { maxConcurrent: 1 })).toThrow(
      'bulkheadMap "bulkheadMap": project must be a function, got undefined',
    );
    expect(() => bulkheadMap(5 as never, new Bulkhead({ maxConcurrent: 1 }))).toThrow(
      'bulkheadMap: project must be a function, got 5',
    );
  });

  it('accepts Infinity for maxConcurrent, maxQueue and queueTimeout, and a custom scheduler', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const inner = cold('--x|');
      const result = cold('abc|').pipe(
        bulkheadMap(() => inner, { maxConcurrent: Infinity, maxQueue: Infinity, queueTimeout: Infinity }),
      );
      expectObservable(result).toBe('--xxx|');
    });
    const seen: number[] = [];
    of(1)
      .pipe(bulkheadMap((x) => of(x), { maxConcurrent: 1, queueTimeout: 10, scheduler: createScheduler() }))
      .subscribe((v) => seen.push(v));
    expect(seen).toEqual([1]);
  });

  it('propagates an error thrown synchronously inside the call to the output', () => {
    const errors: unknown[] = [];
    of(1)
      .pipe(bulkheadMap(() => throwError(() => new Error('inner')), { maxConcurrent: 1 }))
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([new Error('inner')]);
  });
});
