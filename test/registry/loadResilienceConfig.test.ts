import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { asyncScheduler, of, throwError, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  circuitBreaker,
  Dependency,
  loadResilienceConfig,
  OperationTimeoutError,
  ResilienceConfigError,
  ResilienceRegistry,
} from 'rxjs-resilience';
import type { CircuitBreaker, LoadResilienceConfigOptions } from 'rxjs-resilience';
import { createScheduler } from '../helpers/scheduler';

// ---------------------------------------------------------------------------------------------
// Helpers

/** The ResilienceConfigError `fn` throws (fails the test if it throws anything else or nothing). */
function configError(fn: () => unknown): ResilienceConfigError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ResilienceConfigError);
  return thrown as ResilienceConfigError;
}

const load = (config: unknown, options?: LoadResilienceConfigOptions) =>
  loadResilienceConfig(config, { scheduler: new VirtualTimeScheduler(), ...options });

/** One call through the breaker: succeeds or fails at once. */
function call(breaker: CircuitBreaker, ok: boolean): unknown {
  let outcome: unknown = 'pending';
  (ok ? of(1) : throwError(() => new Error('boom')))
    .pipe(circuitBreaker(breaker))
    .subscribe({ complete: () => (outcome = 'ok'), error: (e: unknown) => (outcome = e) });
  return outcome;
}

/** Runs `fn` at virtual time `t` of `scheduler` (call `scheduler.flush()` after scheduling). */
const at = (scheduler: VirtualTimeScheduler, t: number, fn: () => void) => scheduler.schedule(fn, t);

const KNOWN_DEPENDENCY_KEYS = 'type, maxConcurrent, maxQueue, queueTimeout, timeout, circuitBreaker, retry';
const KNOWN_DEFAULTS_KEYS = 'maxConcurrent, maxQueue, queueTimeout, timeout, circuitBreaker, retry';
const KNOWN_BREAKER_KEYS = 'trip, resetTimeout, successThreshold, halfOpenMaxCalls, halfOpenTimeout, slowCallDuration';
const KNOWN_RETRY_KEYS = 'maxRetries, initialDelay, maxDelay, backoff, factor, jitter, resetOnSuccess';
const DURATION = 'a finite number > 0';
const DURATION0 = 'a finite number >= 0';

/** The own property names of the built-in prototypes, to check that nothing was added to them. */
const protoKeys = () => [Object.prototype, Array.prototype, Function.prototype].map((p) => Reflect.ownKeys(p).length);
const PROTO_KEYS = protoKeys();
function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).timeout).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  expect(protoKeys()).toEqual(PROTO_KEYS);
}

// ---------------------------------------------------------------------------------------------

describe('loadResilienceConfig', () => {
  describe('a valid config', () => {
    const config = {
      defaults: { timeout: 1234, maxConcurrent: 3, maxQueue: 7, circuitBreaker: { resetTimeout: 5000 } },
      dependencies: {
        user_db: { type: 'database' },
        payments: {
          type: 'externalApi',
          timeout: 800,
          maxQueue: 2,
          queueTimeout: 250,
          retry: {
            maxRetries: 2,
            initialDelay: 50,
            backoff: 'constant',
            jitter: 'full',
            factor: 3,
            maxDelay: 400,
            resetOnSuccess: true,
          },
        },
        session_cache: { type: 'cache' },
        plain: {},
        no_breaker: { circuitBreaker: false },
      },
    };

    it('returns a ResilienceRegistry holding each dependency, with its breaker, bulkhead and tracker named after it', () => {
      const registry = load(config);
      expect(registry).toBeInstanceOf(ResilienceRegistry);
      expect(registry.list('dependency').map((d) => d.name)).toEqual([
        'user_db',
        'payments',
        'session_cache',
        'plain',
        'no_breaker',
      ]);
      for (const name of Object.keys(config.dependencies)) {
        const dependency = registry.get('dependency', name)!;
        expect(dependency).toBeInstanceOf(Dependency);
        expect(dependency.name).toBe(name);
        expect(registry.get('bulkhead', name)).toBe(dependency.bulkhead);
        expect(dependency.bulkhead.name).toBe(name);
        expect(registry.get('healthTracker', name)).toBe(dependency.health);
        expect(dependency.health.name).toBe(name);
        expect(registry.get('circuitBreaker', name)).toBe(dependency.circuitBreaker);
        if (dependency.circuitBreaker) expect(dependency.circuitBreaker.name).toBe(name);
      }
      expect(Object.keys(registry.snapshot().circuitBreakers)).toEqual(['user_db', 'payments', 'plain']);
    });

    it('ranks each option: the dependency’s own > its preset type > defaults', () => {
      const registry = load(config);
      const options = (name: string) => registry.get('dependency', name)!.options;
      // timeout: the preset's beats defaults; the dependency's own beats both; defaults when neither.
      expect(options('user_db').timeout).toBe(10_000);
      expect(options('session_cache').timeout).toBe(2_000);
      expect(options('payments').timeout).toBe(800);
      expect(options('plain').timeout).toBe(1234);
      // maxConcurrent from the preset, maxQueue from defaults (no preset has one) unless the dependency's own.
      expect(registry.get('bulkhead', 'user_db')!.snapshot()).toMatchObject({ maxConcurrent: 10, maxQueue: 7 });
      expect(registry.get('bulkhead', 'payments')!.snapshot()).toMatchObject({ maxConcurrent: 15, maxQueue: 2 });
      expect(registry.get('bulkhead', 'session_cache')!.snapshot()).toMatchObject({ maxConcurrent: 50, maxQueue: 7 });
      expect(registry.get('bulkhead', 'plain')!.snapshot()).toMatchObject({ maxConcurrent: 3, maxQueue: 7 });
      expect(options('payments')).toMatchObject({ queueTimeout: 250 });
      // the retry options arrive as given
      expect(options('payments').retry).toEqual(config.dependencies.payments.retry);
      expect(options('user_db').retry).toBeUndefined();
    });

    it('merges breaker options key by key through the layers: defaults < preset < own (a preset with no breaker wins over defaults)', () => {
      const registry = load({
        defaults: { maxConcurrent: 1, timeout: 100, circuitBreaker: { resetTimeout: 5000, successThreshold: 3 } },
        dependencies: {
          api: { type: 'externalApi', circuitBreaker: { successThreshold: 2 } },
          db: { type: 'database' },
          cache: { type: 'cache' },
          cache_with_breaker: { type: 'cache', circuitBreaker: { halfOpenMaxCalls: 2 } },
        },
      });
      // externalApi's trip (3 consecutive failures) is kept under the dependency's successThreshold and the defaults' resetTimeout.
      expect(registry.get('dependency', 'api')!.options.circuitBreaker).toMatchObject({
        trip: { kind: 'consecutiveFailures', threshold: 3 },
        resetTimeout: 5000,
        successThreshold: 2,
      });
      expect(registry.get('dependency', 'db')!.options.circuitBreaker).toEqual({
        resetTimeout: 5000,
        successThreshold: 3,
      });
      expect(registry.get('dependency', 'cache')!.circuitBreaker).toBeUndefined();
      // breaker options over a preset's `false` replace it
      expect(registry.get('dependency', 'cache_with_breaker')!.options.circuitBreaker).toEqual({ halfOpenMaxCalls: 2 });
    });

    it('merges retry options of defaults and the dependency key by key', () => {
      const registry = load({
        defaults: { retry: { maxRetries: 5, initialDelay: 100 } },
        dependencies: { db: { type: 'database', retry: { maxDelay: 500 } }, api: { type: 'externalApi' } },
      });
      expect(registry.get('dependency', 'db')!.options.retry).toEqual({
        maxRetries: 5,
        initialDelay: 100,
        maxDelay: 500,
      });
      expect(registry.get('dependency', 'api')!.options.retry).toEqual({ maxRetries: 5, initialDelay: 100 });
    });

    it('circuitBreaker: false → no breaker, even over defaults and a preset that have one', () => {
      const registry = load({
        defaults: { circuitBreaker: { resetTimeout: 10 } },
        dependencies: { db: { type: 'database', circuitBreaker: false } },
      });
      expect(registry.get('dependency', 'db')!.circuitBreaker).toBeUndefined();
      expect(registry.get('circuitBreaker', 'db')).toBeUndefined();
      expect(registry.snapshot().totalCircuits).toBe(0);
    });

    it('builds a consecutiveFailures trip policy from its JSON form', () => {
      const registry = load({
        dependencies: {
          db: { type: 'database', circuitBreaker: { trip: { kind: 'consecutiveFailures', threshold: 2 } } },
        },
      });
      const breaker = registry.get('circuitBreaker', 'db')!;
      expect(registry.get('dependency', 'db')!.options.circuitBreaker).toMatchObject({
        trip: { kind: 'consecutiveFailures', threshold: 2 },
      });
      call(breaker, false);
      call(breaker, true); // a success resets the count
      call(breaker, false);
      expect(breaker.state).toBe('closed');
      call(breaker, false);
      expect(breaker.state).toBe('open');
      expect(call(breaker, true)).toBeInstanceOf(CircuitOpenError);
    });

    it('builds a failuresInWindow trip policy from its JSON form', () => {
      const scheduler = new VirtualTimeScheduler();
      const registry = load(
        {
          dependencies: {
            db: {
              type: 'database',
              circuitBreaker: { trip: { kind: 'failuresInWindow', threshold: 2, window: 1000 } },
            },
          },
        },
        { scheduler },
      );
      const breaker = registry.get('circuitBreaker', 'db')!;
      const states: string[] = [];
      at(scheduler, 0, () => call(breaker, false));
      at(scheduler, 1000, () => (call(breaker, false), states.push(breaker.state))); // the first stopped counting at 1000
      at(scheduler, 1500, () => (call(breaker, false), states.push(breaker.state)));
      scheduler.flush();
      expect(states).toEqual(['closed', 'open']);
    });

    it('builds a failureRate trip policy from its JSON form, with a calls window', () => {
      const registry = load({
        dependencies: {
          db: {
            type: 'database',
            circuitBreaker: { trip: { kind: 'failureRate', threshold: 0.5, minimumCalls: 4, window: { calls: 4 } } },
          },
        },
      });
      const breaker = registry.get('circuitBreaker', 'db')!;
      call(breaker, false);
      call(breaker, false);
      call(breaker, false);
      expect(breaker.state).toBe('closed'); // 3 outcomes < minimumCalls
      call(breaker, true);
      expect(breaker.state).toBe('open'); // 3 / 4 >= 0.5
    });

    it('builds a failureRate trip policy with a time window (buckets default to 10, minimumCalls to 10)', () => {
      const registry = load({
        dependencies: {
          a: {
            type: 'database',
            circuitBreaker: { trip: { kind: 'failureRate', threshold: 0.25, window: { duration: 60000 } } },
          },
          b: {
            type: 'database',
            circuitBreaker: { trip: { kind: 'failureRate', threshold: 1, window: { duration: 1000, buckets: 4 } } },
          },
        },
      });
      expect(registry.get('dependency', 'a')!.options.circuitBreaker).toMatchObject({
        trip: { kind: 'failureRate', threshold: 0.25, minimumCalls: 10, window: { duration: 60000, buckets: 10 } },
      });
      expect(registry.get('dependency', 'b')!.options.circuitBreaker).toMatchObject({
        trip: { kind: 'failureRate', threshold: 1, window: { duration: 1000, buckets: 4 } },
      });
      const breaker = registry.get('circuitBreaker', 'a')!;
      for (let i = 0; i < 9; i++) call(breaker, false);
      expect(breaker.state).toBe('closed');
      call(breaker, false);
      expect(breaker.state).toBe('open');
    });

    it('passes the other breaker options on (resetTimeout, successThreshold, halfOpenMaxCalls, halfOpenTimeout, slowCallDuration)', () => {
      const scheduler = new VirtualTimeScheduler(undefined, 1000); // stops at 1000: half-open since 800
      const breakerOptions = {
        resetTimeout: 700,
        successThreshold: 2,
        halfOpenMaxCalls: 3,
        halfOpenTimeout: 900,
        slowCallDuration: 50,
      };
      const registry = load(
        {
          dependencies: {
            api: {
              type: 'externalApi',
              circuitBreaker: { ...breakerOptions, trip: { kind: 'consecutiveFailures', threshold: 1 } },
            },
          },
        },
        { scheduler },
      );
      expect(registry.get('dependency', 'api')!.options.circuitBreaker).toMatchObject(breakerOptions);
      const breaker = registry.get('circuitBreaker', 'api')!;
      at(scheduler, 100, () => call(breaker, false));
      scheduler.flush();
      expect(breaker.snapshot()).toMatchObject({ state: 'half-open', openedAt: 100, halfOpenAt: 800 });
    });

    it('keeps defaults as the registry’s defaults for dependencies added later', () => {
      const registry = load({ defaults: { timeout: 321, circuitBreaker: false }, dependencies: {} });
      expect(registry.list('dependency')).toEqual([]);
      expect(registry.dependency('later', { maxConcurrent: 1 }).options).toMatchObject({
        timeout: 321,
        circuitBreaker: false,
      });
    });

    it('accepts objects without a prototype, does not change the config, and makes a fresh registry each time', () => {
      const deepFreeze = <T>(o: T): T => {
        if (o && typeof o === 'object') for (const v of Object.values(o)) deepFreeze(v);
        return Object.freeze(o);
      };
      const frozen = deepFreeze(structuredClone(config));
      const a = load(frozen);
      const b = load(frozen);
      expect(a).not.toBe(b);
      expect(a.get('dependency', 'user_db')).not.toBe(b.get('dependency', 'user_db'));
      expect(frozen).toEqual(config);

      const bare = Object.assign(Object.create(null), {
        dependencies: Object.assign(Object.create(null), {
          db: Object.assign(Object.create(null), { type: 'database' }),
        }),
      });
      expect(load(bare).get('dependency', 'db')!.options.timeout).toBe(10_000);
    });

    it('uses asyncScheduler when no scheduler is given', () => {
      expect(loadResilienceConfig({ dependencies: {} }).scheduler).toBe(asyncScheduler);
      expect(loadResilienceConfig({ dependencies: {} }, {}).list('dependency')).toEqual([]);
    });
  });

  describe('the configuration example in README.md', () => {
    const docs = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const example = JSON.parse(/<!-- example: resilience\.json[^>]*-->\s*```json\n([\s\S]*?)```/.exec(docs)![1]!);

    it('loads in every environment, with what the docs’ table says for production', () => {
      expect(
        load(example)
          .list('dependency')
          .map((d) => d.name),
      ).toEqual(['user_db', 'payments_api', 'session_cache', 'search']);
      const development = load(example, { environment: 'development' }).get('dependency', 'payments_api')!;
      expect(development.circuitBreaker).toBeUndefined();
      expect(development.options.timeout).toBe(30000);

      const registry = load(example, { environment: 'production' });
      const row = (name: string) => {
        const { options, circuitBreaker } = registry.get('dependency', name)!;
        const { maxConcurrent, maxQueue } = registry.get('bulkhead', name)!.snapshot();
        return {
          maxConcurrent,
          maxQueue,
          timeout: options.timeout,
          breaker: circuitBreaker !== undefined,
          retry: options.retry,
        };
      };
      expect(row('user_db')).toEqual({
        maxConcurrent: 100,
        maxQueue: 100,
        timeout: 10000,
        breaker: true,
        retry: { maxRetries: 3, initialDelay: 100, maxDelay: 1000, jitter: 'full' },
      });
      expect(row('payments_api')).toEqual({
        maxConcurrent: 15,
        maxQueue: 100,
        timeout: 5000,
        breaker: true,
        retry: undefined,
      });
      expect(registry.get('dependency', 'payments_api')!.options.circuitBreaker).toMatchObject({
        resetTimeout: 60000,
        successThreshold: 2,
        halfOpenMaxCalls: 3,
        trip: { kind: 'failureRate', threshold: 0.5, minimumCalls: 20, window: { duration: 60000, buckets: 6 } },
      });
      expect(row('session_cache')).toEqual({
        maxConcurrent: 50,
        maxQueue: 0,
        timeout: 2000,
        breaker: false,
        retry: undefined,
      });
      expect(row('search')).toEqual({
        maxConcurrent: 30,
        maxQueue: 100,
        timeout: 1500,
        breaker: true,
        retry: undefined,
      });
      expect(registry.get('dependency', 'search')!.options.circuitBreaker).toMatchObject({
        resetTimeout: 30000,
        slowCallDuration: 1000,
        trip: { kind: 'failuresInWindow', threshold: 10, window: 10000 },
      });
      expect(row('audit_queue')).toEqual({
        maxConcurrent: 20,
        maxQueue: 100,
        timeout: 10000,
        breaker: true,
        retry: { maxRetries: 5, initialDelay: 500 },
      });
    });
  });

  describe('environments', () => {
    const config = {
      defaults: {
        timeout: 1000,
        maxConcurrent: 2,
        circuitBreaker: { trip: { kind: 'consecutiveFailures', threshold: 2 }, resetTimeout: 5000 },
      },
      dependencies: {
        user_db: { type: 'database', maxConcurrent: 5, retry: { maxRetries: 1, initialDelay: 100 } },
        search: {
          circuitBreaker: { trip: { kind: 'failureRate', threshold: 0.5, minimumCalls: 2, window: { calls: 10 } } },
        },
        cache: { circuitBreaker: false },
      },
      environments: {
        production: {
          defaults: { timeout: 3000, circuitBreaker: { resetTimeout: 30000 } },
          dependencies: {
            user_db: { maxConcurrent: 20, retry: { maxRetries: 3 } },
            search: { circuitBreaker: { trip: { kind: 'consecutiveFailures', threshold: 7 } } },
            cache: { circuitBreaker: { resetTimeout: 10 } },
            audit: { type: 'messageQueue' },
          },
        },
        test: { dependencies: { user_db: { circuitBreaker: false } } },
        empty: {},
      },
    };

    it('no environment → the base config only', () => {
      const registry = load(config);
      expect(registry.list('dependency').map((d) => d.name)).toEqual(['user_db', 'search', 'cache']);
      expect(registry.get('dependency', 'user_db')!.options).toMatchObject({
        maxConcurrent: 5,
        timeout: 10_000,
        retry: { maxRetries: 1, initialDelay: 100 },
      });
      expect(registry.get('dependency', 'search')!.options).toMatchObject({
        timeout: 1000,
        circuitBreaker: { resetTimeout: 5000 },
      });
      expect(registry.get('dependency', 'cache')!.circuitBreaker).toBeUndefined();
    });

    it('merges the environment’s defaults and dependencies over the base, nested options key by key', () => {
      const registry = load(config, { environment: 'production' });
      const options = (name: string) => registry.get('dependency', name)!.options;
      // user_db: its type stays; maxConcurrent replaced; retry merged key by key
      expect(options('user_db')).toMatchObject({
        maxConcurrent: 20,
        timeout: 10_000,
        retry: { maxRetries: 3, initialDelay: 100 },
      });
      // defaults.circuitBreaker merged key by key (trip kept, resetTimeout replaced); defaults.timeout replaced
      expect(options('user_db').circuitBreaker).toMatchObject({
        trip: { kind: 'consecutiveFailures', threshold: 2 },
        resetTimeout: 30000,
      });
      // a trip is replaced whole, never mixed with another kind's fields
      expect(options('search').circuitBreaker).toMatchObject({
        trip: { kind: 'consecutiveFailures', threshold: 7 },
        resetTimeout: 30000,
      });
      expect((options('search').circuitBreaker as { trip: object }).trip).not.toHaveProperty('window');
      expect(options('search').timeout).toBe(3000);
      // breaker options over the base's `false` give it a breaker
      expect(registry.get('circuitBreaker', 'cache')).toBeDefined();
      expect(options('cache').circuitBreaker).toMatchObject({ resetTimeout: 10 });
      // an environment may add a dependency
      expect(registry.get('dependency', 'audit')!.options).toMatchObject({ maxConcurrent: 20, timeout: 10_000 });
      expect(registry.list('dependency').map((d) => d.name)).toEqual(['user_db', 'search', 'cache', 'audit']);
    });

    it('`false` in an environment replaces the base breaker', () => {
      const registry = load(config, { environment: 'test' });
      expect(registry.get('dependency', 'user_db')!.circuitBreaker).toBeUndefined();
      expect(registry.get('dependency', 'user_db')!.options).toMatchObject({
        maxConcurrent: 5,
        retry: { maxRetries: 1 },
      });
    });

    it('an environment with nothing in it changes nothing; one environment does not leak into another', () => {
      const json = (environment?: string) =>
        JSON.stringify(load(config, environment ? { environment } : {}).get('dependency', 'user_db')!.options);
      expect(json('empty')).toBe(json());
      expect(load(config, { environment: 'test' }).get('dependency', 'audit')).toBeUndefined();
    });

    it('an environment adds defaults when the base has none', () => {
      const registry = load(
        {
          dependencies: { x: {} },
          environments: { dev: { defaults: { maxConcurrent: 1, timeout: 9, circuitBreaker: false } } },
        },
        { environment: 'dev' },
      );
      expect(registry.get('dependency', 'x')!.options).toMatchObject({
        maxConcurrent: 1,
        timeout: 9,
        circuitBreaker: false,
      });
    });

    it('an unknown environment is an error naming it and the known ones', () => {
      const error = configError(() => load(config, { environment: 'staging' }));
      expect(error.message).toBe(
        `environment: must be one of the configured environments ('production', 'test', 'empty'), got "staging"`,
      );
      expect(error).toMatchObject({ option: 'environment', value: 'staging' });
      expect(configError(() => load({ dependencies: {} }, { environment: 'prod' })).message).toBe(
        `environment: must be one of the configured environments (none), got "prod"`,
      );
    });

    it('every environment is checked, not only the one loaded', () => {
      const bad = {
        ...config,
        environments: { ...config.environments, staging: { dependencies: { user_db: { timeout: -1 } } } },
      };
      expect(configError(() => load(bad, { environment: 'production' })).message).toBe(
        `environments.staging.dependencies.user_db.timeout: must be ${DURATION}, got -1`,
      );
      expect(() => load(bad)).toThrow(ResilienceConfigError);
    });
  });

  describe('errors name the path, the rule and the value', () => {
    const db = { type: 'database' };
    const dep = (options: object) => ({ dependencies: { user_db: options } });
    const breaker = (options: unknown) => dep({ type: 'database', circuitBreaker: options });
    const trip = (options: unknown) => breaker({ trip: options });
    const retry = (options: unknown) => dep({ type: 'database', retry: options });
    const env = (section: unknown) => ({ dependencies: { user_db: db }, environments: { prod: section } });

    const cases: Array<[config: unknown, message: string]> = [
      // top level
      [null, 'config: must be an object, got null'],
      ['{}', 'config: must be an object, got "{}"'],
      [[], 'config: must be an object, got an array'],
      [new Map(), 'config: must be a plain object, got a Map'],
      [{}, 'dependencies: must be an object, got undefined'],
      [{ dependencies: [] }, 'dependencies: must be an object, got an array'],
      [
        { dependencies: {}, dependency: {} },
        'dependency: is not a known key (known: defaults, dependencies, environments)',
      ],
      [{ dependencies: { '': db } }, 'dependencies: must be an object whose keys are non-empty names, got an object'],
      [{ dependencies: { user_db: 5 } }, 'dependencies.user_db: must be an object, got 5'],
      [
        { dependencies: { user_db: Object.create({ type: 'database' }) } },
        'dependencies.user_db: must be a plain object, got an object',
      ],
      // paths quote keys that are not plain words
      [{ dependencies: { 'user.db': { timeout: 0 } } }, `dependencies["user.db"].timeout: must be ${DURATION}, got 0`],
      [{ dependencies: { 'user-db': { timeout: 0 } } }, `dependencies.user-db.timeout: must be ${DURATION}, got 0`],
      [
        { dependencies: { 'my db': { type: 'redis' } } },
        `dependencies["my db"].type: must be one of 'database', 'externalApi', 'cache', 'messageQueue', 'fileSystem', got "redis"`,
      ],
      // defaults
      [{ defaults: 'x', dependencies: {} }, 'defaults: must be an object, got "x"'],
      [
        { defaults: { type: 'database' }, dependencies: {} },
        `defaults.type: is not a known key (known: ${KNOWN_DEFAULTS_KEYS})`,
      ],
      [{ defaults: { timeout: 0 }, dependencies: {} }, `defaults.timeout: must be ${DURATION}, got 0`],
      [
        { defaults: { maxConcurrent: 1.5 }, dependencies: {} },
        'defaults.maxConcurrent: must be an integer >= 1, got 1.5',
      ],
      [
        { defaults: { circuitBreaker: { resetTimeout: -1 } }, dependencies: {} },
        `defaults.circuitBreaker.resetTimeout: must be ${DURATION0}, got -1`,
      ],
      [
        { defaults: { retry: { factor: 0 } }, dependencies: {} },
        'defaults.retry.factor: must be a finite number >= 1, got 0',
      ],
      // a dependency
      [dep({ timeout: '10s' }), `dependencies.user_db.timeout: must be ${DURATION}, got "10s"`],
      [
        dep({ timeout: 2147483648 }),
        `dependencies.user_db.timeout: must be a finite number <= 2147483647 (the longest a timer can wait), got 2147483648`,
      ],
      [dep({ timeout: Infinity }), `dependencies.user_db.timeout: must be ${DURATION}, got Infinity`],
      [dep({ timeout: NaN }), `dependencies.user_db.timeout: must be ${DURATION}, got NaN`],
      [dep({ timeout: null }), `dependencies.user_db.timeout: must be ${DURATION}, got null`],
      [dep({ maxConcurrent: 0 }), 'dependencies.user_db.maxConcurrent: must be an integer >= 1, got 0'],
      [dep({ maxConcurrent: '10' }), 'dependencies.user_db.maxConcurrent: must be an integer >= 1, got "10"'],
      [dep({ maxQueue: -1 }), 'dependencies.user_db.maxQueue: must be an integer >= 0, got -1'],
      [dep({ maxQueue: 0.5 }), 'dependencies.user_db.maxQueue: must be an integer >= 0, got 0.5'],
      [dep({ queueTimeout: 0 }), `dependencies.user_db.queueTimeout: must be ${DURATION}, got 0`],
      [
        dep({ type: 'redis' }),
        `dependencies.user_db.type: must be one of 'database', 'externalApi', 'cache', 'messageQueue', 'fileSystem', got "redis"`,
      ],
      [
        dep({ type: 'database', timeoutMs: 5 }),
        `dependencies.user_db.timeoutMs: is not a known key (known: ${KNOWN_DEPENDENCY_KEYS})`,
      ],
      [
        dep({ type: 'database', name: 'x' }),
        `dependencies.user_db.name: is not a known key (known: ${KNOWN_DEPENDENCY_KEYS})`,
      ],
      // circuitBreaker
      [breaker(true), 'dependencies.user_db.circuitBreaker: must be an object, got true'],
      [breaker(null), 'dependencies.user_db.circuitBreaker: must be an object, got null'],
      [breaker([]), 'dependencies.user_db.circuitBreaker: must be an object, got an array'],
      [breaker({ resetTimeout: -1 }), `dependencies.user_db.circuitBreaker.resetTimeout: must be ${DURATION0}, got -1`],
      [
        breaker({ resetTimeout: '1m' }),
        `dependencies.user_db.circuitBreaker.resetTimeout: must be ${DURATION0}, got "1m"`,
      ],
      [
        breaker({ successThreshold: 0 }),
        'dependencies.user_db.circuitBreaker.successThreshold: must be an integer >= 1, got 0',
      ],
      [
        breaker({ halfOpenMaxCalls: 1.5 }),
        'dependencies.user_db.circuitBreaker.halfOpenMaxCalls: must be an integer >= 1, got 1.5',
      ],
      [
        breaker({ halfOpenTimeout: 0 }),
        `dependencies.user_db.circuitBreaker.halfOpenTimeout: must be ${DURATION}, got 0`,
      ],
      [
        breaker({ slowCallDuration: '1s' }),
        `dependencies.user_db.circuitBreaker.slowCallDuration: must be ${DURATION}, got "1s"`,
      ],
      [
        breaker({ isFailure: 'all' }),
        `dependencies.user_db.circuitBreaker.isFailure: is not a known key (known: ${KNOWN_BREAKER_KEYS})`,
      ],
      [
        breaker({ name: 'x' }),
        `dependencies.user_db.circuitBreaker.name: is not a known key (known: ${KNOWN_BREAKER_KEYS})`,
      ],
      // circuitBreaker.trip
      [trip(3), 'dependencies.user_db.circuitBreaker.trip: must be an object, got 3'],
      [
        trip({}),
        `dependencies.user_db.circuitBreaker.trip.kind: must be one of 'consecutiveFailures', 'failuresInWindow', 'failureRate', got undefined`,
      ],
      [
        trip({ kind: 'slidingWindow' }),
        `dependencies.user_db.circuitBreaker.trip.kind: must be one of 'consecutiveFailures', 'failuresInWindow', 'failureRate', got "slidingWindow"`,
      ],
      [
        trip({ kind: 'consecutiveFailures' }),
        'dependencies.user_db.circuitBreaker.trip.threshold: must be an integer >= 1, got undefined',
      ],
      [
        trip({ kind: 'consecutiveFailures', threshold: 0 }),
        'dependencies.user_db.circuitBreaker.trip.threshold: must be an integer >= 1, got 0',
      ],
      [
        trip({ kind: 'consecutiveFailures', threshold: 3, window: 10 }),
        'dependencies.user_db.circuitBreaker.trip.window: is not a known key (known: kind, threshold)',
      ],
      [
        trip({ kind: 'failuresInWindow', threshold: 3 }),
        `dependencies.user_db.circuitBreaker.trip.window: must be ${DURATION}, got undefined`,
      ],
      [
        trip({ kind: 'failuresInWindow', threshold: 2.5, window: 10 }),
        'dependencies.user_db.circuitBreaker.trip.threshold: must be an integer >= 1, got 2.5',
      ],
      [
        trip({ kind: 'failuresInWindow', threshold: 3, window: 10, buckets: 2 }),
        'dependencies.user_db.circuitBreaker.trip.buckets: is not a known key (known: kind, threshold, window)',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0, window: { calls: 10 } }),
        'dependencies.user_db.circuitBreaker.trip.threshold: must be a number > 0 and <= 1, got 0',
      ],
      [
        trip({ kind: 'failureRate', threshold: 1.5, window: { calls: 10 } }),
        'dependencies.user_db.circuitBreaker.trip.threshold: must be a number > 0 and <= 1, got 1.5',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5 }),
        'dependencies.user_db.circuitBreaker.trip.window: must be an object, got undefined',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5, window: { calls: 0 } }),
        'dependencies.user_db.circuitBreaker.trip.window.calls: must be an integer >= 1, got 0',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5, window: { calls: 10, duration: 5 } }),
        'dependencies.user_db.circuitBreaker.trip.window.duration: is not a known key (known: calls)',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5, window: {} }),
        `dependencies.user_db.circuitBreaker.trip.window.duration: must be ${DURATION}, got undefined`,
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5, window: { duration: 1000, buckets: 0 } }),
        'dependencies.user_db.circuitBreaker.trip.window.buckets: must be an integer >= 1, got 0',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5, window: { duration: 1000, size: 1 } }),
        'dependencies.user_db.circuitBreaker.trip.window.size: is not a known key (known: duration, buckets)',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5, minimumCalls: 0, window: { calls: 10 } }),
        'dependencies.user_db.circuitBreaker.trip.minimumCalls: must be an integer >= 1, got 0',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5, minimumCalls: 20, window: { calls: 10 } }),
        'dependencies.user_db.circuitBreaker.trip.minimumCalls: must be an integer >= 1 and <= window.calls (10), got 20',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5, window: { calls: 5 } }),
        'dependencies.user_db.circuitBreaker.trip.minimumCalls: must be an integer >= 1 and <= window.calls (5); it defaults to 10, got undefined',
      ],
      [
        trip({ kind: 'failureRate', threshold: 0.5, window: { calls: 5 }, rate: 1 }),
        'dependencies.user_db.circuitBreaker.trip.rate: is not a known key (known: kind, threshold, minimumCalls, window)',
      ],
      // retry
      [retry('3'), 'dependencies.user_db.retry: must be an object, got "3"'],
      [retry({ maxRetries: -1 }), 'dependencies.user_db.retry.maxRetries: must be an integer >= 0, got -1'],
      [retry({ maxRetries: 1.5 }), 'dependencies.user_db.retry.maxRetries: must be an integer >= 0, got 1.5'],
      [retry({ initialDelay: -5 }), `dependencies.user_db.retry.initialDelay: must be ${DURATION0}, got -5`],
      [retry({ maxDelay: 'x' }), `dependencies.user_db.retry.maxDelay: must be ${DURATION0}, got "x"`],
      [
        retry({ backoff: 'fibonacci' }),
        `dependencies.user_db.retry.backoff: must be one of 'exponential', 'linear', 'constant', got "fibonacci"`,
      ],
      [retry({ factor: 0.5 }), 'dependencies.user_db.retry.factor: must be a finite number >= 1, got 0.5'],
      [
        retry({ jitter: 'some' }),
        `dependencies.user_db.retry.jitter: must be one of 'none', 'full', 'equal', 'decorrelated', got "some"`,
      ],
      [retry({ resetOnSuccess: 'yes' }), 'dependencies.user_db.retry.resetOnSuccess: must be a boolean, got "yes"'],
      [
        retry({ shouldRetry: 'all' }),
        `dependencies.user_db.retry.shouldRetry: is not a known key (known: ${KNOWN_RETRY_KEYS})`,
      ],
      [
        retry({ initialDelay: 500, maxDelay: 100 }),
        'dependencies.user_db.retry.maxDelay: must be a finite number >= retry.initialDelay (500), got 100',
      ],
      [
        retry({ maxDelay: 500 }),
        'dependencies.user_db.retry.maxDelay: must be a finite number >= retry.initialDelay (1000), got 500',
      ],
      [
        retry({ initialDelay: 40000 }),
        'dependencies.user_db.retry.maxDelay: must be a finite number >= retry.initialDelay (40000), got 30000',
      ],
      [
        {
          defaults: { retry: { initialDelay: 5000 } },
          dependencies: { user_db: { type: 'database', retry: { maxDelay: 2000 } } },
        },
        'dependencies.user_db.retry.maxDelay: must be a finite number >= retry.initialDelay (5000), got 2000',
      ],
      // environments
      [{ dependencies: {}, environments: [] }, 'environments: must be an object, got an array'],
      [env(1), 'environments.prod: must be an object, got 1'],
      [env({ dependency: {} }), 'environments.prod.dependency: is not a known key (known: defaults, dependencies)'],
      [
        env({ defaults: { type: 'cache' } }),
        `environments.prod.defaults.type: is not a known key (known: ${KNOWN_DEFAULTS_KEYS})`,
      ],
      [
        env({ defaults: { maxQueue: 'many' } }),
        'environments.prod.defaults.maxQueue: must be an integer >= 0, got "many"',
      ],
      [env({ dependencies: 'x' }), 'environments.prod.dependencies: must be an object, got "x"'],
      [
        env({ dependencies: { user_db: { timeout: '10s' } } }),
        `environments.prod.dependencies.user_db.timeout: must be ${DURATION}, got "10s"`,
      ],
      [
        env({ dependencies: { user_db: { circuitBreaker: { trip: { kind: 'x' } } } } }),
        `environments.prod.dependencies.user_db.circuitBreaker.trip.kind: must be one of 'consecutiveFailures', 'failuresInWindow', 'failureRate', got "x"`,
      ],
      [
        env({ dependencies: { user_db: { retry: { jitter: true } } } }),
        `environments.prod.dependencies.user_db.retry.jitter: must be one of 'none', 'full', 'equal', 'decorrelated', got true`,
      ],
      // missing required options
      [
        dep({}),
        'dependencies.user_db.maxConcurrent: must be given (by the dependency, its type or defaults), got undefined',
      ],
      [
        dep({ maxConcurrent: 1 }),
        'dependencies.user_db.timeout: must be given (by the dependency, its type or defaults), got undefined',
      ],
      [
        dep({ maxConcurrent: 1, timeout: 100 }),
        'dependencies.user_db.circuitBreaker: must be given (breaker options or false; by the dependency, its type or defaults), got undefined',
      ],
      [
        { defaults: { maxConcurrent: 1, circuitBreaker: false }, dependencies: { user_db: {} } },
        'dependencies.user_db.timeout: must be given (by the dependency, its type or defaults), got undefined',
      ],
    ];

    it.each(cases.map(([config, message]) => [message, config] as const))('%s', (message, config) => {
      const error = configError(() => load(config));
      expect(error.message).toBe(message);
      expect(error.name).toBe('ResilienceConfigError');
      expect(error.place).toBe('loadResilienceConfig');
      expect(error.option).toBe(message.slice(0, message.indexOf(':')));
    });

    it('the error keeps the rule and the bad value', () => {
      const error = configError(() => load(dep({ timeout: '10s' })));
      expect(error).toMatchObject({ option: 'dependencies.user_db.timeout', rule: DURATION, value: '10s' });
    });

    it('a dependency an environment adds is named by its place in the environment when incomplete', () => {
      const config = { dependencies: {}, environments: { prod: { dependencies: { audit: { maxConcurrent: 1 } } } } };
      expect(configError(() => load(config, { environment: 'prod' })).message).toBe(
        'environments.prod.dependencies.audit.timeout: must be given (by the dependency, its type or defaults), got undefined',
      );
    });

    it('the retry delays are checked after every merge: valid together is valid, invalid together is an error', () => {
      // maxDelay 500 alone is below the default initialDelay, but defaults give initialDelay 100.
      expect(
        load({
          defaults: { retry: { initialDelay: 100 } },
          dependencies: { user_db: { type: 'database', retry: { maxDelay: 500 } } },
        }),
      ).toBeInstanceOf(ResilienceRegistry);
      const config = {
        dependencies: { user_db: { type: 'database', retry: { maxDelay: 1000 } } },
        environments: { prod: { defaults: { retry: { initialDelay: 2000 } } } },
      };
      expect(load(config)).toBeInstanceOf(ResilienceRegistry);
      expect(configError(() => load(config, { environment: 'prod' })).message).toBe(
        'dependencies.user_db.retry.maxDelay: must be a finite number >= retry.initialDelay (2000), got 1000',
      );
    });

    it('bad options of loadResilienceConfig itself', () => {
      expect(configError(() => loadResilienceConfig({ dependencies: {} }, { environment: 1 as never })).message).toBe(
        'loadResilienceConfig: environment must be a string, got 1',
      );
      expect(configError(() => loadResilienceConfig({ dependencies: {} }, { env: 'prod' } as never)).message).toBe(
        'loadResilienceConfig: env is not a known option (known: environment, scheduler)',
      );
      expect(configError(() => loadResilienceConfig({ dependencies: {} }, { scheduler: {} as never })).message).toBe(
        'loadResilienceConfig: scheduler must be a SchedulerLike (an object with now() and schedule()), got an object',
      );
      expect(configError(() => loadResilienceConfig({ dependencies: {} }, null as never)).message).toBe(
        'loadResilienceConfig: options must be an object, got null',
      );
    });
  });

  describe('untrusted JSON', () => {
    // Each template puts the key K at one level of the config; the path names it there.
    const places: Array<[json: string, path: string]> = [
      ['{"K": {"polluted": true}, "dependencies": {}}', 'K'],
      ['{"defaults": {"K": {"polluted": true}}, "dependencies": {}}', 'defaults.K'],
      ['{"defaults": {"circuitBreaker": {"K": {"polluted": true}}}, "dependencies": {}}', 'defaults.circuitBreaker.K'],
      ['{"dependencies": {"K": {"type": "database"}}}', 'dependencies.K'],
      ['{"dependencies": {"db": {"type": "database", "K": {"timeout": 1, "polluted": true}}}}', 'dependencies.db.K'],
      [
        '{"dependencies": {"db": {"type": "database", "circuitBreaker": {"K": {"polluted": true}}}}}',
        'dependencies.db.circuitBreaker.K',
      ],
      [
        '{"dependencies": {"db": {"type": "database", "circuitBreaker": {"trip": {"kind": "consecutiveFailures", "threshold": 1, "K": {"polluted": true}}}}}}',
        'dependencies.db.circuitBreaker.trip.K',
      ],
      [
        '{"dependencies": {"db": {"type": "database", "circuitBreaker": {"trip": {"kind": "failureRate", "threshold": 1, "window": {"calls": 10, "K": {"polluted": true}}}}}}}',
        'dependencies.db.circuitBreaker.trip.window.K',
      ],
      ['{"dependencies": {"db": {"type": "database", "retry": {"K": {"polluted": true}}}}}', 'dependencies.db.retry.K'],
      ['{"dependencies": {}, "environments": {"K": {"defaults": {"polluted": true}}}}', 'environments.K'],
      ['{"dependencies": {}, "environments": {"prod": {"K": {"polluted": true}}}}', 'environments.prod.K'],
      [
        '{"dependencies": {}, "environments": {"prod": {"defaults": {"K": {"polluted": true}}}}}',
        'environments.prod.defaults.K',
      ],
      [
        '{"dependencies": {}, "environments": {"prod": {"dependencies": {"K": {"type": "cache"}}}}}',
        'environments.prod.dependencies.K',
      ],
      [
        '{"dependencies": {}, "environments": {"prod": {"dependencies": {"db": {"K": {"polluted": true}}}}}}',
        'environments.prod.dependencies.db.K',
      ],
      [
        '{"dependencies": {}, "environments": {"prod": {"dependencies": {"db": {"circuitBreaker": {"K": {"polluted": true}}}}}}}',
        'environments.prod.dependencies.db.circuitBreaker.K',
      ],
    ];
    const cases = ['__proto__', 'constructor', 'prototype'].flatMap((key) =>
      places.map(([json, path]) => [path.replace('K', key), json.replace('"K"', JSON.stringify(key))] as const),
    );

    it.each(cases)('%s: is a forbidden key', (path, json) => {
      const config = JSON.parse(json);
      for (const environment of [undefined, 'prod']) {
        const error = configError(() => load(config, environment === undefined ? {} : { environment }));
        expect(error.message).toBe(`${path}: is a forbidden key`);
        expect(error.option).toBe(path);
      }
      expectNoPollution();
    });

    it('a `__proto__` key written in a JS object literal (which sets the prototype) is refused too', () => {
      const config = { dependencies: { db: { __proto__: { type: 'database' } } } };
      expect(configError(() => load(config)).message).toBe('dependencies.db: must be a plain object, got an object');
      expectNoPollution();
    });

    it('never reads inherited properties', () => {
      expect(configError(() => load(Object.create({ dependencies: {} }))).message).toBe(
        'config: must be a plain object, got an object',
      );
    });

    it('property: any JSON value → a registry or a ResilienceConfigError, and no prototype is changed', () => {
      fc.assert(
        fc.property(
          fc.json({ maxDepth: 6 }),
          fc.option(fc.constantFrom('prod', 'dev', '__proto__')),
          (text, environment) => {
            expectLoadsOrRefuses(JSON.parse(text), environment ?? undefined);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('property: anything at all (class instances, null prototypes, symbols, functions…) → a registry or a ResilienceConfigError', () => {
      fc.assert(
        fc.property(
          fc.anything({
            withNullPrototype: true,
            withMap: true,
            withSet: true,
            withDate: true,
            withTypedArray: true,
            withBoxedValues: true,
            withObjectString: true,
          }),
          (value) => {
            expectLoadsOrRefuses(value, undefined);
            expectLoadsOrRefuses({ dependencies: { db: value } }, undefined);
            expectLoadsOrRefuses({ dependencies: { db: { type: 'database', circuitBreaker: value } } }, undefined);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('property: near-valid configs with hostile keys and values → a registry holding every dependency, or a ResilienceConfigError', () => {
      // Each option is a valid value, a random JSON value, or a forbidden or unknown key.
      const hostileKey = fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'polluted',
        'toString',
        'hasOwnProperty',
      );
      const anyJson = fc.jsonValue({ maxDepth: 3 });
      const withHostile = (valid: fc.Arbitrary<Record<string, unknown>>) =>
        fc
          .tuple(valid, fc.tuple(hostileKey, anyJson), fc.nat(29))
          .map(([o, extra, dice]) => (dice === 0 ? Object.fromEntries([...Object.entries(o), extra]) : o));
      const maybe = <T>(valid: fc.Arbitrary<T>) =>
        fc.oneof({ weight: 50, arbitrary: valid }, { weight: 1, arbitrary: anyJson });
      const trip = fc.oneof(
        fc.record({ kind: fc.constant('consecutiveFailures'), threshold: maybe(fc.integer({ min: 1, max: 5 })) }),
        fc.record({
          kind: fc.constant('failuresInWindow'),
          threshold: maybe(fc.integer({ min: 1, max: 5 })),
          window: maybe(fc.integer({ min: 1, max: 1e5 })),
        }),
        fc.record(
          {
            kind: fc.constant('failureRate'),
            threshold: maybe(fc.double({ min: 0.01, max: 1, noNaN: true })),
            minimumCalls: maybe(fc.integer({ min: 1, max: 20 })),
            window: maybe(
              fc.oneof(
                fc.record({ calls: fc.integer({ min: 1, max: 30 }) }),
                fc.record(
                  { duration: fc.integer({ min: 1, max: 1e5 }), buckets: fc.integer({ min: 1, max: 10 }) },
                  { requiredKeys: ['duration'] },
                ),
              ),
            ),
          },
          { requiredKeys: ['kind', 'threshold', 'window'] },
        ),
      );
      const breaker = fc.oneof(
        fc.constant(false),
        withHostile(
          fc.record(
            {
              trip: maybe(trip),
              resetTimeout: maybe(fc.integer({ min: 0, max: 1e6 })),
              successThreshold: maybe(fc.integer({ min: 1, max: 5 })),
              halfOpenTimeout: maybe(fc.integer({ min: 1, max: 1e6 })),
            },
            { requiredKeys: [] },
          ),
        ),
      );
      const retry = withHostile(
        fc.record(
          {
            maxRetries: maybe(fc.integer({ min: 0, max: 5 })),
            initialDelay: maybe(fc.integer({ min: 0, max: 2000 })),
            maxDelay: maybe(fc.integer({ min: 0, max: 50000 })),
            backoff: maybe(fc.constantFrom('exponential', 'linear', 'constant')),
          },
          { requiredKeys: [] },
        ),
      );
      const options = (withType: boolean) =>
        withHostile(
          fc.record(
            {
              ...(withType
                ? { type: maybe(fc.constantFrom('database', 'externalApi', 'cache', 'messageQueue', 'fileSystem')) }
                : {}),
              maxConcurrent: maybe(fc.integer({ min: 1, max: 100 })),
              maxQueue: maybe(fc.integer({ min: 0, max: 100 })),
              timeout: maybe(fc.integer({ min: 1, max: 1e6 })),
              circuitBreaker: maybe(breaker),
              retry: maybe(retry),
            },
            { requiredKeys: [] },
          ),
        );
      const name = fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom('db', 'api', 'cache', 'user.db') },
        { weight: 1, arbitrary: fc.oneof(hostileKey, fc.constant('')) },
      );
      const dependencies = fc.dictionary(name, options(true), { maxKeys: 3 });
      const config = withHostile(
        fc.record(
          {
            defaults: options(false),
            dependencies,
            environments: fc.dictionary(
              fc.oneof({ weight: 20, arbitrary: fc.constant('prod') }, { weight: 1, arbitrary: hostileKey }),
              withHostile(fc.record({ defaults: options(false), dependencies }, { requiredKeys: [] })),
              { maxKeys: 2 },
            ),
          },
          { requiredKeys: ['dependencies'] },
        ),
      );
      let loaded = 0;
      let refused = 0;
      fc.assert(
        fc.property(config, fc.constantFrom(undefined, undefined, 'prod'), (c, environment) => {
          // Through JSON, as untrusted input arrives: `__proto__` keys become own properties.
          const parsed = JSON.parse(JSON.stringify(c));
          const registry = expectLoadsOrRefuses(parsed, environment ?? undefined);
          if (!registry) refused++;
          if (registry) {
            loaded++;
            const added = environment ? (parsed.environments[environment].dependencies ?? {}) : {};
            const names = new Set([...Object.keys(parsed.dependencies), ...Object.keys(added)]);
            expect(
              registry
                .list('dependency')
                .map((d) => d.name)
                .sort(),
            ).toEqual([...names].sort());
          }
        }),
        { numRuns: 500 },
      );
      // the generator reaches both valid configs and errors
      expect(loaded).toBeGreaterThan(50);
      expect(refused).toBeGreaterThan(50);
    });
  });

  describe('the registry’s timeout precedence in protect(): protect argument > dependency > preset type > registry default', () => {
    const config = {
      defaults: { timeout: 50, maxConcurrent: 1, circuitBreaker: false },
      dependencies: {
        from_defaults: {},
        from_type: { type: 'cache' },
        own: { type: 'cache', timeout: 300 },
      },
    };
    const timedOut = (operation: string, ms: number) => new OperationTimeoutError(operation, 'total', ms);

    it('the registry default when the dependency has no type or timeout of its own', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const registry = loadResilienceConfig(config);
        const source = cold('-');
        expectObservable(source.pipe(registry.get('dependency', 'from_defaults')!.protect())).toBe(
          '50ms #',
          undefined,
          timedOut('from_defaults', 50),
        );
        expectSubscriptions(source.subscriptions).toBe('^ 49ms !');
      });
    });

    it('the preset type’s over the registry default', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const registry = loadResilienceConfig(config);
        expectObservable(cold('-').pipe(registry.get('dependency', 'from_type')!.protect())).toBe(
          '2s #',
          undefined,
          expect.any(OperationTimeoutError),
        );
        expectObservable(cold('-').pipe(registry.get('dependency', 'from_type')!.protect())).toBe(
          '2s #',
          undefined,
          timedOut('from_type', 2000),
        );
      });
    });

    it('the dependency’s own over its preset type (with the TestScheduler passed as the scheduler option)', () => {
      const testScheduler = createScheduler();
      testScheduler.run(({ cold, expectObservable }) => {
        const registry = loadResilienceConfig(config, { scheduler: testScheduler });
        expectObservable(cold('-').pipe(registry.get('dependency', 'own')!.protect())).toBe(
          '300ms #',
          undefined,
          timedOut('own', 300),
        );
        // a call that completes in time passes through
        expectObservable(cold('--a|').pipe(registry.get('dependency', 'own')!.protect())).toBe('--a|');
      });
    });

    it('the protect() argument over everything', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const registry = loadResilienceConfig(config);
        const own = registry.get('dependency', 'own')!;
        expectObservable(cold('-').pipe(own.protect({ timeout: 20 }))).toBe('20ms #', undefined, timedOut('own', 20));
        expectObservable(cold('-').pipe(own.protect({ timeout: 20, name: 'lookup' }))).toBe(
          '20ms #',
          undefined,
          timedOut('lookup', 20),
        );
        expectObservable(cold('-').pipe(registry.get('dependency', 'from_defaults')!.protect({ timeout: 500 }))).toBe(
          '500ms #',
          undefined,
          timedOut('from_defaults', 500),
        );
      });
    });

    it('an environment’s timeout replaces the base one in protect()', () => {
      createScheduler().run(({ cold, expectObservable }) => {
        const registry = loadResilienceConfig(
          { ...config, environments: { prod: { dependencies: { own: { timeout: 70 } } } } },
          { environment: 'prod' },
        );
        expectObservable(cold('-').pipe(registry.get('dependency', 'own')!.protect())).toBe(
          '70ms #',
          undefined,
          timedOut('own', 70),
        );
      });
    });

    it('the configured retry retries each call with its own timeout, and the registry counts it', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const registry = loadResilienceConfig({
          dependencies: {
            api: {
              maxConcurrent: 1,
              timeout: 5,
              circuitBreaker: false,
              retry: { maxRetries: 2, initialDelay: 10, backoff: 'constant' },
            },
          },
        });
        const source = cold('-');
        expectObservable(source.pipe(registry.get('dependency', 'api')!.protect())).toBe(
          '35ms #',
          undefined,
          timedOut('api', 5),
        );
        expectSubscriptions(source.subscriptions).toBe(['^ 4ms !', '15ms ^ 4ms !', '30ms ^ 4ms !']);
        flush();
        expect(registry.snapshot().counters).toEqual({ retries: { api: 2 }, timeouts: { api: 3 }, fallbacks: {} });
      });
    });

    it('the configured breaker is in protect(): externalApi opens after 3 failures and then fails fast', () => {
      createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const registry = loadResilienceConfig({ dependencies: { api: { type: 'externalApi' } } });
        const api = registry.get('dependency', 'api')!;
        const source = cold('-#');
        for (let i = 0; i < 3; i++) expectObservable(source.pipe(api.protect())).toBe('-#');
        const later = cold('-a|');
        // subscribed at frame 2, after the third failure opened the breaker: rejected without subscribing
        expectObservable(later.pipe(api.protect()), '--^').toBe('--#', undefined, expect.any(CircuitOpenError));
        expectSubscriptions(source.subscriptions).toBe(['^!', '^!', '^!']);
        expectSubscriptions(later.subscriptions).toBe([]);
      });
    });
  });
});

/** `loadResilienceConfig(value)` returns a registry or throws a ResilienceConfigError, and pollutes nothing. */
function expectLoadsOrRefuses(value: unknown, environment: string | undefined): ResilienceRegistry | undefined {
  let result: ResilienceRegistry | undefined;
  try {
    result = loadResilienceConfig(value, {
      scheduler: new VirtualTimeScheduler(),
      ...(environment !== undefined ? { environment } : {}),
    });
    expect(result).toBeInstanceOf(ResilienceRegistry);
  } catch (error) {
    if (!(error instanceof ResilienceConfigError)) throw error;
    // `<path>: …`, the path being the error's option
    expect(error.message.startsWith(`${error.option}: `)).toBe(true);
  }
  expectNoPollution();
  return result;
}
