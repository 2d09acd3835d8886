import { asyncScheduler, Observable, Subject } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import { BulkheadRejectedError } from '../errors/BulkheadRejectedError';
import { CircuitOpenError } from '../errors/CircuitOpenError';
import type { CircuitRejectState } from '../errors/CircuitOpenError';
import { DrainingError } from '../errors/DrainingError';
import { formatValue, ResilienceConfigError } from '../errors/ResilienceConfigError';
import { toErrorPredicate } from '../internal/errorFilter';
import { scheduleUnref } from '../internal/unrefTimer';
import { MAX_TIMER_DELAY, OptionChecker, placeOf } from '../internal/validate';
import { consecutiveFailures } from './consecutiveFailures';
import { readInitialState } from './initialState';
import type {
  CircuitBreakerEvent,
  CircuitBreakerJSON,
  CircuitBreakerOptions,
  CircuitBreakerSnapshot,
  CircuitState,
  TripCounter,
} from './types';

const KNOWN: readonly (keyof CircuitBreakerOptions)[] = [
  'name',
  'trip',
  'resetTimeout',
  'successThreshold',
  'halfOpenMaxCalls',
  'halfOpenTimeout',
  'isFailure',
  'slowCallDuration',
  'initialState',
  'scheduler',
];

/** The open period used when a `resetTimeout` function throws or returns a bad value. */
const FALLBACK_RESET_TIMEOUT = 60000;

// The breaker's state: a discriminated union holding only each state's fields. A new object is
// made on every state change, and a call remembers the object it was admitted in: its outcome
// counts only while that object is still current (the stale-callback guard).
interface Closed {
  readonly kind: 'closed';
}
interface Open {
  readonly kind: 'open';
  readonly openedAt: number;
  readonly halfOpenAt: number;
  readonly openCount: number;
  timer: Subscription | null;
}
interface HalfOpen {
  readonly kind: 'half-open';
  readonly openedAt: number;
  readonly halfOpenAt: number;
  readonly openCount: number;
  /** Probes admitted and not yet settled. */
  active: number;
  /** Successful probes so far. */
  successes: number;
  timer: Subscription | null;
}
interface Isolated {
  readonly kind: 'isolated';
  readonly openedAt: number;
}
type Machine = Closed | Open | HalfOpen | Isolated;

/**
 * What a call admitted by the breaker holds: the state it was admitted in. Opaque; only the
 * breaker reads it.
 */
export interface CircuitAdmission {
  readonly kind: 'closed' | 'half-open';
}

const NONE: unique symbol = Symbol('none');

/**
 * A circuit breaker shared by every call to one dependency: after too many failures it opens and
 * rejects calls at once with `CircuitOpenError`; after `resetTimeout` it half-opens by itself and
 * lets `halfOpenMaxCalls` probes through; `successThreshold` successful probes close it, a failed
 * one reopens it.
 *
 * Use it with the {@link circuitBreaker} operator, or drive it by hand with {@link tryAcquire}.
 * Its state is observable: `state$` (the `CircuitState`), `metrics$` (snapshots) and `events$`.
 * It reads time only through its `scheduler`, so it runs in virtual time under `TestScheduler`,
 * and its timers never keep a Node.js process alive.
 *
 * Bad options throw `ResilienceConfigError` from the constructor.
 *
 * ## Example
 * ```ts
 * import { defer } from 'rxjs';
 * import { CircuitBreaker, circuitBreaker, consecutiveFailures } from 'rxjs-resilience';
 *
 * const breaker = new CircuitBreaker({ name: 'users-api', trip: consecutiveFailures(3), resetTimeout: 10_000 });
 * breaker.state$.subscribe((state) => console.log('users-api is', state));
 *
 * const users$ = defer(() => fetch('https://api.example.com/users')).pipe(circuitBreaker(breaker));
 * // Output:
 * // users-api is closed
 * ```
 */
export class CircuitBreaker {
  /** The breaker's name, in errors, events and snapshots. */
  readonly name: string;

  private readonly scheduler: SchedulerLike;
  private readonly trip: TripCounter;
  /**
   * Whether a success needs the clock even when nobody listens to events$: a slow-call limit, or
   * a trip policy that counts successes in time (a custom one is assumed to).
   */
  private readonly clockOnSuccess: boolean;
  private readonly resetTimeout: number | ((openCount: number) => number);
  private readonly successThreshold: number;
  private readonly halfOpenMaxCalls: number;
  private readonly halfOpenTimeout: number | undefined;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly slowCallDuration: number;

  private m: Machine = { kind: 'closed' };
  private successCount = 0;
  private failureCount = 0;
  private rejectedCount = 0;
  private consecutive = 0;
  private lastFailureAt: number | null = null;
  private isDisposed = false;

  private readonly stateSubject = new Subject<CircuitState>();
  private readonly metricsSubject = new Subject<CircuitBreakerSnapshot>();
  private readonly eventSubject = new Subject<CircuitBreakerEvent>();
  /**
   * Notifications waiting to be delivered, as (subject, value) pairs. Delivering them from one
   * loop keeps every listener's view in order even when a listener calls the breaker back.
   */
  private readonly queue: unknown[] = [];
  private draining = false;
  /** The last state delivered to `state$` listeners (ahead of `m` only while the queue drains). */
  private publishedState: CircuitState;
  /** The counts or the state changed since `metrics$` last heard. */
  private dirty = false;
  /** An error thrown by `resetTimeout(openCount)`, waiting for a caller to hand it to. */
  private deferred: unknown = NONE;

  /** Every event as it happens: `state-change`, `success`, `failure`, `rejected`, `ignored`. Hot. */
  readonly events$: Observable<CircuitBreakerEvent> = this.eventSubject.asObservable();

  /**
   * The current `CircuitState` on subscribe, then each new state (distinct values). Completes on
   * `dispose()`.
   */
  readonly state$: Observable<CircuitState> = new Observable<CircuitState>((subscriber) => {
    subscriber.next(this.publishedState);
    if (this.isDisposed) {
      subscriber.complete();
      return;
    }
    // Distinct by construction: only a real change is queued, and a subscriber joining while the
    // queue drains starts from the last state delivered, then hears the rest.
    return this.stateSubject.subscribe(subscriber);
  });

  /** The current snapshot on subscribe, then a snapshot after each change. Completes on `dispose()`. */
  readonly metrics$: Observable<CircuitBreakerSnapshot> = new Observable<CircuitBreakerSnapshot>((subscriber) => {
    subscriber.next(this.snapshot());
    if (this.isDisposed) {
      subscriber.complete();
      return;
    }
    return this.metricsSubject.subscribe(subscriber);
  });

  constructor(options: CircuitBreakerOptions = {}) {
    const check = new OptionChecker(placeOf('CircuitBreaker', options?.name ?? 'circuit-breaker'));
    check.options(options, KNOWN);
    const {
      name = 'circuit-breaker',
      trip = consecutiveFailures(5),
      resetTimeout = 60000,
      successThreshold = 1,
      halfOpenMaxCalls = 1,
      halfOpenTimeout,
      isFailure,
      slowCallDuration,
      initialState,
      scheduler = asyncScheduler,
    } = options;
    this.name = check.name(name);
    if (trip === null || typeof trip !== 'object' || typeof trip.create !== 'function') {
      check.fail('trip', 'a trip policy (consecutiveFailures, failuresInWindow or failureRate)', trip);
    }
    if (typeof resetTimeout !== 'function') check.duration('resetTimeout', resetTimeout, true);
    this.resetTimeout = resetTimeout;
    this.successThreshold = check.integer('successThreshold', successThreshold, 1);
    this.halfOpenMaxCalls = check.integer('halfOpenMaxCalls', halfOpenMaxCalls, 1);
    this.halfOpenTimeout =
      halfOpenTimeout === undefined ? undefined : check.duration('halfOpenTimeout', halfOpenTimeout);
    this.isFailure = isFailure === undefined ? countsAsFailure : toErrorPredicate(check, 'isFailure', isFailure);
    this.slowCallDuration =
      slowCallDuration === undefined ? Infinity : check.duration('slowCallDuration', slowCallDuration);
    this.scheduler = check.scheduler(scheduler);
    this.trip = trip.create();
    this.clockOnSuccess =
      this.slowCallDuration !== Infinity ||
      !(
        trip.kind === 'consecutiveFailures' ||
        trip.kind === 'failuresInWindow' ||
        (trip.kind === 'failureRate' && 'calls' in ((trip as { window?: object }).window ?? {}))
      );

    const saved = initialState === undefined ? undefined : readInitialState(check, initialState);
    if (saved) this.restore(saved);
    this.queue.length = 0;
    this.dirty = false;
    this.publishedState = this.m.kind;
  }

  /** The current state. */
  get state(): CircuitState {
    return this.m.kind;
  }

  /** True once `dispose()` has run. */
  get disposed(): boolean {
    return this.isDisposed;
  }

  /**
   * Asks to make one call. Returns a {@link CircuitPermit} to report the call's outcome with, or
   * (without throwing) the `CircuitOpenError` to fail the call with when the breaker rejects it.
   *
   * Settle every permit exactly once: `success()`, `failure(error)` or `release()` (the call was
   * abandoned: nothing recorded). A permit not settled holds its half-open probe slot until the
   * breaker next changes state.
   *
   * ## Example
   * ```ts
   * const permit = breaker.tryAcquire();
   * if (permit instanceof CircuitOpenError) throw permit;
   * try {
   *   const result = await callTheService();
   *   permit.success();
   *   return result;
   * } catch (error) {
   *   permit.failure(error);
   *   throw error;
   * }
   * ```
   */
  tryAcquire(): CircuitPermit | CircuitOpenError {
    const admission = this._admit();
    return admission instanceof CircuitOpenError ? admission : new CircuitPermit(this, admission, this.scheduler.now());
  }

  /**
   * Holds the breaker open (state `'isolated'`) until `reset()`: every call is rejected, and no
   * timer half-opens it. Calls in flight are no longer counted.
   */
  isolate(): void {
    const m = this.m;
    if (m.kind === 'isolated') return;
    this.leave(m);
    this.enter({ kind: 'isolated', openedAt: this.scheduler.now() }, m.kind);
    this.commit(false);
  }

  /**
   * Closes the breaker and clears its counts (snapshot and trip policy). Calls in flight are no
   * longer counted. Works from any state, isolated included.
   */
  reset(): void {
    const m = this.m;
    this.leave(m);
    this.successCount = this.failureCount = this.rejectedCount = this.consecutive = 0;
    this.lastFailureAt = null;
    this.deferred = NONE;
    this.trip.reset();
    this.enter({ kind: 'closed' }, m.kind);
    this.dirty = true;
    this.commit(false);
  }

  /** The current state and counts, as a plain JSON-serialisable object. */
  snapshot(): CircuitBreakerSnapshot {
    const m = this.m;
    const totalCalls = this.successCount + this.failureCount;
    return {
      name: this.name,
      state: m.kind,
      totalCalls,
      successCount: this.successCount,
      failureCount: this.failureCount,
      rejectedCount: this.rejectedCount,
      failureRate: totalCalls === 0 ? 0 : this.failureCount / totalCalls,
      consecutiveFailures: this.consecutive,
      openedAt: m.kind === 'closed' ? null : m.openedAt,
      halfOpenAt: m.kind === 'open' || m.kind === 'half-open' ? m.halfOpenAt : null,
      lastFailureAt: this.lastFailureAt,
    };
  }

  /**
   * The state to restart from, as plain JSON: give it back as `initialState`. A restored open
   * breaker half-opens at the saved `halfOpenAt` (at once if that has passed).
   */
  toJSON(): CircuitBreakerJSON {
    const m = this.m;
    return {
      version: 1,
      state: m.kind,
      openCount: m.kind === 'open' || m.kind === 'half-open' ? m.openCount : 0,
      openedAt: m.kind === 'closed' ? null : m.openedAt,
      halfOpenAt: m.kind === 'open' || m.kind === 'half-open' ? m.halfOpenAt : null,
      halfOpenSuccesses: m.kind === 'half-open' ? m.successes : 0,
      successCount: this.successCount,
      failureCount: this.failureCount,
      rejectedCount: this.rejectedCount,
      consecutiveFailures: this.consecutive,
      lastFailureAt: this.lastFailureAt,
      trip: this.trip.toJSON(),
    };
  }

  /**
   * Cancels its timers and completes `state$`, `metrics$` and `events$`. Idempotent. A disposed
   * breaker still answers calls (an open one half-opens when a call finds its time has come) but
   * schedules no timer and emits nothing.
   */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.leave(this.m);
    this.stateSubject.complete();
    this.metricsSubject.complete();
    this.eventSubject.complete();
  }

  // ---------------------------------------------------------------------------------------------
  // The low-level call API, used by the operator (and by CircuitPermit). Not for users: a call
  // holds the admission it was given and reports exactly one outcome for it.

  /**
   * Admits a call (returning what it must hand back with its outcome) or rejects it (returning the
   * error to fail it with). Throws an error raised by `resetTimeout` since the last call.
   * @internal
   */
  _admit(): CircuitAdmission | CircuitOpenError {
    const m = this.m;
    // The closed path: no allocation, no clock. (An error raised by resetTimeout is only ever
    // waiting while the breaker is open or half-open: it opened the breaker.)
    if (m.kind === 'closed') return m;
    return this.admitSlowly(m);
  }

  /**
   * The call admitted with `admission` at `start` succeeded. `rethrow`: throw an error raised by
   * `resetTimeout` now (else the next call gets it).
   * @internal
   */
  _success(admission: CircuitAdmission, start: number, rethrow: boolean): void {
    const m = this.m;
    if (admission !== m) return;
    // The closed path reads no clock unless something needs the time (see _timesCalls).
    const timed = this.clockOnSuccess || m.kind !== 'closed' || this.eventSubject.observed;
    const now = timed ? this.scheduler.now() : 0;
    // A call started while nothing needed its start time (start < 0) reports a duration of 0.
    const duration = timed && start >= 0 ? now - start : 0;
    if (duration >= this.slowCallDuration) this.recordFailure(m as Closed | HalfOpen, now, undefined, duration, true);
    else this.recordSuccess(m as Closed | HalfOpen, now, duration);
    this.commit(rethrow);
  }

  /**
   * The call admitted with `admission` at `start` errored. Throws what `isFailure` threw (the call
   * is then counted as a failure), or an error raised by `resetTimeout`.
   * @internal
   */
  _failure(admission: CircuitAdmission, start: number, error: unknown): void {
    const m = this.m;
    if (admission !== m) return;
    let failed: boolean;
    let thrown: unknown = NONE;
    try {
      failed = !!this.isFailure(error);
    } catch (e) {
      failed = true;
      thrown = e;
    }
    const now = this.scheduler.now();
    if (failed) {
      this.recordFailure(m as Closed | HalfOpen, now, error, start >= 0 ? now - start : 0, false);
    } else {
      if (m.kind === 'half-open') m.active--;
      if (this.eventSubject.observed) {
        this.queue.push(this.eventSubject, { type: 'ignored', name: this.name, at: now, error });
      }
    }
    if (thrown !== NONE) {
      this.commit(false);
      throw thrown;
    }
    this.commit(true);
  }

  /**
   * The call admitted with `admission` ended without an outcome: nothing is recorded, its
   * half-open slot (if any) is freed.
   * @internal
   */
  _release(admission: CircuitAdmission): void {
    const m = this.m;
    if (admission === m && m.kind === 'half-open') m.active--;
  }

  /** Where config errors say they come from; made when needed, not kept per instance. */
  private get place(): string {
    return placeOf('CircuitBreaker', this.name);
  }

  /** The breaker's clock. @internal */
  _now(): number {
    return this.scheduler.now();
  }

  /**
   * A call's start time, when anything will need it (slow calls, a time-based trip policy, an
   * events$ listener for durations); otherwise -1, sparing a clock read per call. @internal
   */
  _startTime(): number {
    return this.clockOnSuccess || this.eventSubject.observed || this.m.kind !== 'closed' ? this.scheduler.now() : -1;
  }

  // ---------------------------------------------------------------------------------------------

  private admitSlowly(m: Open | HalfOpen | Isolated): CircuitAdmission | CircuitOpenError {
    this.throwDeferred();
    const now = this.scheduler.now();
    // A transition whose timer is due (or late) happens now, for this call to see.
    if (m.kind === 'open' && now >= m.halfOpenAt) {
      this.toHalfOpen(m, now);
      m = this.m as HalfOpen;
    } else if (
      m.kind === 'half-open' &&
      this.halfOpenTimeout !== undefined &&
      now - m.halfOpenAt >= this.halfOpenTimeout
    ) {
      this.toOpen(m, now, m.openCount + 1);
      m = this.m as Open;
    }
    if (this.deferred !== NONE) this.commit(true);
    if (m.kind === 'half-open' && m.active < this.halfOpenMaxCalls) {
      m.active++;
      this.commit(false);
      return m;
    }
    this.rejectedCount++;
    this.dirty = true;
    const retryAfter = m.kind === 'open' ? Math.max(0, m.halfOpenAt - now) : 0;
    if (this.eventSubject.observed) {
      this.queue.push(this.eventSubject, { type: 'rejected', name: this.name, at: now, state: m.kind });
    }
    this.commit(false);
    return rejection(this.name, m.kind, retryAfter);
  }

  private recordSuccess(m: Closed | HalfOpen, now: number, duration: number): void {
    this.successCount++;
    this.consecutive = 0;
    this.dirty = true;
    if (this.eventSubject.observed) {
      this.queue.push(this.eventSubject, { type: 'success', name: this.name, at: now, duration });
    }
    if (m.kind === 'closed') {
      if (this.trip.success(now)) this.toOpen(m, now, 1);
    } else {
      m.active--;
      if (++m.successes >= this.successThreshold) this.toClosed(m);
    }
  }

  private recordFailure(m: Closed | HalfOpen, now: number, error: unknown, duration: number, slow: boolean): void {
    this.failureCount++;
    this.consecutive++;
    this.lastFailureAt = now;
    this.dirty = true;
    if (this.eventSubject.observed) {
      this.queue.push(this.eventSubject, { type: 'failure', name: this.name, at: now, error, duration, slow });
    }
    if (m.kind === 'closed') {
      if (this.trip.failure(now)) this.toOpen(m, now, 1);
    } else {
      m.active--;
      this.toOpen(m, now, m.openCount + 1);
    }
  }

  private toOpen(from: Closed | HalfOpen, now: number, openCount: number): void {
    this.leave(from);
    const delay = this.resetDelay(openCount);
    const open: Open = { kind: 'open', openedAt: now, halfOpenAt: now + delay, openCount, timer: null };
    this.enter(open, from.kind);
    if (!this.isDisposed) {
      open.timer = scheduleUnref(this.scheduler, () => this.onTimer(open), delay);
    }
  }

  private toHalfOpen(from: Open, now: number): void {
    this.leave(from);
    const halfOpen: HalfOpen = {
      kind: 'half-open',
      openedAt: from.openedAt,
      halfOpenAt: now,
      openCount: from.openCount,
      active: 0,
      successes: 0,
      timer: null,
    };
    this.enter(halfOpen, 'open');
    this.armHalfOpenTimeout(halfOpen, this.halfOpenTimeout);
  }

  private toClosed(from: HalfOpen): void {
    this.leave(from);
    this.trip.reset();
    this.enter({ kind: 'closed' }, from.kind);
  }

  /** The half-open timer, or the half-open timeout: either way the state it was set for must still be current. */
  private onTimer(m: Open | HalfOpen): void {
    if (this.m !== m) return;
    m.timer = null;
    const now = this.scheduler.now();
    if (m.kind === 'open') this.toHalfOpen(m, now);
    else this.toOpen(m, now, m.openCount + 1);
    this.commit(false);
  }

  private armHalfOpenTimeout(m: HalfOpen, delay: number | undefined): void {
    if (delay !== undefined && !this.isDisposed) {
      m.timer = scheduleUnref(this.scheduler, () => this.onTimer(m), Math.max(0, delay));
    }
  }

  private leave(m: Machine): void {
    if ((m.kind === 'open' || m.kind === 'half-open') && m.timer) {
      m.timer.unsubscribe();
      m.timer = null;
    }
  }

  private enter(next: Machine, from: CircuitState): void {
    this.m = next;
    this.dirty = true;
    if (from === next.kind) return;
    if (this.eventSubject.observed) {
      this.queue.push(this.eventSubject, {
        type: 'state-change',
        name: this.name,
        at: this.scheduler.now(),
        from,
        to: next.kind,
      });
    }
    this.queue.push(this.stateSubject, next.kind);
  }

  /** ms to stay open on opening number `openCount`. */
  private resetDelay(openCount: number): number {
    const resetTimeout = this.resetTimeout;
    if (typeof resetTimeout === 'number') return resetTimeout;
    let delay: unknown;
    try {
      delay = resetTimeout(openCount);
    } catch (error) {
      this.defer(error);
      return FALLBACK_RESET_TIMEOUT;
    }
    if (typeof delay !== 'number' || !(delay >= 0 && delay <= MAX_TIMER_DELAY)) {
      const option = `resetTimeout(${openCount})`;
      const rule =
        typeof delay === 'number' && delay > MAX_TIMER_DELAY
          ? `a finite number <= ${MAX_TIMER_DELAY} (the longest a timer can wait)`
          : 'a finite number >= 0';
      this.defer(
        new ResilienceConfigError(
          this.place,
          option,
          rule,
          delay,
          `${this.place}: ${option} must return ${rule}, got ${formatValue(delay)}`,
        ),
      );
      return FALLBACK_RESET_TIMEOUT;
    }
    return delay;
  }

  private defer(error: unknown): void {
    if (this.deferred === NONE) this.deferred = error;
  }

  private throwDeferred(): void {
    const error = this.deferred;
    if (error !== NONE) {
      this.deferred = NONE;
      throw error;
    }
  }

  /** Ends one operation: tells `metrics$` if anything changed, delivers the queue, and maybe throws a deferred error. */
  private commit(rethrow: boolean): void {
    if (this.dirty) {
      this.dirty = false;
      if (this.metricsSubject.observed) this.queue.push(this.metricsSubject, this.snapshot());
    }
    if (this.queue.length > 0 && !this.draining) this.drain();
    if (rethrow) this.throwDeferred();
  }

  private drain(): void {
    const queue = this.queue;
    this.draining = true;
    try {
      // A listener calling the breaker back appends to the queue; this loop delivers that too, in order.
      for (let i = 0; i < queue.length; i += 2) {
        const subject = queue[i] as Subject<unknown>;
        const value = queue[i + 1];
        if (subject === this.stateSubject) this.publishedState = value as CircuitState;
        subject.next(value);
      }
    } finally {
      queue.length = 0;
      this.draining = false;
    }
  }

  private restore(saved: CircuitBreakerJSON): void {
    const now = this.scheduler.now();
    this.successCount = saved.successCount;
    this.failureCount = saved.failureCount;
    this.rejectedCount = saved.rejectedCount;
    this.consecutive = saved.consecutiveFailures;
    this.lastFailureAt = saved.lastFailureAt;
    if (saved.trip) this.trip.restore(saved.trip);
    const openedAt = saved.openedAt ?? now;
    const openCount = Math.max(1, saved.openCount);
    switch (saved.state) {
      case 'closed':
        return;
      case 'isolated':
        this.m = { kind: 'isolated', openedAt };
        return;
      case 'open': {
        const open: Open = { kind: 'open', openedAt, halfOpenAt: saved.halfOpenAt!, openCount, timer: null };
        this.m = open;
        if (now >= open.halfOpenAt) this.toHalfOpen(open, now);
        else
          open.timer = scheduleUnref(
            this.scheduler,
            () => this.onTimer(open),
            Math.min(open.halfOpenAt - now, MAX_TIMER_DELAY),
          );
        return;
      }
      case 'half-open': {
        const halfOpen: HalfOpen = {
          kind: 'half-open',
          openedAt,
          halfOpenAt: saved.halfOpenAt!,
          openCount,
          active: 0,
          successes: saved.halfOpenSuccesses,
          timer: null,
        };
        this.m = halfOpen;
        if (this.halfOpenTimeout === undefined) return;
        const left = halfOpen.halfOpenAt + this.halfOpenTimeout - now;
        if (left <= 0) this.toOpen(halfOpen, now, openCount + 1);
        else this.armHalfOpenTimeout(halfOpen, Math.min(left, MAX_TIMER_DELAY));
        return;
      }
    }
  }
}

/**
 * One call admitted by {@link CircuitBreaker.tryAcquire}. Report its outcome once: `success()`,
 * `failure(error)` (counted only if the breaker's `isFailure` matches, else ignored) or `release()`
 * (abandoned: nothing recorded). Later reports are ignored, as is every report of a call admitted
 * before the breaker's latest state change.
 */
export class CircuitPermit {
  private done = false;

  /** @internal */
  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly admission: CircuitAdmission,
    /** When the call was admitted (scheduler time). */
    readonly startedAt: number,
  ) {}

  /** True once an outcome was reported. */
  get settled(): boolean {
    return this.done;
  }

  /**
   * The call succeeded (a failure if it took `slowCallDuration` or longer). Throws an error raised
   * by the breaker's `resetTimeout` function, after recording.
   */
  success(): void {
    if (this.done) return;
    this.done = true;
    this.breaker._success(this.admission, this.startedAt, true);
  }

  /**
   * The call failed with `error`. Throws what the breaker's `isFailure` threw (the call is then
   * counted as a failure) or an error raised by its `resetTimeout` function, after recording.
   */
  failure(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.breaker._failure(this.admission, this.startedAt, error);
  }

  /** The call was abandoned: nothing is recorded, its half-open slot (if any) is freed. */
  release(): void {
    if (this.done) return;
    this.done = true;
    this.breaker._release(this.admission);
  }
}

/** The default `isFailure`: every error except a bulkhead's rejection and a drainer's refusal. */
function countsAsFailure(error: unknown): boolean {
  return !(error instanceof BulkheadRejectedError || error instanceof DrainingError);
}

/**
 * A rejection. Made on the fast path of an open breaker, so without a stack trace: a rejection's
 * stack only ever shows the breaker, and capturing it costs more than the rest of the rejection.
 */
function rejection(name: string, state: CircuitRejectState, retryAfter: number): CircuitOpenError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new CircuitOpenError(name, state, retryAfter);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
