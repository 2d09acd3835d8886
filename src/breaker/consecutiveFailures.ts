import { OptionChecker } from '../internal/validate';
import type { TripCounter, TripPolicy, TripStateJSON } from './types';

/** The trip policy made by {@link consecutiveFailures}. */
export interface ConsecutiveFailuresPolicy extends TripPolicy {
  readonly kind: 'consecutiveFailures';
  /** Failures in a row that open the breaker. */
  readonly threshold: number;
}

/**
 * Opens the breaker after `threshold` failures in a row; a success resets the count.
 *
 * ## Example
 * ```ts
 * import { CircuitBreaker, consecutiveFailures } from 'rxjs-resilience';
 *
 * const breaker = new CircuitBreaker({ name: 'db', trip: consecutiveFailures(3) });
 * ```
 */
export function consecutiveFailures(threshold: number): ConsecutiveFailuresPolicy {
  new OptionChecker('consecutiveFailures').integer('threshold', threshold, 1);
  return Object.freeze({
    kind: 'consecutiveFailures' as const,
    threshold,
    create: (): TripCounter => new ConsecutiveCounter(threshold),
  });
}

class ConsecutiveCounter implements TripCounter {
  private count = 0;

  constructor(private readonly threshold: number) {}

  success(): boolean {
    this.count = 0;
    return false;
  }

  failure(): boolean {
    return ++this.count >= this.threshold;
  }

  reset(): void {
    this.count = 0;
  }

  toJSON(): TripStateJSON {
    return { kind: 'consecutiveFailures', count: this.count };
  }

  restore(state: TripStateJSON): void {
    const count = state.count;
    if (state.kind === 'consecutiveFailures' && typeof count === 'number' && Number.isInteger(count) && count >= 0) {
      this.count = count;
    }
  }
}
