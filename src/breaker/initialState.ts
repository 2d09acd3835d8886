import type { OptionChecker } from '../internal/validate';
import type { CircuitBreakerJSON, CircuitState, TripStateJSON } from './types';

const FIELDS: readonly (keyof CircuitBreakerJSON)[] = [
  'version',
  'state',
  'openCount',
  'openedAt',
  'halfOpenAt',
  'halfOpenSuccesses',
  'successCount',
  'failureCount',
  'rejectedCount',
  'consecutiveFailures',
  'lastFailureAt',
  'trip',
];

const STATES: readonly CircuitState[] = ['closed', 'open', 'half-open', 'isolated'];

/**
 * Checks an `initialState` (what `toJSON()` returned, possibly through `JSON.parse`): every field
 * present with the right type, nothing unknown. Throws `ResilienceConfigError` naming the field.
 */
export function readInitialState(check: OptionChecker, value: unknown): CircuitBreakerJSON {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    check.fail('initialState', 'an object returned by toJSON()', value);
  }
  const json = value as Record<string, unknown>;
  for (const key of Object.keys(json)) {
    if (!(FIELDS as readonly string[]).includes(key))
      check.fail(`initialState.${key}`, 'absent (not a known field)', json[key]);
  }
  if (json.version !== 1) check.fail('initialState.version', '1', json.version);
  const state = check.oneOf('initialState.state', json.state, STATES);
  for (const key of [
    'openCount',
    'halfOpenSuccesses',
    'successCount',
    'failureCount',
    'rejectedCount',
    'consecutiveFailures',
  ] as const) {
    check.integer(`initialState.${key}`, json[key], 0);
  }
  for (const key of ['openedAt', 'lastFailureAt'] as const) time(check, key, json[key], true);
  // An open breaker must know when to half-open, a half-open one since when.
  time(check, 'halfOpenAt', json.halfOpenAt, state !== 'open' && state !== 'half-open');
  const trip = json.trip;
  if (
    trip !== undefined &&
    (trip === null || typeof trip !== 'object' || typeof (trip as TripStateJSON).kind !== 'string')
  ) {
    check.fail('initialState.trip', 'an object with a string kind (from toJSON())', trip);
  }
  return json as unknown as CircuitBreakerJSON;
}

function time(check: OptionChecker, key: string, value: unknown, nullable: boolean): void {
  if (nullable && value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    check.fail(`initialState.${key}`, nullable ? 'a finite number or null' : 'a finite number', value);
  }
}
