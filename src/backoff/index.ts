/**
 * Pure delay arithmetic for `retryWithBackoff`: no RxJS, no clock, no state of their own.
 */

/** How the base delay grows with the retry number. */
export type BackoffKind = 'exponential' | 'linear' | 'constant';

/** How the base delay is randomised. */
export type JitterKind = 'none' | 'full' | 'equal' | 'decorrelated';

/** The base delay before retry `n` (1-based), not yet clamped. */
export function baseDelay(kind: BackoffKind, n: number, initialDelay: number, factor: number): number {
  switch (kind) {
    case 'exponential':
      return initialDelay * Math.pow(factor, n - 1);
    case 'linear':
      return initialDelay * n;
    default:
      return initialDelay;
  }
}

/** Clamps a delay to `[0, maxDelay]`. */
export function clampDelay(delay: number, maxDelay: number): number {
  return delay <= 0 ? 0 : delay >= maxDelay ? maxDelay : delay;
}

/**
 * Applies jitter to the clamped base delay `d`.
 * - full: `random() * d`
 * - equal: `d/2 + random() * d/2`
 * - decorrelated: `min(maxDelay, initialDelay + random() * (3 * prev - initialDelay))`, where `prev`
 *   is the previous delay (initially `initialDelay`); it ignores `d`.
 */
export function applyJitter(
  jitter: JitterKind,
  d: number,
  r: () => number,
  initialDelay: number,
  maxDelay: number,
  prev: number,
): number {
  switch (jitter) {
    case 'full':
      return r() * d;
    case 'equal':
      return d / 2 + (r() * d) / 2;
    case 'decorrelated':
      return clampDelay(initialDelay + r() * (3 * prev - initialDelay), maxDelay);
    default:
      return d;
  }
}
