import { ResilienceError } from './ResilienceError';

/**
 * Bad options: thrown synchronously where the options are given (an operator's creation, a class's
 * constructor, `loadResilienceConfig`), never later at subscription.
 *
 * The message follows one template, `<place>: <option> must be <rule>, got <value>`, e.g.
 * `CircuitBreaker "db": resetTimeout must be a finite number >= 0, got -1`.
 */
export class ResilienceConfigError extends ResilienceError {
  /** Where the options were given, e.g. `CircuitBreaker "db"` or `retryWithBackoff "retry"`. */
  readonly place: string;
  /** The option (or config path) at fault, e.g. `resetTimeout`. */
  readonly option: string;
  /** The rule it breaks, e.g. `a finite number >= 0`. */
  readonly rule: string;
  /** The value that was given. */
  readonly value: unknown;

  constructor(place: string, option: string, rule: string, value: unknown, message?: string) {
    super(message ?? `${place}: ${option} must be ${rule}, got ${formatValue(value)}`);
    this.name = 'ResilienceConfigError';
    this.place = place;
    this.option = option;
    this.rule = rule;
    this.value = value;
  }
}

/** Renders a bad value for a config error message: strings quoted, functions and objects named. */
export function formatValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'function':
      return 'a function';
    case 'bigint':
      return `${value}n`;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      const ctor = (value as object).constructor;
      if (!ctor || ctor === Object || typeof ctor.name !== 'string' || !ctor.name) return 'an object';
      return `${/^[AEIOU]/.test(ctor.name) ? 'an' : 'a'} ${ctor.name}`;
    }
    default:
      return String(value);
  }
}
