import { of, throwError, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  Bulkhead,
  bulkhead as bulkheadOperator,
  CircuitBreaker,
  circuitBreaker,
  consecutiveFailures,
  Dependency,
  Drainer,
  fallback,
  HealthTracker,
  OperationTimeoutError,
  presets,
  ResilienceConfigError,
  ResilienceRegistry,
  RetryBudget,
  retryWithBackoff,
  timeoutWith,
} from 'rxjs-resilience';
import type { RegistryEvent, RegistrySnapshot } from 'rxjs-resilience';
import { createScheduler } from '../helpers/scheduler';

const fail = (breaker: CircuitBreaker) =>
  throwError(() => new Error('down'))
    .pipe(circuitBreaker(breaker))
    .subscribe({ error: () => {} });

describe('ResilienceRegistry', () => {
  describe('add, get, remove', () => {
    it('adds every kind of member, returns it, and finds it by kind and name', () => {
      const registry = new ResilienceRegistry();
      const scheduler = new VirtualTimeScheduler();
      const members = {
        circuitBreaker: new CircuitBreaker({ name: 'db', scheduler }),
        bulkhead: new Bulkhead({ name: 'db', maxConcurrent: 1, scheduler }),
        retryBudget: new RetryBudget({ name: 'db', scheduler }),
        drainer: new Drainer({ name: 'db', scheduler }),
        healthTracker: new HealthTracker({ name: 'db', scheduler }),
      } as const;
      for (const [kind, member] of Object.entries(members)) {
        expect(registry.add(member)).toBe(member);
        expect(registry.get(kind as 'bulkhead', 'db')).toBe(member);
      }
      expect(registry.get('bulkhead', 'other')).toBeUndefined();
      expect(registry.list('circuitBreaker')).toEqual([members.circuitBreaker]);
    });

    it('rejects a second member of the same kind and name, but not the same member twice', () => {
      const registry = new ResilienceRegistry();
      const first = registry.add(new CircuitBreaker({ name: 'db' }));
      expect(registry.add(first)).toBe(first);
      const duplicate = () => registry.add(new CircuitBreaker({ name: 'db' }));
      expect(duplicate).toThrow(ResilienceConfigError);
      expect(duplicate).toThrow('ResilienceRegistry: a circuitBreaker named "db" is already registered');
      expect(() => registry.add(new Bulkhead({ name: 'db', maxConcurrent: 1 }))).not.toThrow();
    });

    it('rejects what is not a member', () => {
      const registry = new ResilienceRegistry();
      expect(() => registry.add({ name: 'x' } as never)).toThrow(
        'ResilienceRegistry: add() takes a CircuitBreaker, Bulkhead, RetryBudget, Drainer, HealthTracker or Dependency, got an object',
      );
      expect(() => registry.add(null as never)).toThrow(ResilienceConfigError);
      expect(() => registry.add(new Date() as never)).toThrow('got a Date');
    });

    it('removes a member (without disposing it); removing it again, or a stranger, returns false', () => {
      const registry = new ResilienceRegistry();
      const breaker = registry.add(new CircuitBreaker({ name: 'db' }));
      expect(registry.remove(breaker)).toBe(true);
      expect(registry.get('circuitBreaker', 'db')).toBeUndefined();
      expect(registry.remove(breaker)).toBe(false);
      expect(registry.remove(new CircuitBreaker({ name: 'db' }))).toBe(false);
      expect(registry.remove({} as never)).toBe(false);
      expect(breaker.disposed).toBe(false);
      registry.add(breaker);
      expect(registry.get('circuitBreaker', 'db')).toBe(breaker);
    });

    it('checks its options', () => {
      expect(() => new ResilienceRegistry({ defaults: 5 } as never)).toThrow(
        'ResilienceRegistry: defaults must be an object, got 5',
      );
      expect(() => new ResilienceRegistry({ default: {} } as never)).toThrow(
        'ResilienceRegistry: default is not a known option (known: defaults, scheduler)',
      );
      expect(() => new ResilienceRegistry({ defaults: { timeout: 0 } })).toThrow(
        'ResilienceRegistry defaults: timeout must be a finite number > 0, got 0',
      );
    });
  });

  describe('events$', () => {
    it('carries every member’s events tagged with kind and name, and the operators’ reports', () => {
      const scheduler = new VirtualTimeScheduler();
      const registry = new ResilienceRegistry({ scheduler });
      const breaker = registry.add(new CircuitBreaker({ name: 'db', trip: consecutiveFailures(1), scheduler }));
      const events: RegistryEvent[] = [];
      registry.events$.subscribe((e) => events.push(e));
      fail(breaker);
      throwError(() => new Error('x'))
        .pipe(
          retryWithBackoff({ maxRetries: 1, initialDelay: 0, name: 'load', registry }),
          fallback(() => of(1), { name: 'load', registry }),
        )
        .subscribe();
      expect(events.map((e) => [e.kind, e.type, e.name])).toEqual([
        ['circuitBreaker', 'failure', 'db'],
        ['circuitBreaker', 'state-change', 'db'],
        ['retry', 'retry', 'load'],
        ['fallback', 'fallback', 'load'],
      ]);
      expect(events[2]).toMatchObject({ attempt: 1, delay: 0, at: 0 });
    });

    it('follows members added after subscribing, and stops with removed ones', () => {
      const registry = new ResilienceRegistry();
      const events: RegistryEvent[] = [];
      registry.events$.subscribe((e) => events.push(e));
      const pool = registry.add(new Bulkhead({ name: 'pool', maxConcurrent: 1 }));
      of(1).pipe(bulkheadOf(pool)).subscribe();
      registry.remove(pool);
      of(1).pipe(bulkheadOf(pool)).subscribe();
      expect(events.map((e) => `${e.kind}:${e.type}`)).toEqual(['bulkhead:acquired', 'bulkhead:released']);
    });

    it('unsubscribing events$ detaches it from every member', () => {
      const registry = new ResilienceRegistry();
      const pool = registry.add(new Bulkhead({ name: 'pool', maxConcurrent: 1 }));
      const events: RegistryEvent[] = [];
      registry.events$.subscribe((e) => events.push(e)).unsubscribe();
      of(1).pipe(bulkheadOf(pool)).subscribe();
      expect(events).toEqual([]);
    });

    it('times operator reports with the registry’s scheduler', () => {
      const scheduler = createScheduler();
      const events: RegistryEvent[] = [];
      scheduler.run(({ cold }) => {
        const registry = new ResilienceRegistry();
        registry.events$.subscribe((e) => events.push(e));
        cold('-----a|')
          .pipe(timeoutWith({ total: 3, name: 'slow', registry }))
          .subscribe({ error: () => {} });
      });
      expect(events).toEqual([{ kind: 'timeout', type: 'timeout', name: 'slow', limit: 'total', timeout: 3, at: 3 }]);
    });
  });

  describe('snapshot() and health$', () => {
    const make = () => {
      const scheduler = new VirtualTimeScheduler();
      const registry = new ResilienceRegistry({ scheduler });
      const breakers = ['a', 'b', 'c'].map((name) =>
        registry.add(new CircuitBreaker({ name, trip: consecutiveFailures(1), resetTimeout: 10, scheduler })),
      );
      return { scheduler, registry, breakers };
    };

    it('is healthy with 100 % when every circuit is closed, and 100 % with no circuits', () => {
      const { registry } = make();
      expect(registry.snapshot()).toMatchObject({
        status: 'healthy',
        ready: true,
        totalCircuits: 3,
        circuitsByState: { closed: 3, open: 0, 'half-open': 0, isolated: 0 },
        openCircuits: 0,
        healthPercentage: 100,
      });
      expect(new ResilienceRegistry().snapshot()).toMatchObject({
        status: 'healthy',
        totalCircuits: 0,
        healthPercentage: 100,
      });
    });

    it('one open circuit of three: degraded; half-open counts 50', () => {
      const { registry, breakers, scheduler } = make();
      fail(breakers[0]!);
      expect(registry.snapshot()).toMatchObject({ status: 'degraded', openCircuits: 1, healthPercentage: 200 / 3 });
      scheduler.flush(); // the breaker half-opens after its resetTimeout
      expect(registry.snapshot()).toMatchObject({
        status: 'healthy',
        circuitsByState: { closed: 2, open: 0, 'half-open': 1, isolated: 0 },
        healthPercentage: 250 / 3,
      });
    });

    it('more than half open or isolated: critical', () => {
      const { registry, breakers } = make();
      fail(breakers[0]!);
      breakers[1]!.isolate();
      expect(registry.snapshot()).toMatchObject({
        status: 'critical',
        openCircuits: 2,
        circuitsByState: { closed: 1, open: 1, 'half-open': 0, isolated: 1 },
        healthPercentage: 100 / 3,
      });
      breakers[1]!.reset();
      expect(registry.snapshot().status).toBe('degraded');
    });

    it('a tracker that is not healthy makes the registry degraded', () => {
      const { registry, scheduler } = make();
      const tracker = registry.add(new HealthTracker({ name: 'api', scheduler }));
      tracker.recordFailure(new Error());
      expect(tracker.snapshot().status).toBe('unhealthy');
      expect(registry.snapshot().status).toBe('degraded');
      expect(registry.snapshot().healthTrackers.api).toMatchObject({ status: 'unhealthy', calls: 1 });
    });

    it('is not ready while a drainer drains, nor after it has drained', () => {
      const { registry, scheduler } = make();
      const drainer = registry.add(new Drainer({ name: 'svc', drainTimeout: 100, scheduler }));
      const call = drainer.enter();
      expect(registry.snapshot().ready).toBe(true);
      drainer.drain();
      expect(registry.snapshot().ready).toBe(false);
      if (!(call instanceof Error)) call.leave();
      expect(drainer.snapshot().drained).toBe(true);
      expect(registry.snapshot().ready).toBe(false);
    });

    it('maps each member’s name to its snapshot, and counts operations per name', () => {
      const { registry, scheduler } = make();
      registry.add(new Bulkhead({ name: 'pool', maxConcurrent: 4, scheduler }));
      registry.add(new RetryBudget({ name: 'budget', scheduler }));
      throwError(() => new Error())
        .pipe(
          retryWithBackoff({ maxRetries: 2, initialDelay: 0, name: 'a', registry }),
          fallback(() => of(0), { name: 'b', registry }),
        )
        .subscribe();
      const snapshot = registry.snapshot();
      expect(Object.keys(snapshot.circuitBreakers)).toEqual(['a', 'b', 'c']);
      expect(snapshot.bulkheads.pool).toMatchObject({ name: 'pool', maxConcurrent: 4, active: 0 });
      expect(snapshot.retryBudgets.budget).toMatchObject({ name: 'budget' });
      expect(snapshot.counters).toEqual({ retries: { a: 2 }, timeouts: {}, fallbacks: { b: 1 } });
      expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    });

    it('an operation named __proto__ is counted as an own key, never touching a prototype', () => {
      const registry = new ResilienceRegistry();
      registry.reportOperation({ kind: 'retry', type: 'retry', name: '__proto__', attempt: 1, delay: 0, error: null });
      const { retries } = registry.snapshot().counters;
      expect(Object.getOwnPropertyDescriptor(retries, '__proto__')?.value).toBe(1);
      expect(Object.getPrototypeOf(retries)).toBe(Object.prototype);
    });

    it('health$ emits the snapshot on subscribe, then after each change, without repeats', () => {
      const { registry, breakers, scheduler } = make();
      const seen: RegistrySnapshot[] = [];
      const sub = registry.health$.subscribe((h) => seen.push(h));
      expect(seen.map((h) => h.status)).toEqual(['healthy']);
      fail(breakers[0]!);
      fail(breakers[1]!);
      expect(seen.map((h) => [h.status, h.openCircuits])).toEqual([
        ['healthy', 0],
        ['degraded', 1],
        ['critical', 2],
      ]);
      registry.add(new CircuitBreaker({ name: 'd', scheduler }));
      expect(seen.at(-1)).toMatchObject({ totalCircuits: 4, status: 'degraded' });
      of(1)
        .pipe(retryWithBackoff({ registry, name: 'x' }))
        .subscribe();
      const count = seen.length;
      throwError(() => new Error())
        .pipe(retryWithBackoff({ registry, name: 'x', maxRetries: 1, initialDelay: 0 }))
        .subscribe({ error: () => {} });
      expect(seen.length).toBe(count + 1);
      expect(seen.at(-1)!.counters.retries).toEqual({ x: 1 });
      const d = registry.get('circuitBreaker', 'd')!;
      registry.remove(d);
      expect(seen.at(-1)).toMatchObject({ totalCircuits: 3 });
      const afterRemove = seen.length;
      d.isolate();
      expect(seen.length).toBe(afterRemove);
      sub.unsubscribe();
      fail(breakers[2]!);
      expect(seen.length).toBe(afterRemove);
    });
  });

  describe('dependency(name, { type, ...options })', () => {
    it('creates and registers a breaker, a bulkhead and a tracker named after the dependency', () => {
      const registry = new ResilienceRegistry();
      const db = registry.dependency('user-db', { type: 'database' });
      expect(db).toBeInstanceOf(Dependency);
      expect(registry.get('dependency', 'user-db')).toBe(db);
      expect(registry.get('circuitBreaker', 'user-db')).toBe(db.circuitBreaker);
      expect(registry.get('bulkhead', 'user-db')).toBe(db.bulkhead);
      expect(registry.get('healthTracker', 'user-db')).toBe(db.health);
      expect(db.bulkhead.snapshot()).toMatchObject({ name: 'user-db', maxConcurrent: 10, maxQueue: 0 });
      expect(db.options.timeout).toBe(10_000);
      expect(db.toJSON()).toEqual({
        name: 'user-db',
        circuitBreaker: 'user-db',
        bulkhead: 'user-db',
        health: 'user-db',
      });
    });

    it('uses the preset values', () => {
      const registry = new ResilienceRegistry();
      const expected: Record<string, [number, number, boolean]> = {
        database: [10, 10_000, true],
        externalApi: [15, 15_000, true],
        cache: [50, 2_000, false],
        messageQueue: [20, 10_000, true],
        fileSystem: [8, 30_000, false],
      };
      for (const [type, [maxConcurrent, timeout, breaker]] of Object.entries(expected)) {
        const dep = registry.dependency(type, { type: type as keyof typeof presets });
        expect(dep.bulkhead.maxConcurrent).toBe(maxConcurrent);
        expect(dep.options.timeout).toBe(timeout);
        expect(dep.circuitBreaker !== undefined).toBe(breaker);
        expect(presets[type as keyof typeof presets].retry).toBeUndefined();
      }
      expect(presets.externalApi.circuitBreaker && presets.externalApi.circuitBreaker.trip).toMatchObject({
        kind: 'consecutiveFailures',
        threshold: 3,
      });
    });

    it('the externalApi breaker opens after 3 consecutive failures; database’s after the default 5', () => {
      const registry = new ResilienceRegistry();
      const api = registry.dependency('api', { type: 'externalApi' });
      const db = registry.dependency('db', { type: 'database' });
      for (let i = 0; i < 3; i++) {
        fail(api.circuitBreaker!);
        fail(db.circuitBreaker!);
      }
      expect(api.circuitBreaker!.state).toBe('open');
      expect(db.circuitBreaker!.state).toBe('closed');
      fail(db.circuitBreaker!);
      fail(db.circuitBreaker!);
      expect(db.circuitBreaker!.state).toBe('open');
      api.circuitBreaker!.dispose();
      db.circuitBreaker!.dispose();
    });

    it('options win over the preset, and the preset over the registry’s defaults', () => {
      const registry = new ResilienceRegistry({ defaults: { timeout: 1234, maxQueue: 7 } });
      expect(registry.dependency('a', { type: 'cache' }).options).toMatchObject({ timeout: 2000, maxQueue: 7 });
      expect(registry.dependency('b', { type: 'cache', timeout: 99 }).options.timeout).toBe(99);
      expect(registry.dependency('c', { maxConcurrent: 2, circuitBreaker: false }).options.timeout).toBe(1234);
      expect(registry.dependency('d', { type: 'database', circuitBreaker: false }).circuitBreaker).toBeUndefined();
    });

    it('breaker and retry options merge key by key over the preset and the defaults', () => {
      const registry = new ResilienceRegistry({ defaults: { retry: { initialDelay: 7, maxRetries: 1 } } });
      const api = registry.dependency('api', {
        type: 'externalApi',
        circuitBreaker: { resetTimeout: 1000 },
        retry: { maxRetries: 4 },
      });
      expect(api.options.circuitBreaker).toMatchObject({
        resetTimeout: 1000,
        trip: { kind: 'consecutiveFailures', threshold: 3 },
      });
      expect(api.options.retry).toEqual({ initialDelay: 7, maxRetries: 4 });
      for (let i = 0; i < 3; i++) fail(api.circuitBreaker!);
      expect(api.circuitBreaker!.state).toBe('open');
      api.circuitBreaker!.dispose();
    });

    it('checks retry options when the dependency is created', () => {
      const registry = new ResilienceRegistry();
      expect(() => registry.dependency('x', { type: 'cache', retry: { maxRetries: -1 } })).toThrow(
        'retryWithBackoff "x": maxRetries must be an integer >= 0 or Infinity, got -1',
      );
      expect(registry.get('dependency', 'x')).toBeUndefined();
    });

    it('rejects an unknown type, a taken name, bad or missing options', () => {
      const registry = new ResilienceRegistry();
      registry.dependency('db', { type: 'database' });
      expect(() => registry.dependency('x', { type: 'mainframe' as never })).toThrow(
        `dependency "x": type must be one of 'database', 'externalApi', 'cache', 'messageQueue', 'fileSystem', got "mainframe"`,
      );
      expect(() => registry.dependency('db', { type: 'cache' })).toThrow(
        'ResilienceRegistry: dependency "db": a dependency of that name is already registered',
      );
      registry.add(new Bulkhead({ name: 'taken', maxConcurrent: 1 }));
      expect(() => registry.dependency('taken', { type: 'cache' })).toThrow(
        'a bulkhead of that name is already registered',
      );
      expect(() => registry.dependency('y', { maxConcurrent: 2, circuitBreaker: false })).toThrow(
        'dependency "y": timeout must be a finite number > 0, got undefined',
      );
      expect(() => registry.dependency('z', { type: 'cache', maxConcurrent: 0 })).toThrow(
        'dependency "z": maxConcurrent must be an integer >= 1, got 0',
      );
      expect(() => registry.dependency('w', { type: 'cache', retries: 2 } as never)).toThrow(
        'dependency "w": retries is not a known option',
      );
      expect(() => registry.dependency('u', { type: 'cache', retry: [] } as never)).toThrow(
        'dependency "u": retry must be retryWithBackoff options, got an array',
      );
      expect(() => registry.dependency('', {})).toThrow('dependency: name must be a non-empty string, got ""');
      expect(() => registry.dependency('v', { type: 'cache', circuitBreaker: 'yes' } as never)).toThrow(
        'dependency "v": circuitBreaker must be circuit breaker options or false, got "yes"',
      );
      expect(registry.get('dependency', 'x')).toBeUndefined();
      expect(registry.get('bulkhead', 'z')).toBeUndefined();
    });

    it('removing a dependency removes its parts', () => {
      const registry = new ResilienceRegistry();
      const db = registry.dependency('db', { type: 'database' });
      expect(registry.remove(db)).toBe(true);
      expect(registry.snapshot().totalCircuits).toBe(0);
      expect(registry.get('bulkhead', 'db')).toBeUndefined();
      db.circuitBreaker!.dispose();
    });

    describe('protect()', () => {
      it('timeout precedence: protect() argument > dependency > preset type > registry default', () => {
        createScheduler().run(({ cold, expectObservable }) => {
          const registry = new ResilienceRegistry({ defaults: { timeout: 9 } });
          const never = () => cold('-----------------a|');
          const byDefault = registry.dependency('a', { maxConcurrent: 1, circuitBreaker: false });
          const byPreset = registry.dependency('b', { type: 'cache' }); // 2000 ms
          const byOwn = registry.dependency('c', { type: 'cache', timeout: 4 });
          const t = (name: string, ms: number) => new OperationTimeoutError(name, 'total', ms);
          expectObservable(never().pipe(byDefault.protect())).toBe('---------#', undefined, t('a', 9));
          expectObservable(never().pipe(byPreset.protect())).toBe('-----------------a|');
          expectObservable(never().pipe(byOwn.protect())).toBe('----#', undefined, t('c', 4));
          expectObservable(never().pipe(byOwn.protect({ timeout: 2 }))).toBe('--#', undefined, t('c', 2));
          expectObservable(never().pipe(byOwn.protect({ timeout: { first: 3 } }))).toBe(
            '---#',
            undefined,
            new OperationTimeoutError('c', 'first', 3),
          );
        });
      });

      it('applies retry, breaker, bulkhead, tracker and fallback, reporting under the dependency’s name', () => {
        const scheduler = createScheduler();
        const seen: unknown[] = [];
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const registry = new ResilienceRegistry();
          const api = registry.dependency('api', {
            type: 'externalApi',
            timeout: 5,
            retry: { maxRetries: 1, initialDelay: 1 },
          });
          const source = cold('-#');
          expectObservable(source.pipe(api.protect({ fallback: () => of('cached') }))).toBe('---(c|)', { c: 'cached' });
          expectSubscriptions(source.subscriptions).toBe(['^!', '--^!']);
          scheduler.schedule(() => {
            const s = registry.snapshot();
            seen.push(
              s.counters,
              s.circuitBreakers.api!.failureCount,
              s.healthTrackers.api!.failures,
              s.bulkheads.api!.active,
            );
          }, 4);
        });
        expect(seen).toEqual([{ retries: { api: 1 }, timeouts: {}, fallbacks: { api: 1 } }, 2, 2, 0]);
      });

      it('a retry override adjusts the dependency’s retry options key by key', () => {
        createScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
          const registry = new ResilienceRegistry();
          const db = registry.dependency('db', {
            type: 'cache',
            retry: { maxRetries: 1, initialDelay: 3, backoff: 'constant' },
          });
          const source = cold('-#');
          expectObservable(source.pipe(db.protect({ retry: { maxRetries: 2 } }))).toBe('---------#');
          expectSubscriptions(source.subscriptions).toBe(['^!', '----^!', '--------^!']);
        });
      });

      it('rejects unknown overrides', () => {
        const registry = new ResilienceRegistry();
        const db = registry.dependency('db', { type: 'database' });
        expect(() => db.protect({ bulkhead: 1 } as never)).toThrow(
          'Dependency "db".protect(): bulkhead is not a known option',
        );
        db.circuitBreaker!.dispose();
      });
    });
  });
});

function bulkheadOf(b: Bulkhead) {
  return bulkheadOperator<number>(b);
}
