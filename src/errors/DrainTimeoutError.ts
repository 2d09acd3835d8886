import { ResilienceError } from './ResilienceError';

/** A call was still running when its drainer's drain timeout passed, and was ended. */
export class DrainTimeoutError extends ResilienceError {
  readonly drainer: string;
  /** The drain timeout that passed, in ms. */
  readonly timeout: number;

  constructor(drainer: string, timeout: number) {
    super(`Drainer "${drainer}": call still running after the drain timeout of ${timeout} ms`);
    this.name = 'DrainTimeoutError';
    this.drainer = drainer;
    this.timeout = timeout;
  }
}
