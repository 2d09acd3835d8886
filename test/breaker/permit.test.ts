import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitPermit, consecutiveFailures } from '../../src/breaker/index';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError';
import { createScheduler } from '../helpers/scheduler';
import { eventLog } from './fixtures/helpers';

function acquire(breaker: CircuitBreaker): CircuitPermit {
  const permit = breaker.tryAcquire();
  if (permit instanceof CircuitOpenError) throw permit;
  return permit;
}

describe('the low-level call API: tryAcquire() and CircuitPermit', () => {
  it('tryAcquire() returns a permit while closed, and returns (never throws) the CircuitOpenError while open', () => {
    const scheduler = createScheduler();
    const breaker = new CircuitBreaker({ name: 'svc', scheduler, trip: consecutiveFailures(1), resetTimeout: 30 });
    const permit = breaker.tryAcquire();
    expect(permit).toBeInstanceOf(CircuitPermit);
    (permit as CircuitPermit).failure(new Error('down'));
    const rejected = breaker.tryAcquire();
    expect(rejected).toBeInstanceOf(CircuitOpenError);
    expect(rejected).toMatchObject({ circuit: 'svc', state: 'open', retryAfter: 30, name: 'CircuitOpenError' });
    expect(breaker.snapshot().rejectedCount).toBe(1);
    breaker.dispose();
  });

  it('success() and failure() record an outcome with its duration; startedAt is the admission time', () => {
    const scheduler = createScheduler();
    const breaker = new CircuitBreaker({ scheduler });
    const log = eventLog(breaker.events$);
    scheduler.schedule(() => {
      const a = acquire(breaker);
      const b = acquire(breaker);
      expect(a.startedAt).toBe(3);
      scheduler.schedule(() => a.success(), 4);
      scheduler.schedule(() => b.failure(new Error('x')), 6);
    }, 3);
    scheduler.flush();
    expect(log).toEqual(['success@7(4)', 'failure@9(6)']);
  });

  it('a permit settles once: later reports are ignored; settled tells', () => {
    const breaker = new CircuitBreaker({ trip: consecutiveFailures(1) });
    const permit = acquire(breaker);
    expect(permit.settled).toBe(false);
    permit.success();
    expect(permit.settled).toBe(true);
    permit.failure(new Error('x'));
    permit.release();
    permit.success();
    expect(breaker.snapshot()).toMatchObject({ successCount: 1, failureCount: 0, state: 'closed' });
    const failed = acquire(breaker);
    failed.failure(new Error('x'));
    failed.success();
    const released = new CircuitBreaker().tryAcquire() as CircuitPermit;
    released.release();
    released.success();
    expect(breaker.snapshot()).toMatchObject({ successCount: 1, failureCount: 1, state: 'open' });
    breaker.dispose();
  });

  it('release() records nothing and frees a half-open slot', () => {
    const scheduler = createScheduler();
    const breaker = new CircuitBreaker({ scheduler, trip: consecutiveFailures(1), resetTimeout: 0 });
    acquire(breaker).failure(new Error('x'));
    const probe = acquire(breaker);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBeInstanceOf(CircuitOpenError);
    probe.release();
    expect(breaker.snapshot()).toMatchObject({ totalCalls: 1, state: 'half-open' });
    acquire(breaker).success();
    expect(breaker.state).toBe('closed');
  });

  it('a permit of a call admitted before the latest state change reports nothing', () => {
    const breaker = new CircuitBreaker({ trip: consecutiveFailures(1) });
    const old = acquire(breaker);
    breaker.isolate();
    breaker.reset();
    old.failure(new Error('x'));
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', totalCalls: 0 });
  });

  it('failure() rethrows what isFailure threw, after counting the failure', () => {
    const oops = new Error('bug');
    const breaker = new CircuitBreaker({
      trip: consecutiveFailures(1),
      isFailure: () => {
        throw oops;
      },
    });
    expect(() => acquire(breaker).failure(new Error('x'))).toThrow(oops);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', failureCount: 1 });
    breaker.dispose();
  });

  it('success() rethrows what resetTimeout threw, after recording (a slow success that opened it)', () => {
    const scheduler = createScheduler();
    const oops = new Error('bug');
    const breaker = new CircuitBreaker({
      scheduler,
      trip: consecutiveFailures(1),
      slowCallDuration: 5,
      resetTimeout: () => {
        throw oops;
      },
    });
    const permit = acquire(breaker);
    scheduler.schedule(() => expect(() => permit.success()).toThrow(oops), 5);
    scheduler.flush();
    expect(breaker.snapshot()).toMatchObject({ state: 'open', failureCount: 1, halfOpenAt: 60005 });
    breaker.dispose();
  });

  it('rejections are cheap: no stack trace captured, and Error.stackTraceLimit is restored', () => {
    const breaker = new CircuitBreaker();
    breaker.isolate();
    const before = Error.stackTraceLimit;
    const rejection = breaker.tryAcquire() as CircuitOpenError;
    expect(Error.stackTraceLimit).toBe(before);
    expect(rejection).toBeInstanceOf(CircuitOpenError);
    expect(rejection.message).toBe('Circuit "circuit-breaker" is isolated; call rejected');
    expect(rejection.stack ?? '').not.toMatch(/\n\s+at /);
  });

  it('the closed path hands out one shared admission: nothing allocated per call', () => {
    const breaker = new CircuitBreaker();
    expect(breaker._admit()).toBe(breaker._admit());
  });
});
