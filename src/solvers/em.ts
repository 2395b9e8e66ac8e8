/**
 * EM: the closed-form M-step for whatever is learned (means always; weights and variances when the
 * parameterization learns them, with the regCovar floor), from the statistics of the current point.
 * Never decreases the likelihood (up to the floor). Mixture problems only.
 */
import { MixtureProblem } from './mixtureProblem.js';
import type { Point, Problem } from './problem.js';
import type { Step, StepOutcome } from './step.js';

/** An EM step. */
export function em(): Step<MixtureProblem> {
  return {
    name: 'em',
    init: (problem: Problem): MixtureProblem => MixtureProblem.of(problem, 'em'),
    async update(_problem: Problem, pt: Point, mix: MixtureProblem): Promise<StepOutcome> {
      const next = await mix.evaluate(mix.emUpdate(pt));
      return { point: next, kind: 'em', stepSize: 1 };
    },
  };
}
