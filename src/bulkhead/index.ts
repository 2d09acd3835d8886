export { Bulkhead } from './Bulkhead';
export type {
  BulkheadOptions,
  BulkheadSnapshot,
  BulkheadEvent,
  BulkheadAcquiredEvent,
  BulkheadReleasedEvent,
  BulkheadRejectedEvent,
  BulkheadPermit,
  BulkheadPermitStatus,
  BulkheadWaiter,
} from './Bulkhead';
