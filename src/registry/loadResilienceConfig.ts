import type { SchedulerLike } from 'rxjs';
import { consecutiveFailures } from '../breaker/consecutiveFailures';
import { failureRate } from '../breaker/failureRate';
import { failuresInWindow } from '../breaker/failuresInWindow';
import type { TripPolicy } from '../breaker/types';
import { formatValue, ResilienceConfigError } from '../errors/ResilienceConfigError';
import { MAX_TIMER_DELAY, OptionChecker } from '../internal/validate';
import { presetNames, presets } from './presets';
import type { DependencyOptions, PresetName } from './presets';
import { ResilienceRegistry } from './ResilienceRegistry';
import type { DependencyConfig } from './ResilienceRegistry';

/** A trip policy in JSON: the policy's `kind` and its fields. */
export type TripConfig =
  | { kind: 'consecutiveFailures'; threshold: number }
  | { kind: 'failuresInWindow'; threshold: number; window: number }
  | {
      kind: 'failureRate';
      threshold: number;
      minimumCalls?: number;
      window: { calls: number } | { duration: number; buckets?: number };
    };

/** Circuit breaker options in JSON (no functions): `trip` as a {@link TripConfig}. */
export interface CircuitBreakerConfig {
  trip?: TripConfig;
  resetTimeout?: number;
  successThreshold?: number;
  halfOpenMaxCalls?: number;
  halfOpenTimeout?: number;
  slowCallDuration?: number;
}

/** Retry options in JSON (no functions). */
export interface RetryConfig {
  maxRetries?: number;
  initialDelay?: number;
  maxDelay?: number;
  backoff?: 'exponential' | 'linear' | 'constant';
  factor?: number;
  jitter?: 'none' | 'full' | 'equal' | 'decorrelated';
  resetOnSuccess?: boolean;
}

/** One dependency's options in JSON. */
export interface DependencyConfigJSON {
  type?: DependencyConfig['type'];
  maxConcurrent?: number;
  maxQueue?: number;
  queueTimeout?: number;
  timeout?: number;
  circuitBreaker?: CircuitBreakerConfig | false;
  retry?: RetryConfig;
}

/** The configuration `loadResilienceConfig` reads: plain, JSON-shaped data. */
export interface ResilienceConfig {
  /** Options every dependency starts from; they rank below a dependency's preset `type`. */
  defaults?: DependencyConfigJSON;
  dependencies: Record<string, DependencyConfigJSON>;
  /** Per environment, `defaults` and `dependencies` merged over the base ones. */
  environments?: Record<
    string,
    { defaults?: DependencyConfigJSON; dependencies?: Record<string, DependencyConfigJSON> }
  >;
}

/** Options of {@link loadResilienceConfig}. */
export interface LoadResilienceConfigOptions {
  /** The environment whose overrides are merged over the base; an unknown one is an error. */
  environment?: string;
  /** The scheduler of the registry and everything it creates. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
/** `failureRate`'s default `minimumCalls`, and `retryWithBackoff`'s default delays. */
const DEFAULT_MINIMUM_CALLS = 10;
const DEFAULT_INITIAL_DELAY = 1000;
const DEFAULT_MAX_DELAY = 30000;
const DEPENDENCY_KEYS = ['type', 'maxConcurrent', 'maxQueue', 'queueTimeout', 'timeout', 'circuitBreaker', 'retry'];
const BREAKER_KEYS = [
  'trip',
  'resetTimeout',
  'successThreshold',
  'halfOpenMaxCalls',
  'halfOpenTimeout',
  'slowCallDuration',
];
const RETRY_KEYS = ['maxRetries', 'initialDelay', 'maxDelay', 'backoff', 'factor', 'jitter', 'resetOnSuccess'];

function fail(path: string, rule: string, value: unknown): never {
  throw new ResilienceConfigError(
    'loadResilienceConfig',
    path,
    rule,
    value,
    `${path}: must be ${rule}, got ${formatValue(value)}`,
  );
}

/**
 * `path.key`; a key that is not a plain word (letters, digits, `_`, `$`, `-`) is written
 * `path["key"]`, so every path reads back unambiguously (`dependencies["user.db"].timeout`).
 */
const join = (path: string, key: string) =>
  /^[\w$-]+$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;

/**
 * A plain object whose keys are all allowed: never `__proto__`, `constructor` or `prototype` (so
 * untrusted JSON cannot reach an object's prototype), and, when `known` is given, only those.
 */
function record(path: string, value: unknown, known?: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path || 'config', 'an object', value);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) fail(path || 'config', 'a plain object', value);
  for (const key of Object.keys(value)) {
    if (FORBIDDEN.has(key)) {
      throw new ResilienceConfigError(
        'loadResilienceConfig',
        join(path, key),
        'an allowed key',
        key,
        `${join(path, key)}: is a forbidden key`,
      );
    }
    if (known && !known.includes(key)) {
      throw new ResilienceConfigError(
        'loadResilienceConfig',
        join(path, key),
        'a known key',
        key,
        `${join(path, key)}: is not a known key (known: ${known.join(', ')})`,
      );
    }
  }
  return value as Record<string, unknown>;
}

function num(
  path: string,
  value: unknown,
  rule: 'duration' | 'duration0' | 'int1' | 'int0' | 'ratio' | 'factor',
): number {
  const n = value as number;
  const finite = typeof value === 'number' && Number.isFinite(n);
  switch (rule) {
    case 'duration':
      if (!finite || n <= 0) fail(path, 'a finite number > 0', value);
      if (n > MAX_TIMER_DELAY)
        fail(path, `a finite number <= ${MAX_TIMER_DELAY} (the longest a timer can wait)`, value);
      break;
    case 'duration0':
      if (!finite || n < 0) fail(path, 'a finite number >= 0', value);
      if (n > MAX_TIMER_DELAY)
        fail(path, `a finite number <= ${MAX_TIMER_DELAY} (the longest a timer can wait)`, value);
      break;
    case 'int1':
      if (!Number.isInteger(value) || n < 1) fail(path, 'an integer >= 1', value);
      break;
    case 'int0':
      if (!Number.isInteger(value) || n < 0) fail(path, 'an integer >= 0', value);
      break;
    case 'ratio':
      if (!finite || n <= 0 || n > 1) fail(path, 'a number > 0 and <= 1', value);
      break;
    case 'factor':
      if (!finite || n < 1) fail(path, 'a finite number >= 1', value);
      break;
  }
  return n;
}

function oneOf<C extends string>(path: string, value: unknown, choices: readonly C[]): C {
  if (!choices.includes(value as C)) fail(path, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  return value as C;
}

function optional<V>(o: Record<string, unknown>, key: string, read: (value: unknown) => V): V | undefined {
  return o[key] === undefined ? undefined : read(o[key]);
}

function readTrip(path: string, value: unknown): TripConfig {
  const o = record(path, value);
  const kind = oneOf(join(path, 'kind'), o.kind, ['consecutiveFailures', 'failuresInWindow', 'failureRate'] as const);
  if (kind === 'consecutiveFailures') {
    record(path, o, ['kind', 'threshold']);
    return { kind, threshold: num(join(path, 'threshold'), o.threshold, 'int1') };
  }
  if (kind === 'failuresInWindow') {
    record(path, o, ['kind', 'threshold', 'window']);
    return {
      kind,
      threshold: num(join(path, 'threshold'), o.threshold, 'int1'),
      window: num(join(path, 'window'), o.window, 'duration'),
    };
  }
  record(path, o, ['kind', 'threshold', 'minimumCalls', 'window']);
  const wPath = join(path, 'window');
  const w = record(wPath, o.window);
  let window: { calls: number } | { duration: number; buckets?: number };
  if ('calls' in w) {
    record(wPath, w, ['calls']);
    window = { calls: num(join(wPath, 'calls'), w.calls, 'int1') };
  } else {
    record(wPath, w, ['duration', 'buckets']);
    const duration = num(join(wPath, 'duration'), w.duration, 'duration');
    const buckets = optional(w, 'buckets', (v) => num(join(wPath, 'buckets'), v, 'int1'));
    window = buckets === undefined ? { duration } : { duration, buckets };
  }
  const minimumCalls = optional(o, 'minimumCalls', (v) => num(join(path, 'minimumCalls'), v, 'int1'));
  if ('calls' in window && (minimumCalls ?? DEFAULT_MINIMUM_CALLS) > window.calls) {
    fail(
      join(path, 'minimumCalls'),
      `an integer >= 1 and <= window.calls (${window.calls})${minimumCalls === undefined ? `; it defaults to ${DEFAULT_MINIMUM_CALLS}` : ''}`,
      minimumCalls,
    );
  }
  return {
    kind,
    threshold: num(join(path, 'threshold'), o.threshold, 'ratio'),
    ...(minimumCalls !== undefined ? { minimumCalls } : {}),
    window,
  };
}

function readBreaker(path: string, value: unknown): CircuitBreakerConfig | false {
  if (value === false) return false;
  const o = record(path, value, BREAKER_KEYS);
  const out: CircuitBreakerConfig = {};
  if (o.trip !== undefined) out.trip = readTrip(join(path, 'trip'), o.trip);
  if (o.resetTimeout !== undefined) out.resetTimeout = num(join(path, 'resetTimeout'), o.resetTimeout, 'duration0');
  if (o.successThreshold !== undefined)
    out.successThreshold = num(join(path, 'successThreshold'), o.successThreshold, 'int1');
  if (o.halfOpenMaxCalls !== undefined)
    out.halfOpenMaxCalls = num(join(path, 'halfOpenMaxCalls'), o.halfOpenMaxCalls, 'int1');
  if (o.halfOpenTimeout !== undefined)
    out.halfOpenTimeout = num(join(path, 'halfOpenTimeout'), o.halfOpenTimeout, 'duration');
  if (o.slowCallDuration !== undefined)
    out.slowCallDuration = num(join(path, 'slowCallDuration'), o.slowCallDuration, 'duration');
  return out;
}

function readRetry(path: string, value: unknown): RetryConfig {
  const o = record(path, value, RETRY_KEYS);
  const out: RetryConfig = {};
  if (o.maxRetries !== undefined) out.maxRetries = num(join(path, 'maxRetries'), o.maxRetries, 'int0');
  if (o.initialDelay !== undefined) out.initialDelay = num(join(path, 'initialDelay'), o.initialDelay, 'duration0');
  if (o.maxDelay !== undefined) out.maxDelay = num(join(path, 'maxDelay'), o.maxDelay, 'duration0');
  if (o.backoff !== undefined)
    out.backoff = oneOf(join(path, 'backoff'), o.backoff, ['exponential', 'linear', 'constant'] as const);
  if (o.factor !== undefined) out.factor = num(join(path, 'factor'), o.factor, 'factor');
  if (o.jitter !== undefined)
    out.jitter = oneOf(join(path, 'jitter'), o.jitter, ['none', 'full', 'equal', 'decorrelated'] as const);
  if (o.resetOnSuccess !== undefined) {
    if (typeof o.resetOnSuccess !== 'boolean') fail(join(path, 'resetOnSuccess'), 'a boolean', o.resetOnSuccess);
    out.resetOnSuccess = o.resetOnSuccess;
  }
  return out;
}

function readDependency(path: string, value: unknown, allowType: boolean): DependencyConfigJSON {
  const o = record(path, value, allowType ? DEPENDENCY_KEYS : DEPENDENCY_KEYS.filter((k) => k !== 'type'));
  const out: DependencyConfigJSON = {};
  if (o.type !== undefined) out.type = oneOf(join(path, 'type'), o.type, presetNames);
  if (o.maxConcurrent !== undefined) out.maxConcurrent = num(join(path, 'maxConcurrent'), o.maxConcurrent, 'int1');
  if (o.maxQueue !== undefined) out.maxQueue = num(join(path, 'maxQueue'), o.maxQueue, 'int0');
  if (o.queueTimeout !== undefined) out.queueTimeout = num(join(path, 'queueTimeout'), o.queueTimeout, 'duration');
  if (o.timeout !== undefined) out.timeout = num(join(path, 'timeout'), o.timeout, 'duration');
  if (o.circuitBreaker !== undefined) out.circuitBreaker = readBreaker(join(path, 'circuitBreaker'), o.circuitBreaker);
  if (o.retry !== undefined) out.retry = readRetry(join(path, 'retry'), o.retry);
  return out;
}

function readDependencies(path: string, value: unknown): Map<string, DependencyConfigJSON> {
  const o = record(path, value);
  const out = new Map<string, DependencyConfigJSON>();
  for (const name of Object.keys(o)) {
    if (name.length === 0) fail(path, 'an object whose keys are non-empty names', value);
    out.set(name, readDependency(join(path, name), o[name], true));
  }
  return out;
}

/** `over` merged over `base`: nested breaker and retry options merge key by key; `false` replaces. */
function mergeDependency(base: DependencyConfigJSON | undefined, over: DependencyConfigJSON): DependencyConfigJSON {
  if (!base) return { ...over };
  const merged: DependencyConfigJSON = { ...base, ...over };
  if (base.circuitBreaker && over.circuitBreaker)
    merged.circuitBreaker = { ...base.circuitBreaker, ...over.circuitBreaker };
  if (base.retry && over.retry) merged.retry = { ...base.retry, ...over.retry };
  return merged;
}

function toTripPolicy(trip: TripConfig): TripPolicy {
  switch (trip.kind) {
    case 'consecutiveFailures':
      return consecutiveFailures(trip.threshold);
    case 'failuresInWindow':
      return failuresInWindow({ threshold: trip.threshold, window: trip.window });
    default:
      return failureRate({
        threshold: trip.threshold,
        window: trip.window,
        ...(trip.minimumCalls !== undefined ? { minimumCalls: trip.minimumCalls } : {}),
      });
  }
}

/** JSON options → the options `registry.dependency()` takes (trip policies made from their JSON). */
function toDependencyOptions(json: DependencyConfigJSON): DependencyConfig {
  const { circuitBreaker, ...rest } = json;
  if (circuitBreaker === undefined) return rest as DependencyConfig;
  if (circuitBreaker === false) return { ...rest, circuitBreaker: false } as DependencyConfig;
  const { trip, ...breaker } = circuitBreaker;
  return { ...rest, circuitBreaker: trip ? { ...breaker, trip: toTripPolicy(trip) } : breaker } as DependencyConfig;
}

/**
 * `over` over `base`, as runtime options: each option of `over` wins, except that two breaker
 * option objects (or two retry option objects) merge key by key; `circuitBreaker: false` replaces,
 * and breaker options over `false` replace it.
 */
function layer(base: Partial<DependencyOptions>, over: Partial<DependencyOptions>): Partial<DependencyOptions> {
  const merged = { ...base, ...over };
  if (base.circuitBreaker && over.circuitBreaker)
    merged.circuitBreaker = { ...base.circuitBreaker, ...over.circuitBreaker };
  if (base.retry && over.retry) merged.retry = { ...base.retry, ...over.retry };
  return merged;
}

/**
 * Validates a JSON-shaped configuration, merges the named environment over the base, and returns a
 * ready `ResilienceRegistry` holding each dependency (made by `registry.dependency`).
 *
 * Every unknown key and bad value is a `ResilienceConfigError` naming its path, e.g.
 * `dependencies.user_db.timeout: must be a finite number > 0, got "10s"`. Keys such
 * as `__proto__`, `constructor` and `prototype` are rejected, never merged: it is safe on
 * untrusted JSON. `defaults` ranks below a dependency's preset `type`, which ranks below the
 * dependency's own options; between these layers, and of an environment over the base, breaker
 * and retry options merge key by key (`circuitBreaker: false` replaces, a `trip` is replaced whole).
 * Every environment is validated, and the registry is returned only if every dependency can be made.
 *
 * ## Example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { loadResilienceConfig } from 'rxjs-resilience';
 *
 * const registry = loadResilienceConfig(JSON.parse(readFileSync('resilience.json', 'utf8')), {
 *   environment: process.env.NODE_ENV,
 * });
 * const users = registry.get('dependency', 'user_db')!;
 * console.log(users.options.timeout, users.bulkhead.maxConcurrent);
 * // Output (for a file giving user_db type 'database' and timeout 2000):
 * // 2000 10
 * ```
 */
export function loadResilienceConfig(config: unknown, options?: LoadResilienceConfigOptions): ResilienceRegistry {
  const check = new OptionChecker('loadResilienceConfig');
  check.options(options, ['environment', 'scheduler']);
  const { environment, scheduler } = options ?? {};
  if (scheduler !== undefined) check.scheduler(scheduler);

  const root = record('', config, ['defaults', 'dependencies', 'environments']);
  if (root.dependencies === undefined) fail('dependencies', 'an object', undefined);
  let defaults = root.defaults === undefined ? undefined : readDependency('defaults', root.defaults, false);
  const dependencies = readDependencies('dependencies', root.dependencies);

  const environments = root.environments === undefined ? {} : record('environments', root.environments);
  const envSections = new Map<
    string,
    { defaults?: DependencyConfigJSON; dependencies?: Map<string, DependencyConfigJSON> }
  >();
  for (const env of Object.keys(environments)) {
    const path = join('environments', env);
    const section = record(path, environments[env], ['defaults', 'dependencies']);
    envSections.set(env, {
      ...(section.defaults !== undefined
        ? { defaults: readDependency(join(path, 'defaults'), section.defaults, false) }
        : {}),
      ...(section.dependencies !== undefined
        ? { dependencies: readDependencies(join(path, 'dependencies'), section.dependencies) }
        : {}),
    });
  }

  const origin = new Map<string, string>();
  if (environment !== undefined) {
    if (typeof environment !== 'string') check.fail('environment', 'a string', environment);
    const section = envSections.get(environment);
    if (!section) {
      const known = [...envSections.keys()];
      throw new ResilienceConfigError(
        'loadResilienceConfig',
        'environment',
        'a configured environment',
        environment,
        `environment: must be one of the configured environments (${known.length ? known.map((k) => `'${k}'`).join(', ') : 'none'}), got ${formatValue(environment)}`,
      );
    }
    if (section.defaults) defaults = mergeDependency(defaults, section.defaults);
    for (const [name, over] of section.dependencies ?? []) {
      const base = dependencies.get(name);
      // A dependency the environment adds is named by its place in the environment.
      if (!base) origin.set(name, join(join(join('environments', environment), 'dependencies'), name));
      dependencies.set(name, mergeDependency(base, over));
    }
  }

  // Each dependency's effective options: defaults < preset type < its own options. Every one must
  // end up with what a dependency needs, and options that are only checked together (retry
  // delays) are checked on the result, so that a registry is returned only if every part can be made.
  const registryDefaults = defaults ? (toDependencyOptions(defaults) as Partial<DependencyOptions>) : undefined;
  const effective = new Map<string, { type: PresetName | undefined; options: Partial<DependencyOptions> }>();
  for (const [name, dep] of dependencies) {
    const path = origin.get(name) ?? join('dependencies', name);
    const { type, ...own } = toDependencyOptions(dep);
    const options = layer(layer(registryDefaults ?? {}, type !== undefined ? presets[type] : {}), own);
    for (const key of ['maxConcurrent', 'timeout'] as const) {
      if (options[key] === undefined)
        fail(join(path, key), 'given (by the dependency, its type or defaults)', undefined);
    }
    if (options.circuitBreaker === undefined) {
      fail(
        join(path, 'circuitBreaker'),
        'given (breaker options or false; by the dependency, its type or defaults)',
        undefined,
      );
    }
    if (options.retry) {
      const { initialDelay = DEFAULT_INITIAL_DELAY, maxDelay = DEFAULT_MAX_DELAY } = options.retry;
      if (maxDelay < initialDelay)
        fail(
          join(join(path, 'retry'), 'maxDelay'),
          `a finite number >= retry.initialDelay (${initialDelay})`,
          maxDelay,
        );
    }
    effective.set(name, { type, options });
  }

  const registry = new ResilienceRegistry({
    ...(registryDefaults ? { defaults: registryDefaults } : {}),
    ...(scheduler ? { scheduler } : {}),
  });
  for (const [name, { type, options }] of effective) {
    registry.dependency(name, { ...(type !== undefined ? { type } : {}), ...options });
  }
  return registry;
}
