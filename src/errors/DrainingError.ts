import { ResilienceError } from './ResilienceError';

/** A call started while its drainer is draining (or has drained): the service is shutting down. */
export class DrainingError extends ResilienceError {
  readonly drainer: string;

  constructor(drainer: string) {
    super(`Drainer "${drainer}" is draining; new calls are refused`);
    this.name = 'DrainingError';
    this.drainer = drainer;
  }
}
