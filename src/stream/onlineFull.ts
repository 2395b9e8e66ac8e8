/**
 * Stepwise (online) EM for full and tied covariances (Cappé & Moulines 2009), the matrix counterpart of
 * {@link OnlineEm} (online.ts). The state is a running per-row average of the complete-data sufficient
 * statistics: r̄_i = Σr_i/W, s̄_i = Σr_i·x/W and the second moments P̄_i = Σr_i (x − c)(x − c)ᵀ/W about one
 * fixed reference point c (n·d·d blocks for 'full', their sum over i, one d·d block, for 'tied'). Each chunk's
 * E-step at the current θ (one full/tied kernel pass) gives the chunk's averages, blended in with
 * ρ_t = (t + 2)^−α; θ is then scikit-learn's M-step (mStepFull) of the blend. Each step returns a new state
 * and leaves the old one untouched, so a caller commits a step whole or not at all.
 */
import type { FullParams, FullPassStats } from '../kernel/fullLayout.js';
import { newFullPassStats } from '../kernel/fullLayout.js';
import { mStepFull } from '../model/fullCovariance.js';
import { matrixMixture, type MatrixMixture } from '../model/mixture.js';
import { withChunkBackend, type Kernels } from '../runtime/kernels.js';
import type { Matrix } from '../types.js';
import { columnMeans, type OnlineSpec } from './online.js';

/** The blended averages (per row of the stream) and what they are taken about. */
interface FullAverages {
  /** n: r̄ = Σr/W. */
  R: Float64Array;
  /** n·d: s̄ = Σr·x/W. */
  S: Float64Array;
  /** n·d·d (full) or d·d (tied): Σr (x − c)(x − c)ᵀ/W. */
  P: Float64Array;
}

/**
 * Adds the pass's scatter (centred at the means `mu` it was taken at, n·d) re-expressed about `c` into
 * `out` (n·d·d, or d·d when tied), scaled by `scale`: with g = S_i − R_iμ_i and e = μ_i − c,
 * Σr (x − c)(x − c)ᵀ = M_i + g·eᵀ + e·gᵀ + R_i·e·eᵀ (centred terms only, no raw second moments).
 */
function addScatterAbout(out: Float64Array, st: FullPassStats, mu: Float64Array, c: Float64Array, n: number, d: number,
  tied: boolean, scale: number): void {
  const g = new Float64Array(d), e = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      g[j] = st.S[i * d + j] - st.R[i] * mu[i * d + j];
      e[j] = mu[i * d + j] - c[j];
    }
    const o = tied ? 0 : i * d * d;
    for (let j = 0; j < d; j++) for (let l = 0; l <= j; l++) {
      // One value for (j, l) and (l, j): R·e_j·e_l rounds differently in the two orders.
      const v = scale * (g[j] * e[l] + e[j] * g[l] + st.R[i] * e[j] * e[l]);
      out[o + j * d + l] += v;
      if (l < j) out[o + l * d + j] += v;
    }
  }
  // M_i itself (tied: the pass already summed it over i).
  for (let k = 0; k < out.length; k++) out[k] += scale * st.scatter[k];
}

/** The running state of stepwise EM over one full/tied model shape (immutable: {@link step} returns the next). */
export class OnlineFullEm {
  private constructor(
    /** The current model (what the next chunk's E-step scores with). */
    readonly model: MatrixMixture,
    /** Chunks folded in so far. */
    readonly steps: number,
    private readonly spec: OnlineSpec,
    /** log w of the start, kept when the weights are fixed. */
    private readonly startLogWeights: Float64Array,
    private readonly ref: Float64Array | undefined,
    private readonly avg: FullAverages | undefined,
    /** Σ W over the chunks folded in (rows, without sample weights). */
    private readonly seen: number,
  ) {}

  /** The state before any chunk, at the start model θ₀ (kept, not copied: build it fresh). */
  static start(model: MatrixMixture, spec: OnlineSpec): OnlineFullEm {
    return new OnlineFullEm(model, 0, spec, model.pass.logWeights.slice(), undefined, undefined, 0);
  }

  /** The current pass parameters. */
  get theta(): FullParams { return this.model.pass; }

  /**
   * The state after one more chunk (rows × d, d = the model's): E-step at the current θ by one kernel pass,
   * ρ-weighted average of the chunk's per-row statistics into the state (ρ = 1 for the first chunk, whose
   * column means become the reference point), scikit-learn's M-step, new precision factors. `this` is unchanged.
   * @throws FitError (as the batch fit's) when a new covariance is not positive definite.
   */
  step(kernels: Kernels, X: Matrix, alpha: number): OnlineFullEm {
    const p = this.model.pass, { n, d, tied } = p;
    const st = withChunkBackend(kernels, X.data, X.rows, X.cols, (be) => be.passFull(p, newFullPassStats(n, d, tied)));
    const W = st.totalWeight;
    // Second moments about one fixed point (see columnMeans): each pass's scatter is centred at the means it
    // was taken at, and those move from chunk to chunk, so centred scatters of different chunks are moments
    // about different points and cannot be averaged as they are; raw moments Σr·x xᵀ lose digits far from
    // the origin (Σr·x xᵀ/nk − μμᵀ at |x| ~ 1e6 keeps ~4 of 16).
    const ref = this.ref ?? columnMeans(X);
    const rho = this.steps === 0 ? 1 : (this.steps + 1) ** -alpha;
    const keep = 1 - rho, take = rho / W;
    const old = this.avg;
    const avg: FullAverages = {
      R: st.R.map((v, i) => (old ? keep * old.R[i] : 0) + take * v),
      S: st.S.map((v, k) => (old ? keep * old.S[k] : 0) + take * v),
      P: old ? old.P.map((v) => keep * v) : new Float64Array(st.scatter.length),
    };
    addScatterAbout(avg.P, st, p.means, ref, n, d, tied, take);
    const seen = this.seen + W;
    // mStepFull's count floor nk = R + 10ε is in rows (scikit-learn's): the averages times the rows seen are
    // counts again, so one chunk holding all the data is one batch EM step (to rounding: 1e-12 in the tests).
    const counts: FullPassStats = {
      totalWeight: seen, sumLogLik: 0, R: avg.R.map((v) => v * seen), S: avg.S.map((v) => v * seen), scatter: avg.P.map((v) => v * seen),
    };
    const refRows = new Float64Array(n * d);
    for (let i = 0; i < n; i++) refRows.set(ref, i * d);
    const m = mStepFull(counts, refRows, n, d, tied, this.spec.regCovar);
    // mStepFull's e·eᵀ terms round differently above and below the diagonal; the batch fit reads the lower
    // triangle (its coordinates), so the committed matrices do too and are exactly symmetric.
    for (let b = 0; b < (tied ? 1 : n); b++) for (let j = 0; j < d; j++) for (let l = 0; l < j; l++) m.covariances[b * d * d + l * d + j] = m.covariances[b * d * d + j * d + l];
    const weights = this.spec.learnWeights ? m.weights : this.startLogWeights.map(Math.exp);
    const model = matrixMixture(m.means, weights, m.covariances, n, d, tied, { regCovar: this.spec.regCovar });
    return new OnlineFullEm(model, this.steps + 1, this.spec, this.startLogWeights, ref, avg, seen);
  }
}
