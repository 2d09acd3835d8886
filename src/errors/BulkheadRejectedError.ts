import { ResilienceError } from './ResilienceError';

/** Why a bulkhead turned a call away. */
export type BulkheadRejectReason = 'full' | 'queue-timeout';

/** A bulkhead rejected a call: every permit taken and the queue full, or the wait too long. */
export class BulkheadRejectedError extends ResilienceError {
  readonly bulkhead: string;
  readonly reason: BulkheadRejectReason;

  constructor(bulkhead: string, reason: BulkheadRejectReason) {
    super(
      reason === 'full'
        ? `Bulkhead "${bulkhead}" is full; call rejected`
        : `Bulkhead "${bulkhead}": call waited longer than its queue timeout`,
    );
    this.name = 'BulkheadRejectedError';
    this.bulkhead = bulkhead;
    this.reason = reason;
  }
}
