import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import { Stateful } from '../internal/Stateful';
import type { EventBase } from '../internal/Stateful';
import { scheduleUnref } from '../internal/unrefTimer';
import { OptionChecker, placeOf } from '../internal/validate';
import { LatencyHistogram } from './LatencyHistogram';

/** The health of a dependency, best first. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Options of {@link HealthTracker}. Every duration is in ms. */
export interface HealthTrackerOptions {
  /** The tracker's name, used in events and snapshots. Default `'health'`. */
  name?: string;
  /** The sliding window the health is computed over, in ms. Default `60000`. */
  window?: number;
  /**
   * How many time buckets the window is kept in: an integer >= 1. Each holds a fixed-size latency
   * histogram; a call leaves the window between `window` and `window + window / buckets` ms after
   * it was recorded. Default `10`.
   */
  buckets?: number;
  /** With fewer calls than this in the window, the status is `healthy`: an integer >= 0. Default `1`. */
  minimumCalls?: number;
  /** A success rate below this is at least `degraded`: 0 to 1. Default `0.95`. */
  degradedBelow?: number;
  /** A success rate below this is `unhealthy`: 0 to 1, at most `degradedBelow`. Default `0.5`. */
  unhealthyBelow?: number;
  /** A p95 latency at or above this (ms) is at least `degraded`. Default: none. */
  degradedLatency?: number;
  /** A p95 latency at or above this (ms) is `unhealthy`; at least `degradedLatency`. Default: none. */
  unhealthyLatency?: number;
  /** The clock of the window, of the latencies `trackHealth` measures, and of the expiry timer. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/** Latency of the successful calls in the window, in ms. */
export interface LatencySummary {
  /** The exact mean. */
  readonly mean: number;
  /** Percentiles by nearest rank, within 2.5% (0.025 ms below 1 ms) of the exact value. */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** What {@link HealthTracker.snapshot} returns: the health over the current window. */
export interface HealthTrackerSnapshot {
  readonly name: string;
  readonly status: HealthStatus;
  /** Successes / calls; 1 when there are no calls. */
  readonly successRate: number;
  /** Calls in the window, failures included. */
  readonly calls: number;
  /** Failures in the window. */
  readonly failures: number;
  /** Latency of the successful calls in the window; `null` when there are none. */
  readonly latency: LatencySummary | null;
}

/** Every event of a {@link HealthTracker}. */
export type HealthEvent =
  /** A success was recorded, with its latency in ms. */
  | (EventBase<'success'> & { readonly latency: number })
  /** A failure was recorded, with its error (`undefined` when none was given). */
  | (EventBase<'failure'> & { readonly error: unknown })
  /** The status changed: after a recorded call, or when calls left the window. */
  | (EventBase<'status-change'> & { readonly from: HealthStatus; readonly to: HealthStatus });

const KNOWN: readonly (keyof HealthTrackerOptions)[] = [
  'name',
  'window',
  'buckets',
  'minimumCalls',
  'degradedBelow',
  'unhealthyBelow',
  'degradedLatency',
  'unhealthyLatency',
  'scheduler',
];

/** One time bucket of the window. */
class Bucket {
  id = -Infinity;
  calls = 0;
  failures = 0;
  /** Scheduler time of the bucket's latest call: the whole bucket leaves `window` ms after it. */
  lastAt = 0;
  latencySum = 0;
  /** Allocated with the first success, then reused. */
  histogram: LatencyHistogram | null = null;

  clear(): void {
    this.calls = 0;
    this.failures = 0;
    this.latencySum = 0;
    this.histogram?.clear();
  }
}

/**
 * The health of a dependency over a sliding window: success rate, failures and latency
 * percentiles, summarised as `healthy`, `degraded` or `unhealthy`.
 *
 * Feed it with `trackHealth(tracker)` (each subscription is one call), or record outcomes yourself
 * with `recordSuccess(latency)` and `recordFailure(error)`.
 *
 * Status: with fewer than `minimumCalls` calls in the window, `healthy`. Otherwise the worst of:
 * success rate below `unhealthyBelow` → `unhealthy`, below `degradedBelow` → `degraded`; p95 at or
 * above `unhealthyLatency` → `unhealthy`, at or above `degradedLatency` → `degraded`.
 *
 * Memory depends on the configuration only: `buckets + 1` time buckets, each with a fixed 1321-bin
 * latency histogram (allocated when the bucket first sees a success), never a list of latencies.
 * A bucket's calls all leave the window when its latest call is `window` ms old: a call counts for
 * at least `window` ms and at most one bucket longer.
 *
 * `state$` emits after every recorded call, and when calls leave the window (an unref'd timer,
 * which never keeps Node.js alive), so a dependency that stops being called recovers by itself.
 *
 * ## Example
 * ```ts
 * import { HealthTracker, trackHealth } from 'rxjs-resilience';
 *
 * const health = new HealthTracker({ name: 'payments', window: 30_000, degradedLatency: 500 });
 * charge$.pipe(trackHealth(health)).subscribe();
 * health.state$.subscribe((s) => console.log(s.status, s.latency?.p95));
 * ```
 */
export class HealthTracker extends Stateful<HealthTrackerSnapshot, HealthEvent> {
  private readonly window: number;
  private readonly minimumCalls: number;
  private readonly degradedBelow: number;
  private readonly unhealthyBelow: number;
  private readonly degradedLatency: number;
  private readonly unhealthyLatency: number;
  /** True when a latency threshold is set: only then does a status need the p95. */
  private readonly latencyRules: boolean;
  private readonly bucketCount: number;
  // buckets + 1: the slot of bucket k is only reused by bucket k + buckets + 1, which starts more
  // than `window` after bucket k's last call; bucket k has left the window by then.
  private readonly ring: Bucket[];
  /** Totals of the buckets in the window: kept as they change, so a snapshot never re-adds histograms. */
  private calls = 0;
  private failures = 0;
  private readonly latencies = new LatencyHistogram();
  private lastStatus: HealthStatus = 'healthy';
  /** Calls left the window since `state$` last heard of a change. */
  private expired = false;
  private timer: Subscription | null = null;

  constructor(options?: HealthTrackerOptions) {
    const given = options ?? {};
    const check = new OptionChecker(placeOf('HealthTracker', given.name ?? 'health'));
    check.options(options, KNOWN);
    const {
      name = 'health',
      window = 60000,
      buckets = 10,
      minimumCalls = 1,
      degradedBelow = 0.95,
      unhealthyBelow = 0.5,
      degradedLatency,
      unhealthyLatency,
      scheduler = asyncScheduler,
    } = given;
    check.name(name);
    check.duration('window', window);
    check.integer('buckets', buckets, 1);
    check.integer('minimumCalls', minimumCalls, 0);
    check.ratio('degradedBelow', degradedBelow);
    check.ratio('unhealthyBelow', unhealthyBelow);
    if (unhealthyBelow > degradedBelow)
      check.fail('unhealthyBelow', `a number <= degradedBelow (${degradedBelow})`, unhealthyBelow);
    if (degradedLatency !== undefined) check.number('degradedLatency', degradedLatency, 0, { exclusive: true });
    if (unhealthyLatency !== undefined) {
      check.number('unhealthyLatency', unhealthyLatency, 0, { exclusive: true });
      if (degradedLatency !== undefined && unhealthyLatency < degradedLatency) {
        check.fail('unhealthyLatency', `a number >= degradedLatency (${degradedLatency})`, unhealthyLatency);
      }
    }
    check.scheduler(scheduler);
    super(name, scheduler);
    this.window = window;
    this.bucketCount = buckets;
    this.minimumCalls = minimumCalls;
    this.degradedBelow = degradedBelow;
    this.unhealthyBelow = unhealthyBelow;
    this.degradedLatency = degradedLatency ?? Infinity;
    this.unhealthyLatency = unhealthyLatency ?? Infinity;
    this.latencyRules = degradedLatency !== undefined || unhealthyLatency !== undefined;
    this.ring = Array.from({ length: buckets + 1 }, () => new Bucket());
  }

  /** The current status (the same as `snapshot().status`). */
  get status(): HealthStatus {
    this.prune(this.scheduler.now());
    return this.evaluate();
  }

  /** The tracker's clock (`scheduler.now()`): measure latencies on it. */
  now(): number {
    return this.scheduler.now();
  }

  /** Records a successful call that took `latency` ms (a finite number >= 0, else `RangeError`). */
  recordSuccess(latency: number): void {
    if (typeof latency !== 'number' || !(latency >= 0) || latency === Infinity) {
      throw new RangeError(
        `${placeOf('HealthTracker', this.name)}: latency must be a finite number >= 0, got ${String(latency)}`,
      );
    }
    const bucket = this.record();
    bucket.latencySum += latency;
    (bucket.histogram ??= new LatencyHistogram()).record(latency);
    this.latencies.record(latency);
    if (this.listening) this.emit('success', { latency });
    this.update();
  }

  /** Records a failed call; `error` only goes to the `failure` event. */
  recordFailure(error?: unknown): void {
    const bucket = this.record();
    bucket.failures++;
    this.failures++;
    if (this.listening) this.emit('failure', { error });
    this.update();
  }

  /** The health over the current window, as a plain object. */
  snapshot(): HealthTrackerSnapshot {
    this.prune(this.scheduler.now());
    const successes = this.calls - this.failures;
    return {
      name: this.name,
      status: this.evaluate(),
      successRate: this.calls === 0 ? 1 : successes / this.calls,
      calls: this.calls,
      failures: this.failures,
      latency: successes === 0 ? null : this.latencySummary(),
    };
  }

  protected override onDispose(): void {
    this.timer?.unsubscribe();
    this.timer = null;
  }

  /** Counts one call in the current bucket and returns the bucket. */
  private record(): Bucket {
    const now = this.scheduler.now();
    this.prune(now);
    const id = Math.floor((now * this.bucketCount) / this.window);
    const slots = this.ring.length;
    const bucket = this.ring[((id % slots) + slots) % slots]!;
    if (bucket.id !== id) {
      // The slot's previous bucket has left the window (see `ring`) and was pruned just above;
      // evicting again only guards the totals against a clock that does not move as expected.
      this.evict(bucket);
      bucket.id = id;
    }
    bucket.calls++;
    bucket.lastAt = now;
    this.calls++;
    this.armExpiry(now);
    return bucket;
  }

  /** Takes the buckets whose latest call is `window` ms old out of the totals. */
  private prune(now: number): void {
    for (const bucket of this.ring) {
      if (bucket.calls > 0 && now - bucket.lastAt >= this.window) this.evict(bucket);
    }
  }

  /** Takes a bucket out of the totals and empties it. */
  private evict(bucket: Bucket): void {
    if (bucket.calls === 0) return;
    this.calls -= bucket.calls;
    this.failures -= bucket.failures;
    if (bucket.histogram) this.latencies.merge(bucket.histogram, -1);
    bucket.clear();
    this.expired = true;
  }

  /** The status of the current totals (pruned). */
  private evaluate(): HealthStatus {
    if (this.calls === 0 || this.calls < this.minimumCalls) return 'healthy';
    const rate = (this.calls - this.failures) / this.calls;
    if (rate < this.unhealthyBelow) return 'unhealthy';
    let status: HealthStatus = rate < this.degradedBelow ? 'degraded' : 'healthy';
    if (this.latencyRules && this.latencies.count > 0) {
      const p95 = this.latencies.quantiles([0.95])[0]!;
      if (p95 >= this.unhealthyLatency) return 'unhealthy';
      if (p95 >= this.degradedLatency) status = 'degraded';
    }
    return status;
  }

  private latencySummary(): LatencySummary {
    let sum = 0;
    for (const bucket of this.ring) sum += bucket.latencySum;
    const [p50, p95, p99] = this.latencies.quantiles([0.5, 0.95, 0.99]) as [number, number, number];
    return { mean: sum / this.latencies.count, p50, p95, p99 };
  }

  /** After a change: a `status-change` event if the status moved, then `state$`. */
  private update(): void {
    this.expired = false;
    const status = this.evaluate();
    if (status !== this.lastStatus) {
      const from = this.lastStatus;
      this.lastStatus = status;
      this.emit('status-change', { from, to: status });
    }
    this.changed();
  }

  /** Makes sure a timer will take the oldest bucket out of the window when its time comes. */
  private armExpiry(now: number): void {
    if (this.timer !== null || this.disposed) return;
    let next = Infinity;
    for (const bucket of this.ring)
      if (bucket.calls > 0 && bucket.lastAt + this.window < next) next = bucket.lastAt + this.window;
    if (next === Infinity) return;
    this.timer = scheduleUnref(this.scheduler, () => this.expire(), next - now);
  }

  private expire(): void {
    this.timer = null;
    const now = this.scheduler.now();
    this.prune(now);
    if (this.expired) this.update();
    this.armExpiry(now);
  }
}
