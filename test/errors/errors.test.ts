import { describe, expect, it } from 'vitest';
import {
  BulkheadRejectedError,
  CircuitOpenError,
  DrainingError,
  DrainTimeoutError,
  OperationTimeoutError,
  ResilienceConfigError,
  ResilienceError,
} from 'rxjs-resilience';
import { formatValue } from '../../src/errors/ResilienceConfigError';
import { metricNames } from 'rxjs-resilience/prometheus';

describe('errors', () => {
  const cases: Array<[ResilienceError, string, Record<string, unknown>, string]> = [
    [
      new CircuitOpenError('db', 'open', 1500),
      'CircuitOpenError',
      { circuit: 'db', state: 'open', retryAfter: 1500 },
      'Circuit "db" is open; call rejected (retry after 1500 ms)',
    ],
    [
      new CircuitOpenError('db', 'half-open', 0),
      'CircuitOpenError',
      { circuit: 'db', state: 'half-open', retryAfter: 0 },
      'Circuit "db" is half-open; call rejected',
    ],
    [
      new BulkheadRejectedError('pool', 'full'),
      'BulkheadRejectedError',
      { bulkhead: 'pool', reason: 'full' },
      'Bulkhead "pool" is full; call rejected',
    ],
    [
      new BulkheadRejectedError('pool', 'queue-timeout'),
      'BulkheadRejectedError',
      { bulkhead: 'pool', reason: 'queue-timeout' },
      'Bulkhead "pool": call waited longer than its queue timeout',
    ],
    [
      new OperationTimeoutError('users', 'first', 100),
      'OperationTimeoutError',
      { operation: 'users', kind: 'first', timeout: 100 },
      'Operation "users" timed out: no first value within 100 ms',
    ],
    [
      new OperationTimeoutError('users', 'total', 100),
      'OperationTimeoutError',
      { kind: 'total' },
      'Operation "users" timed out: no completion within 100 ms',
    ],
    [new DrainingError('api'), 'DrainingError', { drainer: 'api' }, 'Drainer "api" is draining; new calls are refused'],
    [
      new DrainTimeoutError('api', 30000),
      'DrainTimeoutError',
      { drainer: 'api', timeout: 30000 },
      'Drainer "api": call still running after the drain timeout of 30000 ms',
    ],
    [
      new ResilienceConfigError('CircuitBreaker "db"', 'resetTimeout', 'a finite number >= 0', -1),
      'ResilienceConfigError',
      { place: 'CircuitBreaker "db"', option: 'resetTimeout', value: -1 },
      'CircuitBreaker "db": resetTimeout must be a finite number >= 0, got -1',
    ],
  ];
  for (const [error, name, fields, message] of cases) {
    it(`${name}: name, fields, message, and the class chain`, () => {
      expect(error.name).toBe(name);
      expect(error).toMatchObject(fields);
      expect(error.message).toBe(message);
      expect(error).toBeInstanceOf(ResilienceError);
      expect(error).toBeInstanceOf(Error);
      expect(error.constructor.name).toBe(name);
      expect(String(error)).toBe(`${name}: ${message}`);
      expect(error.stack).toContain(name);
    });
  }

  it('ResilienceError is itself named', () => {
    expect(new ResilienceError('x').name).toBe('ResilienceError');
  });

  it('formats bad values readably in config messages', () => {
    expect(formatValue('10s')).toBe('"10s"');
    expect(formatValue(-1)).toBe('-1');
    expect(formatValue(undefined)).toBe('undefined');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(() => 1)).toBe('a function');
    expect(formatValue(10n)).toBe('10n');
    expect(formatValue([1])).toBe('an array');
    expect(formatValue({})).toBe('an object');
    expect(formatValue(Object.create(null))).toBe('an object');
    expect(formatValue(new Date(0))).toBe('a Date');
    expect(formatValue(new Error())).toBe('an Error');
    expect(formatValue(Symbol('s'))).toBe('Symbol(s)');
  });

  it('the prometheus entry point names its metrics', () => {
    expect(metricNames.circuitBreakerState).toBe('circuit_breaker_state');
    expect(Object.isFrozen(metricNames)).toBe(true);
  });
});

describe('the contract’s own example messages, exactly', () => {
  it('CircuitBreaker "db": resetTimeout must be a finite number >= 0, got -1', async () => {
    const { CircuitBreaker } = await import('rxjs-resilience');
    expect(() => new CircuitBreaker({ name: 'db', resetTimeout: -1 })).toThrow(
      new Error('CircuitBreaker "db": resetTimeout must be a finite number >= 0, got -1').message,
    );
  });

  it('dependencies.user_db.timeout: must be a finite number > 0, got "10s"', async () => {
    const { loadResilienceConfig } = await import('rxjs-resilience');
    let message = '';
    try {
      loadResilienceConfig({ dependencies: { user_db: { type: 'database', timeout: '10s' } } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('dependencies.user_db.timeout: must be a finite number > 0, got "10s"');
  });
});
