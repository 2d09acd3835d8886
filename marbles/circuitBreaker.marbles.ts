import { catchError, finalize, mergeMap, of, take } from 'rxjs';
import type { Observable } from 'rxjs';
import {
  CircuitBreaker,
  circuitBreaker,
  CircuitOpenError,
  consecutiveFailures,
  failureRate,
  failuresInWindow,
} from 'rxjs-resilience';
import { defineMarbles } from './define';

/** The state lane's letters. */
const STATE = { c: 'closed', o: 'open', h: 'half-open' };
/** The output lane's letters: a value, a failed call, a rejected call. */
const OUT = { a: 'a', b: 'b', c: 'c', x: 'failed', r: 'CircuitOpenError' };

export default defineMarbles('circuitBreaker', [
  {
    id: 'trip-and-recover',
    title: 'Open, reject, half-open, close',
    description:
      'Two failures in a row open the breaker (at 4). While open, a call is rejected at once with CircuitOpenError, its source never subscribed. After resetTimeout (10 ms) the breaker half-opens by itself, with no call. The next call is the probe; its success closes the breaker.',
    inputs: {
      requests: { marbles: '-f-f-f-----------h', hot: true },
      f: { marbles: '-#', subs: ['-^!', '---^!'] },
      h: { marbles: '-a|', subs: '-----------------^-!' },
    },
    run: ({ requests, f, h }) => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(2), resetTimeout: 10 });
      const call = (source: Observable<unknown>) =>
        source.pipe(
          circuitBreaker(breaker),
          catchError((e) => of(e instanceof CircuitOpenError ? 'CircuitOpenError' : 'failed')),
        );
      return {
        output: requests.pipe(mergeMap((r) => call(r === 'f' ? f : h))),
        state: breaker.state$,
      };
    },
    outputs: {
      output: { marbles: '--x-xr------------a', values: OUT },
      state: { marbles: 'c---o---------h----c', values: STATE },
    },
  },
  {
    id: 'failed-probe',
    title: 'A failed probe reopens it, for longer',
    description:
      'resetTimeout as a function of openCount: 5 ms after the first opening, 10 ms after the second. The probe at 8 fails, so the breaker reopens at 9 until 19; a call at 17 is still rejected; the probe at 21 succeeds and closes it.',
    inputs: {
      requests: { marbles: '-f------f--------h---h', hot: true },
      f: { marbles: '-#', subs: ['-^!', '--------^!'] },
      h: { marbles: '-a|', subs: '---------------------^-!' },
    },
    run: ({ requests, f, h }) => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: (openCount) => openCount * 5 });
      const call = (source: Observable<unknown>) =>
        source.pipe(
          circuitBreaker(breaker),
          catchError((e) => of(e instanceof CircuitOpenError ? 'CircuitOpenError' : 'failed')),
        );
      return {
        output: requests.pipe(mergeMap((r) => call(r === 'f' ? f : h))),
        state: breaker.state$,
      };
    },
    outputs: {
      output: { marbles: '--x------x-------r----a', values: OUT },
      state: { marbles: 'c-o----h-o---------h---c', values: STATE },
    },
  },
  {
    id: 'probes',
    title: 'Concurrent probes: halfOpenMaxCalls and successThreshold',
    description:
      'Half-open admits at most halfOpenMaxCalls (2) calls at once: the third, at 6, is rejected. It takes successThreshold (2) successful probes to close the breaker.',
    inputs: {
      requests: { marbles: '-f--ppp', hot: true },
      f: { marbles: '#', subs: '-(^!)' },
      p: { marbles: '---a|', subs: ['----^---!', '-----^---!'] },
    },
    run: ({ requests, f, p }) => {
      const breaker = new CircuitBreaker({
        trip: consecutiveFailures(1),
        resetTimeout: 2,
        halfOpenMaxCalls: 2,
        successThreshold: 2,
      });
      const call = (source: Observable<unknown>) =>
        source.pipe(
          circuitBreaker(breaker),
          catchError((e) => of(e instanceof CircuitOpenError ? 'CircuitOpenError' : 'failed')),
        );
      return {
        output: requests.pipe(mergeMap((r) => call(r === 'f' ? f : p))),
        state: breaker.state$,
      };
    },
    outputs: {
      output: { marbles: '-x----raa', values: OUT },
      state: { marbles: 'co-h-----c', values: STATE },
    },
  },
  {
    id: 'half-open-timeout',
    title: 'A hung probe and halfOpenTimeout',
    description:
      'The probe at 4 never answers. halfOpenTimeout (4 ms) reopens the breaker at 7 anyway, so a hung probe cannot hold it half-open; it half-opens again 2 ms later. The probe, admitted before the reopening, no longer counts whatever it does.',
    inputs: {
      requests: { marbles: '-f--p', hot: true },
      f: { marbles: '#', subs: '-(^!)' },
      p: { marbles: '-', subs: '----^-------!' },
    },
    run: ({ requests, f, p }) => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 2, halfOpenTimeout: 4 });
      const call = (source: Observable<unknown>) =>
        source.pipe(
          circuitBreaker(breaker),
          catchError((e) => of(e instanceof CircuitOpenError ? 'CircuitOpenError' : 'failed')),
        );
      return {
        output: requests.pipe(mergeMap((r) => call(r === 'f' ? f : p))),
        state: breaker.state$.pipe(finalize(() => breaker.dispose())),
      };
    },
    outputs: {
      output: { marbles: '-x', values: OUT, unsub: '^-----------!' },
      state: { marbles: 'co-h---o-h--', values: STATE, unsub: '^-----------!' },
    },
  },
  {
    id: 'first-value',
    title: "A long-lived stream: successOn 'first-value'",
    description:
      "A stream that never completes succeeds at its first value: the probe's value at 5 closes the breaker, and nothing the stream does after that is recorded.",
    inputs: {
      requests: { marbles: '-f--l', hot: true },
      f: { marbles: '#', subs: '-(^!)' },
      l: { marbles: '-a--b--c', subs: '----^---------!' },
    },
    run: ({ requests, f, l }) => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 2 });
      return {
        output: requests.pipe(
          mergeMap((r) =>
            (r === 'f' ? f : l).pipe(
              circuitBreaker(breaker, { successOn: 'first-value' }),
              catchError(() => of('failed')),
            ),
          ),
        ),
        state: breaker.state$,
      };
    },
    outputs: {
      output: { marbles: '-x---a--b--c', values: OUT, unsub: '^-------------!' },
      state: { marbles: 'co-h-c', values: STATE },
    },
  },
  {
    id: 'take-one',
    title: 'Unsubscribing after a value is a success',
    description:
      'take(1) unsubscribes the probe right after its first value: the call counts as a success (so take(1) and firstValueFrom work) and closes the breaker. Unsubscribing before any value would record nothing, and free the probe slot all the same.',
    inputs: {
      requests: { marbles: '-f--p', hot: true },
      f: { marbles: '#', subs: '-(^!)' },
      p: { marbles: '-a-b-c', subs: '----^!' },
    },
    run: ({ requests, f, p }) => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 2 });
      return {
        output: requests.pipe(
          mergeMap((r) =>
            r === 'f'
              ? f.pipe(
                  circuitBreaker(breaker),
                  catchError(() => of('failed')),
                )
              : p.pipe(circuitBreaker(breaker), take(1)),
          ),
        ),
        state: breaker.state$,
      };
    },
    outputs: {
      output: { marbles: '-x---a', values: OUT },
      state: { marbles: 'co-h-c', values: STATE },
    },
  },
  {
    id: 'stale-outcome',
    title: 'An outcome from before the latest state change is ignored',
    description:
      'The call at 1 was admitted while closed. By the time it fails (9), the breaker has opened (3) and half-opened (8): its failure is not counted and has no event, so the breaker stays half-open.',
    inputs: {
      requests: { marbles: '-ls', hot: true },
      l: { marbles: '--------#', subs: '-^-------!' },
      s: { marbles: '-#', subs: '--^!' },
    },
    run: ({ requests, l, s }) => {
      const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 5 });
      const call = (source: Observable<unknown>) =>
        source.pipe(
          circuitBreaker(breaker),
          catchError((e) => of(e instanceof CircuitOpenError ? 'CircuitOpenError' : 'failed')),
        );
      return {
        output: requests.pipe(mergeMap((r) => call(r === 'l' ? l : s))),
        state: breaker.state$,
      };
    },
    outputs: {
      output: { marbles: '---x-----x', values: OUT },
      state: { marbles: 'c--o----h', values: STATE },
    },
  },
  {
    id: 'failures-in-window',
    title: 'failuresInWindow: the window slides',
    description:
      'threshold 3 within a window of 10 ms. The failure at 1 stops counting at 11, so the failures at 1, 5 and 11 are never 3 in the window; at 12 the failures at 5, 11 and 12 are, and the breaker opens.',
    inputs: {
      requests: { marbles: '-f---f-----ff', hot: true },
      f: { marbles: '#' },
    },
    run: ({ requests, f }) => {
      const breaker = new CircuitBreaker({ trip: failuresInWindow({ threshold: 3, window: 10 }) });
      const call = (source: Observable<unknown>) =>
        source.pipe(
          circuitBreaker(breaker),
          catchError((e) => of(e instanceof CircuitOpenError ? 'CircuitOpenError' : 'failed')),
        );
      return {
        output: requests.pipe(mergeMap(() => call(f))),
        state: breaker.state$,
      };
    },
    outputs: {
      output: { marbles: '-x---x-----xx', values: OUT },
      state: { marbles: 'c-----------o', values: STATE, unsub: '^-------------!' },
    },
  },
  {
    id: 'failure-rate-buckets',
    title: 'failureRate over a bucketed time window',
    description:
      'A 10 ms window in 5 buckets of 2 ms, aligned to time 0: [0,2), [2,4), … At 10 the bucket [0,2) leaves the window whole, taking the failure at 1 with it although only 9 ms have passed: 2 outcomes, fewer than minimumCalls (3). The failure at 11 makes 3 failures of 3 and the breaker opens.',
    inputs: {
      requests: { marbles: '-ff-------ff', hot: true },
      f: { marbles: '#' },
    },
    run: ({ requests, f }) => {
      const breaker = new CircuitBreaker({
        trip: failureRate({ threshold: 0.5, minimumCalls: 3, window: { duration: 10, buckets: 5 } }),
      });
      const call = (source: Observable<unknown>) =>
        source.pipe(
          circuitBreaker(breaker),
          catchError((e) => of(e instanceof CircuitOpenError ? 'CircuitOpenError' : 'failed')),
        );
      return {
        output: requests.pipe(mergeMap(() => call(f))),
        state: breaker.state$,
      };
    },
    outputs: {
      output: { marbles: '-xx-------xx', values: OUT },
      state: { marbles: 'c----------o', values: STATE, unsub: '^-------------!' },
    },
  },
]);
