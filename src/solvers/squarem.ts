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
 *
 * One deviation from squarem1, the floor guard (on by default; `floorGuard: false` is R's method exactly).
 * Why: with learned weights and variances the loss is unbounded below at a component shrinking onto one data
 * point (σ² → regCovar, a degenerate spike), so the monotone check cannot tell a better fit from a spike.
 * On a plateau where a component slowly empties (its logit and log(σ² − regCovar) drifting down a little per
 * EM step), the S3 length is large (α ≈ 60 on the 3 → 6 tournament row) and θ' = θ₀ − 2αr + α²v carries
 * that drift α-fold in one cycle: the component's weight fell from 8e-3 to 4e-4 (≈ one row of N = 3000)
 * and σ² − regCovar from 0.50 to 0.057 while θ₁, θ₂ had moved it by 2%; the next EM steps then collapsed
 * it onto one row (σ² = regCovar), from 2 of 5 starts, where EM from the same starts never does (R's squarem1
 * does the same). The guard is a one-sided trust region in the log-variance block: the step length is
 * capped (bisection on α ∈ [1, α], no pass needed: α = 1 gives θ₂) so that no learned σ² − regCovar at θ'
 * is below 1/FLOOR_STEP of its lowest value at θ₀, θ₁, θ₂; growth, means and logits are not bounded. The
 * stabilising EM step from θ' may shrink it by one more factor FLOOR_STEP; an EM step that shrinks it
 * further means θ' landed in a collapsing basin, and the cycle is rejected like a loss increase (fallback
 * to θ₂). EM's own moves toward the floor are never blocked (the bound follows θ₁, θ₂), so the guard only
 * keeps SQUAREM from reaching the floor faster than EM would. FLOOR_STEP = 2 was measured (README "Solver
 * tournament"): a cap of 4 or 8 on θ' (without the check on F(θ')) lets the 3 → 6 row collapse again from
 * the same 2 starts; the check on F(θ') never fired there at 2, but at 1 it costs 40% more passes on 2 → 4.
 *
 * Full/tied covariances: the guarded coordinates are log A_jj of the Cholesky factor A of Σ − regCovar·I
 * (the layout's ThetaMap.floorIndices), so no squared pivot A_jj² — the variance of coordinate j of
 * Σ − regCovar·I given the earlier ones — falls below 1/FLOOR_STEP of its lowest value at θ₀, θ₁, θ₂. For a
 * diagonal Σ these are σ_j² − regCovar and the guard is the diagonal layouts' exactly; the pivots (not the
 * smallest eigenvalue) were chosen because they are coordinates of θ, so the cap costs no factorisation.
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
  /** The floor guard: cap α so no learned σ² − regCovar (full/tied: no squared Cholesky pivot of Σ − regCovar·I) falls below half the EM iterates' [true]; false is R's squarem1 exactly. See the module comment. */
  floorGuard?: boolean;
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
  /** With the floor guard: the lowest floor coordinates the cycle may accept (from θ₀, θ₁, θ₂). */
  low?: Float64Array;
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
export async function squaremUpdate(pt: Point, st: SquaremState, monotone = true, lossChangeTol = 0, floorGuard = true): Promise<StepOutcome> {
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
    if (floorGuard) {
      st.low = floorBound(mix, p.x, p1.x, p2);
      st.alpha = capToFloorBound(mix, st.low, p.x, q1, v, st.alpha);
    }
    const a = st.alpha;
    const xNew = extrapolate(p.x, q1, v, a);
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
    return accept(next) && (!st.low || aboveBound(mix, st.low, next.x, LOG_FLOOR_STEP)) ? finish(st, next, 'squarem') : reject(st, keep);
  }
  // Fallback: θ₂, two EM steps from θ₀ (never increases the loss up to the variance floor).
  return finish(st, await mix.evaluate(st.p2!), 'em');
}

/** θ₀ − 2αr + α²v in the code's signs (q1 = r, v = θ₂ − 2θ₁ + θ₀). */
function extrapolate(x: Float64Array, q1: Float64Array, v: Float64Array, a: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let k = 0; k < out.length; k++) out[k] = x[k] + 2 * a * q1[k] + a * a * v[k];
  return out;
}

/**
 * How far below the EM iterates an accepted point may take a log-variance s = log(σ² − regCovar): at most
 * a factor FLOOR_STEP on σ² − regCovar below the lowest of θ₀, θ₁, θ₂ (see {@link SquaremOptions.floorGuard}).
 */
const FLOOR_STEP = 2;
const LOG_FLOOR_STEP = Math.log(FLOOR_STEP);

/**
 * Per floor coordinate (ThetaMap.floorIndices: log(σ² − regCovar), or for full/tied log A_jj of the Cholesky
 * factor of Σ − regCovar·I), the lowest value an accepted point may have (undefined when nothing is learned).
 */
function floorBound(mix: MixtureProblem, x0: Float64Array, x1: Float64Array, x2: Float64Array): Float64Array | undefined {
  const { floorIndices: idx, floorScale } = mix.param;
  if (idx.length === 0) return undefined;
  return Float64Array.from(idx, (k) => Math.min(x0[k], x1[k], x2[k]) - floorScale * LOG_FLOOR_STEP);
}

/** Whether every floor coordinate of θ = `x` is at least `low` − `slack` (slack in units of log variance). */
function aboveBound(mix: MixtureProblem, low: Float64Array, x: Float64Array, slack = 0): boolean {
  const { floorIndices: idx, floorScale } = mix.param;
  for (let k = 0; k < low.length; k++) if (!(x[idx[k]] >= low[k] - floorScale * slack)) return false;
  return true;
}

/**
 * The largest step length in [1, alpha] whose extrapolated point keeps every log-variance above `low`
 * (bisection; α = 1 gives θ₂, which always does). No pass: the point is a known function of α.
 */
function capToFloorBound(mix: MixtureProblem, low: Float64Array | undefined, x: Float64Array, q1: Float64Array, v: Float64Array, alpha: number): number {
  if (!low) return alpha;
  const ok = (a: number) => aboveBound(mix, low, extrapolate(x, q1, v, a));
  if (alpha <= 1 || ok(alpha)) return alpha;
  let lo = 1, hi = alpha;
  for (let it = 0; it < 40 && hi - lo > 1e-3 * lo; it++) { const mid = 0.5 * (lo + hi); if (ok(mid)) lo = mid; else hi = mid; }
  return lo;
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
  st.p = st.p1 = st.p2 = st.trial = st.low = undefined;
  st.phase = 'extrapolate';
  return { point, kind, stepSize: alpha };
}

/** The SQUAREM step (mixture problems only). */
export function squarem(options: SquaremOptions = {}): Step<SquaremState> {
  return {
    name: 'squarem',
    init: (problem: Problem) => squaremState(problem),
    update: (_problem: Problem, pt: Point, st: SquaremState) => squaremUpdate(pt, st, options.monotone ?? true, options.lossChangeTol ?? 0, options.floorGuard ?? true),
  };
}
