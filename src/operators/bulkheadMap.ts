import { from, Observable, Subscriber, Subscription } from 'rxjs';
import type { ObservableInput, ObservedValueOf, OperatorFunction, SchedulerLike } from 'rxjs';
import { Bulkhead } from '../bulkhead/Bulkhead';
import type { BulkheadPermit, BulkheadWaiter } from '../bulkhead/Bulkhead';
import { WaitQueue } from '../bulkhead/WaitQueue';
import type { BulkheadRejectedError } from '../errors/BulkheadRejectedError';
import { OperatorSubscriber } from '../internal/OperatorSubscriber';
import { OptionChecker, placeOf } from '../internal/validate';

/** Options of {@link bulkheadMap} when each subscription gets its own bulkhead. Durations in ms. */
export interface BulkheadMapOptions {
  /** How many `project` calls may run at once: an integer >= 1, or `Infinity`. Required. */
  maxConcurrent: number;
  /**
   * How many source values may wait for a permit: an integer >= 0, or `Infinity`. Default
   * `Infinity`, so no value is ever rejected; a value arriving at a full queue errors the output
   * with `BulkheadRejectedError` reason `'full'`.
   */
  maxQueue?: number;
  /** The bulkhead's name, used in errors. Default `'bulkheadMap'`. */
  name?: string;
  /** How long a value may wait for a permit before the output errors with reason `'queue-timeout'`, in ms. Default: no limit. */
  queueTimeout?: number;
  /** The scheduler that times `queueTimeout`. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

const KNOWN: readonly (keyof BulkheadMapOptions)[] = ['maxConcurrent', 'maxQueue', 'name', 'queueTimeout', 'scheduler'];

/**
 * Maps each source value to an observable and merges them, running at most `maxConcurrent`
 * `project` calls at once; the rest of the values wait in a FIFO queue.
 *
 * <span class="informal">`mergeMap(project, maxConcurrent)`, where the concurrency is a bulkhead:
 * here one of its own per subscription, bounded by `maxQueue` and `queueTimeout`.</span>
 *
 * ```text
 * source:   a-b-c---|
 * project:  each value → --x|
 * output:   --A--B--C|        (maxConcurrent: 1: b and c queue)
 * ```
 *
 * Each value's `project(value, index)` is one call through the bulkhead: it is called when the
 * value gets a permit, and the permit is held until the observable it returned completes or
 * errors. No value is ever dropped: with the default `maxQueue: Infinity` nothing is rejected, and
 * a rejected value (`maxQueue` full, or waited `queueTimeout` ms) errors the output with
 * `BulkheadRejectedError`. Errors thrown or emitted by `project` error the output. The output
 * completes when the source and every call have completed. Unsubscribing the output drops the
 * queued values without calling `project` for any of them.
 *
 * Bad options throw `ResilienceConfigError` here, when the operator is created.
 *
 * ## Example
 * ```ts
 * import { from } from 'rxjs';
 * import { bulkheadMap } from 'rxjs-resilience';
 *
 * from(userIds)
 *   .pipe(bulkheadMap((id) => fetchUser(id), { maxConcurrent: 4 }))
 *   .subscribe((user) => console.log(user.name));
 * // Output (in completion order; at most 4 requests in flight, the other ids wait their turn):
 * // Ada
 * // Grace
 * // …
 * ```
 */
export function bulkheadMap<T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
  options: BulkheadMapOptions,
): OperatorFunction<T, ObservedValueOf<O>>;
/**
 * Maps each source value to an observable and merges them, each `project` call taking a permit of
 * the shared `bulkhead`, so the calls share its concurrency limit and queue with everything else
 * that uses it.
 *
 * A value that finds the bulkhead's queue full, or waits longer than its `queueTimeout`, errors the
 * output with `BulkheadRejectedError`: never a silent drop. Otherwise as the options form.
 *
 * ## Example
 * ```ts
 * import { from } from 'rxjs';
 * import { Bulkhead, bulkheadMap } from 'rxjs-resilience';
 *
 * const db = new Bulkhead({ name: 'db', maxConcurrent: 10, maxQueue: 1000 });
 * from(orderIds)
 *   .pipe(bulkheadMap((id) => loadOrder(id), db))
 *   .subscribe(render);
 * // Output: each order rendered as it loads; these loadOrder calls and every other use of `db`
 * // run at most 10 at a time between them.
 * ```
 */
export function bulkheadMap<T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
  bulkhead: Bulkhead,
): OperatorFunction<T, ObservedValueOf<O>>;
/**
 * Either form, for code that holds a `Bulkhead | BulkheadMapOptions` (a config, a policy): a
 * `Bulkhead` shares its permits, an options object gives each subscription its own bulkhead.
 */
export function bulkheadMap<T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
  bulkheadOrOptions: Bulkhead | BulkheadMapOptions,
): OperatorFunction<T, ObservedValueOf<O>>;
export function bulkheadMap<T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
  bulkheadOrOptions: Bulkhead | BulkheadMapOptions,
): OperatorFunction<T, ObservedValueOf<O>> {
  const given = bulkheadOrOptions as Partial<Bulkhead & BulkheadMapOptions> | null | undefined;
  const shared = given !== null && typeof given === 'object' && typeof given.acquire === 'function';
  const check = new OptionChecker(placeOf('bulkheadMap', shared ? undefined : (given?.name ?? 'bulkheadMap')));
  check.func('project', project);
  let makeBulkhead: () => Bulkhead;
  if (shared) {
    const bulkhead = bulkheadOrOptions as Bulkhead;
    makeBulkhead = () => bulkhead;
  } else {
    if (bulkheadOrOptions === undefined) check.fail('bulkheadOrOptions', 'a Bulkhead or an options object', undefined);
    const options = check.options(bulkheadOrOptions as BulkheadMapOptions, KNOWN);
    const { maxConcurrent, maxQueue = Infinity, name = 'bulkheadMap', queueTimeout, scheduler } = options;
    check.name(name);
    check.integer('maxConcurrent', maxConcurrent, 1, true);
    check.integer('maxQueue', maxQueue, 0, true);
    if (queueTimeout !== undefined && queueTimeout !== Infinity) check.duration('queueTimeout', queueTimeout);
    if (scheduler !== undefined) check.scheduler(scheduler);
    const config = { name, maxConcurrent, maxQueue, queueTimeout, scheduler };
    makeBulkhead = () => new Bulkhead(config);
  }

  return (source) =>
    new Observable<ObservedValueOf<O>>((subscriber) => {
      const run = new MapRun<T, O>(subscriber, project, makeBulkhead());
      // On unsubscription the finalizers run in this order: leave the queue, stop the source, then
      // end the running calls, whose permits can only go to other users by then. So no queued value
      // of this subscription ever starts, even while a running call's teardown hands its permit on.
      subscriber.add(() => run.abandonWaiting());
      const sourceSubscriber = new OperatorSubscriber<T>(
        subscriber,
        (value) => run.start(value),
        () => {
          run.sourceDone = true;
          run.checkComplete();
        },
        (error) => run.fail(error),
      );
      run.source = sourceSubscriber;
      subscriber.add(run.calls);
      source.subscribe(sourceSubscriber);
    });
}

/** One subscription's state. */
class MapRun<T, O extends ObservableInput<unknown>> {
  index = 0;
  /** Calls not yet completed: waiting or running. */
  pending = 0;
  sourceDone = false;
  /** This subscription's calls still waiting for a permit, to leave the queue on unsubscription. */
  readonly waiting = new WaitQueue<Call<T, O>>();
  /** The running calls: unsubscribing it ends them all and gives their permits back. */
  readonly calls = new Subscription();
  source: Subscription | null = null;

  constructor(
    readonly outer: Subscriber<ObservedValueOf<O>>,
    readonly project: (value: T, index: number) => O,
    readonly bulkhead: Bulkhead,
  ) {}

  start(value: T): void {
    const call = new Call(this, value, this.index++);
    this.pending++;
    const permit = this.bulkhead.acquire(call);
    if (permit.status === 'waiting') {
      call.permit = permit;
      call.queued = true;
      this.waiting.push(call);
    }
  }

  checkComplete(): void {
    // `closed`: the last call can end inside another's completion (a permit handed on starts a call
    // that completes at once), and both then get here.
    if (this.sourceDone && this.pending === 0 && !this.outer.closed) this.outer.complete();
  }

  /**
   * Ends the output with an error (a rejected value, a failed call, a throwing project, a source
   * error) only after everything it held is given back, so whoever hears the error finds the
   * bulkhead's permits free, as they are on completion.
   */
  fail(error: unknown): void {
    this.source!.unsubscribe();
    this.abandonWaiting();
    this.calls.unsubscribe();
    this.outer.error(error);
  }

  abandonWaiting(): void {
    let call: Call<T, O> | null;
    while ((call = this.waiting.shift()) !== null) {
      call.queued = false;
      call.permit!.release();
    }
  }
}

/**
 * One value's call: the bulkhead's waiter while it queues, then the subscriber to what `project`
 * returned. One object per value, methods on the prototype: no closures on the hot path.
 */
class Call<T, O extends ObservableInput<unknown>> extends Subscriber<ObservedValueOf<O>> implements BulkheadWaiter {
  waitPrev: Call<T, O> | null = null;
  waitNext: Call<T, O> | null = null;
  queued = false;
  permit: BulkheadPermit | null = null;

  constructor(
    private readonly run: MapRun<T, O>,
    private value: T | undefined,
    private readonly index: number,
  ) {
    // No destination: it is chained to the output only once it runs (so a long queue does not
    // grow the output's list of finalizers), and it passes values on itself.
    super();
  }

  granted(permit: BulkheadPermit): void {
    const run = this.run;
    if (this.queued) {
      this.queued = false;
      run.waiting.remove(this);
    }
    this.permit = permit;
    run.calls.add(this);
    const value = this.value as T;
    // Be sure not to hold the value in memory while the call runs.
    this.value = undefined;
    let input: Observable<ObservedValueOf<O>>;
    try {
      input = from(run.project(value, this.index)) as Observable<ObservedValueOf<O>>;
    } catch (error) {
      run.fail(error);
      return;
    }
    input.subscribe(this);
  }

  rejected(error: BulkheadRejectedError): void {
    if (this.queued) {
      this.queued = false;
      this.run.waiting.remove(this);
    }
    this.run.fail(error);
  }

  protected override _next(value: ObservedValueOf<O>): void {
    this.run.outer.next(value);
  }

  protected override _error(error: unknown): void {
    this.run.fail(error);
  }

  protected override _complete(): void {
    const run = this.run;
    run.pending--;
    // Tears the call down, then hands its permit on (maybe to this output's next value, which
    // starts now), then sees whether that was the last call.
    this.unsubscribe();
    run.checkComplete();
  }

  /** Tears the call down, then gives its permit back (both idempotent). */
  override unsubscribe(): void {
    super.unsubscribe();
    this.permit!.release();
  }
}
