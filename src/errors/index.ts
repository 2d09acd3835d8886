export { ResilienceError } from './ResilienceError';
export { CircuitOpenError, type CircuitRejectState } from './CircuitOpenError';
export { BulkheadRejectedError, type BulkheadRejectReason } from './BulkheadRejectedError';
export { OperationTimeoutError, type TimeoutKind } from './OperationTimeoutError';
export { DrainingError } from './DrainingError';
export { DrainTimeoutError } from './DrainTimeoutError';
export { ResilienceConfigError } from './ResilienceConfigError';
