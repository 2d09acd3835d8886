import { catchError, EMPTY, of, throwError } from 'rxjs';
import type { ObservableInput } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { fallback, OperationTimeoutError, ResilienceConfigError } from 'rxjs-resilience';
import type { FallbackOptions } from 'rxjs-resilience';
import { createScheduler } from '../helpers/scheduler';

describe('fallback', () => {
  it('switches to handler(error) on an error; values already emitted stay', () => {
    createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-#');
      const fb = cold('c-d|');
      expectObservable(source.pipe(fallback(() => fb))).toBe('-a-b-c-d|');
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(fb.subscriptions).toBe('-----^--!');
    });
  });

  it('hands the error to the handler', () => {
    const handler = vi.fn((_e: unknown) => of('x'));
    const boom = new Error('boom');
    throwError(() => boom)
      .pipe(fallback(handler))
      .subscribe();
    expect(handler).toHaveBeenCalledWith(boom);
  });

  it('does nothing to a source that completes', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const handler = vi.fn(() => EMPTY);
      expectObservable(cold('-a|').pipe(fallback(handler))).toBe('-a|');
      expect(handler).not.toHaveBeenCalled();
    });
  });

  it('when (classes): only matching errors fall back; others propagate unchanged', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const timeout = new OperationTimeoutError('op', 'each', 5);
      const other = new Error('other');
      const op = fallback(() => of('cached'), { when: [OperationTimeoutError] });
      expectObservable(cold('-#', undefined, timeout).pipe(op)).toBe('-(c|)', { c: 'cached' });
      expectObservable(cold('-#', undefined, other).pipe(op)).toBe('-#', undefined, other);
    });
  });

  it('when (predicate)', () => {
    const results: unknown[] = [];
    const op = fallback(() => of('fb'), { when: (e) => (e as Error).message === 'retryable' });
    throwError(() => new Error('retryable'))
      .pipe(op)
      .subscribe((v) => results.push(v));
    throwError(() => new Error('fatal'))
      .pipe(op)
      .subscribe({ error: (e) => results.push((e as Error).message) });
    expect(results).toEqual(['fb', 'fatal']);
  });

  it('an error thrown by the handler, or emitted by its result, propagates', () => {
    createScheduler().run(({ cold, expectObservable }) => {
      const thrown = new Error('handler failed');
      expectObservable(
        cold('-#').pipe(
          fallback(() => {
            throw thrown;
          }),
        ),
      ).toBe('-#', undefined, thrown);
      expectObservable(cold('-#').pipe(fallback(() => cold('--#', undefined, thrown)))).toBe('---#', undefined, thrown);
    });
  });

  it('an error thrown by a when predicate propagates', () => {
    const thrown = new Error('predicate failed');
    const errors: unknown[] = [];
    throwError(() => new Error())
      .pipe(
        fallback(() => of(1), {
          when: () => {
            throw thrown;
          },
        }),
      )
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([thrown]);
  });

  const diagrams: Array<[string, string]> = [
    ['-a-#', '-a-x-y|'],
    ['-a-|', '-a-|'],
    ['#', 'x-y|'],
  ];
  for (const [src, out] of diagrams) {
    it(`behaves like catchError on ${src}`, () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const fb = cold('x-y|');
        expectObservable(cold(src).pipe(fallback(() => fb))).toBe(out);
        expectObservable(cold(src).pipe(catchError<string, ObservableInput<string>>(() => fb))).toBe(out);
      });
    });
  }

  describe('options are checked when the operator is created', () => {
    const bad: Array<[() => unknown, string]> = [
      [() => fallback(of(1) as never), 'fallback "fallback": handler must be a function, got an Observable'],
      [
        () => fallback(() => of(1), { when: 'timeouts' } as unknown as FallbackOptions),
        'fallback "fallback": when must be a predicate or an array of error classes, got "timeouts"',
      ],
      [
        () => fallback(() => of(1), { name: 'prices', retry: 1 } as unknown as FallbackOptions),
        'fallback "prices": retry is not a known option (known: when, name, registry)',
      ],
      [
        () => fallback(() => of(1), { name: 7 } as unknown as FallbackOptions),
        'fallback: name must be a non-empty string, got 7',
      ],
    ];
    for (const [make, message] of bad) {
      it(message, () => {
        expect(make).toThrow(ResilienceConfigError);
        expect(make).toThrow(message);
      });
    }
  });
});
