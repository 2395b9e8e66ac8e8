/**
 * Damped Anderson acceleration with restarts of the EM map (DAAREM, Henderson & Varadhan 2019), following
 * R's `daarem_base_objfn`: with f(x) = F(x) − x and the last m differences ΔX, ΔF (m = `order`, at most
 * ⌈P/2⌉; the history restarts after m), the proposal is x̄ + f̄ where x̄ = x − ΔX γ, f̄ = f − ΔF γ and γ is
 * the ridge solution of min ‖f − ΔF γ‖² + λ‖γ‖², λ chosen (DampingFind) so that ‖γ‖ is a fraction δ_k of
 * the least-squares ‖γ‖; δ_k = 1/(1 + a^(κ − s_k)) grows with each accepted proposal (s_k += 1) and
 * shrinks when a whole cycle raised the loss. A proposal whose loss is higher than the current one (or not
 * finite) is replaced by the plain EM step (and a non-finite one also restarts the history).
 * Deviations from the R code: the monotone test has no slack (mon.tol = 0; the package allows 0.01 of
 * log-likelihood), and the SVD of ΔF is taken through the eigen-decomposition of ΔFᵀΔF (m ≤ 10 columns),
 * with singular values below 1e-7 of the largest treated as zero.
 * Passes: one per proposal, one more for an EM fallback; intermediate passes are 'trial' updates.
 */
import { MixtureProblem } from './mixtureProblem.js';
import { dot, sub, type Point, type Problem } from './problem.js';
import type { Step, StepOutcome } from './step.js';

/** Options of {@link anderson}. */
export interface AndersonOptions {
  /** m ≥ 1, the number of past differences used (capped at ⌈P/2⌉ as in the package). */
  order: number;
  /** Reject proposals that increase the loss [true]; false accepts any finite proposal. */
  monotone?: boolean;
}

/** The package's defaults: alpha (a), kappa (κ), the first ridge λ, cycl.mon.tol. */
const A = 1.2, KAPPA = 25, LAMBDA0 = 100000, CYCLE_TOL = 0;
/** Relative singular value below which a direction of ΔF is treated as absent. */
const RANK_TOL = 1e-7;

/** DAAREM state. */
export interface AndersonState {
  mix: MixtureProblem;
  nlag: number;
  /** The current point x_k (evaluated) and the previous iterate with its residual. */
  xnew?: Point;
  xold?: Float64Array;
  fold?: Float64Array;
  dF: Float64Array[];
  dX: Float64Array[];
  count: number;
  shrink: number;
  lambda: number;
  rPenalty: number;
  ellStar: number;
  /** The EM point waiting to be evaluated after a rejected proposal. */
  pending?: Float64Array;
}

/** A fresh DAAREM state for order `order`. */
export function andersonState(problem: Problem, order: number): AndersonState {
  const mix = MixtureProblem.of(problem, 'anderson');
  return { mix, nlag: Math.max(1, Math.min(order, Math.ceil(mix.size / 2))), dF: [], dX: [], count: 0, shrink: 0, lambda: LAMBDA0, rPenalty: 0, ellStar: Infinity };
}

const finite = (q: Point) => Number.isFinite(q.f) && Number.isFinite(q.gnorm);

/** One pass of DAAREM from the current point `pt` (a foreign `pt` restarts from a plain EM step). */
export async function andersonUpdate(pt: Point, st: AndersonState, monotone = true): Promise<StepOutcome> {
  const { mix } = st;
  const keep = (): StepOutcome => ({ point: pt, kind: 'trial', stepSize: 1, probe: true });
  if (st.xnew !== pt) {
    // The package's first step: x₁ = F(x₀).
    st.xold = pt.x;
    const x1 = await mix.evaluate(mix.emUpdate(pt));
    st.xnew = x1;
    st.fold = sub(x1.x, pt.x);
    st.count = 0;
    st.ellStar = x1.f;
    st.pending = undefined;
    return { point: x1, kind: 'em', stepSize: 1 };
  }
  if (st.pending) {
    const next = await mix.evaluate(st.pending);
    st.pending = undefined;
    return advance(st, next, 'em');
  }
  const x = pt;
  st.count++;
  const fnew = mix.emStep(x);
  st.dF[st.count - 1] = sub(fnew, st.fold!);
  st.dX[st.count - 1] = sub(x.x, st.xold!);
  const gamma = dampedCoefficients(st, st.dF.slice(0, st.count), fnew);
  const prop = new Float64Array(x.x.length);
  for (let k = 0; k < prop.length; k++) {
    let xb = x.x[k] + fnew[k];
    for (let j = 0; j < st.count; j++) xb -= gamma[j] * (st.dX[j][k] + st.dF[j][k]);
    prop[k] = xb;
  }
  const trial = await mix.evaluate(prop);
  st.fold = fnew;
  st.xold = x.x;
  if (finite(trial) && (!monotone || trial.f <= x.f)) {
    st.shrink++;
    return advance(st, trial, 'anderson');
  }
  if (!finite(trial)) st.count = 0;
  // The EM image F(x) = x + f(x) replaces the proposal.
  const em = new Float64Array(prop.length);
  for (let k = 0; k < em.length; k++) em[k] = x.x[k] + fnew[k];
  st.pending = em;
  return keep();
}

/** Makes `next` the current point; at the end of a cycle of m, restarts the history and adapts δ. */
function advance(st: AndersonState, next: Point, kind: 'anderson' | 'em'): StepOutcome {
  st.xnew = next;
  if (st.count === st.nlag) {
    st.count = 0;
    // The package maximises; a cycle that raised the loss decreases δ.
    if (next.f > st.ellStar + CYCLE_TOL) st.shrink = Math.max(st.shrink - st.nlag, -2 * KAPPA);
    st.ellStar = next.f;
  }
  return { point: next, kind, stepSize: 1 };
}

/** γ = V · d·(Uᵀf)/(d² + λ) for ΔF = U D Vᵀ with λ from {@link dampingFind}. */
function dampedCoefficients(st: AndersonState, F: Float64Array[], f: Float64Array): Float64Array {
  const m = F.length;
  const G = Array.from({ length: m }, (_, a) => Array.from({ length: m }, (_, b) => dot(F[a], F[b])));
  const { values, vectors } = symmetricEigen(G);
  const dmax = Math.sqrt(Math.max(0, ...values));
  const Ftf = F.map((c) => dot(c, f));
  const dvec: number[] = [], uy: number[] = [], cols: number[] = [];
  for (let j = 0; j < m; j++) {
    const dj = Math.sqrt(Math.max(values[j], 0));
    if (!(dj > RANK_TOL * dmax)) continue;
    let vf = 0;
    for (let a = 0; a < m; a++) vf += vectors[a][j] * Ftf[a];
    dvec.push(dj); uy.push(vf / dj); cols.push(j);
  }
  const gamma = new Float64Array(m);
  if (dvec.length === 0) return gamma;
  const uySq = uy.map((u) => u * u);
  const ftf = Math.sqrt(uySq.reduce((s, u, j) => s + u * dvec[j] * dvec[j], 0));
  const { lambda, rr } = dampingFind(uySq, dvec, A, KAPPA, st.shrink, ftf, st.lambda, st.rPenalty);
  st.lambda = lambda;
  st.rPenalty = rr;
  for (let t = 0; t < dvec.length; t++) {
    const dd = (dvec[t] * uy[t]) / (dvec[t] * dvec[t] + lambda);
    for (let a = 0; a < m; a++) gamma[a] += vectors[a][cols[t]] * dd;
  }
  return gamma;
}

/**
 * DAAREM's DampingFind: the ridge λ with ‖γ(λ)‖ ≈ δ_k^{1/2}·‖γ_ls‖ by safeguarded Newton steps (at most
 * 10), warm-started from the previous λ; returns λ and the Newton correction term rr.
 */
export function dampingFind(uySq: number[], dvec: number[], aa: number, kappa: number, sk: number, Ftf: number,
  lambdaStart: number, rStart: number, maxit = 10): { lambda: number; rr: number } {
  const pow = kappa - sk;
  const target = Math.exp(-0.5 * Math.log1p(aa ** pow));
  const dSq = dvec.map((d) => d * d);
  const lsNorm = Math.sqrt(uySq.reduce((s, u, j) => s + u / dSq[j], 0));
  const vk = target * lsNorm;
  if (vk === 0) return { lambda: lambdaStart, rr: rStart };
  let lambda = lambdaStart - rStart / vk;
  let LL = (lsNorm * (lsNorm - vk)) / uySq.reduce((s, u, j) => s + u / (dSq[j] * dSq[j]), 0);
  let UU = Ftf / vk;
  const lStop = Math.exp(-0.5 * Math.log1p(aa ** (pow + 0.5)));
  const uStop = Math.exp(-0.5 * Math.log1p(aa ** (pow - 0.5)));
  let sNorm = 0, phiRatio = 0;
  for (let k = 0; k < maxit; k++) {
    if (lambda <= LL || lambda >= UU) lambda = Math.max(1e-4 * UU, Math.sqrt(LL * UU));
    let s2 = 0, der = 0;
    for (let j = 0; j < dvec.length; j++) {
      const dl = (dvec[j] / (dSq[j] + lambda)) ** 2;
      s2 += uySq[j] * dl;
      der += uySq[j] * (dl / (dSq[j] + lambda));
    }
    sNorm = Math.sqrt(s2);
    const phi = sNorm - vk;
    phiRatio = phi / (-der / sNorm);
    if (sNorm <= uStop * lsNorm && sNorm >= lStop * lsNorm) break;
    UU = phi >= 0 ? UU : lambda;
    LL = Math.max(LL, lambda - phiRatio);
    lambda -= (sNorm * phiRatio) / vk;
  }
  return { lambda, rr: sNorm * phiRatio };
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: values[j], vectors[·][j]. */
export function symmetricEigen(M: number[][]): { values: number[]; vectors: number[][] } {
  const m = M.length;
  const a = M.map((r) => r.slice());
  const v: number[][] = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p][q] * a[p][q];
    if (off <= 1e-30 * a.reduce((s, r, i) => s + r[i] * r[i], 0)) break;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) {
      if (a[p][q] === 0) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < m; k++) {
        const akp = a[k][p], akq = a[k][q];
        a[k][p] = c * akp - s * akq; a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < m; k++) {
        const apk = a[p][k], aqk = a[q][k];
        a[p][k] = c * apk - s * aqk; a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < m; k++) {
        const vkp = v[k][p], vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq; v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: a.map((r, i) => r[i]), vectors: v };
}

/** The DAAREM step (mixture problems only). */
export function anderson(options: AndersonOptions): Step<AndersonState> {
  return {
    name: 'anderson',
    init: (problem: Problem) => andersonState(problem, options.order),
    update: (_problem: Problem, pt: Point, st: AndersonState) => andersonUpdate(pt, st, options.monotone ?? true),
  };
}
