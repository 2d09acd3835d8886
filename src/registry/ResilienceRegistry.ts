import { asyncScheduler, Observable, Subject } from 'rxjs';
import type { ObservableInput, OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { CircuitBreaker } from '../breaker/CircuitBreaker';
import type { CircuitBreakerEvent, CircuitBreakerSnapshot, CircuitState } from '../breaker/types';
import { RetryBudget } from '../budget/RetryBudget';
import type { RetryBudgetEvent, RetryBudgetSnapshot } from '../budget/RetryBudget';
import { Bulkhead } from '../bulkhead/Bulkhead';
import type { BulkheadEvent, BulkheadSnapshot } from '../bulkhead/Bulkhead';
import { Drainer } from '../drain/Drainer';
import type { DrainerEvent, DrainerSnapshot } from '../drain/Drainer';
import { ResilienceConfigError } from '../errors/ResilienceConfigError';
import { HealthTracker } from '../health/HealthTracker';
import type { HealthEvent, HealthTrackerSnapshot } from '../health/HealthTracker';
import { OptionChecker, placeOf } from '../internal/validate';
import { resilient } from '../operators/resilient';
import { retryWithBackoff } from '../operators/retryWithBackoff';
import type { ResiliencePolicy, ResilientTimeout } from '../operators/resilient';
import type { MemberKind, OperationEvent, OperationReport, OperationReporter } from './events';
import { presetNames, presets } from './presets';
import type { DependencyOptions, PresetName } from './presets';

/** Options of {@link ResilienceRegistry}. */
export interface ResilienceRegistryOptions {
  /**
   * Defaults for `registry.dependency(...)`, ranking below a preset `type` and the dependency's own
   * options. `timeout` is the registry-wide default limit of `protect()`.
   */
  defaults?: Partial<DependencyOptions>;
  /** The scheduler that stamps operator events (`at`) and that dependencies' parts use. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/** `registry.dependency(name, options)`: a preset `type`, and options over it. */
export interface DependencyConfig extends Partial<DependencyOptions> {
  /** A preset to start from. */
  type?: PresetName;
}

/** What `protect()` may override for one use of a dependency. */
export interface ProtectOptions<R = never> {
  /** A limit for this use, over the dependency's (a number means `{ total }`). */
  timeout?: ResilientTimeout;
  /** Retry options for this use, over the dependency's. */
  retry?: ResiliencePolicy['retry'];
  /** What to answer when the call failed after its retries. */
  fallback?: (error: unknown) => ObservableInput<R>;
  /** Refuse new calls while this drainer drains. */
  drainer?: Drainer;
  /** The operation's name for events and counters. Default: the dependency's name. */
  name?: string;
}

/** One protected dependency: its breaker (unless disabled), bulkhead and health tracker, named after it. */
export class Dependency {
  constructor(
    readonly name: string,
    readonly options: Readonly<DependencyOptions>,
    readonly bulkhead: Bulkhead,
    readonly health: HealthTracker,
    readonly circuitBreaker: CircuitBreaker | undefined,
    private readonly registry: ResilienceRegistry,
  ) {}

  /**
   * `resilient(...)` for this dependency: its timeout, retry, breaker, bulkhead and tracker, in
   * the documented order, reporting to the registry. `overrides` win over the dependency's options.
   */
  protect<T, R = never>(overrides: ProtectOptions<R> = {}): OperatorFunction<T, T | R> {
    const check = new OptionChecker(`${placeOf('Dependency', this.name)}.protect()`);
    check.options(overrides, ['timeout', 'retry', 'fallback', 'drainer', 'name']);
    const { scheduler } = this.registry;
    // Timeout precedence: this call's override, then the dependency's own (which already ranks its
    // options over its preset, and the preset over the registry's default).
    const timeout = overrides.timeout ?? this.options.timeout;
    // A retry override adjusts the dependency's retry options key by key.
    const retry = overrides.retry === undefined ? this.options.retry : { ...this.options.retry, ...overrides.retry };
    return resilient<T, R>({
      name: overrides.name ?? this.name,
      registry: this.registry,
      ...(timeout !== undefined
        ? { timeout: typeof timeout === 'number' ? { total: timeout, scheduler } : { scheduler, ...timeout } }
        : {}),
      ...(retry !== undefined ? { retry: { scheduler, ...retry } } : {}),
      ...(this.circuitBreaker ? { circuitBreaker: this.circuitBreaker } : {}),
      bulkhead: this.bulkhead,
      health: this.health,
      ...(overrides.fallback ? { fallback: overrides.fallback } : {}),
      ...(overrides.drainer ? { drainer: overrides.drainer } : {}),
    });
  }

  /** A plain description: the names of its parts and its options. */
  toJSON(): { name: string; circuitBreaker: string | null; bulkhead: string; health: string } {
    return {
      name: this.name,
      circuitBreaker: this.circuitBreaker?.name ?? null,
      bulkhead: this.bulkhead.name,
      health: this.health.name,
    };
  }
}

/** Anything a registry holds. */
export type RegistryMember = CircuitBreaker | Bulkhead | RetryBudget | Drainer | HealthTracker | Dependency;

/** A member's event, tagged with the member's kind. */
export type MemberEvent =
  | (CircuitBreakerEvent & { readonly kind: 'circuitBreaker' })
  | (BulkheadEvent & { readonly kind: 'bulkhead' })
  | (RetryBudgetEvent & { readonly kind: 'retryBudget' })
  | (DrainerEvent & { readonly kind: 'drainer' })
  | (HealthEvent & { readonly kind: 'healthTracker' });

/** Every event `registry.events$` carries: members' events and operators' reports, tagged with `kind` and `name`. */
export type RegistryEvent = MemberEvent | OperationEvent;

/** The registry's overall verdict. */
export type RegistryStatus = 'healthy' | 'degraded' | 'critical';

/** `registry.snapshot()` and each `health$` value. */
export interface RegistrySnapshot {
  /** `critical` when more than half the circuits are open or isolated; `degraded` when any is, or any tracker is not healthy. */
  readonly status: RegistryStatus;
  /** False while any drainer drains (and once it has drained): for readiness probes. */
  readonly ready: boolean;
  readonly totalCircuits: number;
  readonly circuitsByState: Readonly<Record<CircuitState, number>>;
  /** Circuits that reject every call: open or isolated. */
  readonly openCircuits: number;
  /** The mean of each circuit's score (closed 100, half-open 50, open or isolated 0); 100 with no circuits. */
  readonly healthPercentage: number;
  readonly circuitBreakers: Readonly<Record<string, CircuitBreakerSnapshot>>;
  readonly bulkheads: Readonly<Record<string, BulkheadSnapshot>>;
  readonly retryBudgets: Readonly<Record<string, RetryBudgetSnapshot>>;
  readonly drainers: Readonly<Record<string, DrainerSnapshot>>;
  readonly healthTrackers: Readonly<Record<string, HealthTrackerSnapshot>>;
  /** Per operation name: retries made, timeouts expired, fallbacks used. */
  readonly counters: {
    readonly retries: Readonly<Record<string, number>>;
    readonly timeouts: Readonly<Record<string, number>>;
    readonly fallbacks: Readonly<Record<string, number>>;
  };
}

const MEMBER_KINDS: readonly MemberKind[] = [
  'circuitBreaker',
  'bulkhead',
  'retryBudget',
  'drainer',
  'healthTracker',
  'dependency',
];

/** The kind of a member, or null for anything else. */
function kindOf(member: unknown): MemberKind | null {
  if (member instanceof CircuitBreaker) return 'circuitBreaker';
  if (member instanceof Bulkhead) return 'bulkhead';
  if (member instanceof RetryBudget) return 'retryBudget';
  if (member instanceof Drainer) return 'drainer';
  if (member instanceof HealthTracker) return 'healthTracker';
  if (member instanceof Dependency) return 'dependency';
  return null;
}

/** The stream of a member's changes (a breaker's snapshots are on `metrics$`). */
function changesOf(member: Exclude<RegistryMember, Dependency>): Observable<unknown> {
  return member instanceof CircuitBreaker ? member.metrics$ : member.state$;
}

type MembershipChange = { readonly added: boolean; readonly kind: MemberKind; readonly member: RegistryMember };

/**
 * One place for every breaker, bulkhead, budget, drainer and tracker of a service: one health
 * verdict for readiness probes and dashboards, every event in one stream, counters per operation,
 * and `dependency(...)` to protect a dependency from a preset.
 *
 * ## Example
 * ```ts
 * import { ResilienceRegistry } from 'rxjs-resilience';
 *
 * const registry = new ResilienceRegistry({ defaults: { timeout: 5000 } });
 * const users = registry.dependency('user-db', { type: 'database', retry: { maxRetries: 2, initialDelay: 100 } });
 *
 * const findUser = (id: string) => defer(() => db.query('select …', [id])).pipe(users.protect());
 * registry.health$.subscribe((h) => console.log(h.status, h.healthPercentage));
 * // Output:
 * // healthy 100
 * ```
 */
export class ResilienceRegistry implements OperationReporter {
  readonly scheduler: SchedulerLike;
  private readonly defaults: Partial<DependencyOptions>;
  private readonly members = new Map<MemberKind, Map<string, RegistryMember>>(MEMBER_KINDS.map((k) => [k, new Map()]));
  private readonly membership = new Subject<MembershipChange>();
  private readonly operations = new Subject<OperationEvent>();
  private readonly counterChanges = new Subject<void>();
  private readonly counters = {
    retry: new Map<string, number>(),
    timeout: new Map<string, number>(),
    fallback: new Map<string, number>(),
  };

  /**
   * Every member's events and every operator report, tagged with `kind` and `name`. Hot: a
   * subscriber sees what happens after it subscribed, including in members added later.
   */
  readonly events$: Observable<RegistryEvent> = new Observable<RegistryEvent>((subscriber) => {
    const attached = new Map<RegistryMember, Subscription>();
    const attach = (kind: MemberKind, member: RegistryMember) => {
      if (member instanceof Dependency) return;
      attached.set(
        member,
        (member.events$ as Observable<{ type: string }>).subscribe((event) =>
          subscriber.next({ ...event, kind } as RegistryEvent),
        ),
      );
    };
    for (const [kind, byName] of this.members) for (const member of byName.values()) attach(kind, member);
    subscriber.add(
      this.membership.subscribe(({ added, kind, member }) => {
        if (added) attach(kind, member);
        else {
          attached.get(member)?.unsubscribe();
          attached.delete(member);
        }
      }),
    );
    subscriber.add(this.operations.subscribe(subscriber));
    return () => {
      for (const s of attached.values()) s.unsubscribe();
    };
  });

  /**
   * The registry's snapshot on subscribe, then a new one after every change of a member, of the
   * members, or of a counter (consecutive equal snapshots are not repeated).
   */
  readonly health$: Observable<RegistrySnapshot> = new Observable<RegistrySnapshot>((subscriber) => {
    let last = '';
    const emit = () => {
      const snapshot = this.snapshot();
      const key = JSON.stringify(snapshot);
      if (key !== last) {
        last = key;
        subscriber.next(snapshot);
      }
    };
    const attached = new Map<RegistryMember, Subscription>();
    const attach = (member: RegistryMember) => {
      if (member instanceof Dependency) return;
      let first = true;
      attached.set(
        member,
        changesOf(member).subscribe(() => {
          // state$ and metrics$ replay the current value on subscribe: not a change.
          if (first) first = false;
          else emit();
        }),
      );
    };
    emit();
    for (const byName of this.members.values()) for (const member of byName.values()) attach(member);
    subscriber.add(
      this.membership.subscribe(({ added, member }) => {
        if (added) attach(member);
        else {
          attached.get(member)?.unsubscribe();
          attached.delete(member);
        }
        emit();
      }),
    );
    subscriber.add(this.counterChanges.subscribe(emit));
    return () => {
      for (const s of attached.values()) s.unsubscribe();
    };
  });

  constructor(options?: ResilienceRegistryOptions) {
    const check = new OptionChecker('ResilienceRegistry');
    check.options(options, ['defaults', 'scheduler']);
    const { defaults = {}, scheduler = asyncScheduler } = options ?? {};
    this.scheduler = check.scheduler(scheduler);
    if (defaults === null || typeof defaults !== 'object') check.fail('defaults', 'an object', defaults);
    checkDependencyOptions(new OptionChecker('ResilienceRegistry defaults'), defaults, false);
    this.defaults = defaults;
  }

  /**
   * Adds a member and returns it. A second member of the same kind and name is a
   * `ResilienceConfigError`, as is anything that is not a member.
   */
  add<M extends RegistryMember>(member: M): M {
    const kind = kindOf(member);
    if (kind === null) {
      throw new ResilienceConfigError(
        'ResilienceRegistry',
        'add()',
        'a CircuitBreaker, Bulkhead, RetryBudget, Drainer, HealthTracker or Dependency',
        member,
        `ResilienceRegistry: add() takes a CircuitBreaker, Bulkhead, RetryBudget, Drainer, HealthTracker or Dependency, got ${describe(member)}`,
      );
    }
    const byName = this.members.get(kind)!;
    const existing = byName.get(member.name);
    if (existing === member) return member;
    if (existing !== undefined) {
      throw new ResilienceConfigError(
        'ResilienceRegistry',
        'add()',
        'a member whose kind and name are not taken',
        member.name,
        `ResilienceRegistry: a ${kind} named ${JSON.stringify(member.name)} is already registered`,
      );
    }
    byName.set(member.name, member);
    this.membership.next({ added: true, kind, member });
    return member;
  }

  /** The member of that kind and name, or `undefined`. */
  get(kind: 'circuitBreaker', name: string): CircuitBreaker | undefined;
  get(kind: 'bulkhead', name: string): Bulkhead | undefined;
  get(kind: 'retryBudget', name: string): RetryBudget | undefined;
  get(kind: 'drainer', name: string): Drainer | undefined;
  get(kind: 'healthTracker', name: string): HealthTracker | undefined;
  get(kind: 'dependency', name: string): Dependency | undefined;
  get(kind: MemberKind, name: string): RegistryMember | undefined {
    return this.members.get(kind)?.get(name);
  }

  /**
   * Removes a member (a dependency takes its breaker, bulkhead and tracker with it). Returns
   * whether it was there. The member is not disposed.
   */
  remove(member: RegistryMember): boolean {
    const kind = kindOf(member);
    if (kind === null) return false;
    const byName = this.members.get(kind)!;
    if (byName.get(member.name) !== member) return false;
    byName.delete(member.name);
    this.membership.next({ added: false, kind, member });
    if (member instanceof Dependency) {
      for (const part of [member.circuitBreaker, member.bulkhead, member.health]) if (part) this.remove(part);
    }
    return true;
  }

  /**
   * Creates and registers the breaker (unless `circuitBreaker: false`), bulkhead and health tracker
   * of one dependency, each named after it, from a preset `type` and options over it (options win
   * over the preset, the preset over the registry's `defaults`). An unknown `type`, a bad option or
   * a taken name is a `ResilienceConfigError`.
   */
  dependency(name: string, config: DependencyConfig = {}): Dependency {
    const check = new OptionChecker(placeOf('dependency', name));
    check.name(name);
    check.options(config, ['type', 'maxConcurrent', 'maxQueue', 'queueTimeout', 'timeout', 'circuitBreaker', 'retry']);
    const { type, ...own } = config;
    if (type !== undefined) check.oneOf('type', type, presetNames);
    // Own options over the preset, the preset over the registry's defaults; breaker and retry
    // options merge key by key (`false` replaces), so one override keeps the rest of a preset.
    const merged = [this.defaults, type !== undefined ? presets[type] : {}, stripUndefined(own)].reduce<
      Partial<DependencyOptions>
    >(layerDependencyOptions, {});
    checkDependencyOptions(check, merged, true);
    const options = merged as DependencyOptions;
    // Retry options are checked now, not at the first protect().
    if (options.retry !== undefined) retryWithBackoff({ ...options.retry, name, scheduler: this.scheduler });
    const kinds: MemberKind[] = ['dependency', 'bulkhead', 'healthTracker'];
    if (options.circuitBreaker) kinds.push('circuitBreaker');
    for (const kind of kinds) {
      if (this.members.get(kind)!.has(name)) {
        throw new ResilienceConfigError(
          'ResilienceRegistry',
          'dependency()',
          'a free name',
          name,
          `ResilienceRegistry: dependency ${JSON.stringify(name)}: a ${kind} of that name is already registered`,
        );
      }
    }
    const { scheduler } = this;
    const breaker = options.circuitBreaker
      ? new CircuitBreaker({ ...options.circuitBreaker, name, scheduler })
      : undefined;
    const bulkhead = new Bulkhead({
      name,
      maxConcurrent: options.maxConcurrent,
      ...(options.maxQueue !== undefined ? { maxQueue: options.maxQueue } : {}),
      ...(options.queueTimeout !== undefined ? { queueTimeout: options.queueTimeout } : {}),
      scheduler,
    });
    const health = new HealthTracker({ name, scheduler });
    const dependency = new Dependency(name, Object.freeze({ ...options }), bulkhead, health, breaker, this);
    if (breaker) this.add(breaker);
    this.add(bulkhead);
    this.add(health);
    return this.add(dependency);
  }

  /** Takes an operator's report: counts it and passes it on to `events$`, stamped with the scheduler's time. */
  reportOperation(report: OperationReport): void {
    const counter = this.counters[report.kind];
    counter.set(report.name, (counter.get(report.name) ?? 0) + 1);
    if (this.operations.observed) this.operations.next({ ...report, at: this.scheduler.now() } as OperationEvent);
    if (this.counterChanges.observed) this.counterChanges.next();
  }

  /** The registry's state now: status, readiness, circuits, every member's snapshot and the counters. */
  snapshot(): RegistrySnapshot {
    const snapshots = <S>(kind: MemberKind) =>
      Object.fromEntries(
        [...this.members.get(kind)!].map(([name, m]) => [name, (m as unknown as { snapshot(): S }).snapshot()]),
      ) as Record<string, S>;
    const circuitBreakers = snapshots<CircuitBreakerSnapshot>('circuitBreaker');
    const healthTrackers = snapshots<HealthTrackerSnapshot>('healthTracker');
    const drainers = snapshots<DrainerSnapshot>('drainer');
    const circuitsByState: Record<CircuitState, number> = { closed: 0, open: 0, 'half-open': 0, isolated: 0 };
    let score = 0;
    const circuits = Object.values(circuitBreakers);
    for (const c of circuits) {
      circuitsByState[c.state]++;
      score += c.state === 'closed' ? 100 : c.state === 'half-open' ? 50 : 0;
    }
    const openCircuits = circuitsByState.open + circuitsByState.isolated;
    const unhealthyTracker = Object.values(healthTrackers).some((h) => h.status !== 'healthy');
    const status: RegistryStatus =
      circuits.length > 0 && openCircuits > circuits.length / 2
        ? 'critical'
        : openCircuits > 0 || unhealthyTracker
          ? 'degraded'
          : 'healthy';
    return {
      status,
      ready: !Object.values(drainers).some((d) => d.draining || d.drained),
      totalCircuits: circuits.length,
      circuitsByState,
      openCircuits,
      healthPercentage: circuits.length === 0 ? 100 : score / circuits.length,
      circuitBreakers,
      bulkheads: snapshots<BulkheadSnapshot>('bulkhead'),
      retryBudgets: snapshots<RetryBudgetSnapshot>('retryBudget'),
      drainers,
      healthTrackers,
      counters: {
        retries: Object.fromEntries(this.counters.retry),
        timeouts: Object.fromEntries(this.counters.timeout),
        fallbacks: Object.fromEntries(this.counters.fallback),
      },
    };
  }

  /** Every member, by kind: for tools (such as the Prometheus exporter) that walk the registry. */
  list(kind: 'circuitBreaker'): CircuitBreaker[];
  list(kind: 'bulkhead'): Bulkhead[];
  list(kind: 'retryBudget'): RetryBudget[];
  list(kind: 'drainer'): Drainer[];
  list(kind: 'healthTracker'): HealthTracker[];
  list(kind: 'dependency'): Dependency[];
  list(kind: MemberKind): RegistryMember[] {
    return [...this.members.get(kind)!.values()];
  }
}

/** `over` laid over `base`: scalar options replace, breaker and retry options merge key by key; `false` replaces. */
function layerDependencyOptions(
  base: Partial<DependencyOptions>,
  over: Partial<DependencyOptions>,
): Partial<DependencyOptions> {
  const merged: Partial<DependencyOptions> = { ...base, ...over };
  if (isPlainObject(base.circuitBreaker) && isPlainObject(over.circuitBreaker)) {
    merged.circuitBreaker = { ...base.circuitBreaker, ...over.circuitBreaker };
  }
  if (isPlainObject(base.retry) && isPlainObject(over.retry)) merged.retry = { ...base.retry, ...over.retry };
  return merged;
}

function isPlainObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stripUndefined<O extends object>(o: O): Partial<O> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<O>;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/**
 * Checks dependency options; with `complete`, the required ones must be there. The parts check
 * their own options again when they are made.
 */
export function checkDependencyOptions(check: OptionChecker, o: Partial<DependencyOptions>, complete: boolean): void {
  check.options(o, ['maxConcurrent', 'maxQueue', 'queueTimeout', 'timeout', 'circuitBreaker', 'retry']);
  if (o.maxConcurrent !== undefined || complete) check.integer('maxConcurrent', o.maxConcurrent, 1);
  if (o.maxQueue !== undefined) check.integer('maxQueue', o.maxQueue, 0, true);
  if (o.queueTimeout !== undefined) check.duration('queueTimeout', o.queueTimeout);
  if (o.timeout !== undefined || complete) check.duration('timeout', o.timeout);
  if (o.circuitBreaker !== undefined || complete) {
    const cb = o.circuitBreaker;
    if (cb !== false && (cb === null || typeof cb !== 'object' || Array.isArray(cb))) {
      check.fail('circuitBreaker', 'circuit breaker options or false', cb);
    }
  }
  if (o.retry !== undefined && (o.retry === null || typeof o.retry !== 'object' || Array.isArray(o.retry))) {
    check.fail('retry', 'retryWithBackoff options', o.retry);
  }
}
