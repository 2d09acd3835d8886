import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import { Stateful } from '../internal/Stateful';
import type { EventBase } from '../internal/Stateful';
import { scheduleUnref } from '../internal/unrefTimer';
import { OptionChecker, placeOf } from '../internal/validate';

/** Options of {@link RetryBudget}. Every duration is in ms. */
export interface RetryBudgetOptions {
  /** The budget's name, used in events and snapshots. Default `'retry-budget'`. */
  name?: string;
  /** Retries allowed within `window` regardless of traffic: an integer >= 0. Default `100`. */
  maxRetries?: number;
  /** The sliding window, in ms: a retry or a call stops counting `window` ms after it was made. Default `60000`. */
  window?: number;
  /** Extra retries allowed per call made within `window`: a number >= 0 (`0.1` = one more retry per 10 calls). Default `0`. */
  ratio?: number;
  /**
   * How many time buckets the window is kept in: an integer >= 1. Memory is a few numbers per
   * bucket; precision is one bucket (`window / buckets` ms). Default `60`.
   */
  buckets?: number;
  /** The clock of the window and its expiry timer. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/** What {@link RetryBudget.snapshot} returns: the budget over its current window. */
export interface RetryBudgetSnapshot {
  readonly name: string;
  /** Retries acquired within the window. */
  readonly currentRetries: number;
  /** The current allowance: `maxRetries + floor(ratio * calls)`. */
  readonly maxRetries: number;
  /** `currentRetries / maxRetries`, from 0 to 1 (1 when retries remain counted but the allowance is 0). */
  readonly budgetUsed: number;
  /** Calls recorded within the window. */
  readonly calls: number;
  /** Retries refused since the budget was created (a counter, not windowed). */
  readonly rejected: number;
}

/** A retry was allowed (`acquired`) or refused (`rejected`); the counts are those just after the decision. */
export interface RetryBudgetDecisionEvent<Type extends 'acquired' | 'rejected'> extends EventBase<Type> {
  /** Retries counted within the window (including this one when acquired). */
  readonly currentRetries: number;
  /** The allowance the decision was made against. */
  readonly maxRetries: number;
}

/** Every event of a {@link RetryBudget}. */
export type RetryBudgetEvent = RetryBudgetDecisionEvent<'acquired'> | RetryBudgetDecisionEvent<'rejected'>;

const KNOWN: readonly (keyof RetryBudgetOptions)[] = ['name', 'maxRetries', 'window', 'ratio', 'buckets', 'scheduler'];

/** Guards `floor(ratio * calls)` against binary fractions: `0.29 * 100` is 28.999999999999996. */
const EPSILON = 1e-9;

/**
 * A retry budget shared by many operations: within a sliding window, at most
 * `maxRetries + floor(ratio * calls)` retries are allowed, so a failing dependency is not hit by a
 * retry storm on top of its normal traffic.
 *
 * `retryWithBackoff({ budget })` calls `recordCall()` once per subscription and `tryAcquire()`
 * before each retry; a refusal propagates the source's error unchanged.
 *
 * The window is kept in `buckets` time buckets aligned to scheduler time 0, so memory depends on
 * the configuration, never on traffic. A bucket's retries all count until the *latest* of them is
 * `window` ms old, and its calls until the *earliest* of them is: a retry may count up to one bucket
 * longer than `window`, a call up to one bucket shorter, never the other way round. The budget
 * therefore never allows more than its allowance in any window; it may refuse a little early.
 *
 * `state$` emits after each `tryAcquire()` and `recordCall()`, and when counted retries or calls
 * leave the window (an unref'd timer, which never keeps Node.js alive).
 *
 * ## Example
 * ```ts
 * import { RetryBudget, retryWithBackoff } from 'rxjs-resilience';
 *
 * const budget = new RetryBudget({ maxRetries: 10, ratio: 0.2, window: 10_000 });
 * const users$ = defer(() => fetch('/users')).pipe(retryWithBackoff({ budget }));
 * budget.state$.subscribe((s) => console.log(s.budgetUsed));
 * ```
 */
export class RetryBudget extends Stateful<RetryBudgetSnapshot, RetryBudgetEvent> {
  private readonly maxRetries: number;
  private readonly window: number;
  private readonly ratio: number;
  private readonly buckets: number;

  // The ring: buckets + 1 slots, so the slot of bucket k is only reused by bucket k + buckets + 1,
  // whose start is more than `window` after the end of bucket k: its data has expired by then.
  private readonly slotBucket: Float64Array;
  /** Each counted retry's time, oldest first, in a ring: a retry stops counting exactly `window` ms after it. */
  private retryTimes: Float64Array;
  private retryHead = 0;
  private retryCount = 0;
  private readonly slotCalls: Float64Array;
  private readonly slotFirstCallAt: Float64Array;
  private rejectedCount = 0;
  private timer: Subscription | null = null;

  constructor(options?: RetryBudgetOptions) {
    const given = options ?? {};
    const check = new OptionChecker(placeOf('RetryBudget', given.name ?? 'retry-budget'));
    check.options(options, KNOWN);
    const {
      name = 'retry-budget',
      maxRetries = 100,
      window = 60000,
      ratio = 0,
      buckets = 60,
      scheduler = asyncScheduler,
    } = given;
    check.name(name);
    check.integer('maxRetries', maxRetries, 0);
    check.duration('window', window);
    check.number('ratio', ratio, 0);
    check.integer('buckets', buckets, 1);
    check.scheduler(scheduler);
    super(name, scheduler);
    this.maxRetries = maxRetries;
    this.window = window;
    this.ratio = ratio;
    this.buckets = buckets;
    const slots = buckets + 1;
    this.slotBucket = new Float64Array(slots).fill(-Infinity);
    this.retryTimes = new Float64Array(Math.max(4, Math.min(maxRetries, 1024)));
    this.slotCalls = new Float64Array(slots);
    this.slotFirstCallAt = new Float64Array(slots);
  }

  /**
   * Asks for one retry. `true`: it is allowed and counted within the window. `false`: the budget
   * is used up; the refusal is counted in `rejected`.
   */
  tryAcquire(): boolean {
    const now = this.scheduler.now();
    const retries = this.liveRetries(now);
    const allowance = this.allowanceFor(this.liveCalls(now));
    const allowed = retries < allowance;
    if (allowed) {
      this.pushRetry(now);
      this.armExpiry(now);
      if (this.listening) this.emit('acquired', { currentRetries: retries + 1, maxRetries: allowance });
    } else {
      this.rejectedCount++;
      if (this.listening) this.emit('rejected', { currentRetries: retries, maxRetries: allowance });
    }
    this.changed();
    return allowed;
  }

  /** Counts one call (a first attempt, not a retry): with a `ratio`, each call raises the allowance. */
  recordCall(): void {
    const now = this.scheduler.now();
    const slot = this.slotAt(now);
    if (this.slotCalls[slot] === 0) this.slotFirstCallAt[slot] = now;
    this.slotCalls[slot]! += 1;
    this.armExpiry(now);
    this.changed();
  }

  /** The budget over its current window: retries and calls counted, the allowance, how much of it is used. */
  snapshot(): RetryBudgetSnapshot {
    const now = this.scheduler.now();
    const currentRetries = this.liveRetries(now);
    const calls = this.liveCalls(now);
    const maxRetries = this.allowanceFor(calls);
    const budgetUsed = currentRetries === 0 ? 0 : maxRetries === 0 ? 1 : Math.min(1, currentRetries / maxRetries);
    return { name: this.name, currentRetries, maxRetries, budgetUsed, calls, rejected: this.rejectedCount };
  }

  protected override onDispose(): void {
    this.timer?.unsubscribe();
    this.timer = null;
  }

  /** `maxRetries + floor(ratio * calls)`. */
  private allowanceFor(calls: number): number {
    return this.maxRetries + Math.floor(this.ratio * calls + EPSILON);
  }

  /** Retries made less than `window` ms ago (older ones are dropped from the ring). */
  private liveRetries(now: number): number {
    const times = this.retryTimes;
    while (this.retryCount > 0 && now - times[this.retryHead]! >= this.window) {
      this.retryHead = (this.retryHead + 1) % times.length;
      this.retryCount--;
    }
    return this.retryCount;
  }

  /**
   * Counts a retry at `now`. The ring holds at most the allowance: `maxRetries` without a
   * `ratio`; with one it grows with the calls in the window.
   */
  private pushRetry(now: number): void {
    let times = this.retryTimes;
    if (this.retryCount === times.length) {
      const grown = new Float64Array(times.length * 2);
      for (let i = 0; i < this.retryCount; i++) grown[i] = times[(this.retryHead + i) % times.length]!;
      this.retryTimes = times = grown;
      this.retryHead = 0;
    }
    times[(this.retryHead + this.retryCount) % times.length] = now;
    this.retryCount++;
  }

  private liveCalls(now: number): number {
    let sum = 0;
    for (let i = 0; i < this.slotCalls.length; i++) {
      if (this.slotCalls[i]! > 0 && now - this.slotFirstCallAt[i]! < this.window) sum += this.slotCalls[i]!;
    }
    return sum;
  }

  /** The ring slot of the bucket holding `now`, cleared first if it still holds an older bucket. */
  private slotAt(now: number): number {
    // `now * buckets / window` rather than `now / (window / buckets)`: exact for integer times.
    const bucket = Math.floor((now * this.buckets) / this.window);
    const slot = ((bucket % this.slotBucket.length) + this.slotBucket.length) % this.slotBucket.length;
    if (this.slotBucket[slot] !== bucket) {
      this.slotBucket[slot] = bucket;
      this.slotCalls[slot] = 0;
    }
    return slot;
  }

  /** The earliest time at which something counted now stops counting, or Infinity. */
  private nextExpiry(): number {
    let next = this.retryCount > 0 ? this.retryTimes[this.retryHead]! + this.window : Infinity;
    for (let i = 0; i < this.slotBucket.length; i++) {
      if (this.slotCalls[i]! > 0) next = Math.min(next, this.slotFirstCallAt[i]! + this.window);
    }
    return next;
  }

  /** Makes sure a timer will tell `state$` when the oldest counted data leaves the window. */
  private armExpiry(now: number): void {
    if (this.timer !== null || this.disposed) return;
    this.timer = scheduleUnref(this.scheduler, () => this.expire(), Math.max(0, this.nextExpiry() - now));
  }

  private expire(): void {
    this.timer = null;
    const now = this.scheduler.now();
    const retriesBefore = this.retryCount;
    let expired = this.liveRetries(now) !== retriesBefore;
    for (let i = 0; i < this.slotBucket.length; i++) {
      if (this.slotCalls[i]! > 0 && now - this.slotFirstCallAt[i]! >= this.window) {
        this.slotCalls[i] = 0;
        expired = true;
      }
    }
    if (expired) this.changed();
    if (this.nextExpiry() < Infinity) this.armExpiry(now);
  }
}
