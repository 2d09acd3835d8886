import { Observable, of } from 'rxjs';
import type { MonoTypeOperatorFunction, OperatorFunction } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import { fallback, retryWithBackoff, timeoutWith } from 'rxjs-resilience';
import type { RetryInfo, TimeoutInfo } from 'rxjs-resilience';
import { injectFaults } from 'rxjs-resilience/testing';

declare const numbers: Observable<number>;

describe('retryWithBackoff', () => {
  it('keeps the source type', () => {
    expectTypeOf(numbers.pipe(retryWithBackoff())).toEqualTypeOf<Observable<number>>();
    expectTypeOf(retryWithBackoff<string>({ maxRetries: 2 })).toEqualTypeOf<MonoTypeOperatorFunction<string>>();
  });

  it('types its callbacks', () => {
    retryWithBackoff({
      onRetry: (info) => {
        expectTypeOf(info).toEqualTypeOf<RetryInfo>();
        expectTypeOf(info.attempt).toEqualTypeOf<number>();
        expectTypeOf(info.error).toEqualTypeOf<unknown>();
      },
      shouldRetry: (error) => {
        expectTypeOf(error).toEqualTypeOf<unknown>();
        return true;
      },
      backoff: (retry) => {
        expectTypeOf(retry).toEqualTypeOf<number>();
        return retry * 100;
      },
    });
    retryWithBackoff({ shouldRetry: [TypeError, RangeError] });
  });

  it('rejects wrong option types', () => {
    // @ts-expect-error jitter is one of the named kinds
    retryWithBackoff({ jitter: 'random' });
    // @ts-expect-error backoff is a kind or a function of the retry number
    retryWithBackoff({ backoff: 'fibonacci' });
    // @ts-expect-error unknown options are errors
    retryWithBackoff({ maxRetry: 3 });
  });
});

describe('timeoutWith', () => {
  it('keeps the source type without a fallback', () => {
    expectTypeOf(numbers.pipe(timeoutWith(100))).toEqualTypeOf<Observable<number>>();
    expectTypeOf(numbers.pipe(timeoutWith({ total: 100 }))).toEqualTypeOf<Observable<number>>();
  });

  it('adds the fallback’s type', () => {
    expectTypeOf(numbers.pipe(timeoutWith(100, of('late')))).toEqualTypeOf<Observable<number | string>>();
    expectTypeOf(numbers.pipe(timeoutWith({ each: 100, with: () => of(true) }))).toEqualTypeOf<
      Observable<number | boolean>
    >();
    expectTypeOf(timeoutWith<number, string>(100, ['x'])).toEqualTypeOf<OperatorFunction<number, number | string>>();
  });

  it('types the info handed to with', () => {
    numbers.pipe(
      timeoutWith({
        first: 10,
        with: (info) => {
          expectTypeOf(info).toEqualTypeOf<TimeoutInfo<number>>();
          expectTypeOf(info.lastValue).toEqualTypeOf<number | null>();
          expectTypeOf(info.kind).toEqualTypeOf<'first' | 'each' | 'total'>();
          return of(0);
        },
      }),
    );
  });
});

describe('fallback', () => {
  it('unions the handler’s type with the source’s', () => {
    expectTypeOf(numbers.pipe(fallback(() => of('cached')))).toEqualTypeOf<Observable<number | string>>();
    expectTypeOf(numbers.pipe(fallback(() => Promise.resolve(null)))).toEqualTypeOf<Observable<number | null>>();
    numbers.pipe(
      fallback(
        (error) => {
          expectTypeOf(error).toEqualTypeOf<unknown>();
          return [0];
        },
        { when: [TypeError] },
      ),
    );
  });
});

describe('injectFaults', () => {
  it('keeps the source type', () => {
    expectTypeOf(numbers.pipe(injectFaults({ failureRate: 0.1, latency: { min: 1, max: 5 } }))).toEqualTypeOf<
      Observable<number>
    >();
  });
});
