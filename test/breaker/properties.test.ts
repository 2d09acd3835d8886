import fc from 'fast-check';
import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, consecutiveFailures, failureRate, failuresInWindow } from '../../src/breaker/index';
import type { CircuitBreakerEvent, CircuitBreakerOptions, CircuitState, TripPolicy } from '../../src/breaker/index';
import { BulkheadRejectedError } from '../../src/errors/BulkheadRejectedError';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError';
import { circuitBreaker } from '../../src/operators/circuitBreaker';

type Command =
  | { kind: 'start'; firstValue: boolean }
  | { kind: 'next' | 'complete' | 'fail' | 'ignore' | 'unsubscribe'; call: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'isolate' | 'reset' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('start' as const), firstValue: fc.boolean() }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constantFrom(...(['next', 'complete', 'fail', 'fail', 'fail', 'ignore', 'unsubscribe'] as const)),
      // counted back from the newest call: recent calls are the interesting ones
      call: fc.nat({ max: 6 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('isolate' as const, 'reset' as const) }) },
);

const trip: fc.Arbitrary<TripPolicy> = fc.oneof(
  fc.integer({ min: 1, max: 4 }).map((n) => consecutiveFailures(n)),
  fc
    .record({ threshold: fc.integer({ min: 1, max: 4 }), window: fc.integer({ min: 1, max: 30 }) })
    .map((o) => failuresInWindow(o)),
  fc
    .record({ threshold: fc.double({ min: 0.1, max: 1, noNaN: true }), calls: fc.integer({ min: 1, max: 6 }) })
    .map(({ threshold, calls }) => failureRate({ threshold, minimumCalls: Math.min(3, calls), window: { calls } })),
  fc
    .record({
      threshold: fc.double({ min: 0.1, max: 1, noNaN: true }),
      duration: fc.integer({ min: 1, max: 40 }),
      buckets: fc.integer({ min: 1, max: 5 }),
    })
    .map(({ threshold, duration, buckets }) =>
      failureRate({ threshold, minimumCalls: 2, window: { duration, buckets } }),
    ),
);

const options: fc.Arbitrary<Omit<CircuitBreakerOptions, 'scheduler'>> = fc.record({
  trip,
  resetTimeout: fc.oneof(
    fc.integer({ min: 0, max: 10 }),
    fc.constant((n: number) => n * 3),
  ),
  successThreshold: fc.integer({ min: 1, max: 3 }),
  halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
  halfOpenTimeout: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
  slowCallDuration: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
});

interface Call {
  source: Subject<number>;
  subscription: Subscription;
  /** Admitted during the current half-open episode, and still holding its probe slot. */
  holdsSlot: boolean;
  firstValue: boolean;
  ended: boolean;
}

/** Runs commands against a breaker in virtual time, checking the invariants after each one. */
function check(opts: Omit<CircuitBreakerOptions, 'scheduler'>, commands: Command[]): void {
  const scheduler = new TestScheduler(() => {});
  scheduler.maxFrames = 0;
  const breaker = new CircuitBreaker({ ...opts, scheduler });
  const max = opts.halfOpenMaxCalls ?? 1;
  const calls: Call[] = [];
  const states: CircuitState[] = [];
  const changes: Array<{ from: CircuitState; to: CircuitState }> = [];
  const counted = { success: 0, failure: 0, rejected: 0 };
  let probes = 0;
  let resetSince = false;

  breaker.state$.subscribe((s) => states.push(s));
  breaker.events$.subscribe((e: CircuitBreakerEvent) => {
    if (e.type === 'state-change') {
      changes.push({ from: e.from, to: e.to });
      // A new state: every probe slot of the old one is void.
      for (const c of calls) c.holdsSlot = false;
      probes = 0;
    } else if (e.type === 'success' || e.type === 'failure' || e.type === 'rejected') {
      counted[e.type]++;
    }
  });

  const free = (c: Call) => {
    if (c.holdsSlot) {
      c.holdsSlot = false;
      probes--;
    }
  };

  for (const cmd of commands) {
    switch (cmd.kind) {
      case 'start': {
        const source = new Subject<number>();
        const wasHalfOpen = breaker.state === 'half-open' || breaker.state === 'open';
        let rejected = false;
        const call: Call = {
          source,
          subscription: undefined as never,
          holdsSlot: false,
          firstValue: cmd.firstValue,
          ended: false,
        };
        calls.push(call);
        call.subscription = source
          .pipe(circuitBreaker(breaker, { successOn: cmd.firstValue ? 'first-value' : 'complete' }))
          .subscribe({
            error: (e) => {
              call.ended = true;
              if (e instanceof CircuitOpenError) rejected = true;
            },
            complete: () => (call.ended = true),
          });
        if (rejected) {
          // A rejected call never reaches its source.
          expect(source.observed).toBe(false);
        } else if (wasHalfOpen && breaker.state === 'half-open') {
          call.holdsSlot = true;
          probes++;
        }
        break;
      }
      case 'advance':
        scheduler.maxFrames = scheduler.now() + cmd.ms;
        scheduler.schedule(() => {}, cmd.ms);
        scheduler.flush();
        break;
      case 'isolate':
        breaker.isolate();
        break;
      case 'reset':
        breaker.reset();
        resetSince = true;
        break;
      default: {
        if (calls.length === 0) break;
        const c = calls[calls.length - 1 - (cmd.call % calls.length)]!;
        if (c.ended) break;
        if (cmd.kind === 'next') {
          c.source.next(1);
          if (c.firstValue) free(c);
        } else {
          free(c);
          c.ended = true;
          if (cmd.kind === 'complete') c.source.complete();
          else if (cmd.kind === 'fail') c.source.error(new Error('failure'));
          else if (cmd.kind === 'ignore') c.source.error(new BulkheadRejectedError('b', 'full'));
          else c.subscription.unsubscribe();
        }
      }
    }

    // Half-open never admits more than halfOpenMaxCalls at once.
    expect(probes).toBeLessThanOrEqual(max);
    // The model of held probe slots agrees with the breaker's own count (white box).
    const machine = (breaker as unknown as { m: { kind: CircuitState; active?: number } }).m;
    if (machine.kind === 'half-open') expect(machine.active).toBe(probes);
    const snap = breaker.snapshot();
    // totalCalls = successCount + failureCount, and every counted outcome had its event.
    expect(snap.totalCalls).toBe(snap.successCount + snap.failureCount);
    if (!resetSince) {
      expect(snap.successCount).toBe(counted.success);
      expect(snap.failureCount).toBe(counted.failure);
      expect(snap.rejectedCount).toBe(counted.rejected);
    }
    expect(snap.state).toBe(breaker.state);
    // Every state change appears on state$ and on events$, in the same order, as a chain.
    expect(states.slice(1)).toEqual(changes.map((c) => c.to));
    expect(states[states.length - 1]).toBe(breaker.state);
    for (let i = 0; i < changes.length; i++) {
      expect(changes[i]!.from).toBe(states[i]);
      expect(changes[i]!.from).not.toBe(changes[i]!.to);
    }
  }
  breaker.dispose();
  expect((scheduler as unknown as { actions: unknown[] }).actions).toHaveLength(0);
}

describe('CircuitBreaker properties (random interleavings of calls, outcomes, unsubscriptions and time)', () => {
  it('half-open never admits more than halfOpenMaxCalls; totalCalls = successes + failures; state$ and events$ agree', () => {
    fc.assert(
      fc.property(options, fc.array(command, { minLength: 20, maxLength: 100, size: 'max' }), (opts, commands) => {
        check(opts, commands);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('probes are admitted up to halfOpenMaxCalls exactly (the bound is reached, not just respected)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 10 }), (max, extra) => {
        const scheduler = new TestScheduler(() => {});
        const breaker = new CircuitBreaker({
          scheduler,
          trip: consecutiveFailures(1),
          resetTimeout: 0,
          halfOpenMaxCalls: max,
        });
        const first = breaker.tryAcquire();
        if (first instanceof CircuitOpenError) throw first;
        first.failure(new Error('x'));
        const results = Array.from({ length: max + extra }, () => breaker.tryAcquire());
        expect(results.filter((r) => !(r instanceof CircuitOpenError))).toHaveLength(max);
        expect(results.slice(max).every((r) => r instanceof CircuitOpenError && r.state === 'half-open')).toBe(true);
      }),
    );
  });
});
