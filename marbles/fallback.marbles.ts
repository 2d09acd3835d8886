import { of } from 'rxjs';
import { fallback, OperationTimeoutError } from 'rxjs-resilience';
import { defineMarbles } from './define';

const timedOut = new OperationTimeoutError('prices', 'total', 100);
const refused = new Error('ECONNREFUSED');

export default defineMarbles('fallback', [
  {
    id: 'switch',
    title: 'fallback(handler)',
    description: 'On an error the output switches to handler(error); values already emitted stay.',
    inputs: {
      source: { marbles: '-a-b-#', subs: '^----!' },
      cached: { marbles: 'c-d|', subs: '-----^--!' },
    },
    run: ({ source, cached }) => ({ output: source.pipe(fallback(() => cached)) }),
    outputs: { output: { marbles: '-a-b-c-d|' } },
  },
  {
    id: 'when-match',
    title: 'when: a matching error',
    description: 'With when: [OperationTimeoutError], a timeout falls back…',
    inputs: {
      source: { marbles: '-a--#', error: timedOut, subs: '^---!' },
    },
    run: ({ source }) => ({ output: source.pipe(fallback(() => of('cached'), { when: [OperationTimeoutError] })) }),
    outputs: { output: { marbles: '-a--(c|)', values: { a: 'a', c: 'cached' } } },
  },
  {
    id: 'when-other',
    title: 'when: any other error',
    description: '…and any other error propagates unchanged.',
    inputs: {
      source: { marbles: '-a--#', error: refused, subs: '^---!' },
    },
    run: ({ source }) => ({ output: source.pipe(fallback(() => of('cached'), { when: [OperationTimeoutError] })) }),
    outputs: { output: { marbles: '-a--#', error: refused } },
  },
]);
