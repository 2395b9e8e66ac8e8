/** Builds the step named by the `solver` option from validated options and an f* estimator. */
import { anderson } from './anderson.js';
import { em } from './em.js';
import { emPolyak } from './emPolyak.js';
import { gd } from './gd.js';
import { gdPolyak } from './gdPolyak.js';
import { gradientEm } from './gradientEm.js';
import type { EstimatorFactory } from './optimum/estimator.js';
import { shortStepsFor, type ResolvedOptions, type ConcreteSolver } from './options.js';
import { polyak } from './polyak.js';
import { squarem } from './squarem.js';
import type { AnyStep } from './step.js';

/** The step settings that matter for building a solver (a subset of {@link ResolvedOptions}). */
export type StepSettings = Pick<ResolvedOptions, 'shortSteps' | 'shortStepSize' | 'maxPolyakStep' | 'adaptive' | 'monotone' | 'learningRate'>
  & Partial<Pick<ResolvedOptions, 'backtrack' | 'andersonOrder' | 'emPolyakShort' | 'lossChangeTol'>>;

/** The step for a concrete `solver` ('auto' is resolved by auto.ts first); `optimum` is only used by the Polyak-based solvers. */
export function buildStep(solver: ConcreteSolver, s: StepSettings, optimum: EstimatorFactory): AnyStep {
  const K = shortStepsFor(solver, s.shortSteps);
  switch (solver) {
    case 'gd': return gd({ stepSize: s.learningRate, backtrack: s.backtrack });
    case 'gradient-em': return gradientEm({ stepSize: s.learningRate, backtrack: s.backtrack });
    case 'em': return em();
    case 'squarem': return squarem({ monotone: s.monotone, lossChangeTol: s.lossChangeTol });
    case 'anderson': return anderson({ order: s.andersonOrder ?? 5, monotone: s.monotone });
    case 'em-polyak':
      return emPolyak({ optimum, maxStep: s.maxPolyakStep, monotone: s.monotone, shortSteps: K, short: s.emPolyakShort, adaptive: s.adaptive, lossChangeTol: s.lossChangeTol });
    case 'polyak':
      return polyak({ optimum, maxStep: s.maxPolyakStep, monotone: s.monotone, halveOnReject: true, backtrackFallback: s.backtrack, fallbackStep: s.learningRate });
    case 'gd-polyak':
      return gdPolyak({ optimum, maxStep: s.maxPolyakStep, monotone: s.monotone, shortSteps: K, shortStepSize: s.shortStepSize, adaptive: s.adaptive, backtrack: s.backtrack });
  }
}
