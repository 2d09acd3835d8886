import { of } from 'rxjs';
import { OperationTimeoutError, timeoutWith } from 'rxjs-resilience';
import { defineMarbles } from './define';

export default defineMarbles('timeoutWith', [
  {
    id: 'each-error',
    title: 'timeoutWith(each)',
    description:
      'No value for 3 ms: the source is unsubscribed and the output errors with OperationTimeoutError (kind "each").',
    inputs: {
      source: { marbles: '-a--b------c', subs: '^------!' },
    },
    run: ({ source }) => ({ output: source.pipe(timeoutWith(3)) }),
    outputs: { output: { marbles: '-a--b--#', error: new OperationTimeoutError('operation', 'each', 3) } },
  },
  {
    id: 'each-fallback',
    title: 'timeoutWith(each, fallback)',
    description: 'The RxJS 6 signature: on expiry the output switches to the fallback observable.',
    inputs: {
      source: { marbles: '-a-----b', subs: '^---!' },
      fallback: { marbles: 'x-y|', subs: '----^--!' },
    },
    run: ({ source, fallback }) => ({ output: source.pipe(timeoutWith(3, fallback)) }),
    outputs: { output: { marbles: '-a--x-y|' } },
  },
  {
    id: 'first-each',
    title: 'first and each',
    description: 'A slow start is allowed (first: 5 ms), then values must keep coming every 3 ms.',
    inputs: {
      source: { marbles: '----a--b----c', subs: '^---------!' },
    },
    run: ({ source }) => ({ output: source.pipe(timeoutWith({ first: 5, each: 3 })) }),
    outputs: { output: { marbles: '----a--b--#', error: new OperationTimeoutError('operation', 'each', 3) } },
  },
  {
    id: 'total-with',
    title: 'total, with a computed fallback',
    description:
      'The whole stream must complete within 6 ms; on expiry with(info) decides what follows, here from how many values were seen.',
    inputs: {
      source: { marbles: '-a-b-c-d-e-f|', subs: '^-----!' },
    },
    run: ({ source }) => ({
      output: source.pipe(timeoutWith({ total: 6, with: (info) => of(`partial: ${info.seen}`) })),
    }),
    outputs: { output: { marbles: '-a-b-c(p|)', values: { a: 'a', b: 'b', c: 'c', p: 'partial: 3' } } },
  },
]);
