import { Observable, of } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  Bulkhead,
  bulkhead,
  bulkheadMap,
  CircuitBreaker,
  circuitBreaker,
  Drainer,
  drainUntilComplete,
  HealthTracker,
  loadResilienceConfig,
  ResilienceRegistry,
  resilient,
  trackHealth,
} from 'rxjs-resilience';
import type {
  BulkheadSnapshot,
  CircuitBreakerSnapshot,
  CircuitState,
  Dependency,
  DrainResult,
  HealthTrackerSnapshot,
  RegistryEvent,
  RegistrySnapshot,
} from 'rxjs-resilience';
import { registerResilienceMetrics } from 'rxjs-resilience/prometheus';
import type { ResilienceMetrics } from 'rxjs-resilience/prometheus';

declare const numbers: Observable<number>;
declare const breaker: CircuitBreaker;
declare const pool: Bulkhead;
declare const drainer: Drainer;
declare const tracker: HealthTracker;

describe('guards keep the source type', () => {
  it('circuitBreaker, bulkhead, drainUntilComplete, trackHealth', () => {
    expectTypeOf(numbers.pipe(circuitBreaker(breaker))).toEqualTypeOf<Observable<number>>();
    expectTypeOf(numbers.pipe(circuitBreaker(breaker, { successOn: 'first-value' }))).toEqualTypeOf<
      Observable<number>
    >();
    expectTypeOf(numbers.pipe(bulkhead(pool))).toEqualTypeOf<Observable<number>>();
    expectTypeOf(numbers.pipe(drainUntilComplete(drainer))).toEqualTypeOf<Observable<number>>();
    expectTypeOf(numbers.pipe(trackHealth(tracker))).toEqualTypeOf<Observable<number>>();
    // @ts-expect-error successOn is 'complete' or 'first-value'
    circuitBreaker(breaker, { successOn: 'value' });
  });
});

describe('bulkheadMap', () => {
  it('emits what project returns, with the value and index typed', () => {
    const out = numbers.pipe(
      bulkheadMap(
        (value, index) => {
          expectTypeOf(value).toEqualTypeOf<number>();
          expectTypeOf(index).toEqualTypeOf<number>();
          return of(String(value));
        },
        { maxConcurrent: 2 },
      ),
    );
    expectTypeOf(out).toEqualTypeOf<Observable<string>>();
    expectTypeOf(numbers.pipe(bulkheadMap(async (n) => n > 1, pool))).toEqualTypeOf<Observable<boolean>>();
  });
});

describe('resilient', () => {
  it('keeps the source type without a fallback, and adds the fallback’s', () => {
    expectTypeOf(numbers.pipe(resilient({ timeout: 100, circuitBreaker: breaker }))).toEqualTypeOf<
      Observable<number>
    >();
    expectTypeOf(numbers.pipe(resilient({ fallback: () => of('cached') }))).toEqualTypeOf<
      Observable<number | string>
    >();
    resilient({
      fallback: (error) => {
        expectTypeOf(error).toEqualTypeOf<unknown>();
        return [null];
      },
    });
    // @ts-expect-error unknown policy parts are errors
    resilient({ retries: 3 });
    resilient({ timeout: { total: 100, with: () => of('late') } });
  });

  it('a dependency’s protect() is resilient for it', () => {
    const registry = new ResilienceRegistry();
    const db = registry.dependency('db', { type: 'database' });
    expectTypeOf(db).toEqualTypeOf<Dependency>();
    expectTypeOf(db.protect<number>()).toEqualTypeOf<OperatorFunction<number, number>>();
    expectTypeOf(numbers.pipe(db.protect({ fallback: () => of(false) }))).toEqualTypeOf<Observable<number | boolean>>();
    // @ts-expect-error an unknown preset
    registry.dependency('x', { type: 'mainframe' });
  });
});

describe('stateful objects and the registry', () => {
  it('types their streams and snapshots', () => {
    expectTypeOf(breaker.state$).toEqualTypeOf<Observable<CircuitState>>();
    expectTypeOf(breaker.metrics$).toEqualTypeOf<Observable<CircuitBreakerSnapshot>>();
    expectTypeOf(pool.state$).toEqualTypeOf<Observable<BulkheadSnapshot>>();
    expectTypeOf(tracker.snapshot()).toEqualTypeOf<HealthTrackerSnapshot>();
    expectTypeOf(drainer.drain()).toEqualTypeOf<Observable<DrainResult>>();
  });

  it('narrows registry events by kind and type', () => {
    const registry = new ResilienceRegistry();
    expectTypeOf(registry.health$).toEqualTypeOf<Observable<RegistrySnapshot>>();
    registry.events$.subscribe((event) => {
      expectTypeOf(event).toEqualTypeOf<RegistryEvent>();
      if (event.kind === 'circuitBreaker' && event.type === 'state-change') {
        expectTypeOf(event.from).toEqualTypeOf<CircuitState>();
      }
      if (event.kind === 'retry') {
        expectTypeOf(event.attempt).toEqualTypeOf<number>();
      }
      if (event.kind === 'timeout') {
        expectTypeOf(event.limit).toEqualTypeOf<'first' | 'each' | 'total'>();
      }
    });
    expectTypeOf(registry.get('bulkhead', 'db')).toEqualTypeOf<Bulkhead | undefined>();
    expectTypeOf(registry.list('circuitBreaker')).toEqualTypeOf<CircuitBreaker[]>();
  });

  it('loadResilienceConfig returns a registry; the exporter returns a handle', () => {
    expectTypeOf(loadResilienceConfig({ dependencies: {} })).toEqualTypeOf<ResilienceRegistry>();
    expectTypeOf(registerResilienceMetrics(new ResilienceRegistry())).toEqualTypeOf<ResilienceMetrics>();
  });
});
