import { asyncScheduler, AsyncSubject } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { DrainingError } from '../errors/DrainingError';
import { DrainTimeoutError } from '../errors/DrainTimeoutError';
import { Stateful } from '../internal/Stateful';
import type { EventBase } from '../internal/Stateful';
import { scheduleUnref } from '../internal/unrefTimer';
import { MAX_TIMER_DELAY, OptionChecker, placeOf } from '../internal/validate';

/** Options of {@link Drainer}. */
export interface DrainerOptions {
  /** The drainer's name, used in errors, events and snapshots. Default `'drainer'`. */
  name?: string;
  /**
   * How long a drain waits for the calls in flight, in ms, before ending them with
   * `DrainTimeoutError`: a number >= 0, or `Infinity` to wait for as long as they take. Default `30000`.
   */
  drainTimeout?: number;
  /** The scheduler that times the drain. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/** What {@link Drainer.snapshot} returns. */
export interface DrainerSnapshot {
  readonly name: string;
  /** True from the first `drain()` on, for good (draining is final). */
  readonly draining: boolean;
  /** Calls in flight now. */
  readonly inFlight: number;
  /** True once the drain has ended: nothing was left in flight, or the drain timeout passed. */
  readonly drained: boolean;
}

/** What `drain()` emits once, when the drain ends. */
export interface DrainResult {
  /** True when every call in flight finished before the drain timeout. */
  readonly completed: boolean;
  /** Calls in flight when `drain()` was first called. */
  readonly inFlightAtStart: number;
  /** Calls the drain timeout ended (each errored with `DrainTimeoutError`). */
  readonly abandoned: number;
  /** ms from `drain()` to the end of the drain. */
  readonly duration: number;
}

/** Every event of a {@link Drainer}. */
export type DrainerEvent =
  /** `drain()` was called for the first time; `inFlight` calls were running. */
  | (EventBase<'drain-start'> & { readonly inFlight: number })
  /** A call was refused with `DrainingError`. */
  | EventBase<'rejected'>
  /** The drain ended: the same fields as the `DrainResult`. */
  | (EventBase<'drain-end'> & DrainResult);

/** One call in flight through a {@link Drainer}, returned by `enter()`. */
export interface DrainerCall {
  /** The call is over (completed, errored or unsubscribed). Idempotent; a no-op once the drain timeout ended the call. */
  leave(): void;
}

const KNOWN: readonly (keyof DrainerOptions)[] = ['name', 'drainTimeout', 'scheduler'];

/** The drainer's phase: `draining` and `drained` are final, in that order. */
type Phase = 'open' | 'draining' | 'drained';

class InFlightCall implements DrainerCall {
  constructor(
    private readonly release: (call: InFlightCall) => void,
    readonly abandon: ((error: DrainTimeoutError) => void) | undefined,
  ) {}

  leave(): void {
    this.release(this);
  }
}

/**
 * Graceful shutdown for everything that runs through it: counts the calls in flight, refuses new
 * ones once draining, and tells you when the last one has finished (or ends the stragglers after
 * `drainTimeout`).
 *
 * Use it through `drainUntilComplete(drainer)`, which makes each subscription one call. For other
 * integrations, `enter()` and `leave()` are the low-level API the operator is built on.
 *
 * The drain timeout is an unref'd timer: a draining drainer never keeps Node.js alive by itself.
 *
 * ## Example
 * ```ts
 * import { Drainer, drainUntilComplete } from 'rxjs-resilience';
 *
 * const drainer = new Drainer({ drainTimeout: 10_000 });
 * handle(request).pipe(drainUntilComplete(drainer)).subscribe(reply);
 * process.once('SIGTERM', () => drainer.drain().subscribe(() => process.exit(0)));
 * ```
 */
export class Drainer extends Stateful<DrainerSnapshot, DrainerEvent> {
  /** The drain timeout, in ms (`Infinity`: none). */
  readonly drainTimeout: number;
  /**
   * Emits once (`undefined`) when draining starts, then completes; a late subscriber gets it at
   * once. Completes without emitting on `dispose()` if the drainer never drained.
   * Put `takeUntil(drainer.draining$)` before the `mergeMap` of a long-lived stream to stop its intake.
   */
  readonly draining$: Observable<void>;

  private phase: Phase = 'open';
  private readonly calls = new Set<InFlightCall>();
  private readonly drainingSubject = new AsyncSubject<void>();
  private readonly resultSubject = new AsyncSubject<DrainResult>();
  private readonly result$: Observable<DrainResult> = this.resultSubject.asObservable();
  private startedAt = 0;
  private inFlightAtStart = 0;
  private timer: Subscription | null = null;

  constructor(options?: DrainerOptions) {
    const given = options ?? {};
    const check = new OptionChecker(placeOf('Drainer', given.name ?? 'drainer'));
    check.options(options, KNOWN);
    const { name = 'drainer', drainTimeout = 30000, scheduler = asyncScheduler } = given;
    check.name(name);
    if (drainTimeout !== Infinity) {
      const ok = typeof drainTimeout === 'number' && drainTimeout >= 0 && drainTimeout <= MAX_TIMER_DELAY;
      if (!ok) check.fail('drainTimeout', `a number >= 0 and <= ${MAX_TIMER_DELAY}, or Infinity`, drainTimeout);
    }
    check.scheduler(scheduler);
    super(name, scheduler);
    this.drainTimeout = drainTimeout;
    this.draining$ = this.drainingSubject.asObservable();
  }

  /** True from the first `drain()` on. */
  get draining(): boolean {
    return this.phase !== 'open';
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.calls.size;
  }

  /** The drainer's state now, as a plain object. */
  snapshot(): DrainerSnapshot {
    return { name: this.name, draining: this.draining, inFlight: this.inFlight, drained: this.phase === 'drained' };
  }

  /**
   * Starts draining now (idempotent): new calls are refused with `DrainingError` from here on, and
   * `draining$` emits. Returns an observable of the outcome: one `DrainResult` when nothing is left
   * in flight — at once if nothing was — or when `drainTimeout` passes (the calls still in flight
   * are then ended with `DrainTimeoutError`), then completion. Every call of `drain()` returns the
   * same outcome, also to late subscribers; subscribing is not needed for the drain to run.
   */
  drain(): Observable<DrainResult> {
    if (this.phase === 'open' && !this.disposed) {
      this.phase = 'draining';
      this.startedAt = this.scheduler.now();
      this.inFlightAtStart = this.calls.size;
      this.emit('drain-start', { inFlight: this.inFlightAtStart });
      this.changed();
      // Subscribers (takeUntil) stop their intake here; some may end calls at once.
      this.drainingSubject.next();
      this.drainingSubject.complete();
      if (this.phase === 'draining') {
        if (this.calls.size === 0) this.finish(0);
        else if (this.drainTimeout !== Infinity)
          this.timer = scheduleUnref(this.scheduler, () => this.timeout(), this.drainTimeout);
      }
    }
    return this.result$;
  }

  /**
   * Low-level: starts one call. Returns its handle — call `leave()` when the call is over — or,
   * while draining, a `DrainingError` to fail the call with (returned, not thrown).
   *
   * `abandon` is called if the drain timeout passes while the call is still in flight, with the
   * `DrainTimeoutError` to end it with; the call is no longer counted by then. An error thrown by
   * `abandon` is rethrown once every call has been ended and the drain has ended.
   */
  enter(abandon?: (error: DrainTimeoutError) => void): DrainerCall | DrainingError {
    if (this.phase !== 'open') {
      this.emit('rejected', {});
      return new DrainingError(this.name);
    }
    const call = new InFlightCall(this.release, abandon);
    this.calls.add(call);
    this.changed();
    return call;
  }

  protected override onDispose(): void {
    this.timer?.unsubscribe();
    this.timer = null;
    this.drainingSubject.complete();
    this.resultSubject.complete();
  }

  /** A call's `leave()`: a no-op for a call no longer counted. */
  private readonly release = (call: InFlightCall): void => {
    if (!this.calls.delete(call)) return;
    this.changed();
    if (this.phase === 'draining' && this.calls.size === 0) this.finish(0);
  };

  private timeout(): void {
    this.timer = null;
    // Every call in flight now is abandoned. They are all taken out first, so the teardown of one
    // (which may end another) cannot end the drain halfway through.
    const abandoned = [...this.calls];
    this.calls.clear();
    let failed = false;
    let thrown: unknown;
    for (const call of abandoned) {
      try {
        call.abandon?.(new DrainTimeoutError(this.name, this.drainTimeout));
      } catch (error) {
        if (!failed) {
          failed = true;
          thrown = error;
        }
      }
    }
    this.finish(abandoned.length);
    if (failed) throw thrown;
  }

  private finish(abandoned: number): void {
    this.phase = 'drained';
    this.timer?.unsubscribe();
    this.timer = null;
    const result: DrainResult = {
      completed: abandoned === 0,
      inFlightAtStart: this.inFlightAtStart,
      abandoned,
      duration: this.scheduler.now() - this.startedAt,
    };
    this.emit('drain-end', result);
    this.changed();
    this.resultSubject.next(result);
    this.resultSubject.complete();
  }
}
