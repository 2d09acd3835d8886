import { Observable, Subject } from 'rxjs';
import type { SchedulerLike } from 'rxjs';

/** What every event of a stateful object carries: its type, the object's name, the scheduler time. */
export interface EventBase<Type extends string> {
  readonly type: Type;
  readonly name: string;
  /** Scheduler time (`scheduler.now()`) of the event. */
  readonly at: number;
}

/**
 * The streams every stateful object shares: `state$` (the current snapshot on subscribe, then one
 * per change), `events$` (hot, no replay), `snapshot()` and `dispose()`.
 *
 * Subclasses call `changed()` after each state change and `emit(type, fields)` for each event.
 * On a per-call path, guard with `if (this.listening)` so the fields object is only built when
 * someone listens.
 */
export abstract class Stateful<Snapshot, Event extends EventBase<string>> {
  private readonly eventSubject = new Subject<Event>();
  private readonly changeSubject = new Subject<void>();
  private isDisposed = false;

  /** Every event, as it happens. Hot: a subscriber sees only what comes after it subscribed. */
  readonly events$: Observable<Event> = this.eventSubject.asObservable();

  /** The current snapshot on subscribe, then a snapshot after each change; completes on `dispose()`. */
  readonly state$: Observable<Snapshot> = new Observable<Snapshot>((subscriber) => {
    subscriber.next(this.snapshot());
    if (this.isDisposed) {
      subscriber.complete();
      return;
    }
    return this.changeSubject.subscribe({
      next: () => subscriber.next(this.snapshot()),
      complete: () => subscriber.complete(),
    });
  });

  protected constructor(
    readonly name: string,
    protected readonly scheduler: SchedulerLike,
  ) {}

  /** The current state as a plain, JSON-serialisable object. */
  abstract snapshot(): Snapshot;

  /** True once `dispose()` has run. */
  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Cancels the object's timers (in `onDispose`) and completes its streams. Idempotent. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.onDispose();
    this.changeSubject.complete();
    this.eventSubject.complete();
  }

  /** Cancel timers and other resources here. */
  protected onDispose(): void {}

  /** Tells `state$` subscribers that the state changed. */
  protected changed(): void {
    if (this.changeSubject.observed) this.changeSubject.next();
  }

  /** True when someone listens to `events$`: build event objects only then. */
  protected get listening(): boolean {
    return this.eventSubject.observed;
  }

  /** Emits an event stamped with `type`, `name` and `at` (only if someone listens). */
  protected emit<T extends Event['type']>(
    type: T,
    fields: Omit<Extract<Event, { type: T }>, 'type' | 'name' | 'at'>,
  ): void {
    if (!this.eventSubject.observed) return;
    this.eventSubject.next({ type, name: this.name, at: this.scheduler.now(), ...fields } as unknown as Event);
  }
}
