/**
 * Gradient EM [XFD, ZXFD]: μ_i ← μ_i + η (S_i − R_i μ_i)/Σc, i.e. a gradient step on the means scaled by
 * σ_i² (identical to GD when σ = 1); learned logits and log-variances take a plain gradient step η.
 * Mixture problems only.
 */
import { MixtureProblem } from './mixtureProblem.js';
import { axpy, type Point, type Problem } from './problem.js';
import type { Step, StepOutcome } from './step.js';

/** A gradient-EM step with step η > 0. */
export function gradientEm(options: { stepSize: number }): Step<MixtureProblem> {
  const { stepSize } = options;
  return {
    name: 'gradient-em',
    init(problem: Problem): MixtureProblem {
      if (!(problem instanceof MixtureProblem)) throw new TypeError('gradient-em needs a mixture problem');
      return problem;
    },
    async update(_problem: Problem, pt: Point, mix: MixtureProblem): Promise<StepOutcome> {
      const next = await mix.evaluate(axpy(pt.x, stepSize, mix.emDirection(pt)));
      return { point: next, kind: 'gd', stepSize };
    },
  };
}
