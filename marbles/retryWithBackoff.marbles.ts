import { CircuitOpenError, retryWithBackoff } from 'rxjs-resilience';
import { defineMarbles } from './define';

const fatal = new TypeError('bad request');
const busy = new CircuitOpenError('inventory', 'open', 6);

export default defineMarbles('retryWithBackoff', [
  {
    id: 'exponential',
    title: 'Exponential backoff',
    description:
      'Each error resubscribes after a delay that doubles: 2 ms before retry 1, 4 ms before retry 2. With the retries used up, the last error propagates unchanged.',
    inputs: {
      source: { marbles: '-a#', subs: ['^-!', '----^-!', '----------^-!'] },
    },
    run: ({ source }) => ({ output: source.pipe(retryWithBackoff({ maxRetries: 2, initialDelay: 2 })) }),
    outputs: { output: { marbles: '-a---a-----a#' } },
  },
  {
    id: 'linear-capped',
    title: 'Linear backoff with a cap',
    description: 'Delays grow by initialDelay each retry (2, 4, 6 ms) but never beyond maxDelay (5 ms).',
    inputs: {
      source: { marbles: '#', subs: ['(^!)', '--(^!)', '------(^!)', '-----------(^!)'] },
    },
    run: ({ source }) => ({
      output: source.pipe(retryWithBackoff({ maxRetries: 3, initialDelay: 2, maxDelay: 5, backoff: 'linear' })),
    }),
    outputs: { output: { marbles: '-----------#' } },
  },
  {
    id: 'zero-delay',
    title: 'A delay of 0 retries in the same frame',
    description: 'With initialDelay 0 the operator resubscribes synchronously, exactly like RxJS retry(n).',
    inputs: {
      source: { marbles: '-1-#', subs: ['^--!', '---^--!', '------^--!'] },
    },
    run: ({ source }) => ({ output: source.pipe(retryWithBackoff({ maxRetries: 2, initialDelay: 0 })) }),
    outputs: { output: { marbles: '-1--1--1-#' } },
  },
  {
    id: 'should-retry',
    title: 'shouldRetry refuses',
    description: 'An error that shouldRetry does not match propagates at once, unchanged: no retry, no wait.',
    inputs: {
      source: { marbles: '--#', error: fatal, subs: '^-!' },
    },
    run: ({ source }) => ({
      output: source.pipe(retryWithBackoff({ initialDelay: 2, shouldRetry: (e) => !(e instanceof TypeError) })),
    }),
    outputs: { output: { marbles: '--#', error: fatal } },
  },
  {
    id: 'retry-after',
    title: 'A retryAfter hint stretches the wait',
    description:
      'An error with a numeric retryAfter (here a CircuitOpenError saying 6 ms) makes the wait at least that long, still capped by maxDelay.',
    inputs: {
      source: { marbles: '-#', error: busy, subs: ['^!', '-------^!'] },
    },
    run: ({ source }) => ({ output: source.pipe(retryWithBackoff({ maxRetries: 1, initialDelay: 1 })) }),
    outputs: { output: { marbles: '--------#', error: busy } },
  },
  {
    id: 'cancel-wait',
    title: 'Unsubscribing during a wait cancels it',
    description: 'The output is unsubscribed while the operator waits to retry: the source is never subscribed again.',
    inputs: {
      source: { marbles: '-#', subs: '^!' },
    },
    run: ({ source }) => ({ output: source.pipe(retryWithBackoff({ initialDelay: 5 })) }),
    outputs: { output: { marbles: '---', unsub: '---!' } },
  },
]);
