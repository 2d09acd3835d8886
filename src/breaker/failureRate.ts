import { OptionChecker } from '../internal/validate';
import type { TripCounter, TripPolicy, TripStateJSON } from './types';

/** A window of the last `calls` outcomes. */
export interface CallsWindow {
  /** How many of the most recent outcomes the window holds, an integer >= 1. */
  calls: number;
}

/**
 * A time window of `buckets` slices of `duration / buckets` ms each, aligned to scheduler time 0:
 * slice k holds the outcomes recorded in `[k * size, (k + 1) * size)`, and the window is the
 * current slice plus the `buckets - 1` before it.
 */
export interface DurationWindow {
  /** The window's length, in ms. */
  duration: number;
  /** How many slices it is cut into, an integer >= 1. Default `10`. */
  buckets?: number;
}

/** Options of {@link failureRate}. */
export interface FailureRateOptions {
  /** The failure rate (failures / outcomes in the window) that opens the breaker, in (0, 1]. */
  threshold: number;
  /** The fewest outcomes in the window before the rate is considered, an integer >= 1. Default `10`. */
  minimumCalls?: number;
  /** `{ calls }` (the last n outcomes) or `{ duration, buckets = 10 }` (a bucketed time window). */
  window: CallsWindow | DurationWindow;
}

/** The trip policy made by {@link failureRate}. */
export interface FailureRatePolicy extends TripPolicy {
  readonly kind: 'failureRate';
  readonly threshold: number;
  readonly minimumCalls: number;
  readonly window: Readonly<CallsWindow> | Readonly<Required<DurationWindow>>;
}

const KNOWN: readonly (keyof FailureRateOptions)[] = ['threshold', 'minimumCalls', 'window'];

/**
 * Opens the breaker when at least `minimumCalls` outcomes are in the window and
 * failures / outcomes >= `threshold`. Checked after every outcome, a success included (the
 * success that brings the window up to `minimumCalls` can open it).
 *
 * Memory: one byte per call of a `{ calls }` window, two numbers per bucket of a time window.
 *
 * ## Example
 * ```ts
 * import { CircuitBreaker, failureRate } from 'rxjs-resilience';
 *
 * // Opens when half of the calls of the last minute failed, once there were at least 20.
 * const breaker = new CircuitBreaker({
 *   trip: failureRate({ threshold: 0.5, minimumCalls: 20, window: { duration: 60_000, buckets: 6 } }),
 * });
 * ```
 */
export function failureRate(options: FailureRateOptions): FailureRatePolicy {
  const check = new OptionChecker('failureRate');
  if (options === undefined) check.fail('options', 'an object', options);
  const { threshold, minimumCalls = 10, window } = check.options(options, KNOWN);
  check.ratio('threshold', threshold, true);
  check.integer('minimumCalls', minimumCalls, 1);
  if (window === null || typeof window !== 'object' || Array.isArray(window)) {
    check.fail('window', 'an object { calls } or { duration, buckets? }', window);
  }
  const calls = (window as CallsWindow).calls;
  const { duration, buckets = 10 } = window as DurationWindow;
  const keys = Object.keys(window);
  if (calls !== undefined) {
    if (keys.some((k) => k !== 'calls'))
      check.fail('window', 'either { calls } or { duration, buckets? }, not both', window);
    check.integer('window.calls', calls, 1);
    if (minimumCalls > calls)
      check.fail('minimumCalls', `an integer >= 1 and <= window.calls (${calls})`, minimumCalls);
    return Object.freeze({
      kind: 'failureRate' as const,
      threshold,
      minimumCalls,
      window: Object.freeze({ calls }),
      create: (): TripCounter => new CallsCounter(threshold, minimumCalls, calls),
    });
  }
  if (keys.some((k) => k !== 'duration' && k !== 'buckets')) {
    check.fail('window', 'an object { calls } or { duration, buckets? }', window);
  }
  check.duration('window.duration', duration);
  check.integer('window.buckets', buckets, 1);
  return Object.freeze({
    kind: 'failureRate' as const,
    threshold,
    minimumCalls,
    window: Object.freeze({ duration, buckets }),
    create: (): TripCounter => new BucketCounter(threshold, minimumCalls, duration, buckets),
  });
}

/** The last `calls` outcomes in a ring of bytes (1 = failure). */
class CallsCounter implements TripCounter {
  private readonly ring: Uint8Array;
  private next = 0;
  private size = 0;
  private failures = 0;

  constructor(
    private readonly threshold: number,
    private readonly minimumCalls: number,
    private readonly calls: number,
  ) {
    this.ring = new Uint8Array(calls);
  }

  success(): boolean {
    return this.record(0);
  }

  failure(): boolean {
    return this.record(1);
  }

  reset(): void {
    this.next = this.size = this.failures = 0;
  }

  toJSON(): TripStateJSON {
    const outcomes: number[] = [];
    for (let i = 0; i < this.size; i++) outcomes.push(this.ring[(this.next - this.size + i + this.calls) % this.calls]);
    return { kind: 'failureRate', window: 'calls', outcomes };
  }

  restore(state: TripStateJSON): void {
    const outcomes = state.outcomes;
    if (state.kind !== 'failureRate' || state.window !== 'calls' || !Array.isArray(outcomes)) return;
    if (!outcomes.every((o) => o === 0 || o === 1)) return;
    this.reset();
    for (const o of outcomes.slice(-this.calls) as Array<0 | 1>) this.push(o);
  }

  private record(failed: 0 | 1): boolean {
    this.push(failed);
    return this.size >= this.minimumCalls && this.failures / this.size >= this.threshold;
  }

  private push(failed: 0 | 1): void {
    if (this.size === this.calls) this.failures -= this.ring[this.next];
    else this.size++;
    this.ring[this.next] = failed;
    this.failures += failed;
    this.next = (this.next + 1) % this.calls;
  }
}

/** Outcomes counted per time slice, in a fixed array of `buckets` slices reused round-robin. */
class BucketCounter implements TripCounter {
  private readonly size: number;
  private readonly calls: Float64Array;
  private readonly failed: Float64Array;
  /** The index (time / size, floored) of the newest slice written; -Infinity before any. */
  private latest = -Infinity;
  private totalCalls = 0;
  private totalFailures = 0;

  constructor(
    private readonly threshold: number,
    private readonly minimumCalls: number,
    duration: number,
    private readonly buckets: number,
  ) {
    this.size = duration / buckets;
    this.calls = new Float64Array(buckets);
    this.failed = new Float64Array(buckets);
  }

  success(now: number): boolean {
    return this.record(now, 0);
  }

  failure(now: number): boolean {
    return this.record(now, 1);
  }

  reset(): void {
    this.calls.fill(0);
    this.failed.fill(0);
    this.latest = -Infinity;
    this.totalCalls = this.totalFailures = 0;
  }

  toJSON(): TripStateJSON {
    const slices: Array<{ index: number; calls: number; failures: number }> = [];
    if (this.latest !== -Infinity) {
      for (let index = this.latest - this.buckets + 1; index <= this.latest; index++) {
        const slot = this.slot(index);
        if (this.calls[slot] > 0) slices.push({ index, calls: this.calls[slot], failures: this.failed[slot] });
      }
    }
    return {
      kind: 'failureRate',
      window: 'duration',
      bucketSize: this.size,
      latest: this.latest === -Infinity ? null : this.latest,
      slices,
    };
  }

  restore(state: TripStateJSON): void {
    const { latest, slices } = state;
    if (state.kind !== 'failureRate' || state.window !== 'duration' || state.bucketSize !== this.size) return;
    if (typeof latest !== 'number' || !Number.isInteger(latest) || !Array.isArray(slices)) return;
    const valid = slices.every((s: { index?: unknown; calls?: unknown; failures?: unknown } | null) => {
      if (s === null || typeof s !== 'object') return false;
      const { index, calls, failures } = s;
      return (
        typeof index === 'number' &&
        Number.isInteger(index) &&
        index <= latest &&
        typeof calls === 'number' &&
        Number.isInteger(calls) &&
        calls >= 0 &&
        typeof failures === 'number' &&
        Number.isInteger(failures) &&
        failures >= 0 &&
        failures <= calls
      );
    });
    if (!valid) return;
    this.reset();
    this.latest = latest;
    for (const s of slices as Array<{ index: number; calls: number; failures: number }>) {
      if (s.index <= latest - this.buckets) continue;
      const slot = this.slot(s.index);
      this.calls[slot] += s.calls;
      this.failed[slot] += s.failures;
      this.totalCalls += s.calls;
      this.totalFailures += s.failures;
    }
  }

  private slot(index: number): number {
    return ((index % this.buckets) + this.buckets) % this.buckets;
  }

  private record(now: number, failure: 0 | 1): boolean {
    let index = Math.floor(now / this.size);
    if (index > this.latest) {
      // Clear the slices that fell out of the window: at most `buckets` of them.
      for (let i = Math.max(this.latest + 1, index - this.buckets + 1); i <= index; i++) {
        const slot = this.slot(i);
        this.totalCalls -= this.calls[slot];
        this.totalFailures -= this.failed[slot];
        this.calls[slot] = this.failed[slot] = 0;
      }
      this.latest = index;
    } else if (index < this.latest) {
      // The clock went back (a wall clock adjusted): count the outcome in the newest slice.
      index = this.latest;
    }
    const slot = this.slot(index);
    this.calls[slot]++;
    this.failed[slot] += failure;
    this.totalCalls++;
    this.totalFailures += failure;
    return this.totalCalls >= this.minimumCalls && this.totalFailures / this.totalCalls >= this.threshold;
  }
}
