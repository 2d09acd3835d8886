/** Type-level checks (tsc checks them in `npm run typecheck`; at run time they are no-ops). */
import { of } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  CircuitBreaker,
  CircuitPermit,
  consecutiveFailures,
  failureRate,
  failuresInWindow,
} from '../../src/breaker/index';
import type {
  CircuitBreakerEvent,
  CircuitBreakerJSON,
  CircuitBreakerOptions,
  CircuitBreakerSnapshot,
  CircuitState,
  TripPolicy,
} from '../../src/breaker/index';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError';
import { circuitBreaker } from '../../src/operators/circuitBreaker';

describe('types', () => {
  it('circuitBreaker keeps the value type', () => {
    const breaker = new CircuitBreaker();
    expectTypeOf(circuitBreaker<number>(breaker)).toEqualTypeOf<MonoTypeOperatorFunction<number>>();
    expectTypeOf(of(1, 2).pipe(circuitBreaker(breaker))).toEqualTypeOf<Observable<number>>();
    expectTypeOf(of('a').pipe(circuitBreaker(breaker, { successOn: 'first-value' }))).toEqualTypeOf<
      Observable<string>
    >();
    // @ts-expect-error: not a successOn value
    expectTypeOf(() => circuitBreaker(breaker, { successOn: 'value' })).toBeFunction();
  });

  it('the breaker streams and methods', () => {
    const breaker = new CircuitBreaker({ trip: consecutiveFailures(2) });
    expectTypeOf(breaker.state).toEqualTypeOf<CircuitState>();
    expectTypeOf(breaker.state$).toEqualTypeOf<Observable<CircuitState>>();
    expectTypeOf(breaker.metrics$).toEqualTypeOf<Observable<CircuitBreakerSnapshot>>();
    expectTypeOf(breaker.events$).toEqualTypeOf<Observable<CircuitBreakerEvent>>();
    expectTypeOf(breaker.snapshot()).toEqualTypeOf<CircuitBreakerSnapshot>();
    expectTypeOf(breaker.toJSON()).toEqualTypeOf<CircuitBreakerJSON>();
    expectTypeOf(breaker.tryAcquire()).toEqualTypeOf<CircuitPermit | CircuitOpenError>();
    expectTypeOf<CircuitState>().toEqualTypeOf<'closed' | 'open' | 'half-open' | 'isolated'>();
  });

  it('events narrow on type', () => {
    expectTypeOf<Extract<CircuitBreakerEvent, { type: 'state-change' }>>().toMatchTypeOf<{
      from: CircuitState;
      to: CircuitState;
      name: string;
      at: number;
    }>();
    expectTypeOf<Extract<CircuitBreakerEvent, { type: 'failure' }>>().toMatchTypeOf<{
      error: unknown;
      duration: number;
      slow: boolean;
    }>();
    expectTypeOf<Extract<CircuitBreakerEvent, { type: 'rejected' }>['state']>().toEqualTypeOf<
      'open' | 'half-open' | 'isolated'
    >();
  });

  it('options', () => {
    expectTypeOf(consecutiveFailures(3)).toMatchTypeOf<TripPolicy>();
    expectTypeOf(failuresInWindow({ threshold: 3, window: 1000 })).toMatchTypeOf<TripPolicy>();
    expectTypeOf(failureRate({ threshold: 0.5, window: { calls: 10 } })).toMatchTypeOf<TripPolicy>();
    expectTypeOf(failureRate({ threshold: 0.5, window: { duration: 1000 } })).toMatchTypeOf<TripPolicy>();
    expectTypeOf<{ resetTimeout: (n: number) => number }>().toMatchTypeOf<CircuitBreakerOptions>();
    expectTypeOf<{ isFailure: [typeof TypeError] }>().toMatchTypeOf<CircuitBreakerOptions>();
    // @ts-expect-error: a window needs calls or duration
    expectTypeOf(() => failureRate({ threshold: 0.5, window: {} })).toBeFunction();
  });
});
