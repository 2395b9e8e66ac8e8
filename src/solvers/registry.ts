/** Builds the step named by the `solver` option from validated options and an f* estimator. */
import { em } from './em.js';
import { gd } from './gd.js';
import { gdPolyak } from './gdPolyak.js';
import { gradientEm } from './gradientEm.js';
import type { EstimatorFactory } from './optimum/estimator.js';
import type { ResolvedOptions, SolverName } from './options.js';
import { polyak } from './polyak.js';
import type { AnyStep } from './step.js';

/** The step settings that matter for building a solver (a subset of {@link ResolvedOptions}). */
export type StepSettings = Pick<ResolvedOptions, 'shortSteps' | 'shortStepSize' | 'maxPolyakStep' | 'adaptive' | 'monotone' | 'learningRate'>
  & Partial<Pick<ResolvedOptions, 'backtrack'>>;

/** The step for `solver`; `optimum` is only used by the Polyak-based solvers. */
export function buildStep(solver: SolverName, s: StepSettings, optimum: EstimatorFactory): AnyStep {
  switch (solver) {
    case 'gd': return gd({ stepSize: s.learningRate, backtrack: s.backtrack });
    case 'gradient-em': return gradientEm({ stepSize: s.learningRate, backtrack: s.backtrack });
    case 'em': return em();
    case 'polyak':
      return polyak({ optimum, maxStep: s.maxPolyakStep, monotone: s.monotone, halveOnReject: true, backtrackFallback: s.backtrack, fallbackStep: s.learningRate });
    case 'gd-polyak':
      return gdPolyak({ optimum, maxStep: s.maxPolyakStep, monotone: s.monotone, shortSteps: s.shortSteps, shortStepSize: s.shortStepSize, adaptive: s.adaptive, backtrack: s.backtrack });
  }
}
