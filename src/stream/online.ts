/**
 * Stepwise (online) EM, Cappé & Moulines (2009): for data seen once, in chunks. The state is a running
 * per-row average of the complete-data sufficient statistics s = (Σr, Σr·x, Σr·(x − c)²)/N about a fixed point c; each chunk's E-step
 * at the current θ gives the chunk's average s̄, then s ← (1 − ρ_t)·s + ρ_t·s̄ with ρ_t = (t + 2)^−α and
 * θ ← M-step(s). An approximation of the batch fit: it never sees a chunk twice (README "Large data" gives
 * its measured gap). This file holds the diagonal layouts; 'full'/'tied' are onlineFull.ts.
 */
import { withChunkBackend, type Kernels } from '../runtime/kernels.js';
import { newPassStats } from '../kernel/backend.js';
import type { FlatParams, Matrix } from '../types.js';

/**
 * The reference point of the second moments, the first chunk's column means (d), kept for the life of an
 * online state. Why: moments about a point inside the data are of the size of its spread, while raw moments
 * Σr·x² of data far from the origin (|x| ~ 1e6, spread ~ 1) are ~1e12 and σ² = Σr·x²/R − μ² keeps only ~4 of
 * its 16 digits (measured at offset 1e6: variances off by 5e-4 with raw moments, 3e-9 about this point; test/online.test.ts).
 */
export function columnMeans(X: Matrix): Float64Array {
  const { data, rows, cols: d } = X;
  const c = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) c[j] += data[r * d + j];
  for (let j = 0; j < d; j++) c[j] /= rows;
  return c;
}

/** Default α: in (1/2, 1], the range for which stepwise EM converges; smaller forgets the start faster. */
export const ONLINE_STEP_EXPONENT = 0.6;

/** What the M-step learns, besides the means. */
export interface OnlineSpec {
  learnWeights: boolean;
  /** The variance floor added to learned variances (as EM's regCovar). */
  regCovar: number;
}

/** The running state of stepwise EM over one model shape. */
export class OnlineEm {
  /** Chunks folded in so far (the first, which initialises s, included). */
  steps = 0;
  private readonly sR: Float64Array;
  private readonly sS: Float64Array;
  private readonly sXX: Float64Array;

  /** `start`: θ₀ (copied); its layout fixes what is learned ('shared' variances stay fixed). */
  constructor(start: FlatParams, private readonly spec: OnlineSpec) {
    this.theta = { ...start, means: start.means.slice(), logWeights: start.logWeights.slice(), variances: start.variances.slice() };
    const { n, d } = start;
    this.sR = new Float64Array(n);
    this.sS = new Float64Array(n * d);
    this.sXX = new Float64Array(start.layout === 'diagonal' ? n * d : n);
  }

  /** The current parameters (owned by this state: copy before keeping). */
  theta: FlatParams;
  /** The point the second moments are taken about (d): the first chunk's column means (see {@link columnMeans}). */
  private ref: Float64Array | undefined;

  /**
   * Folds one chunk (rows × d) in: E-step at the current θ by one kernel pass, ρ-weighted average into s
   * (ρ = 1 for the first chunk), M-step. Returns the chunk's mean log-likelihood at the θ it was scored with.
   */
  step(kernels: Kernels, X: Matrix, alpha: number): number {
    const p = this.theta, { n, d } = p, diag = p.layout === 'diagonal';
    const st = withChunkBackend(kernels, X.data, X.rows, X.cols, (be) => be.pass(p, newPassStats(n, d, diag)));
    const C = st.totalWeight;
    const ref = (this.ref ??= columnMeans(X));
    const rho = this.steps === 0 ? 1 : (this.steps + 1) ** -alpha;
    const mix = (a: Float64Array, k: number, v: number) => { a[k] = (1 - rho) * a[k] + rho * (v / C); };
    const varAt = (i: number, j: number) => (p.layout === 'shared' ? p.variances[0] : p.layout === 'component' ? p.variances[i] : p.variances[i * d + j]);
    for (let i = 0; i < n; i++) {
      mix(this.sR, i, st.R[i]);
      let xx = 0;
      for (let j = 0; j < d; j++) {
        const k = i * d + j, e = p.means[k] - ref[j];
        mix(this.sS, k, st.S[k]);
        // Σ r (x − c)² from the pass's Σ r (x − μ)²/σ²: σ²Q + 2(μ − c)(S − μR) + R(μ − c)², centred terms only.
        const shift = 2 * e * (st.S[k] - p.means[k] * st.R[i]) + st.R[i] * e * e;
        if (diag) mix(this.sXX, k, varAt(i, j) * st.Q[k] + shift); else xx += shift;
      }
      if (!diag) mix(this.sXX, i, xx + varAt(i, 0) * st.Q[i]);
    }
    this.steps++;
    this.mStep();
    return st.sumLogLik / C;
  }

  /** θ from s: w_i ∝ s_R, μ_i = s_S/s_R, σ² = s_XX/s_R − (μ − c)² (+ regCovar); a component without mass is kept. */
  private mStep(): void {
    const p = this.theta, { n, d } = p;
    let total = 0;
    for (let i = 0; i < n; i++) total += this.sR[i];
    for (let i = 0; i < n; i++) {
      const R = this.sR[i];
      if (!(R > 1e-300 * total)) continue;
      let sph = 0;
      for (let j = 0; j < d; j++) {
        const k = i * d + j, mu = this.sS[k] / R, e = mu - this.ref![j];
        p.means[k] = mu;
        if (p.layout === 'diagonal') p.variances[k] = Math.max(this.sXX[k] / R - e * e, 0) + this.spec.regCovar;
        else sph += e * e;
      }
      if (p.layout === 'component') p.variances[i] = Math.max((this.sXX[i] / R - sph) / d, 0) + this.spec.regCovar;
      if (this.spec.learnWeights) p.logWeights[i] = Math.log(R / total);
    }
  }
}
