import type { Observable } from 'rxjs';

/** One lane of a marble diagram: the marble string, and what its letters and `#` stand for. */
export interface MarbleLane {
  marbles: string;
  values?: Record<string, unknown>;
  error?: unknown;
}

/** An input of a scenario: a cold (default) or hot observable, with its expected subscriptions. */
export interface InputLane extends MarbleLane {
  hot?: boolean;
  /** Expected subscription marbles, one per (re)subscription. */
  subs?: string | string[];
}

/** An expected output lane; `unsub` unsubscribes it early. */
export interface OutputLane extends MarbleLane {
  unsub?: string;
}

/**
 * A canonical diagram: inputs, the code that runs on them (shown in the docs as written), and the
 * expected outputs. Executed by `test/marbles.test.ts` and rendered into the README by
 * `npm run docs`: a diagram users see is a diagram that passed.
 */
export interface MarbleScenario<I extends string = string, O extends string = string> {
  /** Stable id, unique within its file; the README block is `<!-- marbles:<file>:<id> -->`. */
  id: string;
  title: string;
  /** One or two sentences on what the diagram shows. */
  description: string;
  inputs: Record<I, InputLane>;
  /** The code under test. Runs inside `TestScheduler.run`, so `asyncScheduler` is virtual time. */
  run: (inputs: Record<I, Observable<unknown>>) => Record<O, Observable<unknown>>;
  outputs: Record<O, OutputLane>;
}

export interface MarbleSuite {
  /** The operator or object the diagrams are about. */
  subject: string;
  scenarios: MarbleScenario[];
}

/** Declares a file's scenarios. */
export function defineMarbles(subject: string, scenarios: MarbleScenario[]): MarbleSuite {
  return { subject, scenarios };
}
