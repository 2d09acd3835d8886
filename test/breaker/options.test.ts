import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, consecutiveFailures } from '../../src/breaker/index';
import type { CircuitBreakerOptions } from '../../src/breaker/index';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError';
import { ResilienceConfigError } from '../../src/errors/ResilienceConfigError';
import { createScheduler, pendingActions } from '../helpers/scheduler';

function fail(breaker: CircuitBreaker): void {
  const permit = breaker.tryAcquire();
  if (permit instanceof CircuitOpenError) throw permit;
  permit.failure(new Error('x'));
}

describe('new CircuitBreaker(options)', () => {
  describe('defaults', () => {
    it("name 'circuit-breaker'", () => {
      expect(new CircuitBreaker().name).toBe('circuit-breaker');
      expect(new CircuitBreaker().snapshot().name).toBe('circuit-breaker');
      expect(new CircuitBreaker({ name: 'db' }).name).toBe('db');
    });

    it('trip consecutiveFailures(5)', () => {
      const scheduler = createScheduler();
      const breaker = new CircuitBreaker({ scheduler });
      for (let i = 0; i < 4; i++) fail(breaker);
      expect(breaker.state).toBe('closed');
      fail(breaker);
      expect(breaker.state).toBe('open');
    });

    it('resetTimeout 60000', () => {
      const scheduler = createScheduler();
      const breaker = new CircuitBreaker({ scheduler, trip: consecutiveFailures(1) });
      fail(breaker);
      expect(breaker.snapshot()).toMatchObject({ openedAt: 0, halfOpenAt: 60000 });
      expect((breaker.tryAcquire() as CircuitOpenError).retryAfter).toBe(60000);
      breaker.dispose();
    });

    it('successThreshold 1 and halfOpenMaxCalls 1; no halfOpenTimeout (nothing pending while half-open)', () => {
      const scheduler = createScheduler();
      const breaker = new CircuitBreaker({ scheduler, trip: consecutiveFailures(1), resetTimeout: 0 });
      fail(breaker);
      scheduler.flush();
      expect(breaker.state).toBe('half-open');
      expect(pendingActions(scheduler)).toBe(0);
      const probe = breaker.tryAcquire();
      expect(probe).not.toBeInstanceOf(CircuitOpenError);
      const second = breaker.tryAcquire() as CircuitOpenError;
      expect(second).toMatchObject({ state: 'half-open', retryAfter: 0 });
      (probe as Exclude<typeof probe, CircuitOpenError>).success();
      expect(breaker.state).toBe('closed');
    });

    it('scheduler asyncScheduler (virtual under TestScheduler.run)', () => {
      createScheduler().run(({ cold }) => {
        const breaker = new CircuitBreaker({ trip: consecutiveFailures(1), resetTimeout: 5 });
        cold('---x').subscribe(() => fail(breaker));
        cold('-------x').subscribe(() =>
          expect(breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 3, halfOpenAt: 8 }),
        );
        cold('---------x').subscribe(() => expect(breaker.state).toBe('half-open'));
      });
      expect(asyncScheduler.now()).toBeGreaterThan(1_000_000);
    });

    it('accepts no options at all, or an empty object', () => {
      expect(() => new CircuitBreaker()).not.toThrow();
      expect(() => new CircuitBreaker({})).not.toThrow();
      expect(() => new CircuitBreaker(undefined)).not.toThrow();
    });
  });

  describe('validation: ResilienceConfigError at construction, one message template', () => {
    class NotAnError {}
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['name empty', { name: '' }, 'CircuitBreaker: name must be a non-empty string, got ""'],
      ['name not a string', { name: 3 }, 'CircuitBreaker: name must be a non-empty string, got 3'],
      [
        'trip not a policy',
        { trip: 5 },
        'trip must be a trip policy (consecutiveFailures, failuresInWindow or failureRate), got 5',
      ],
      [
        'trip null',
        { trip: null },
        'trip must be a trip policy (consecutiveFailures, failuresInWindow or failureRate), got null',
      ],
      [
        'trip without create',
        { trip: { kind: 'x' } },
        'trip must be a trip policy (consecutiveFailures, failuresInWindow or failureRate), got an object',
      ],
      ['resetTimeout negative', { resetTimeout: -1 }, 'resetTimeout must be a finite number >= 0, got -1'],
      [
        'resetTimeout too long',
        { resetTimeout: 2 ** 31 },
        'resetTimeout must be a finite number <= 2147483647 (the longest a timer can wait), got 2147483648',
      ],
      ['resetTimeout a string', { resetTimeout: '5' }, 'resetTimeout must be a finite number >= 0, got "5"'],
      ['successThreshold 0', { successThreshold: 0 }, 'successThreshold must be an integer >= 1, got 0'],
      ['successThreshold 1.5', { successThreshold: 1.5 }, 'successThreshold must be an integer >= 1, got 1.5'],
      ['halfOpenMaxCalls 0', { halfOpenMaxCalls: 0 }, 'halfOpenMaxCalls must be an integer >= 1, got 0'],
      [
        'halfOpenMaxCalls Infinity',
        { halfOpenMaxCalls: Infinity },
        'halfOpenMaxCalls must be an integer >= 1, got Infinity',
      ],
      ['halfOpenTimeout 0', { halfOpenTimeout: 0 }, 'halfOpenTimeout must be a finite number > 0, got 0'],
      ['halfOpenTimeout null', { halfOpenTimeout: null }, 'halfOpenTimeout must be a finite number > 0, got null'],
      ['slowCallDuration 0', { slowCallDuration: 0 }, 'slowCallDuration must be a finite number > 0, got 0'],
      [
        'isFailure a string',
        { isFailure: 'all' },
        'isFailure must be a predicate or an array of error classes, got "all"',
      ],
      [
        'isFailure a class',
        { isFailure: NotAnError },
        'isFailure must be a predicate or an array of error classes (write [NotAnError]), got a function',
      ],
      [
        'isFailure a list with a non-class',
        { isFailure: [Error, 'x'] },
        'isFailure must be a predicate or an array of error classes, got an array',
      ],
      [
        'scheduler',
        { scheduler: {} },
        'scheduler must be a SchedulerLike (an object with now() and schedule()), got an object',
      ],
      ['initialState', { initialState: 'x' }, 'initialState must be an object returned by toJSON(), got "x"'],
    ];
    it.each(cases)('%s', (_label, options, message) => {
      let error: unknown;
      try {
        new CircuitBreaker({ name: 'db', ...options } as CircuitBreakerOptions);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ResilienceConfigError);
      const expected = message.startsWith('CircuitBreaker') ? message : `CircuitBreaker "db": ${message}`;
      expect((error as Error).message).toBe(expected);
    });

    it('rejects unknown options, naming the known ones', () => {
      expect(() => new CircuitBreaker({ name: 'db', timeout: 5 } as CircuitBreakerOptions)).toThrow(
        'CircuitBreaker "db": timeout is not a known option (known: name, trip, resetTimeout, successThreshold, halfOpenMaxCalls, halfOpenTimeout, isFailure, slowCallDuration, initialState, scheduler)',
      );
    });

    it('rejects options that are not an object', () => {
      expect(() => new CircuitBreaker(5 as never)).toThrow(
        'CircuitBreaker "circuit-breaker": options must be an object, got 5',
      );
      expect(() => new CircuitBreaker(null as never)).toThrow(ResilienceConfigError);
    });

    it('accepts a resetTimeout function, resetTimeout 0, and a list of error classes', () => {
      expect(() => new CircuitBreaker({ resetTimeout: () => 5 })).not.toThrow();
      expect(() => new CircuitBreaker({ resetTimeout: 0 })).not.toThrow();
      expect(() => new CircuitBreaker({ isFailure: [TypeError, RangeError] })).not.toThrow();
    });
  });
});
