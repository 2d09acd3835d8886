import { retryWithBackoff } from 'rxjs-resilience';
import { defineMarbles } from './define';

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
]);
