import { catchError, distinctUntilChanged, EMPTY, map, mergeMap, take } from 'rxjs';
import { HealthTracker } from '../src/health/index';
import { trackHealth } from '../src/operators/trackHealth';
import { defineMarbles } from './define';

export default defineMarbles('trackHealth', [
  {
    id: 'status',
    title: 'Outcomes drive the status, over a sliding window',
    description:
      'Each request is one call: ok completes (success), failing errors (failure). One success and one failure is a 50% success rate (degraded); a second failure makes it unhealthy. Each call leaves the 10 ms window 10 ms after it ended, and with no calls left the status is healthy again — without any new call.',
    inputs: {
      requests: { marbles: '-o--f--f|', hot: true },
      ok: { marbles: '--a|' },
      failing: { marbles: '-#' },
    },
    run: ({ requests, ok, failing }) => {
      const tracker = new HealthTracker({ window: 10, buckets: 10 });
      const call = (r: unknown) =>
        (r === 'o' ? ok : failing).pipe(
          trackHealth(tracker),
          catchError(() => EMPTY),
        );
      return {
        calls: requests.pipe(mergeMap(call)),
        status: tracker.state$.pipe(
          map((s) => s.status),
          distinctUntilChanged(),
        ),
      };
    },
    outputs: {
      calls: { marbles: '---a----|' },
      status: {
        marbles: 'h----d--u---------h',
        values: { h: 'healthy', d: 'degraded', u: 'unhealthy' },
        unsub: '--------------------!',
      },
    },
  },
  {
    id: 'unsubscribe',
    title: 'Unsubscribing',
    description:
      'Unsubscribing after the source emitted (take(1)) records a success with the latency up to the unsubscription (2 ms); unsubscribing before any value (at 3 ms) records nothing.',
    inputs: {
      stream: { marbles: '--a----b|', subs: '^-!' },
      slow: { marbles: '-----a|', subs: '^--!' },
    },
    run: ({ stream, slow }) => {
      const tracker = new HealthTracker();
      return {
        recorded: tracker.events$.pipe(map((e) => (e.type === 'success' ? e.latency : e.type))),
        first: stream.pipe(trackHealth(tracker), take(1)),
        slow$: slow.pipe(trackHealth(tracker)),
      };
    },
    outputs: {
      recorded: { marbles: '--l', values: { l: 2 }, unsub: '--------!' },
      first: { marbles: '--(a|)' },
      slow$: { marbles: '---', unsub: '---!' },
    },
  },
]);
