import { ResilienceError } from './ResilienceError';

/** The state a breaker was in when it rejected a call. */
export type CircuitRejectState = 'open' | 'half-open' | 'isolated';

/**
 * A circuit breaker rejected a call without running it.
 *
 * `retryAfter` is the number of ms until the breaker half-opens (0 when unknown, isolated, or
 * already half-open). `retryWithBackoff` honours it: its next delay is at least `retryAfter`.
 */
export class CircuitOpenError extends ResilienceError {
  readonly circuit: string;
  readonly state: CircuitRejectState;
  readonly retryAfter: number;

  constructor(circuit: string, state: CircuitRejectState, retryAfter: number) {
    super(`Circuit "${circuit}" is ${state}; call rejected${retryAfter > 0 ? ` (retry after ${retryAfter} ms)` : ''}`);
    this.name = 'CircuitOpenError';
    this.circuit = circuit;
    this.state = state;
    this.retryAfter = retryAfter;
  }
}
