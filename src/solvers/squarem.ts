/**
 * SQUAREM (Varadhan & Roland 2008), following R's `SQUAREM::squarem1` (method 3, the S3 step length) over
 * the EM map F of whatever is learned. One cycle from θ₀: θ₁ = F(θ₀), θ₂ = F(θ₁), r = θ₁ − θ₀,
 * v = θ₂ − 2θ₁ + θ₀, α = −‖r‖/‖v‖ clamped to [−step.max, −step.min] (so α ≤ −1), θ' = θ₀ − 2αr + α²v,
 * then one stabilising EM step F(θ') unless α ≈ −1; the result is kept if its loss does not exceed the
 * loss at θ₀ (and is finite), else the cycle falls back to θ₂. step.max grows ×mstep when α hits it and
 * shrinks back after a rejection there (the package's adaptive bound). R's `alpha` is −α.
 *
 * The extrapolation is done in θ (means, weight logits, log(σ² − regCovar)), so every point evaluated is
 * a valid mixture. Passes per cycle: θ₁, θ', F(θ') (3; 2 when α ≈ −1), plus θ₂ on a fallback; the
 * EM map itself is free given a point's statistics, and the pass at the accepted point serves both the
 * monotone check and the next cycle's first EM map (R calls objfn and fixptfn separately there). Each
 * pass is one update (see step.ts); intermediate passes are 'trial' updates that keep θ₀.
 */
import { MixtureProblem } from './mixtureProblem.js';
import { dot, sub, type Point, type Problem } from './problem.js';
import type { Step, StepOutcome } from './step.js';

/** Options of {@link squarem}. */
export interface SquaremOptions {
  /** Reject a cycle whose result has a higher loss than its start (R's objfn.inc = 0) [true]; false accepts any finite result (objfn.inc = ∞). */
  monotone?: boolean;
  /**
   * The driver's lossChangeTol [0 = off]: when the cycle's first EM step changes the loss by at most this
   * (relative), the cycle ends at θ₁ as a plain EM step, so the driver's loss-change rule stops the fit at
   * the same pass as EM would (R's squarem1 likewise returns θ₁ when ‖θ₁ − θ₀‖ < tol).
   */
  lossChangeTol?: number;
}

/** The package's control defaults: step.min0, step.max0, mstep. */
const STEP_MIN0 = 1, STEP_MAX0 = 1, MSTEP = 4;
/** |alpha − 1| above which the extrapolated point gets a stabilising EM step (squarem1's 0.01). */
const STABILISE = 0.01;

type Phase = 'extrapolate' | 'stabilise' | 'fallback';

/** SQUAREM state: the adaptive bounds and where the current cycle is. */
export interface SquaremState {
  mix: MixtureProblem;
  stepMin: number;
  stepMax: number;
  /** The cycle's start θ₀ (the current point) and its EM image θ₁ (evaluated); undefined between cycles. */
  p?: Point;
  p1?: Point;
  /** θ₂ = F(θ₁) (not yet evaluated). */
  p2?: Float64Array;
  /** The extrapolated point θ' once evaluated (waiting for its stabilising EM step). */
  trial?: Point;
  /** R's alpha (≥ 1) of the current cycle. */
  alpha: number;
  phase: Phase;
}

/** A fresh SQUAREM state. */
export function squaremState(problem: Problem): SquaremState {
  return { mix: MixtureProblem.of(problem, 'squarem'), stepMin: STEP_MIN0, stepMax: STEP_MAX0, alpha: 1, phase: 'extrapolate' };
}

const finite = (q: Point) => Number.isFinite(q.f) && Number.isFinite(q.gnorm);

/**
 * One pass of SQUAREM from the current point `pt`. A cycle in progress continues only if `pt` is still its
 * start; otherwise (a first call, or another step moved the point, e.g. inside em-polyak) a new cycle starts.
 */
export async function squaremUpdate(pt: Point, st: SquaremState, monotone = true, lossChangeTol = 0): Promise<StepOutcome> {
  const { mix } = st;
  const keep = (): StepOutcome => ({ point: pt, kind: 'trial', stepSize: st.alpha, probe: true });
  if (st.p !== pt || !st.p1) {
    st.p = pt;
    st.p1 = await mix.evaluate(mix.emUpdate(pt));
    st.phase = 'extrapolate';
    const p1 = st.p1;
    // θ₁ is a plain EM iterate: returned as one when it is not finite (the driver stops) or already at EM's
    // fixed point by the loss-change rule (the driver stops there, converged); no bound updates, as in R.
    if (!finite(p1) || (lossChangeTol > 0 && Math.abs(pt.f - p1.f) <= lossChangeTol * Math.max(1, Math.abs(p1.f)))) {
      st.p = st.p1 = undefined;
      return { point: p1, kind: 'em', stepSize: 1 };
    }
    return keep();
  }
  const p = st.p, p1 = st.p1;
  const accept = (q: Point) => finite(q) && (!monotone || q.f <= p.f);
  if (st.phase === 'extrapolate') {
    const p2 = mix.emUpdate(p1);
    st.p2 = p2;
    const q1 = sub(p1.x, p.x), q2 = sub(p2, p1.x), v = sub(q2, q1);
    const sr2 = dot(q1, q1), sv2 = dot(v, v);
    // At a fixed point (v = 0) the S3 length is 0/0: take the EM step (alpha = 1 gives θ' = θ₂).
    const s3 = sv2 > 0 ? Math.sqrt(sr2 / sv2) : st.stepMin;
    st.alpha = Math.max(st.stepMin, Math.min(st.stepMax, s3));
    const a = st.alpha;
    const xNew = new Float64Array(p.x.length);
    for (let k = 0; k < xNew.length; k++) xNew[k] = p.x[k] + 2 * a * q1[k] + a * a * v[k];
    const trial = await mix.evaluate(xNew);
    if (!finite(trial)) return reject(st, keep);
    if (Math.abs(a - 1) > STABILISE) {
      st.trial = trial;
      st.phase = 'stabilise';
      return keep();
    }
    return accept(trial) ? finish(st, trial, 'squarem') : reject(st, keep);
  }
  if (st.phase === 'stabilise') {
    const next = await mix.evaluate(mix.emUpdate(st.trial!));
    return accept(next) ? finish(st, next, 'squarem') : reject(st, keep);
  }
  // Fallback: θ₂, two EM steps from θ₀ (never increases the loss up to the variance floor).
  return finish(st, await mix.evaluate(st.p2!), 'em');
}

/** A rejected extrapolation: shrink step.max if alpha was at it, and evaluate θ₂ next. */
function reject(st: SquaremState, keep: () => StepOutcome): StepOutcome {
  if (st.alpha === st.stepMax) st.stepMax = Math.max(STEP_MAX0, st.stepMax / MSTEP);
  st.alpha = 1;
  st.phase = 'fallback';
  return keep();
}

/** The end of a cycle at `point`: the package's bound updates, then a new cycle starts from `point`. */
function finish(st: SquaremState, point: Point, kind: 'squarem' | 'em'): StepOutcome {
  const alpha = st.alpha;
  if (alpha === st.stepMax) st.stepMax *= MSTEP;
  if (st.stepMin < 0 && alpha === st.stepMin) st.stepMin *= MSTEP;
  st.p = st.p1 = st.p2 = st.trial = undefined;
  st.phase = 'extrapolate';
  return { point, kind, stepSize: alpha };
}

/** The SQUAREM step (mixture problems only). */
export function squarem(options: SquaremOptions = {}): Step<SquaremState> {
  return {
    name: 'squarem',
    init: (problem: Problem) => squaremState(problem),
    update: (_problem: Problem, pt: Point, st: SquaremState) => squaremUpdate(pt, st, options.monotone ?? true, options.lossChangeTol ?? 0),
  };
}
