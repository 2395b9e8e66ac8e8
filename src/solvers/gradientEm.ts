/**
 * Gradient EM [XFD, ZXFD]: μ_i ← μ_i + η (S_i − R_i μ_i)/Σc, i.e. a gradient step on the means scaled by
 * σ_i² (identical to GD when σ = 1); learned logits and log-variances take a plain gradient step η,
 * whatever the metric. Under metric 'em' it therefore differs from 'gd' (which scales every block by the
 * EM metric) as soon as weights or variances are learned; with only means learned the two coincide, as
 * they should. Mixture problems only.
 */
import { MixtureProblem } from './mixtureProblem.js';
import { descend, type DescendState } from './descend.js';
import type { Point, Problem } from './problem.js';
import type { Step, StepOutcome } from './step.js';

/** A gradient-EM step with step η > 0. */
export function gradientEm(options: { stepSize: number; backtrack?: boolean }): Step<{ mix: MixtureProblem; bt?: DescendState }> {
  const { stepSize } = options;
  return {
    name: 'gradient-em',
    init: (problem: Problem) => ({ mix: MixtureProblem.of(problem, 'gradient-em'), bt: options.backtrack ? { eta: stepSize } : undefined }),
    async update(_problem: Problem, pt: Point, st: { mix: MixtureProblem; bt?: DescendState }): Promise<StepOutcome> {
      const { point, stepSize: t } = await descend(st.mix, pt, st.mix.emDirection(pt), stepSize, st.bt);
      return { point, kind: 'gradient-em', stepSize: t };
    },
  };
}
