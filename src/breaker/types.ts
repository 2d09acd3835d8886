import type { SchedulerLike } from 'rxjs';
import type { CircuitRejectState } from '../errors/CircuitOpenError';
import type { ErrorFilter } from '../internal/errorFilter';
import type { EventBase } from '../internal/Stateful';

/** The state of a circuit breaker. `'isolated'` is held open by `isolate()` until `reset()`. */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * What a trip policy remembers between outcomes, as plain JSON (saved by `toJSON()`, restored by
 * `initialState`). `kind` names the policy that wrote it; a policy ignores another kind's state.
 */
export interface TripStateJSON {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/**
 * The counting part of one breaker's trip policy, made by {@link TripPolicy.create}: told each
 * outcome of a call made while the breaker is closed, it answers whether the breaker must open.
 * Its memory is bounded by its configuration, never by traffic.
 */
export interface TripCounter {
  /** Records a success at scheduler time `now`; true when the breaker must open. */
  success(now: number): boolean;
  /** Records a failure at scheduler time `now`; true when the breaker must open. */
  failure(now: number): boolean;
  /** Forgets every outcome (the breaker closed, or `reset()`). */
  reset(): void;
  /** What it remembers, as plain JSON. */
  toJSON(): TripStateJSON;
  /** Takes back what `toJSON()` saved; ignores a state of another kind or shape. */
  restore(state: TripStateJSON): void;
}

/**
 * When a closed breaker opens: an immutable value made by {@link consecutiveFailures},
 * {@link failuresInWindow} or {@link failureRate}. One policy value can be shared by many
 * breakers: each breaker makes its own counter with `create()`.
 */
export interface TripPolicy {
  /** The policy's name, e.g. `'consecutiveFailures'`. */
  readonly kind: string;
  /** A fresh counter for one breaker. */
  create(): TripCounter;
}

/** Options of {@link CircuitBreaker}. Every duration is in ms. */
export interface CircuitBreakerOptions {
  /** The breaker's name, in errors, events and snapshots. Default `'circuit-breaker'`. */
  name?: string;
  /** When the closed breaker opens. Default `consecutiveFailures(5)`. */
  trip?: TripPolicy;
  /**
   * ms spent open before half-open, or `(openCount) => ms`, where `openCount` is 1 on the first
   * opening since the breaker was last closed, 2 on the next, … Default `60000`.
   */
  resetTimeout?: number | ((openCount: number) => number);
  /** Successful probes needed to close a half-open breaker, an integer >= 1. Default `1`. */
  successThreshold?: number;
  /** How many calls a half-open breaker lets run at once, an integer >= 1. Default `1`. */
  halfOpenMaxCalls?: number;
  /** ms after which a breaker still half-open reopens (a hung probe cannot hold it). Default: none. */
  halfOpenTimeout?: number;
  /**
   * Which errors count as failures: a predicate or a list of error classes. Other errors are
   * ignored (event `ignored`). Default: every error except `BulkheadRejectedError` and
   * `DrainingError`.
   */
  isFailure?: ErrorFilter;
  /** A call that succeeds after at least this many ms counts as a failure. Default: none. */
  slowCallDuration?: number;
  /** A state saved by `toJSON()` to start from. Default: closed, with no counts. */
  initialState?: CircuitBreakerJSON;
  /** The scheduler that reads time and times the half-open timer. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/** What `snapshot()` returns and `metrics$` emits: plain JSON. Times are scheduler times or `null`. */
export interface CircuitBreakerSnapshot {
  readonly name: string;
  readonly state: CircuitState;
  /** Successes + failures since creation or `reset()` (ignored and rejected calls not included). */
  readonly totalCalls: number;
  readonly successCount: number;
  readonly failureCount: number;
  /** Calls rejected since creation or `reset()`. */
  readonly rejectedCount: number;
  /** `failureCount / totalCalls`, 0 when there were no calls. */
  readonly failureRate: number;
  /** Failures since the last success (or creation, or `reset()`). */
  readonly consecutiveFailures: number;
  /** When the breaker last opened or was isolated; `null` while closed. */
  readonly openedAt: number | null;
  /** Open: when it will half-open. Half-open: when it half-opened. Otherwise `null`. */
  readonly halfOpenAt: number | null;
  /** When the last failure was recorded; `null` if none since creation or `reset()`. */
  readonly lastFailureAt: number | null;
}

/**
 * A breaker's state as plain JSON, returned by `toJSON()` and accepted by `initialState`. Times
 * are scheduler times. In-flight calls are not saved: a restored half-open breaker has every
 * probe slot free.
 */
export interface CircuitBreakerJSON {
  /** The format's version, `1`. */
  readonly version: 1;
  readonly state: CircuitState;
  /** Openings since the breaker was last closed (what `resetTimeout(openCount)` was last given). */
  readonly openCount: number;
  readonly openedAt: number | null;
  readonly halfOpenAt: number | null;
  /** Successful probes so far in the current half-open state. */
  readonly halfOpenSuccesses: number;
  readonly successCount: number;
  readonly failureCount: number;
  readonly rejectedCount: number;
  readonly consecutiveFailures: number;
  readonly lastFailureAt: number | null;
  /** What the trip policy remembers; omitted means nothing. */
  readonly trip?: TripStateJSON;
}

/** The breaker changed state. */
export interface CircuitStateChangeEvent extends EventBase<'state-change'> {
  readonly from: CircuitState;
  readonly to: CircuitState;
}

/** A call succeeded (and counted as a success). */
export interface CircuitSuccessEvent extends EventBase<'success'> {
  /** ms from admission to the success. */
  readonly duration: number;
}

/** A call failed: an error `isFailure` matched, or a success slower than `slowCallDuration`. */
export interface CircuitFailureEvent extends EventBase<'failure'> {
  /** The error; `undefined` for a slow success. */
  readonly error: unknown;
  /** ms from admission to the outcome. */
  readonly duration: number;
  /** True when the call succeeded but took at least `slowCallDuration`. */
  readonly slow: boolean;
}

/** The breaker rejected a call without running it. */
export interface CircuitRejectedEvent extends EventBase<'rejected'> {
  readonly state: CircuitRejectState;
}

/** A call errored with an error `isFailure` did not match: not counted. */
export interface CircuitIgnoredEvent extends EventBase<'ignored'> {
  readonly error: unknown;
}

/** Everything `events$` emits. */
export type CircuitBreakerEvent =
  CircuitStateChangeEvent | CircuitSuccessEvent | CircuitFailureEvent | CircuitRejectedEvent | CircuitIgnoredEvent;
