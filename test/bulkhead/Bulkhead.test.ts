import { asyncScheduler, queueScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Bulkhead } from '../../src/bulkhead/index';
import type { BulkheadEvent, BulkheadPermit, BulkheadSnapshot, BulkheadWaiter } from '../../src/bulkhead/index';
import { BulkheadRejectedError } from '../../src/errors/BulkheadRejectedError';
import { ResilienceConfigError } from '../../src/errors/ResilienceConfigError';
import { ResilienceError } from '../../src/errors/ResilienceError';
import { createScheduler, pendingActions } from '../helpers/scheduler';

/** A call through the low-level API that records what happened to it. */
function call(b: Bulkhead, log: string[] = [], label = '') {
  const seen = { granted: 0, rejected: null as BulkheadRejectedError | null };
  const permit = b.acquire(
    () => {
      seen.granted++;
      log.push(`granted ${label}`);
    },
    (error) => {
      seen.rejected = error;
      log.push(`rejected ${label} ${error.reason}`);
    },
  );
  return { permit, seen };
}

function events(b: Bulkhead): BulkheadEvent[] {
  const seen: BulkheadEvent[] = [];
  b.events$.subscribe((e) => seen.push(e));
  return seen;
}

describe('Bulkhead: options', () => {
  it('has the documented defaults', () => {
    const b = new Bulkhead({ maxConcurrent: 2 });
    expect(b.name).toBe('bulkhead');
    expect(b.maxConcurrent).toBe(2);
    expect(b.maxQueue).toBe(0);
    expect(b.queueTimeout).toBeUndefined();
    expect(b.snapshot()).toEqual({
      name: 'bulkhead',
      active: 0,
      queued: 0,
      maxConcurrent: 2,
      maxQueue: 0,
      utilization: 0,
      rejected: 0,
    });
  });

  it('keeps what it is given', () => {
    const b = new Bulkhead({ name: 'db', maxConcurrent: 3, maxQueue: 7, queueTimeout: 250, scheduler: queueScheduler });
    expect([b.name, b.maxConcurrent, b.maxQueue, b.queueTimeout]).toEqual(['db', 3, 7, 250]);
  });

  it('accepts Infinity for maxConcurrent and maxQueue, and treats queueTimeout: Infinity as no limit', () => {
    const b = new Bulkhead({ maxConcurrent: Infinity, maxQueue: Infinity, queueTimeout: Infinity });
    expect(b.queueTimeout).toBeUndefined();
    for (let i = 0; i < 1000; i++) call(b);
    expect(b.snapshot()).toMatchObject({ active: 1000, queued: 0, utilization: 0, maxQueue: Infinity });
  });

  it.each<[string, unknown, string]>([
    ['no options', undefined, 'Bulkhead "bulkhead": maxConcurrent must be an integer >= 1 or Infinity, got undefined'],
    ['null options', null, 'Bulkhead "bulkhead": options must be an object, got null'],
    [
      'missing maxConcurrent',
      { name: 'db' },
      'Bulkhead "db": maxConcurrent must be an integer >= 1 or Infinity, got undefined',
    ],
    [
      'maxConcurrent 0',
      { maxConcurrent: 0 },
      'Bulkhead "bulkhead": maxConcurrent must be an integer >= 1 or Infinity, got 0',
    ],
    ['fractional maxConcurrent', { maxConcurrent: 1.5 }, 'maxConcurrent must be an integer >= 1 or Infinity, got 1.5'],
    ['string maxConcurrent', { maxConcurrent: '2' }, 'maxConcurrent must be an integer >= 1 or Infinity, got "2"'],
    [
      'negative maxQueue',
      { maxConcurrent: 1, maxQueue: -1 },
      'Bulkhead "bulkhead": maxQueue must be an integer >= 0 or Infinity, got -1',
    ],
    [
      'fractional maxQueue',
      { maxConcurrent: 1, maxQueue: 0.5 },
      'maxQueue must be an integer >= 0 or Infinity, got 0.5',
    ],
    ['zero queueTimeout', { maxConcurrent: 1, queueTimeout: 0 }, 'queueTimeout must be a finite number > 0, got 0'],
    [
      'negative queueTimeout',
      { maxConcurrent: 1, queueTimeout: -5 },
      'queueTimeout must be a finite number > 0, got -5',
    ],
    ['NaN queueTimeout', { maxConcurrent: 1, queueTimeout: NaN }, 'queueTimeout must be a finite number > 0, got NaN'],
    ['too long queueTimeout', { maxConcurrent: 1, queueTimeout: 2 ** 31 }, 'got 2147483648'],
    ['empty name', { maxConcurrent: 1, name: '' }, 'Bulkhead: name must be a non-empty string, got ""'],
    ['bad scheduler', { maxConcurrent: 1, scheduler: {} }, 'scheduler must be a SchedulerLike'],
    [
      'unknown option',
      { maxConcurrent: 1, maxConcurent: 2 },
      'Bulkhead "bulkhead": maxConcurent is not a known option (known: name, maxConcurrent, maxQueue, queueTimeout, scheduler)',
    ],
  ])('rejects %s with a ResilienceConfigError naming the option and the value', (_label, options, message) => {
    const make = () => new Bulkhead(options as never);
    expect(make).toThrow(ResilienceConfigError);
    expect(make).toThrow(message);
  });

  it('names the option, rule and value on the error', () => {
    try {
      new Bulkhead({ name: 'db', maxConcurrent: -3 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ResilienceError);
      expect(error).toMatchObject({
        name: 'ResilienceConfigError',
        place: 'Bulkhead "db"',
        option: 'maxConcurrent',
        value: -3,
      });
    }
  });
});

describe('Bulkhead: permits and queue', () => {
  it('grants a free permit synchronously, before acquire() returns', () => {
    const b = new Bulkhead({ maxConcurrent: 2 });
    let grantedWith: BulkheadPermit | null = null;
    const permit = b.acquire(
      (p) => {
        grantedWith = p;
        expect(p.status).toBe('active');
        expect(b.active).toBe(1);
      },
      () => expect.unreachable(),
    );
    expect(grantedWith).toBe(permit);
    expect(permit.status).toBe('active');
    expect(b.snapshot()).toMatchObject({ active: 1, queued: 0, utilization: 0.5 });
  });

  it('queues a call when every permit is taken, without calling either callback', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    call(b);
    const { permit, seen } = call(b);
    expect(permit.status).toBe('waiting');
    expect(seen).toEqual({ granted: 0, rejected: null });
    expect(b.snapshot()).toMatchObject({ active: 1, queued: 1, utilization: 1 });
    expect(b.queued).toBe(1);
  });

  it('rejects at once with reason "full" when the queue is full (maxQueue 0 by default)', () => {
    const b = new Bulkhead({ name: 'db', maxConcurrent: 1 });
    call(b);
    const { permit, seen } = call(b);
    expect(permit.status).toBe('rejected');
    expect(seen.granted).toBe(0);
    expect(seen.rejected).toBeInstanceOf(BulkheadRejectedError);
    expect(seen.rejected).toMatchObject({ name: 'BulkheadRejectedError', bulkhead: 'db', reason: 'full' });
    expect(b.snapshot()).toMatchObject({ active: 1, queued: 0, rejected: 1 });
  });

  it('rejects only once the queue holds maxQueue calls', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const calls = [call(b), call(b), call(b), call(b)];
    expect(calls.map((c) => c.permit.status)).toEqual(['active', 'waiting', 'waiting', 'rejected']);
    expect(b.snapshot()).toMatchObject({ active: 1, queued: 2, rejected: 1 });
  });

  it('hands a released permit synchronously to the oldest waiter, in FIFO order', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 3 });
    const log: string[] = [];
    const first = call(b, log, 'a');
    const waiters = ['b', 'c', 'd'].map((l) => call(b, log, l));
    first.permit.release();
    expect(log).toEqual(['granted a', 'granted b']);
    expect(first.permit.status).toBe('released');
    expect(waiters.map((w) => w.permit.status)).toEqual(['active', 'waiting', 'waiting']);
    waiters[0]!.permit.release();
    waiters[1]!.permit.release();
    expect(log).toEqual(['granted a', 'granted b', 'granted c', 'granted d']);
    waiters[2]!.permit.release();
    expect(b.snapshot()).toMatchObject({ active: 0, queued: 0 });
  });

  it('lets a waiter leave the queue; the permit then goes to the next one', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 3 });
    const log: string[] = [];
    const first = call(b, log, 'a');
    const second = call(b, log, 'b');
    const third = call(b, log, 'c');
    second.permit.release();
    expect(second.permit.status).toBe('released');
    expect(b.snapshot()).toMatchObject({ active: 1, queued: 1 });
    first.permit.release();
    expect(log).toEqual(['granted a', 'granted c']);
    expect(third.permit.status).toBe('active');
    expect(second.seen.granted).toBe(0);
  });

  it('counts a permit once however many times it is released (release and unsubscribe are the same)', () => {
    const b = new Bulkhead({ maxConcurrent: 2, maxQueue: 1 });
    const a = call(b);
    const c = call(b);
    a.permit.release();
    a.permit.release();
    a.permit.unsubscribe();
    expect(b.active).toBe(1);
    c.permit.unsubscribe();
    expect(b.active).toBe(0);
    call(b);
    call(b);
    const queued = call(b);
    expect(queued.permit.status).toBe('waiting');
    const full = call(b);
    expect(full.permit.status).toBe('rejected');
    full.permit.release();
    expect(b.snapshot()).toMatchObject({ active: 2, queued: 1, rejected: 1 });
  });

  it('calls the methods of a waiter object with the waiter as `this`', () => {
    const b = new Bulkhead({ maxConcurrent: 1 });
    const log: unknown[] = [];
    class Waiter implements BulkheadWaiter {
      constructor(readonly label: string) {}
      granted(permit: BulkheadPermit): void {
        log.push([this.label, 'granted', permit.status]);
      }
      rejected(error: BulkheadRejectedError): void {
        log.push([this.label, 'rejected', error.reason]);
      }
    }
    const first = b.acquire(new Waiter('x'));
    b.acquire(new Waiter('y'));
    expect(log).toEqual([
      ['x', 'granted', 'active'],
      ['y', 'rejected', 'full'],
    ]);
    expect(first.status).toBe('active');
  });

  it('shares permits between every caller of one instance', () => {
    const b = new Bulkhead({ maxConcurrent: 3, maxQueue: 1 });
    const held = [call(b), call(b), call(b)];
    expect(call(b).permit.status).toBe('waiting');
    expect(call(b).permit.status).toBe('rejected');
    held[1]!.permit.release();
    expect(b.snapshot()).toMatchObject({ active: 3, queued: 0 });
  });
});

describe('Bulkhead: queueTimeout', () => {
  it('rejects a waiter with reason "queue-timeout" exactly queueTimeout ms after it queued', () => {
    const scheduler = createScheduler();
    scheduler.run(({ flush }) => {
      const b = new Bulkhead({ name: 'api', maxConcurrent: 1, maxQueue: 2, queueTimeout: 5 });
      call(b);
      let rejectedAt = -1;
      let rejection: BulkheadRejectedError | null = null;
      asyncScheduler.schedule(() => {
        b.acquire(
          () => expect.unreachable(),
          (error) => {
            rejectedAt = asyncScheduler.now();
            rejection = error;
          },
        );
      }, 3);
      flush();
      expect(rejectedAt).toBe(8);
      expect(rejection).toMatchObject({ name: 'BulkheadRejectedError', bulkhead: 'api', reason: 'queue-timeout' });
      expect(rejection!.message).toBe('Bulkhead "api": call waited longer than its queue timeout');
      expect(b.snapshot()).toMatchObject({ active: 1, queued: 0, rejected: 1 });
    });
  });

  it('cancels the timer when the waiter gets its permit', () => {
    const scheduler = createScheduler();
    scheduler.run(({ flush }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 100 });
      const first = call(b);
      const waiter = call(b);
      expect(pendingActions(scheduler)).toBe(1);
      asyncScheduler.schedule(() => first.permit.release(), 10);
      // The TestScheduler's own action, not an asyncScheduler one (whose interval would be pending).
      scheduler.schedule(() => {
        expect(waiter.permit.status).toBe('active');
        expect(pendingActions(scheduler)).toBe(0);
      }, 20);
      flush();
      expect(waiter.seen.rejected).toBeNull();
    });
  });

  it('cancels the timer when the waiter leaves the queue', () => {
    const scheduler = createScheduler();
    scheduler.run(() => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 100 });
      call(b);
      const waiter = call(b);
      waiter.permit.release();
      expect(pendingActions(scheduler)).toBe(0);
      expect(waiter.seen.rejected).toBeNull();
    });
  });

  it('sets no timer without queueTimeout, and none for a call that does not queue', () => {
    const scheduler = createScheduler();
    scheduler.run(() => {
      const plain = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
      call(plain);
      call(plain);
      const timed = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 5 });
      call(timed);
      expect(pendingActions(scheduler)).toBe(0);
    });
  });

  it('times waiters out independently, oldest first', () => {
    const scheduler = createScheduler();
    scheduler.run(({ flush }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 5, queueTimeout: 10 });
      const log: string[] = [];
      call(b);
      call(b, log, 'x');
      asyncScheduler.schedule(() => call(b, log, 'y'), 4);
      asyncScheduler.schedule(() => log.push(`at ${asyncScheduler.now()}: queued ${b.queued}`), 12);
      flush();
      expect(log).toEqual(['rejected x queue-timeout', 'at 12: queued 1', 'rejected y queue-timeout']);
    });
  });
});

describe('Bulkhead: state$, events$, snapshot()', () => {
  it('state$ emits the current snapshot on subscribe, then one per change', () => {
    const b = new Bulkhead({ name: 'db', maxConcurrent: 1, maxQueue: 1 });
    const first = call(b);
    const states: BulkheadSnapshot[] = [];
    b.state$.subscribe((s) => states.push(s));
    const second = call(b); // queued
    call(b); // rejected
    first.permit.release(); // released, second granted
    second.permit.release();
    expect(states.map(({ active, queued, rejected }) => [active, queued, rejected])).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 1],
      [1, 0, 1],
      [0, 0, 1],
    ]);
    expect(states[0]).toEqual({
      name: 'db',
      active: 1,
      queued: 0,
      maxConcurrent: 1,
      maxQueue: 1,
      utilization: 1,
      rejected: 0,
    });
  });

  it('snapshot() is plain JSON', () => {
    const b = new Bulkhead({ name: 'db', maxConcurrent: 4, maxQueue: 2 });
    call(b);
    expect(JSON.parse(JSON.stringify(b.snapshot()))).toEqual({
      name: 'db',
      active: 1,
      queued: 0,
      maxConcurrent: 4,
      maxQueue: 2,
      utilization: 0.25,
      rejected: 0,
    });
  });

  it('events$ reports acquired {waited}, released and rejected {reason}, each with type, name and at', () => {
    const scheduler = createScheduler();
    scheduler.run(({ flush }) => {
      const b = new Bulkhead({ name: 'db', maxConcurrent: 1, maxQueue: 1, queueTimeout: 50 });
      const seen = events(b);
      const first = call(b); // t=0: acquired, waited 0
      asyncScheduler.schedule(() => call(b), 2); // t=2: queued (no event)
      asyncScheduler.schedule(() => call(b), 3); // t=3: rejected full
      asyncScheduler.schedule(() => first.permit.release(), 9); // t=9: released, acquired waited 7
      asyncScheduler.schedule(() => call(b), 10); // t=10: queued; t=60: rejected queue-timeout
      flush();
      expect(seen).toEqual([
        { type: 'acquired', name: 'db', at: 0, waited: 0 },
        { type: 'rejected', name: 'db', at: 3, reason: 'full' },
        { type: 'released', name: 'db', at: 9 },
        { type: 'acquired', name: 'db', at: 9, waited: 7 },
        { type: 'rejected', name: 'db', at: 60, reason: 'queue-timeout' },
      ]);
    });
  });

  it('events$ is hot: a late subscriber sees only later events', () => {
    const b = new Bulkhead({ maxConcurrent: 1 });
    const first = call(b);
    const seen = events(b);
    first.permit.release();
    expect(seen.map((e) => e.type)).toEqual(['released']);
  });

  it('reports no event when a waiter leaves the queue (state$ shows it)', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    call(b);
    const waiter = call(b);
    const seen = events(b);
    const queued: number[] = [];
    b.state$.subscribe((s) => queued.push(s.queued));
    waiter.permit.release();
    expect(seen).toEqual([]);
    expect(queued).toEqual([1, 0]);
  });
});

describe('Bulkhead: dispose()', () => {
  it('completes state$ and events$; a later state$ subscriber gets the snapshot and completes', () => {
    const b = new Bulkhead({ maxConcurrent: 1 });
    const done: string[] = [];
    b.state$.subscribe({ complete: () => done.push('state$') });
    b.events$.subscribe({ complete: () => done.push('events$') });
    b.dispose();
    b.dispose();
    expect(done).toEqual(['state$', 'events$']);
    expect(b.disposed).toBe(true);
    const late: unknown[] = [];
    b.state$.subscribe({ next: (s) => late.push(s.active), complete: () => late.push('done') });
    expect(late).toEqual([0, 'done']);
  });

  it('cancels every queue timer; the waiters keep their place and still get permits in order', () => {
    const scheduler = createScheduler();
    scheduler.run(({ flush }) => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 3, queueTimeout: 10 });
      const log: string[] = [];
      const first = call(b, log, 'a');
      call(b, log, 'b');
      call(b, log, 'c');
      expect(pendingActions(scheduler)).toBe(2);
      b.dispose();
      expect(pendingActions(scheduler)).toBe(0);
      expect(b.snapshot()).toMatchObject({ active: 1, queued: 2 });
      asyncScheduler.schedule(() => first.permit.release(), 50);
      flush();
      expect(log).toEqual(['granted a', 'granted b']);
      expect(b.snapshot()).toMatchObject({ active: 1, queued: 1, rejected: 0 });
    });
  });

  it('keeps limiting calls after dispose, without starting timers', () => {
    const scheduler = createScheduler();
    scheduler.run(() => {
      const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, queueTimeout: 10 });
      b.dispose();
      const first = call(b);
      const second = call(b);
      const third = call(b);
      expect([first, second, third].map((c) => c.permit.status)).toEqual(['active', 'waiting', 'rejected']);
      expect(pendingActions(scheduler)).toBe(0);
      first.permit.release();
      expect(second.permit.status).toBe('active');
    });
  });
});

describe('Bulkhead: reentrancy', () => {
  it('drains a 100,000-call backlog whose calls end synchronously without growing the stack', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: Infinity });
    const first = call(b);
    let granted = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      b.acquire(
        (permit) => {
          granted++;
          permit.release();
        },
        () => expect.unreachable(),
      );
    }
    expect(b.queued).toBe(n);
    first.permit.release();
    expect(granted).toBe(n);
    expect(b.snapshot()).toMatchObject({ active: 0, queued: 0 });
  });

  it('a call made from inside onGranted does not jump ahead of a waiter already handed a permit', () => {
    const b = new Bulkhead({ maxConcurrent: 2, maxQueue: 5 });
    const log: string[] = [];
    const a1 = call(b, log, 'a1');
    const a2 = call(b, log, 'a2');
    const yPermit = b.acquire(
      (y) => {
        log.push('granted y');
        a2.permit.release(); // z is handed a2's permit, but y's callback is still running
        y.release(); // one permit free now, nobody queued
        const bNew = call(b, log, 'new'); // takes it: told after z
        log.push(`new is ${bNew.permit.status}`);
      },
      () => expect.unreachable(),
    );
    call(b, log, 'z');
    expect(yPermit.status).toBe('waiting');
    a1.permit.release();
    expect(log).toEqual(['granted a1', 'granted a2', 'granted y', 'new is waiting', 'granted z', 'granted new']);
    expect(b.snapshot()).toMatchObject({ active: 2, queued: 0 });
  });

  it('a waiter handed a permit but released before being told gives it straight on, with balanced events', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 5 });
    const log: string[] = [];
    const seen = events(b);
    const a = call(b, log, 'a');
    let z: ReturnType<typeof call> | null = null;
    b.acquire(
      (y) => {
        log.push('granted y');
        y.release(); // z is handed the permit…
        expect(z!.permit.status).toBe('waiting');
        z!.permit.release(); // …but gives up before being told: w gets it
      },
      () => expect.unreachable(),
    );
    z = call(b, log, 'z');
    call(b, log, 'w');
    a.permit.release();
    expect(log).toEqual(['granted a', 'granted y', 'granted w']);
    expect(z.permit.status).toBe('released');
    expect(z.seen.granted).toBe(0);
    // z never acquired its permit (its onGranted was never called), so it has no events
    expect(seen.map((e) => e.type)).toEqual(['acquired', 'released', 'acquired', 'released', 'acquired']);
    expect(b.snapshot()).toMatchObject({ active: 1, queued: 0 });
  });

  it('an events$ subscriber that releases a permit on "acquired" stops its onGranted from being called', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 5 });
    const log: string[] = [];
    const first = call(b, log, 'a');
    const second = call(b, log, 'b');
    call(b, log, 'c');
    b.events$.subscribe((e) => {
      log.push(e.type);
      if (e.type === 'acquired' && second.permit.status === 'active') second.permit.release();
    });
    first.permit.release();
    expect(log).toEqual(['granted a', 'released', 'acquired', 'released', 'acquired', 'granted c']);
    expect(second.seen.granted).toBe(0);
    expect(b.snapshot()).toMatchObject({ active: 1, queued: 0 });
  });

  it('an events$ subscriber that gives up the next waiter on "released" leaves no events for it', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 5 });
    const log: string[] = [];
    const first = call(b, log, 'a');
    const second = call(b, log, 'b');
    call(b, log, 'c');
    b.events$.subscribe((e) => {
      log.push(e.type);
      if (e.type === 'released' && second.permit.status === 'waiting') second.permit.release();
    });
    first.permit.release();
    expect(log).toEqual(['granted a', 'released', 'acquired', 'granted c']);
    expect(second.permit.status).toBe('released');
    expect(b.snapshot()).toMatchObject({ active: 1, queued: 0 });
  });

  it('keeps a free permit only while nobody waits, even for code run by events$ and state$ subscribers', () => {
    const b = new Bulkhead({ maxConcurrent: 2, maxQueue: 10 });
    const violations: string[] = [];
    const checkInvariant = () => {
      if (b.active < b.maxConcurrent && b.queued > 0) violations.push(JSON.stringify(b.snapshot()));
    };
    let extra = 0;
    b.events$.subscribe((e) => {
      checkInvariant();
      if (e.type === 'released' && extra++ < 3) call(b); // acquire from inside a handler
    });
    b.state$.subscribe(checkInvariant);
    const held = [call(b), call(b)];
    for (let i = 0; i < 4; i++) call(b);
    held[0]!.permit.release();
    held[1]!.permit.release();
    expect(violations).toEqual([]);
    expect(b.snapshot()).toMatchObject({ active: 2 });
  });

  it('an onGranted that throws: the error reaches the releaser after the other waiters have been told', () => {
    const b = new Bulkhead({ maxConcurrent: 1, maxQueue: 5 });
    const log: string[] = [];
    const a = call(b, log, 'a');
    b.acquire(
      (x) => {
        log.push('granted x');
        x.release(); // y is handed the permit
        throw new Error('boom');
      },
      () => expect.unreachable(),
    );
    call(b, log, 'y');
    expect(() => a.permit.release()).toThrow('boom');
    expect(log).toEqual(['granted a', 'granted x', 'granted y']);
    expect(b.snapshot()).toMatchObject({ active: 1, queued: 0 });
    // and the bulkhead still works
    expect(call(b).permit.status).toBe('waiting');
  });

  it('an onGranted that throws on a free permit: the error reaches the caller of acquire()', () => {
    const b = new Bulkhead({ maxConcurrent: 1 });
    let permit: BulkheadPermit | null = null;
    expect(() =>
      b.acquire(
        (p) => {
          permit = p;
          throw new Error('boom');
        },
        () => {},
      ),
    ).toThrow('boom');
    expect(permit!.status).toBe('active');
    permit!.release();
    expect(b.active).toBe(0);
  });
});
