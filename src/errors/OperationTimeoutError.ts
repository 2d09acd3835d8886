import { ResilienceError } from './ResilienceError';

/** Which of `timeoutWith`'s limits expired. */
export type TimeoutKind = 'first' | 'each' | 'total';

/** `timeoutWith` expired and had no `with` fallback to switch to. */
export class OperationTimeoutError extends ResilienceError {
  readonly operation: string;
  readonly kind: TimeoutKind;
  /** The limit that expired, in ms. */
  readonly timeout: number;

  constructor(operation: string, kind: TimeoutKind, timeout: number) {
    super(`Operation "${operation}" timed out: no ${describe(kind)} within ${timeout} ms`);
    this.name = 'OperationTimeoutError';
    this.operation = operation;
    this.kind = kind;
    this.timeout = timeout;
  }
}

function describe(kind: TimeoutKind): string {
  return kind === 'first' ? 'first value' : kind === 'each' ? 'value' : 'completion';
}
