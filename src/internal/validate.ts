import type { SchedulerLike } from 'rxjs';
import { ResilienceConfigError } from '../errors/ResilienceConfigError';

/** The largest delay a JavaScript timer honours; a longer one fires at once. */
export const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * Checks the options given at one place (`retryWithBackoff "retry"`, `CircuitBreaker "db"`, …).
 * Every failed check throws a `ResilienceConfigError` whose message follows one template:
 * `<place>: <option> must be <rule>, got <value>`.
 */
export class OptionChecker {
  constructor(readonly place: string) {}

  fail(option: string, rule: string, value: unknown): never {
    throw new ResilienceConfigError(this.place, option, rule, value);
  }

  /** Options must be a plain object (or absent); unknown keys are rejected so typos do not pass silently. */
  options<O extends object>(value: O | undefined, known: readonly string[]): O {
    if (value === undefined) return {} as O;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail('options', 'an object', value);
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        throw new ResilienceConfigError(
          this.place,
          key,
          'a known option',
          (value as Record<string, unknown>)[key],
          `${this.place}: ${key} is not a known option (known: ${known.join(', ')})`,
        );
      }
    }
    return value;
  }

  /**
   * A finite number >= min (or > min with `exclusive`), at most `max` when given. The message names
   * the rule that failed: `a finite number >= 0`, or, for a number past `max`, `<= max`.
   */
  number(option: string, value: unknown, min: number, opts: { exclusive?: boolean; max?: number } = {}): number {
    const { exclusive = false, max } = opts;
    const ok = typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > min : value >= min);
    if (!ok) this.fail(option, `a finite number ${exclusive ? '>' : '>='} ${min}`, value);
    if (max !== undefined && (value as number) > max) {
      this.fail(
        option,
        `a finite number <= ${max}${max === MAX_TIMER_DELAY ? ' (the longest a timer can wait)' : ''}`,
        value,
      );
    }
    return value as number;
  }

  /** A timer duration in ms: finite, > 0 (or >= 0), and no longer than a timer can wait. */
  duration(option: string, value: unknown, allowZero = false): number {
    return this.number(option, value, 0, { exclusive: !allowZero, max: MAX_TIMER_DELAY });
  }

  /** An integer >= min, or Infinity when `infinity` is set. */
  integer(option: string, value: unknown, min: number, infinity = false): number {
    const ok =
      typeof value === 'number' && ((Number.isInteger(value) && value >= min) || (infinity && value === Infinity));
    if (!ok) this.fail(option, `an integer >= ${min}${infinity ? ' or Infinity' : ''}`, value);
    return value as number;
  }

  /** A number between 0 and 1 (inclusive unless `exclusiveMin`). */
  ratio(option: string, value: unknown, exclusiveMin = false): number {
    const ok = typeof value === 'number' && (exclusiveMin ? value > 0 : value >= 0) && value <= 1;
    if (!ok) this.fail(option, `a number ${exclusiveMin ? '> 0' : '>= 0'} and <= 1`, value);
    return value as number;
  }

  oneOf<C extends string>(option: string, value: unknown, choices: readonly C[]): C {
    if (!choices.includes(value as C)) this.fail(option, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
    return value as C;
  }

  boolean(option: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(option, 'a boolean', value);
    return value;
  }

  func<F extends (...args: never[]) => unknown>(option: string, value: unknown): F {
    if (typeof value !== 'function') this.fail(option, 'a function', value);
    return value as F;
  }

  name(value: unknown): string {
    if (typeof value !== 'string' || value.length === 0) this.fail('name', 'a non-empty string', value);
    return value;
  }

  scheduler(value: unknown): SchedulerLike {
    const s = value as SchedulerLike | null;
    if (s === null || typeof s !== 'object' || typeof s.now !== 'function' || typeof s.schedule !== 'function') {
      this.fail('scheduler', 'a SchedulerLike (an object with now() and schedule())', value);
    }
    return s;
  }
}

/** `Kind "name"`, the place a config error names. */
export function placeOf(kind: string, name: unknown): string {
  return typeof name === 'string' && name.length > 0 ? `${kind} ${JSON.stringify(name)}` : kind;
}

/** A `registry` option: absent, or something operators can report to. */
export function checkRegistry(check: OptionChecker, registry: unknown): void {
  if (
    registry !== undefined &&
    (registry === null || typeof (registry as { reportOperation?: unknown }).reportOperation !== 'function')
  ) {
    check.fail('registry', 'a ResilienceRegistry', registry);
  }
}
