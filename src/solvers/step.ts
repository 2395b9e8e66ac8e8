/**
 * The step contract (optax-style): a solver is a step with an explicit state, created by `init` from the
 * starting point and advanced by `update`. One `update` is one iteration and costs exactly one evaluation
 * (a short step, a long-step trial or an EM step; backtracking retries are the one exception), so
 * iteration and evaluation counts stay comparable and a budget of evaluations is met exactly. Methods
 * whose cycle needs several passes (SQUAREM, Anderson) are state machines: an intermediate pass is an
 * update of kind 'trial' that keeps the current point, so the driver's budget, abort and stopping rules
 * still act between any two passes.
 */
import type { Point, Problem } from './problem.js';

/** What an iteration did: ALGORITHM.md §8 names. */
export type StepKind = 'short' | 'polyak' | 'polyak-rejected' | 'em' | 'gd' | 'gradient-em'
  | 'squarem' | 'anderson' | 'trial';

/** The result of one `update`. */
export interface StepOutcome {
  /** The current point after the iteration (the old one when a trial was rejected). */
  point: Point;
  kind: StepKind;
  /** The step length used (η, the Polyak γ, or 1 for EM). */
  stepSize: number;
  /** The f* estimate used by this iteration, if any. */
  optimumEstimate?: number;
  /** True for an intermediate trial of the adaptive trigger: its rejection does not count as a failure. */
  probe?: boolean;
}

/** A solver step over a {@link Problem}, with state type S. */
export interface Step<S = unknown> {
  readonly name: string;
  /** Creates the state from the (already evaluated) starting point. Throws if the problem is unsupported. */
  init(problem: Problem, start: Point): S;
  /** One iteration from `point` (the current point): exactly one evaluation. */
  update(problem: Problem, point: Point, state: S): Promise<StepOutcome>;
  /** The f* estimate the step would use now (for history records), if it keeps one. */
  estimate?(state: S): number | undefined;
}

/** Erases a step's state type (for heterogeneous lists). */
export type AnyStep = Step<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
