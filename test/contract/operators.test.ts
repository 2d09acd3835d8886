import { of } from 'rxjs';
import { fallback, retryWithBackoff, timeoutWith } from 'rxjs-resilience';
import { injectFaults } from 'rxjs-resilience/testing';
import { describeContract } from './contract';

describeContract('retryWithBackoff', () => retryWithBackoff({ initialDelay: 5 }));
describeContract('retryWithBackoff (resetOnSuccess, jitter)', () =>
  retryWithBackoff({ initialDelay: 5, resetOnSuccess: true, jitter: 'full' }),
);
describeContract('timeoutWith (each)', () => timeoutWith(50));
describeContract('timeoutWith (first, each, total, with)', () =>
  timeoutWith({ first: 50, each: 50, total: 500, with: () => of(0) }),
);
describeContract('fallback', () => fallback(() => of(0)));
describeContract('injectFaults', () => injectFaults({ failureRate: 0 }));
