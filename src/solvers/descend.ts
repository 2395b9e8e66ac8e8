/**
 * One descent step x ← x − η·dir, optionally backtracked: when the trial's loss is not finite or exceeds
 * the current loss (beyond rounding), η is halved and the step retried (each retry is one more counted
 * evaluation). The accepted η is remembered, and the next step tries twice it (up to the nominal η), so a
 * short stretch of high curvature does not slow the rest of the fit. In the paper's setting (σ² = 1,
 * η = 1 ≤ 1/L) gradient steps already decrease the loss, so backtracking never fires there; on raw data
 * (unscaled features, collapsing variances) it is what keeps a fixed-step method from diverging.
 */
import { axpy, type Point, type Problem } from './problem.js';

/** Backtracking memory: the step that last succeeded. */
export interface DescendState {
  eta: number;
}

/** Relative increase treated as rounding (64 ulps of the loss). */
const TIE = 64 * Number.EPSILON;
/** Halvings before giving up on a step (2^-40 ≈ 1e-12 of η). */
const MAX_HALVINGS = 40;

/**
 * Steps from `pt` along −`dir` with nominal size `eta`; with `state` (backtracking on), retries with
 * halved steps until the loss does not increase. Returns the new point (or `pt` itself when every
 * retry failed) and the step used (0 when none was accepted).
 */
export async function descend(problem: Problem, pt: Point, dir: Float64Array, eta: number, state?: DescendState): Promise<{ point: Point; stepSize: number }> {
  if (!state) return { point: await problem.evaluate(axpy(pt.x, eta, dir)), stepSize: eta };
  let t = Math.min(eta, 2 * state.eta);
  const limit = pt.f + TIE * Math.abs(pt.f);
  for (let k = 0; k <= MAX_HALVINGS; k++, t *= 0.5) {
    const trial = await problem.evaluate(axpy(pt.x, t, dir));
    if (Number.isFinite(trial.f) && Number.isFinite(trial.gnorm) && trial.f <= limit) {
      state.eta = t;
      return { point: trial, stepSize: t };
    }
  }
  // No step helped (the loss is flat to rounding along dir): start the next search from the smallest step
  // tried, so a stalled run does not pay 41 evaluations per iteration; success grows it back ×2 per step.
  state.eta = t;
  return { point: pt, stepSize: 0 };
}
