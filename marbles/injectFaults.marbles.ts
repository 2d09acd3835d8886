import { injectFaults } from 'rxjs-resilience/testing';
import { defineMarbles } from './define';

export default defineMarbles('injectFaults (rxjs-resilience/testing)', [
  {
    id: 'latency',
    title: 'Latency',
    description: 'The subscription to the source is delayed by the latency (here a fixed 3 ms).',
    inputs: {
      source: { marbles: 'a|', subs: '---^!' },
    },
    run: ({ source }) => ({ output: source.pipe(injectFaults({ latency: 3 })) }),
    outputs: { output: { marbles: '---a|' } },
  },
  {
    id: 'failure',
    title: 'An injected failure',
    description:
      'random() drew below failureRate: after the latency the output errors with error(), and the source is never subscribed.',
    inputs: {
      source: { marbles: 'a|', subs: [] },
    },
    run: ({ source }) => ({
      output: source.pipe(
        injectFaults({ failureRate: 0.5, random: () => 0.1, latency: 2, error: () => new Error('injected fault') }),
      ),
    }),
    outputs: { output: { marbles: '--#', error: new Error('injected fault') } },
  },
]);
