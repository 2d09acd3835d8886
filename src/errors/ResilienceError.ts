/**
 * Base class of every error this library raises. Catch it to handle any resilience failure at once;
 * check the subclass (or `name`) to tell them apart.
 */
export class ResilienceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResilienceError';
  }
}
