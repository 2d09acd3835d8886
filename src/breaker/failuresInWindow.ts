import { OptionChecker } from '../internal/validate';
import type { TripCounter, TripPolicy, TripStateJSON } from './types';

/** Options of {@link failuresInWindow}. */
export interface FailuresInWindowOptions {
  /** Failures within `window` that open the breaker, an integer >= 1. */
  threshold: number;
  /** The sliding window, in ms: a failure stops counting `window` ms after it was recorded. */
  window: number;
}

/** The trip policy made by {@link failuresInWindow}. */
export interface FailuresInWindowPolicy extends TripPolicy {
  readonly kind: 'failuresInWindow';
  readonly threshold: number;
  readonly window: number;
}

const KNOWN: readonly (keyof FailuresInWindowOptions)[] = ['threshold', 'window'];

/**
 * Opens the breaker when `threshold` failures were recorded within the last `window` ms
 * (successes do not reset it). A failure recorded at time t counts until t + window, exclusive.
 *
 * Memory: the times of the last `threshold` failures, in a fixed ring.
 *
 * ## Example
 * ```ts
 * import { CircuitBreaker, failuresInWindow } from 'rxjs-resilience';
 *
 * // Opens on the 5th failure within any 10 s.
 * const breaker = new CircuitBreaker({ trip: failuresInWindow({ threshold: 5, window: 10_000 }) });
 * ```
 */
export function failuresInWindow(options: FailuresInWindowOptions): FailuresInWindowPolicy {
  const check = new OptionChecker('failuresInWindow');
  if (options === undefined) check.fail('options', 'an object', options);
  const { threshold, window } = check.options(options, KNOWN);
  check.integer('threshold', threshold, 1);
  check.duration('window', window);
  return Object.freeze({
    kind: 'failuresInWindow' as const,
    threshold,
    window,
    create: (): TripCounter => new WindowCounter(threshold, window),
  });
}

class WindowCounter implements TripCounter {
  /** The times of the last `threshold` failures; `next` is where the next one goes (the oldest). */
  private readonly times: Float64Array;
  private next = 0;
  private size = 0;

  constructor(
    private readonly threshold: number,
    private readonly window: number,
  ) {
    this.times = new Float64Array(threshold);
  }

  success(): boolean {
    return false;
  }

  failure(now: number): boolean {
    this.push(now);
    // Full ring: the slot about to be overwritten holds the threshold-th most recent failure.
    return this.size === this.threshold && now - this.times[this.next] < this.window;
  }

  reset(): void {
    this.next = 0;
    this.size = 0;
  }

  toJSON(): TripStateJSON {
    const failures: number[] = [];
    for (let i = 0; i < this.size; i++) {
      failures.push(this.times[(this.next - this.size + i + this.threshold) % this.threshold]);
    }
    return { kind: 'failuresInWindow', failures };
  }

  restore(state: TripStateJSON): void {
    const failures = state.failures;
    if (state.kind !== 'failuresInWindow' || !Array.isArray(failures)) return;
    if (!failures.every((t) => typeof t === 'number' && Number.isFinite(t))) return;
    this.reset();
    for (const t of failures.slice(-this.threshold) as number[]) this.push(t);
  }

  private push(time: number): void {
    this.times[this.next] = time;
    this.next = (this.next + 1) % this.threshold;
    if (this.size < this.threshold) this.size++;
  }
}
