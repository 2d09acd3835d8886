import { distinctUntilChanged, map } from 'rxjs';
import { RetryBudget } from '../src/budget/index';
import { retryWithBackoff } from '../src/operators/retryWithBackoff';
import { defineMarbles } from './define';

const flags = { t: true, f: false };

export default defineMarbles('RetryBudget', [
  {
    id: 'sliding-window',
    title: 'At most maxRetries per sliding window',
    description:
      'maxRetries: 2 within 8 ms. The third retry (5 ms) is refused. The retry made at 1 ms stops counting at 9 ms, so the one at 10 ms is allowed; the one made at 3 ms stops counting at 11 ms, so the one at 12 ms is too.',
    inputs: {
      retries: { marbles: '-r-r-r----r-r', hot: true },
    },
    run: ({ retries }) => {
      const budget = new RetryBudget({ maxRetries: 2, window: 8, buckets: 8 });
      return {
        allowed: retries.pipe(map(() => budget.tryAcquire())),
        current: budget.state$.pipe(
          map((s) => s.currentRetries),
          distinctUntilChanged(),
        ),
      };
    },
    outputs: {
      allowed: { marbles: '-t-t-f----t-t', values: flags },
      current: { marbles: '01-2-----1212-----1-0', values: { 0: 0, 1: 1, 2: 2 }, unsub: '---------------------!' },
    },
  },
  {
    id: 'ratio',
    title: 'A ratio of the calls',
    description:
      'maxRetries: 0, ratio: 0.5: two calls within the 6 ms window allow one retry (floor(0.5 * 2)), so the second retry is refused. The call made at 1 ms stops counting at 7 ms: floor(0.5 * 1) is 0, and the retry at 10 ms is refused.',
    inputs: {
      calls: { marbles: '-cc', hot: true },
      retries: { marbles: '---rr-----r', hot: true },
    },
    run: ({ calls, retries }) => {
      const budget = new RetryBudget({ maxRetries: 0, ratio: 0.5, window: 6, buckets: 6 });
      calls.subscribe(() => budget.recordCall());
      return {
        allowed: retries.pipe(map(() => budget.tryAcquire())),
        allowance: budget.state$.pipe(
          map((s) => s.maxRetries),
          distinctUntilChanged(),
        ),
      };
    },
    outputs: {
      allowed: { marbles: '---tf-----f', values: flags },
      allowance: { marbles: '0-1----0', values: { 0: 0, 1: 1 }, unsub: '------------!' },
    },
  },
  {
    id: 'with-retryWithBackoff',
    title: 'Shared by retryWithBackoff',
    description:
      'Two failing operations share a budget of 1 retry per 100 ms. a retries once (after 2 ms); b fails later, the budget refuses, and b’s error propagates unchanged without a retry.',
    inputs: {
      a: { marbles: '-#', subs: ['^!', '---^!'] },
      b: { marbles: '------#', subs: '^-----!' },
    },
    run: ({ a, b }) => {
      const budget = new RetryBudget({ maxRetries: 1, window: 100 });
      const retry = retryWithBackoff({ maxRetries: 3, initialDelay: 2, budget });
      return { a$: a.pipe(retry), b$: b.pipe(retry) };
    },
    outputs: {
      a$: { marbles: '----#' },
      b$: { marbles: '------#' },
    },
  },
]);
