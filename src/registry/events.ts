import type { TimeoutKind } from '../errors/OperationTimeoutError';

/** The kinds of object a `ResilienceRegistry` holds. */
export type MemberKind = 'circuitBreaker' | 'bulkhead' | 'retryBudget' | 'drainer' | 'healthTracker' | 'dependency';

/** The kinds of operator that report to a registry given as their `registry` option. */
export type OperationKind = 'retry' | 'timeout' | 'fallback';

/** `retryWithBackoff` is about to wait and retry. */
export interface RetryOperationEvent {
  readonly kind: 'retry';
  readonly type: 'retry';
  readonly name: string;
  readonly at: number;
  /** The 1-based number of the retry about to be made. */
  readonly attempt: number;
  readonly delay: number;
  readonly error: unknown;
}

/** `timeoutWith` expired. */
export interface TimeoutOperationEvent {
  readonly kind: 'timeout';
  readonly type: 'timeout';
  readonly name: string;
  readonly at: number;
  /** Which limit expired. */
  readonly limit: TimeoutKind;
  readonly timeout: number;
}

/** `fallback` switched to its handler. */
export interface FallbackOperationEvent {
  readonly kind: 'fallback';
  readonly type: 'fallback';
  readonly name: string;
  readonly at: number;
  readonly error: unknown;
}

/** What an operator given a `registry` reports, as `registry.events$` carries it. */
export type OperationEvent = RetryOperationEvent | TimeoutOperationEvent | FallbackOperationEvent;

/** The fields an operator reports; the registry adds `at` from its scheduler. */
export type OperationReport =
  Omit<RetryOperationEvent, 'at'> | Omit<TimeoutOperationEvent, 'at'> | Omit<FallbackOperationEvent, 'at'>;

/**
 * What an operator's `registry` option needs: a `ResilienceRegistry`, or anything that takes
 * reports the same way.
 */
export interface OperationReporter {
  /** Takes one report: a retry about to be made, a timeout that expired, a fallback used. */
  reportOperation(report: OperationReport): void;
}
