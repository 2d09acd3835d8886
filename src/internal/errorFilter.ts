import type { OptionChecker } from './validate';

/**
 * Which errors an option applies to: a predicate, or a list of error classes matched with
 * `instanceof`.
 */
export type ErrorFilter =
  | ((error: unknown) => boolean)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | ReadonlyArray<abstract new (...args: any[]) => unknown>;

const CLASS_SOURCE = /^class[\s{]/;

/** Turns a validated `ErrorFilter` into one predicate. */
export function toErrorPredicate(check: OptionChecker, option: string, filter: unknown): (error: unknown) => boolean {
  if (typeof filter === 'function') {
    // A class passed where a predicate is expected would throw "cannot be invoked without 'new'"
    // on the first error; say what to write instead, now.
    if (
      isErrorClass(filter as (...args: never[]) => unknown) ||
      CLASS_SOURCE.test(Function.prototype.toString.call(filter))
    ) {
      check.fail(option, `a predicate or an array of error classes (write [${filter.name || 'ErrorClass'}])`, filter);
    }
    return filter as (error: unknown) => boolean;
  }
  if (Array.isArray(filter) && filter.every((c) => typeof c === 'function')) {
    const classes = filter.slice() as Array<abstract new (...args: never[]) => unknown>;
    return (error) => {
      for (const c of classes) if (error instanceof c) return true;
      return false;
    };
  }
  return check.fail(option, 'a predicate or an array of error classes', filter);
}

/** `Error` itself or any subclass, native (`TypeError`) or not: a constructor, never a predicate. */
function isErrorClass(fn: (...args: never[]) => unknown): boolean {
  return fn === Error || (fn.prototype !== undefined && fn.prototype instanceof Error);
}
