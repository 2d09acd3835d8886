/** retryWithBackoff, timeoutWith and fallback beside the RxJS built-ins users would pick instead. */
import { catchError, defer, lastValueFrom, of, retry, throwError, timeout } from 'rxjs';
import { lib } from '../lib';

const { fallback, retryWithBackoff, timeoutWith } = lib;
import type { Comparison } from '../harness';

const sink = { next: () => {}, error: () => {}, complete: () => {} };
const BATCH = 1000;

/** A source that fails `failures` times, then succeeds, again and again. */
function flaky(failures: number) {
  let n = 0;
  const boom = new Error('boom');
  return defer(() => (n++ % (failures + 1) < failures ? throwError(() => boom) : of(1)));
}

export function operatorComparisons(): Comparison[] {
  const source = defer(() => of(1));
  const bare = { name: 'defer(() => of(x))', fn: () => void source.subscribe(sink), batch: BATCH };

  const ours = source.pipe(retryWithBackoff({ maxRetries: 3, initialDelay: 0 }));
  const rxRetry = source.pipe(retry({ count: 3 }));

  const oursFlaky = flaky(2).pipe(retryWithBackoff({ maxRetries: 3, initialDelay: 0 }));
  const rxFlaky = flaky(2).pipe(retry({ count: 3 }));
  const rxTimerRetry = flaky(2).pipe(retry({ count: 3, delay: 0 }));
  const oursFlakyAsync = flaky(2).pipe(retryWithBackoff({ maxRetries: 3, initialDelay: 0 }));

  const oursTimeout = source.pipe(timeoutWith(1000));
  const rxTimeout = source.pipe(timeout({ each: 1000 }));

  const failing = throwError(() => new Error('boom'));
  const oursFallback = failing.pipe(fallback(() => of(0)));
  const rxCatch = failing.pipe(catchError(() => of(0)));
  const oursFallbackOk = source.pipe(fallback(() => of(0)));
  const rxCatchOk = source.pipe(catchError(() => of(0)));

  return [
    {
      group: 'retryWithBackoff',
      subject: { name: 'success path', fn: () => void ours.subscribe(sink), batch: BATCH },
      baseline: { name: 'retry({ count: 3 })', fn: () => void rxRetry.subscribe(sink), batch: BATCH },
      target: '≤ 1.0x',
      maxRatio: 1.0,
    },
    {
      group: 'retryWithBackoff',
      subject: { name: '2 failures, delay 0 (synchronous)', fn: () => void oursFlaky.subscribe(sink), batch: BATCH },
      baseline: { name: 'retry({ count: 3 })', fn: () => void rxFlaky.subscribe(sink), batch: BATCH },
      target: 'synchronous resubscription',
    },
    {
      group: 'retryWithBackoff',
      subject: { name: '2 failures, delay 0, awaited', fn: () => lastValueFrom(oursFlakyAsync).then(() => {}) },
      baseline: {
        name: 'retry({ count: 3, delay: 0 }) (timers)',
        fn: () => lastValueFrom(rxTimerRetry).then(() => {}),
      },
      target: 'no timer per 0 ms retry',
    },
    {
      group: 'retryWithBackoff',
      subject: { ...bare, name: 'success path', fn: () => void ours.subscribe(sink) },
      baseline: bare,
      target: 'overhead over a bare subscription',
    },
    {
      group: 'timeoutWith',
      subject: { name: 'timeoutWith(1000)', fn: () => void oursTimeout.subscribe(sink), batch: BATCH },
      baseline: { name: 'timeout({ each: 1000 })', fn: () => void rxTimeout.subscribe(sink), batch: BATCH },
      target: '≤ 1.0x',
      maxRatio: 1.0,
    },
    {
      group: 'fallback',
      subject: { name: 'fallback, on error', fn: () => void oursFallback.subscribe(sink), batch: BATCH },
      baseline: { name: 'catchError, on error', fn: () => void rxCatch.subscribe(sink), batch: BATCH },
      target: '≤ 1.1x',
      maxRatio: 1.1,
    },
    {
      group: 'fallback',
      subject: { name: 'fallback, no error', fn: () => void oursFallbackOk.subscribe(sink), batch: BATCH },
      baseline: { name: 'catchError, no error', fn: () => void rxCatchOk.subscribe(sink), batch: BATCH },
      target: '≤ 1.1x',
      maxRatio: 1.1,
    },
  ];
}
