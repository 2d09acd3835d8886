import { Observable, Subscriber } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { OperatorSubscriber } from '../../src/internal/OperatorSubscriber';

/** Pipes `source` through an OperatorSubscriber with the given handlers and records what arrives. */
function through(
  source: Observable<number>,
  handlers: { next?: (v: number) => void; complete?: () => void; error?: (e: unknown) => void; finalize?: () => void },
) {
  const seen: string[] = [];
  new Observable<number>((subscriber) => {
    source.subscribe(
      new OperatorSubscriber<number>(
        subscriber as Subscriber<unknown>,
        handlers.next,
        handlers.complete,
        handlers.error,
        handlers.finalize,
      ),
    );
  }).subscribe({
    next: (v) => seen.push(`next ${v}`),
    error: (e) => seen.push(`error ${(e as Error).message}`),
    complete: () => seen.push('complete'),
  });
  return seen;
}

const boom = () => {
  throw new Error('handler failed');
};

describe('OperatorSubscriber', () => {
  it('an error thrown by a next handler goes to the destination’s error', () => {
    expect(through(new Observable((s) => s.next(1)), { next: boom })).toEqual(['error handler failed']);
  });

  it('an error thrown by a complete handler goes to the destination’s error, and the subscriber is torn down', () => {
    const finalize = vi.fn();
    expect(through(new Observable((s) => s.complete()), { complete: boom, finalize })).toEqual([
      'error handler failed',
    ]);
    expect(finalize).toHaveBeenCalledTimes(1);
  });

  it('an error thrown by an error handler goes to the destination’s error in place of the original', () => {
    expect(through(new Observable((s) => s.error(new Error('original'))), { error: boom })).toEqual([
      'error handler failed',
    ]);
  });

  it('without handlers, passes everything through and finalizes once', () => {
    const finalize = vi.fn();
    expect(
      through(
        new Observable((s) => {
          s.next(1);
          s.complete();
        }),
        { finalize },
      ),
    ).toEqual(['next 1', 'complete']);
    expect(finalize).toHaveBeenCalledTimes(1);
  });
});
