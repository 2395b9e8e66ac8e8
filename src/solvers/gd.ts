/** Plain gradient descent: θ ← θ − η ∇f(θ), one evaluation per iteration. */
import { axpy, type Point, type Problem } from './problem.js';
import type { Step, StepKind, StepOutcome } from './step.js';

/** Options of {@link gd}. */
export interface GdOptions {
  /** η > 0 (units of θ per unit gradient). */
  stepSize: number;
  /** How iterations are labelled: 'gd' standalone, 'short' inside gd-polyak. */
  kind?: StepKind;
}

/** A fixed-step gradient step over any problem. */
export function gd(options: GdOptions): Step<null> {
  const { stepSize } = options;
  const kind = options.kind ?? 'gd';
  return {
    name: 'gd',
    init: () => null,
    async update(problem: Problem, pt: Point): Promise<StepOutcome> {
      const next = await problem.evaluate(axpy(pt.x, stepSize, pt.g));
      return { point: next, kind, stepSize };
    },
  };
}
