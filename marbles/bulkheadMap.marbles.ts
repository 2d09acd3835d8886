import { distinctUntilChanged, map } from 'rxjs';
import { Bulkhead, bulkhead, bulkheadMap, BulkheadRejectedError } from 'rxjs-resilience';
import { defineMarbles } from './define';

export default defineMarbles('bulkheadMap', [
  {
    id: 'concurrency',
    title: 'At most maxConcurrent calls at once',
    description:
      'Each value is one call. With two permits, a and b run at once; c waits for the first permit to come back (when a’s call completes), then runs. The output completes with the last call.',
    inputs: {
      source: { marbles: 'abc|', subs: '^--!' },
      call: { marbles: '--x|', subs: ['^--!', '-^--!', '---^--!'] },
    },
    run: ({ source, call }) => ({
      output: source.pipe(bulkheadMap((v) => call.pipe(map(() => String(v).toUpperCase())), { maxConcurrent: 2 })),
    }),
    outputs: {
      output: { marbles: '--AB-C|' },
    },
  },
  {
    id: 'shared',
    title: 'Sharing a Bulkhead',
    description:
      'Given a Bulkhead instance, the calls share its permits and its FIFO queue with everything else that uses it: a and b wait behind a call that took the only permit first.',
    inputs: {
      other: { marbles: '--o|', subs: '^--!' },
      source: { marbles: 'ab|', subs: '^-!' },
      call: { marbles: '-x|', subs: ['---^-!', '-----^-!'] },
    },
    run: ({ other, source, call }) => {
      const pool = new Bulkhead({ name: 'pool', maxConcurrent: 1, maxQueue: 10 });
      return {
        other$: other.pipe(bulkhead(pool)),
        output: source.pipe(bulkheadMap((v) => call.pipe(map(() => v)), pool)),
        active: pool.state$.pipe(
          map((s) => String(s.active)),
          distinctUntilChanged(),
        ),
      };
    },
    outputs: {
      other$: { marbles: '--o|' },
      output: { marbles: '----a-b|' },
      active: { marbles: '1------0', unsub: '---------!' },
    },
  },
  {
    id: 'rejected',
    title: 'A rejected value errors the output',
    description:
      'One permit, room for one waiter: a runs, b waits, c finds the queue full. Nothing is dropped silently: the output errors with BulkheadRejectedError, and a’s call is unsubscribed.',
    inputs: {
      source: { marbles: 'abc', subs: '^-!' },
      call: { marbles: '----x|', subs: '^-!' },
    },
    run: ({ source, call }) => ({
      output: source.pipe(bulkheadMap(() => call, { maxConcurrent: 1, maxQueue: 1 })),
    }),
    outputs: {
      output: { marbles: '--#', error: new BulkheadRejectedError('bulkheadMap', 'full') },
    },
  },
  {
    id: 'unsubscribe',
    title: 'Unsubscribing drops the queued values',
    description:
      'The output is unsubscribed while a runs and b and c wait: a’s call is unsubscribed, and project is never called for b or c.',
    inputs: {
      source: { marbles: 'abc|', subs: '^-!' },
      call: { marbles: '---x|', subs: '^-!' },
    },
    run: ({ source, call }) => ({
      output: source.pipe(bulkheadMap(() => call, { maxConcurrent: 1 })),
    }),
    outputs: {
      output: { marbles: '--', unsub: '--!' },
    },
  },
]);
