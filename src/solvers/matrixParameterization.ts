/**
 * The θ map of a full or tied mixture: θ = [means (n·d) | logits α (n, if weights are learned) | covariance
 * coordinates (n or 1 blocks of d(d+1)/2)]. Weights are w = softmax(α); each covariance is
 * Σ = regCovar·I + A·Aᵀ with A lower triangular, stored by rows of its lower triangle with log A_jj on the
 * diagonal (fullCovariance.ts floorCoordinates). As the diagonal layouts' σ² = regCovar + e^s, this is a
 * smooth floor: every θ is a valid mixture with Σ ⪰ regCovar·I, so no step of any solver can make a
 * covariance singular (with regCovar > 0) and the loss is bounded below; for d = 1 it is the diagonal
 * layout with s = 2·θ. EM is scikit-learn's M-step (mStepFull), so EM iterates equal scikit-learn's.
 */
import { FitError } from '../errors.js';
import type { FullParams, FullPassStats } from '../kernel/fullLayout.js';
import type { MatrixMath } from '../kernel/matrixMath.js';
import {
  assertPositiveDefinite, covariancesFromCoordinates, floorCoordinates, fullGradient, jsMatrixMath, mStepFull, precisionCholesky,
} from '../model/fullCovariance.js';
import type { MatrixMixture, Mixture } from '../model/mixture.js';
import type { Objective } from '../objective/objective.js';
import { logSoftmaxInto, LOGIT_FLOOR, type ThetaMap } from './thetaMap.js';

/** A full/tied model at θ with the factors A of Σ − regCovar·I (blocks·d·d, lower). */
interface ModelAt {
  model: MatrixMixture;
  A: Float64Array;
}

/** Whether every entry of `a` is finite (a plain loop: this runs on n·d·d entries per evaluation). */
function allFinite(a: Float64Array): boolean {
  // x − x is 0 for finite x and NaN for ±∞ and NaN; a sum of them stays 0 only when all are finite.
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] - a[k];
  return s === 0;
}

/** Whether a and b (same length) hold the same numbers, entry by entry. */
function sameEntries(a: Float64Array, b: Float64Array): boolean {
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}

/** The θ map of one full/tied model shape. */
export class MatrixParameterization implements ThetaMap {
  readonly n: number;
  readonly d: number;
  readonly tied: boolean;
  readonly learnWeights: boolean;
  readonly regCovar: number;
  readonly size: number;
  readonly logitOffset: number;
  /** Offset of the covariance coordinates in θ. */
  readonly covOffset: number;
  readonly learnVariances = true;
  readonly fixedVariance = NaN;
  /** The log-diagonals θ_jj = log A_jj = ½ log(conditional variance of Σ − regCovar·I). */
  readonly floorIndices: Int32Array;
  readonly floorScale = 0.5;
  private readonly blocks: number;
  private readonly tri: number;
  private readonly fixedLogWeights: Float64Array;
  /** The dense per-block math (WASM or JS), chosen once per fit. */
  private readonly math: MatrixMath;
  /** The model at the last evaluated θ (and a copy of that θ), read by applyMetric and scaleMeans at the same θ. */
  private last: { theta: Float64Array; at: ModelAt } | undefined;

  /** The map for `start`'s shape; its weights are kept when `learnWeights` is false; `math` runs the dense math. */
  constructor(start: MatrixMixture, learnWeights: boolean, regCovar: number, math: MatrixMath = jsMatrixMath) {
    const { n, d, tied, logWeights } = start.pass;
    this.n = n; this.d = d; this.tied = tied;
    this.learnWeights = learnWeights;
    this.regCovar = regCovar;
    this.blocks = tied ? 1 : n;
    this.tri = (d * (d + 1)) / 2;
    this.fixedLogWeights = logWeights.slice();
    this.math = math;
    this.logitOffset = n * d;
    this.covOffset = this.logitOffset + (learnWeights ? n : 0);
    this.size = this.covOffset + this.blocks * this.tri;
    this.floorIndices = Int32Array.from({ length: this.blocks * d }, (_, k) => {
      const b = Math.floor(k / d), j = k % d;
      return this.covOffset + b * this.tri + (j * (j + 3)) / 2;
    });
  }

  thetaOf(start: Mixture): Float64Array {
    const m = start as MatrixMixture;
    return this.toTheta(m.pass.means, m.pass.logWeights, m.covariances);
  }

  /** θ of means (n·d), log-weights (n, ignored when fixed) and covariances (⪰ regCovar·I). */
  private toTheta(means: Float64Array, logWeights: Float64Array, covariances: Float64Array, floored?: { any: boolean }): Float64Array {
    const theta = new Float64Array(this.size);
    theta.set(means.subarray(0, this.n * this.d));
    if (this.learnWeights) for (let i = 0; i < this.n; i++) theta[this.logitOffset + i] = Math.max(logWeights[i], LOGIT_FLOOR);
    theta.set(floorCoordinates(covariances, this.d, this.blocks, this.regCovar, floored, this.math), this.covOffset);
    return theta;
  }

  mixture(theta: Float64Array): Mixture {
    const m = this.at(theta);
    // Only finite points are ever returned or reported (the driver stops at the first non-finite loss).
    if (!m) throw new FitError('the covariances left float64 (a step overflowed); returning no model', undefined);
    return m.model;
  }

  /**
   * The model at θ, or undefined when a step took θ out of float64 (a covariance entry overflowed: the
   * caller treats the point as a non-finite loss, which every step rejects or backtracks from).
   * @throws FitError naming the component when a finite Σ is not positive definite in float64 (possible only
   *   with regCovar = 0: a collapsed component).
   */
  private at(theta: Float64Array): ModelAt | undefined {
    const { n, d, tied } = this;
    const means = theta.slice(0, n * d);
    const logWeights = this.learnWeights ? logSoftmaxInto(theta, this.logitOffset, n, new Float64Array(n)) : this.fixedLogWeights.slice();
    const { A, covariances } = covariancesFromCoordinates(theta, this.covOffset, d, this.blocks, this.regCovar, this.math);
    if (!allFinite(covariances) || !allFinite(means)) return undefined;
    const precChol = precisionCholesky(covariances, d, this.blocks, { regCovar: this.regCovar }, this.math);
    const pass: FullParams = { n, d, tied, means, logWeights, precChol };
    return { model: { covariance: tied ? 'tied' : 'full', pass, covariances }, A };
  }

  async evaluate(objective: Objective, theta: Float64Array): Promise<{ f: number; g: Float64Array; stats: FullPassStats }> {
    if (!objective.fullStatsAsync) throw new FitError(`covariance '${this.tied ? 'tied' : 'full'}' needs an objective over data rows (the full/tied pass)`, undefined);
    const at = this.at(theta);
    if (!at) return { f: Infinity, g: new Float64Array(this.size).fill(NaN), stats: { totalWeight: 0, sumLogLik: NaN, R: new Float64Array(0), S: new Float64Array(0), scatter: new Float64Array(0) } };
    const { model, A } = at;
    const s = await objective.fullStatsAsync(model.pass);
    const f = objective.lossFromStats(s);
    this.last = { theta: theta.slice(), at };
    const gr = fullGradient(model.pass, s, A, this.math);
    const g = new Float64Array(this.size);
    g.set(gr.means);
    if (this.learnWeights) g.set(gr.logits, this.logitOffset);
    g.set(gr.factor, this.covOffset);
    return { f, g, stats: { totalWeight: s.totalWeight, sumLogLik: s.sumLogLik, R: s.R.slice(), S: s.S.slice(), scatter: s.scatter.slice() } };
  }

  /**
   * Gradient EM's metric for full/tied, the inverse of the Fisher information's diagonal blocks to first
   * order: Σ_i on the means (a unit step along −P∇ moves μ_i by (S_i − R_iμ_i)/W, gradient EM's [XFD] mean
   * step), 1/w_i on learned logits, and on component b's factor 1/(2w_b) for θ_jj = log A_jj and A_jj²/w_b for A_jl (w_b = 1
   * when tied). For d = 1 these are the diagonal layout's factors in θ = s/2.
   */
  applyMetric(theta: Float64Array, g: Float64Array): number {
    const { n, d } = this;
    const at = this.atCached(theta);
    if (!at) return NaN;
    const { model, A } = at;
    let q = this.scaleMeansOf(model, g);
    const w = Array.from(model.pass.logWeights, (a) => Math.max(Math.exp(a), 1e-6));
    if (this.learnWeights) for (let i = 0; i < n; i++) { const k = this.logitOffset + i, c = 1 / w[i]; q += c * g[k] * g[k]; g[k] *= c; }
    // A plain loop over the n·d(d+1)/2 coordinates (no per-entry closure): this runs at every evaluation.
    for (let b = 0; b < this.blocks; b++) {
      const wb = this.tied ? 1 : w[b];
      for (let j = 0; j < d; j++) {
        const ajj = A[b * d * d + j * d + j], row = this.covOffset + b * this.tri + (j * (j + 1)) / 2;
        const off = (ajj * ajj) / wb;
        for (let l = 0; l < j; l++) { const k = row + l; q += off * g[k] * g[k]; g[k] *= off; }
        const k = row + j, c = 1 / (2 * wb);
        q += c * g[k] * g[k]; g[k] *= c;
      }
    }
    return q;
  }

  /** {@link at} for read-only use: the last evaluated model when θ equals the last evaluated θ (no second factorization). */
  private atCached(theta: Float64Array): ModelAt | undefined {
    const last = this.last;
    if (last && last.theta.length === theta.length && sameEntries(last.theta, theta)) return last.at;
    return this.at(theta);
  }

  scaleMeans(theta: Float64Array, v: Float64Array): void {
    const at = this.atCached(theta);
    if (at) this.scaleMeansOf(at.model, v);
    else v.fill(NaN);
  }

  /** v_i ← Σ_i v_i on the mean block of `v`; returns Σ_i v_iᵀΣ_i v_i (with the old v). */
  private scaleMeansOf(m: MatrixMixture, v: Float64Array): number {
    const { n, d, tied } = this;
    const y = new Float64Array(d);
    let q = 0;
    for (let i = 0; i < n; i++) {
      const o = tied ? 0 : i * d * d;
      for (let j = 0; j < d; j++) { let s = 0; for (let l = 0; l < d; l++) s += m.covariances[o + j * d + l] * v[i * d + l]; y[j] = s; }
      for (let j = 0; j < d; j++) { q += v[i * d + j] * y[j]; v[i * d + j] = y[j]; }
    }
    return q;
  }

  /**
   * scikit-learn's EM step (mStepFull: nk = R + 10ε, μ = S/nk, covariances + regCovar·I; weights kept when
   * fixed). @throws FitError naming the component whose new covariance is not positive definite.
   */
  emUpdate(theta: Float64Array, stats: FullPassStats): Float64Array {
    const { n, d, tied } = this;
    const m = mStepFull(stats, theta.subarray(0, n * d), n, d, tied, this.regCovar, this.math);
    const floored = { any: false };
    const next = this.toTheta(m.means, this.learnWeights ? m.weights.map(Math.log) : this.fixedLogWeights, m.covariances, floored);
    // The coordinates are the Cholesky factor of Σ − regCovar·I: with every pivot above the floor Σ is positive
    // definite, so scikit-learn's check (a second Cholesky, of Σ) is needed only where a pivot was floored.
    if (floored.any) assertPositiveDefinite(m.covariances, d, this.blocks, { regCovar: this.regCovar }, this.math);
    return next;
  }
}
