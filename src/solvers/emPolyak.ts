/**
 * em-polyak: the short/long-step method with EM steps as the short steps (ALGORITHM.md §3.3). K EM steps
 * (or K SQUAREM cycles) pull the iterate onto the ravine, then one Polyak step moves along the EM direction
 * d = F(θ) − θ: θ ← θ + γ d with γ = min((f − f̂)/⟨∇f, −d⟩, γ_max), i.e. the Polyak length measured in the EM
 * metric (d ≈ −P∇f, so ⟨∇f, −d⟩ ≈ ∇ᵀP∇ and γ = 1 is the EM step). Safeguards as for gd-polyak: the cap,
 * the monotone check, the NaN guard, and the skip rule (no long step when f̂ ≥ f or d is not a descent
 * direction: a plain EM step instead). Mixture problems only.
 */
import { em } from './em.js';
import { MixtureProblem } from './mixtureProblem.js';
import type { EstimatorFactory, OptimumEstimator } from './optimum/estimator.js';
import { dot, type Point, type Problem } from './problem.js';
import { shortLong, type LongStep } from './shortLong.js';
import { squarem } from './squarem.js';
import type { Step, StepOutcome } from './step.js';

/** Options of {@link emPolyak}. */
export interface EmPolyakOptions {
  optimum: EstimatorFactory;
  /** γ_max > 0 (in units of the EM step). */
  maxStep: number;
  /** K ≥ 1 short steps (EM steps or SQUAREM cycles) per epoch. */
  shortSteps: number;
  /** 'em' (default) or 'squarem' cycles as the short steps. */
  short?: 'em' | 'squarem';
  /** Probe the long step early (the trigger of shortLong.ts) [false]. */
  adaptive?: boolean;
  /** Reject long steps (and SQUAREM cycles) that increase the loss [true]. */
  monotone?: boolean;
  /** Passed to SQUAREM short steps (see SquaremOptions.lossChangeTol) [0]. */
  lossChangeTol?: number;
}

interface LongState {
  mix: MixtureProblem;
  estimator: OptimumEstimator;
}

/** One Polyak trial along the EM direction from `pt` (one evaluation). */
async function emPolyakTrial(pt: Point, st: LongState, options: EmPolyakOptions, probe: boolean): Promise<StepOutcome> {
  const { mix, estimator: est } = st;
  const d = mix.emStep(pt);
  const slope = -dot(pt.gEuclid ?? pt.g, d);
  const fhat = est.estimate(pt.f, Math.sqrt(Math.max(slope, 0)));
  if (!(fhat < pt.f) || !(slope > 0)) {
    const next = await mix.evaluate(mix.emUpdate(pt));
    return { point: next, kind: 'em', stepSize: 1, optimumEstimate: fhat };
  }
  const gamma = Math.min((pt.f - fhat) / slope, options.maxStep);
  const x = new Float64Array(d.length);
  for (let k = 0; k < x.length; k++) x[k] = pt.x[k] + gamma * d[k];
  const trial = await mix.evaluate(x);
  const accepted = Number.isFinite(trial.f) && Number.isFinite(trial.gnorm) && (!(options.monotone ?? true) || trial.f <= pt.f);
  if (accepted || !probe) est.report(accepted, pt.f, trial.f);
  if (accepted) return { point: trial, kind: 'polyak', stepSize: gamma, optimumEstimate: fhat, probe };
  return { point: pt, kind: 'polyak-rejected', stepSize: gamma, optimumEstimate: fhat, probe };
}

/** The em-polyak step. */
export function emPolyak(options: EmPolyakOptions): Step {
  const short: Step = options.short === 'squarem' ? squarem({ monotone: options.monotone, lossChangeTol: options.lossChangeTol }) : em();
  const long: LongStep<LongState> = {
    init: (p: Problem, start: Point) => ({ mix: MixtureProblem.of(p, 'em-polyak'), estimator: options.optimum(start.f) }),
    trial: (_p: Problem, pt: Point, st: LongState, probe: boolean) => emPolyakTrial(pt, st, options, probe),
    estimate: (st: LongState) => st.estimator.current(),
  };
  return shortLong('em-polyak', short, long, options.shortSteps, options.adaptive ?? false);
}
