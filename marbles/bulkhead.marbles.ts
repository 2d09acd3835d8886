import { distinctUntilChanged, map } from 'rxjs';
import { Bulkhead, bulkhead, BulkheadRejectedError } from 'rxjs-resilience';
import { defineMarbles } from './define';

export default defineMarbles('bulkhead', [
  {
    id: 'queue',
    title: 'Permits, the queue, and a full queue',
    description:
      'One permit and room for one waiter. a takes the permit; b waits and is subscribed the moment a completes; c finds the queue full and errors at once without its source ever being subscribed.',
    inputs: {
      a: { marbles: '---a|', subs: '^---!' },
      b: { marbles: '--b|', subs: '----^--!' },
      c: { marbles: 'c|', subs: [] },
    },
    run: ({ a, b, c }) => {
      const pool = new Bulkhead({ name: 'pool', maxConcurrent: 1, maxQueue: 1 });
      const count = (key: 'active' | 'queued') =>
        pool.state$.pipe(
          map((s) => String(s[key])),
          distinctUntilChanged(),
        );
      return {
        a$: a.pipe(bulkhead(pool)),
        b$: b.pipe(bulkhead(pool)),
        c$: c.pipe(bulkhead(pool)),
        active: count('active'),
        queued: count('queued'),
      };
    },
    outputs: {
      a$: { marbles: '---a|' },
      b$: { marbles: '------b|' },
      c$: { marbles: '#', error: new BulkheadRejectedError('pool', 'full') },
      active: { marbles: '1------0', unsub: '---------!' },
      queued: { marbles: '1---0', unsub: '---------!' },
    },
  },
  {
    id: 'queue-timeout',
    title: 'Waiting longer than queueTimeout',
    description:
      'b waits for the permit a holds; after queueTimeout (4 ms) it errors with reason queue-timeout and leaves the queue.',
    inputs: {
      a: { marbles: '------a|', subs: '^------!' },
      b: { marbles: 'b|', subs: [] },
    },
    run: ({ a, b }) => {
      const pool = new Bulkhead({ name: 'pool', maxConcurrent: 1, maxQueue: 1, queueTimeout: 4 });
      return {
        a$: a.pipe(bulkhead(pool)),
        b$: b.pipe(bulkhead(pool)),
        queued: pool.state$.pipe(
          map((s) => String(s.queued)),
          distinctUntilChanged(),
        ),
      };
    },
    outputs: {
      a$: { marbles: '------a|' },
      b$: { marbles: '----#', error: new BulkheadRejectedError('pool', 'queue-timeout') },
      queued: { marbles: '1---0', unsub: '--------!' },
    },
  },
  {
    id: 'leave-queue',
    title: 'Unsubscribing while queued',
    description:
      'b is unsubscribed while it waits, so it leaves the queue: when a completes, the permit goes to c, the oldest waiter at that moment.',
    inputs: {
      a: { marbles: '-----a|', subs: '^-----!' },
      b: { marbles: 'b|', subs: [] },
      c: { marbles: 'c|', subs: '------^!' },
    },
    run: ({ a, b, c }) => {
      const pool = new Bulkhead({ name: 'pool', maxConcurrent: 1, maxQueue: 2 });
      return {
        a$: a.pipe(bulkhead(pool)),
        b$: b.pipe(bulkhead(pool)),
        c$: c.pipe(bulkhead(pool)),
        queued: pool.state$.pipe(
          map((s) => String(s.queued)),
          distinctUntilChanged(),
        ),
      };
    },
    outputs: {
      a$: { marbles: '-----a|' },
      b$: { marbles: '--', unsub: '--!' },
      c$: { marbles: '------c|' },
      queued: { marbles: '2-1---0', unsub: '--------!' },
    },
  },
]);
