import { distinctUntilChanged, map, mergeMap, takeUntil, timer } from 'rxjs';
import { Drainer } from '../src/drain/index';
import { DrainingError } from '../src/errors/DrainingError';
import { DrainTimeoutError } from '../src/errors/DrainTimeoutError';
import { drainUntilComplete } from '../src/operators/drainUntilComplete';
import { defineMarbles } from './define';

const digits = { 0: 0, 1: 1, 2: 2 };

export default defineMarbles('drainUntilComplete', [
  {
    id: 'graceful',
    title: 'Waiting for the calls in flight',
    description:
      'call is in flight when the drain starts at 2 ms: it runs to its end, and drain() emits its result when it completes. A call that starts while draining (late, at 4 ms) errors with DrainingError at once, without subscribing to its source.',
    inputs: {
      call: { marbles: '-a----b|', subs: '^------!' },
      late: { marbles: 'x|', subs: [] },
      sigterm: { marbles: '--s|', hot: true },
      request: { marbles: '----r|', hot: true },
    },
    run: ({ call, late, sigterm, request }) => {
      const drainer = new Drainer({ drainTimeout: 10 });
      return {
        call$: call.pipe(drainUntilComplete(drainer)),
        late$: request.pipe(mergeMap(() => late.pipe(drainUntilComplete(drainer)))),
        draining$: drainer.draining$,
        inFlight: drainer.state$.pipe(
          map((s) => s.inFlight),
          distinctUntilChanged(),
        ),
        result: sigterm.pipe(mergeMap(() => drainer.drain())),
      };
    },
    outputs: {
      call$: { marbles: '-a----b|' },
      late$: { marbles: '----#', error: new DrainingError('drainer') },
      draining$: { marbles: '--(d|)', values: { d: undefined } },
      inFlight: { marbles: '1------0', values: digits, unsub: '---------!' },
      result: {
        marbles: '-------(r|)',
        values: { r: { completed: true, inFlightAtStart: 1, abandoned: 0, duration: 5 } },
      },
    },
  },
  {
    id: 'drain-timeout',
    title: 'The drain timeout',
    description:
      'quick finishes within the 4 ms drain timeout; slow does not: when the timeout passes it is unsubscribed from its source and errors with DrainTimeoutError, and the drain ends with completed: false.',
    inputs: {
      quick: { marbles: '--a|', subs: '^--!' },
      slow: { marbles: '-a-------b|', subs: '^----!' },
      sigterm: { marbles: '-s|', hot: true },
    },
    run: ({ quick, slow, sigterm }) => {
      const drainer = new Drainer({ drainTimeout: 4 });
      return {
        quick$: quick.pipe(drainUntilComplete(drainer)),
        slow$: slow.pipe(drainUntilComplete(drainer)),
        inFlight: drainer.state$.pipe(
          map((s) => s.inFlight),
          distinctUntilChanged(),
        ),
        result: sigterm.pipe(mergeMap(() => drainer.drain())),
      };
    },
    outputs: {
      quick$: { marbles: '--a|' },
      slow$: { marbles: '-a---#', error: new DrainTimeoutError('drainer', 4) },
      inFlight: { marbles: '2--1-0', values: digits, unsub: '-------!' },
      result: {
        marbles: '-----(r|)',
        values: { r: { completed: false, inFlightAtStart: 2, abandoned: 1, duration: 4 } },
      },
    },
  },
  {
    id: 'long-lived',
    title: 'A long-lived stream',
    description:
      'A request stream never completes by itself: takeUntil(drainer.draining$) before the mergeMap stops its intake when the drain starts (c and d are never taken), the request in flight (b) finishes, and the stream completes with it.',
    inputs: {
      requests: { marbles: '-a--b--c--d', hot: true, values: { a: 1, b: 2, c: 3, d: 4 } },
      sigterm: { marbles: '------s|', hot: true },
    },
    run: ({ requests, sigterm }) => {
      const drainer = new Drainer();
      const handle = (n: number) => timer(4).pipe(map(() => n * 10));
      sigterm.subscribe(() => drainer.drain());
      return {
        served: requests.pipe(
          takeUntil(drainer.draining$),
          mergeMap((n) => handle(n as number).pipe(drainUntilComplete(drainer))),
        ),
      };
    },
    outputs: {
      served: { marbles: '-----a--(b|)', values: { a: 10, b: 20 } },
    },
  },
]);
