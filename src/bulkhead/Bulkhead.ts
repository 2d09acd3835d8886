import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription, Unsubscribable } from 'rxjs';
import { BulkheadRejectedError } from '../errors/BulkheadRejectedError';
import type { BulkheadRejectReason } from '../errors/BulkheadRejectedError';
import { Stateful } from '../internal/Stateful';
import type { EventBase } from '../internal/Stateful';
import { scheduleUnref } from '../internal/unrefTimer';
import { OptionChecker, placeOf } from '../internal/validate';
import { WaitQueue } from './WaitQueue';

/** Options of {@link Bulkhead}. Every duration is in ms. */
export interface BulkheadOptions {
  /** The bulkhead's name, used in its snapshot, events and errors. Default `'bulkhead'`. */
  name?: string;
  /** How many calls may run at once: an integer >= 1, or `Infinity`. Required. */
  maxConcurrent: number;
  /** How many calls may wait for a permit: an integer >= 0, or `Infinity`. Default `0` (no queue). */
  maxQueue?: number;
  /**
   * How long a call may wait in the queue before it is rejected with reason `'queue-timeout'`, in
   * ms (> 0). Default: no limit (`undefined` or `Infinity`).
   */
  queueTimeout?: number;
  /** The scheduler that times `queueTimeout` and stamps events. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/** What {@link Bulkhead.snapshot} returns and `state$` emits: a plain object. */
export interface BulkheadSnapshot {
  readonly name: string;
  /** Calls holding a permit now. */
  readonly active: number;
  /** Calls waiting for a permit now. */
  readonly queued: number;
  readonly maxConcurrent: number;
  /** `Infinity` when unbounded (which `JSON.stringify` writes as `null`). */
  readonly maxQueue: number;
  /** `active / maxConcurrent`, from 0 to 1 (0 when `maxConcurrent` is `Infinity`). */
  readonly utilization: number;
  /** Calls rejected since the bulkhead was created, for either reason. */
  readonly rejected: number;
}

/** A call got its permit and is about to start; `waited` is how long it queued, in ms (0 when it did not queue). */
export interface BulkheadAcquiredEvent extends EventBase<'acquired'> {
  readonly waited: number;
}
/** A call gave its permit back (it completed, errored or was unsubscribed). */
export type BulkheadReleasedEvent = EventBase<'released'>;
/** A call was turned away: the queue was full, or it waited longer than `queueTimeout`. */
export interface BulkheadRejectedEvent extends EventBase<'rejected'> {
  readonly reason: BulkheadRejectReason;
}
/** Every event a {@link Bulkhead} emits on `events$`. */
export type BulkheadEvent = BulkheadAcquiredEvent | BulkheadReleasedEvent | BulkheadRejectedEvent;

/**
 * Where a call stands with its bulkhead. `'waiting'`: queued, `onGranted` not called yet;
 * `'active'`: holding a permit; `'released'`: it let go (of its permit, or of its place in the
 * queue); `'rejected'`: turned away, `onRejected` was called.
 */
export type BulkheadPermitStatus = 'waiting' | 'active' | 'released' | 'rejected';

/**
 * One call's claim on a bulkhead, returned by {@link Bulkhead.acquire}. Call `release()` when the
 * call ends, whatever its status: it gives the permit back, or leaves the queue, or does nothing if
 * there is nothing left to give back. It is also an `Unsubscribable`, so `subscriber.add(permit)`
 * ties it to a subscription.
 */
export interface BulkheadPermit extends Unsubscribable {
  readonly status: BulkheadPermitStatus;
  /** Gives the permit back (handing it synchronously to the oldest waiter) or leaves the queue. Idempotent. */
  release(): void;
  /** The same as `release()`. */
  unsubscribe(): void;
}

/**
 * The object form of {@link Bulkhead.acquire}'s callbacks, for callers that would rather not
 * allocate two closures per call. Both methods are called with the waiter as `this`.
 */
export interface BulkheadWaiter {
  /** The call got its permit: start it now. Must not throw. */
  granted(permit: BulkheadPermit): void;
  /** The call was turned away ('full' at once, or 'queue-timeout' later). Must not throw. */
  rejected(error: BulkheadRejectedError): void;
}

const KNOWN: readonly (keyof BulkheadOptions)[] = ['name', 'maxConcurrent', 'maxQueue', 'queueTimeout', 'scheduler'];

// Permit states. BOOKED: counted as active, but its onGranted has not been called yet (another
// call's onGranted is running further up the stack; see Bulkhead.flush).
const QUEUED = 0;
const BOOKED = 1;
const ACTIVE = 2;
const RELEASED = 3;
const REJECTED = 4;
type State = typeof QUEUED | typeof BOOKED | typeof ACTIVE | typeof RELEASED | typeof REJECTED;
const STATUS: readonly BulkheadPermitStatus[] = ['waiting', 'waiting', 'active', 'released', 'rejected'];

class Permit implements BulkheadPermit {
  waitPrev: Permit | null = null;
  waitNext: Permit | null = null;
  state: State = QUEUED;
  /** Scheduler time it joined the queue; -1 when it got a permit without queueing. */
  enqueuedAt = -1;
  timer: Subscription | null = null;

  constructor(
    private readonly bulkhead: Bulkhead,
    readonly onGranted: (this: unknown, permit: BulkheadPermit) => void,
    readonly onRejected: (this: unknown, error: BulkheadRejectedError) => void,
    readonly thisArg: unknown,
  ) {}

  get status(): BulkheadPermitStatus {
    return STATUS[this.state]!;
  }

  release(): void {
    if (this.state < RELEASED) this.bulkhead['release'](this);
  }

  unsubscribe(): void {
    this.release();
  }
}

/**
 * Limits how many calls run at once, with a bounded FIFO queue for the rest.
 *
 * A call takes a permit when one is free, else waits in the queue (at most `maxQueue` calls, each
 * for at most `queueTimeout` ms); a full queue rejects at once with `BulkheadRejectedError` reason
 * `'full'`, a wait that runs out rejects with reason `'queue-timeout'`. A released permit is handed
 * synchronously, in the releasing call's own stack frame, to the oldest waiter at that moment:
 * nothing is deferred to a Promise or a microtask, so virtual time sees every step.
 *
 * Share one instance between everything that calls the protected resource, and use it through
 * `bulkhead(b)` (one permit per subscription), `bulkheadMap(project, b)` (one per value), or
 * `acquire()` directly.
 *
 * `dispose()` cancels the queue timers and completes `state$` and `events$`. It does not fail or
 * drop anything: calls already waiting keep their place and still get permits, in order, as the
 * running calls end (but no longer time out), and the bulkhead keeps limiting new calls.
 *
 * Bad options throw `ResilienceConfigError` from the constructor.
 *
 * ## Example
 * ```ts
 * import { defer } from 'rxjs';
 * import { Bulkhead, bulkhead } from 'rxjs-resilience';
 *
 * const db = new Bulkhead({ name: 'db', maxConcurrent: 10, maxQueue: 100, queueTimeout: 2000 });
 * db.state$.subscribe(({ active, queued }) => console.log(`db: ${active} running, ${queued} waiting`));
 *
 * const users$ = defer(() => pool.query('select * from users')).pipe(bulkhead(db));
 * ```
 */
export class Bulkhead extends Stateful<BulkheadSnapshot, BulkheadEvent> {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  /** In ms; `undefined` when waits are unbounded. */
  readonly queueTimeout: number | undefined;

  private activeCount = 0;
  private rejectedCount = 0;
  /** Calls waiting for a permit, oldest first. */
  private readonly queue = new WaitQueue<Permit>();
  /** Calls holding a permit whose onGranted is still to be called, in the order they got it. */
  private readonly granting = new WaitQueue<Permit>();
  private flushing = false;

  constructor(options: BulkheadOptions) {
    const given = (options ?? {}) as Partial<BulkheadOptions>;
    const check = new OptionChecker(placeOf('Bulkhead', given.name ?? 'bulkhead'));
    check.options(options as BulkheadOptions | undefined, KNOWN);
    const { name = 'bulkhead', maxConcurrent, maxQueue = 0, queueTimeout, scheduler = asyncScheduler } = given;
    check.name(name);
    check.integer('maxConcurrent', maxConcurrent, 1, true);
    check.integer('maxQueue', maxQueue, 0, true);
    if (queueTimeout !== undefined && queueTimeout !== Infinity) check.duration('queueTimeout', queueTimeout);
    check.scheduler(scheduler);
    super(name, scheduler);
    this.maxConcurrent = maxConcurrent as number;
    this.maxQueue = maxQueue;
    this.queueTimeout = queueTimeout === Infinity ? undefined : queueTimeout;
  }

  /** Calls holding a permit now. */
  get active(): number {
    return this.activeCount;
  }

  /** Calls waiting for a permit now. */
  get queued(): number {
    return this.queue.size;
  }

  snapshot(): BulkheadSnapshot {
    return {
      name: this.name,
      active: this.activeCount,
      queued: this.queue.size,
      maxConcurrent: this.maxConcurrent,
      maxQueue: this.maxQueue,
      utilization: this.activeCount / this.maxConcurrent,
      rejected: this.rejectedCount,
    };
  }

  /**
   * Asks for a permit: the low-level API under `bulkhead()` and `bulkheadMap()`, synchronous and
   * allocation-light.
   *
   * - A free permit (and nobody queued) → `onGranted(permit)` is called before `acquire` returns.
   * - All taken, room in the queue → the call waits; `onGranted` is called later, synchronously
   *   inside the `release()` that frees a permit for it.
   * - All taken, queue full → `onRejected(BulkheadRejectedError 'full')` before `acquire` returns.
   * - Waited `queueTimeout` ms → `onRejected(BulkheadRejectedError 'queue-timeout')`.
   *
   * Always call `permit.release()` when the call ends or is abandoned; while waiting it leaves the
   * queue. When `acquire` is called from inside another call's `onGranted`, its own `onGranted`
   * may run just after that one returns rather than before `acquire` returns.
   *
   * ## Example
   * ```ts
   * const permit = bulkhead.acquire(
   *   () => startUpload(() => permit.release()),
   *   (error) => console.warn(error.reason),
   * );
   * ```
   */
  acquire(
    onGranted: (permit: BulkheadPermit) => void,
    onRejected: (error: BulkheadRejectedError) => void,
  ): BulkheadPermit;
  /** Asks for a permit, with both callbacks as methods of one object (see the other overload). */
  acquire(waiter: BulkheadWaiter): BulkheadPermit;
  acquire(
    grantedOrWaiter: BulkheadWaiter | ((permit: BulkheadPermit) => void),
    onRejected?: (error: BulkheadRejectedError) => void,
  ): BulkheadPermit {
    const permit =
      typeof grantedOrWaiter === 'function'
        ? new Permit(this, grantedOrWaiter, onRejected!, undefined)
        : new Permit(this, grantedOrWaiter.granted, grantedOrWaiter.rejected, grantedOrWaiter);

    // Invariant, wherever user code can run: a free permit means an empty queue. So a free permit
    // is this caller's, and nobody who queued earlier is passed over.
    if (this.activeCount < this.maxConcurrent) {
      this.activeCount++;
      permit.state = BOOKED;
      this.granting.push(permit);
      this.changed();
      this.flush();
      return permit;
    }
    if (this.queue.size >= this.maxQueue) {
      this.reject(permit, 'full');
      return permit;
    }
    permit.enqueuedAt = this.scheduler.now();
    this.queue.push(permit);
    if (this.queueTimeout !== undefined && !this.disposed) {
      permit.timer = scheduleUnref(this.scheduler, () => this.expire(permit), this.queueTimeout);
    }
    this.changed();
    return permit;
  }

  /** Only reached through `Permit.release()`, which has checked that there is something to release. */
  private release(permit: Permit): void {
    if (permit.state === QUEUED) {
      this.queue.remove(permit);
      this.stopTimer(permit);
      permit.state = RELEASED;
      this.changed();
      return;
    }
    // A booked permit given up before its onGranted was called was never acquired: no event.
    const acquired = permit.state === ACTIVE;
    if (!acquired) this.granting.remove(permit);
    permit.state = RELEASED;
    this.activeCount--;
    // Hand the permit straight to the oldest waiter: booked now, told in flush() below (or by the
    // flush already running further up the stack).
    const next = this.queue.shift();
    if (next !== null) {
      this.stopTimer(next);
      this.activeCount++;
      next.state = BOOKED;
      this.granting.push(next);
    }
    if (acquired && this.listening) this.emit('released', {});
    this.changed();
    this.flush();
  }

  /**
   * Tells each booked permit's owner, oldest first: the `acquired` event, then onGranted. A loop,
   * not recursion: an onGranted that synchronously releases (a call that completes at once) books
   * the next waiter and returns here, so a 100,000-call backlog drains at a constant stack depth.
   */
  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let permit: Permit | null;
      while ((permit = this.granting.shift()) !== null) {
        permit.state = ACTIVE;
        if (this.listening) {
          const { enqueuedAt } = permit;
          this.emit('acquired', { waited: enqueuedAt < 0 ? 0 : this.scheduler.now() - enqueuedAt });
          // An events$ subscriber may have released it already.
          if (permit.state !== ACTIVE) continue;
        }
        permit.onGranted.call(permit.thisArg, permit);
      }
    } finally {
      this.flushing = false;
      // Only when an onGranted threw: tell the rest before the error goes on up.
      if (this.granting.size > 0) this.flush();
    }
  }

  private expire(permit: Permit): void {
    permit.timer = null;
    this.queue.remove(permit);
    this.reject(permit, 'queue-timeout');
  }

  private reject(permit: Permit, reason: BulkheadRejectReason): void {
    permit.state = REJECTED;
    this.rejectedCount++;
    if (this.listening) this.emit('rejected', { reason });
    this.changed();
    permit.onRejected.call(permit.thisArg, new BulkheadRejectedError(this.name, reason));
  }

  private stopTimer(permit: Permit): void {
    if (permit.timer !== null) {
      permit.timer.unsubscribe();
      permit.timer = null;
    }
  }

  /** Cancels every queue timer; the waiters keep their place (see the class doc). */
  protected override onDispose(): void {
    for (let permit = this.queue.peek(); permit !== null; permit = permit.waitNext) this.stopTimer(permit);
  }
}
