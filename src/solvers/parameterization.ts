/**
 * Maps a flat vector θ = [means (n·d) | logits α (n, if weights are learned) | s (log-variances, 1·0 / n /
 * n·d, if variances are learned)] to {@link FlatParams} and kernel gradients back to ∇θ.
 * Weights are w = softmax(α); learned variances are σ² = regCovar + e^s, a smooth floor that no step can
 * cross (so gradient solvers never drive a variance to zero).
 */
import { broadcastVariances, diagonalMixture, isMatrixMixture, LAYOUT_OF, varianceAt, varianceCount, type Mixture } from '../model/mixture.js';
import { gradientFromStats, newFlatGradient, type FlatGradient } from '../objective/gradient.js';
import type { Objective } from '../objective/objective.js';
import type { Covariance, FlatParams, PassStats, VarianceLayout } from '../types.js';
import type { MatrixMath } from '../kernel/matrixMath.js';
import { jsMatrixMath } from '../model/fullCovariance.js';
import { MatrixParameterization } from './matrixParameterization.js';
import type { ResolvedOptions } from './options.js';
import { logSoftmaxInto, LOGIT_FLOOR, type ThetaMap } from './thetaMap.js';

/** What is learned besides the means. */
export interface ParameterizationSpec {
  n: number;
  d: number;
  weights: 'fixed' | 'learned';
  covariance: Covariance;
  /** The variance floor for learned variances (≥ 0). */
  regCovar: number;
  /** log w (n), used when weights are fixed (and as the start when learned). */
  logWeights: Float64Array;
  /** σ² (the shared value for 'fixed'). */
  variance: number;
}

/**
 * The θ map for fitting `start` (validated) under options `o`: the full/tied map for a matrix model, else
 * the diagonal one (its shape and weights, the options' layout and weights, σ² = o.variance or the start's
 * shared value, else 1, when 'fixed'). `math` is the full/tied map's dense math (solve: the objective's kernels').
 */
export function parameterizationOf(start: Mixture, o: Pick<ResolvedOptions, 'weights' | 'covariance' | 'regCovar' | 'variance'>,
  math: MatrixMath = jsMatrixMath): ThetaMap {
  if (isMatrixMixture(start)) return new MatrixParameterization(start, o.weights === 'learned', o.regCovar, math);
  const p = start.flat;
  const variance = o.variance ?? (p.layout === 'shared' ? p.variances[0] : 1);
  return new Parameterization({ n: p.n, d: p.d, weights: o.weights, covariance: o.covariance as Covariance, regCovar: o.regCovar, logWeights: p.logWeights, variance });
}

/** The θ ↔ FlatParams map for one diagonal model shape, and the layout's EM update and metric. */
export class Parameterization implements ThetaMap {
  readonly n: number;
  readonly d: number;
  readonly size: number;
  readonly learnWeights: boolean;
  readonly layout: VarianceLayout;
  readonly regCovar: number;
  /** Offsets of the blocks in θ. */
  readonly logitOffset: number;
  readonly varOffset: number;
  readonly varCount: number;
  private readonly fixedLogWeights: Float64Array;
  /** σ² when variances are not learned ('fixed'). */
  readonly fixedVariance: number;

  constructor(spec: ParameterizationSpec) {
    this.n = spec.n;
    this.d = spec.d;
    this.learnWeights = spec.weights === 'learned';
    this.layout = LAYOUT_OF[spec.covariance];
    this.regCovar = spec.regCovar;
    this.fixedLogWeights = spec.logWeights.slice();
    this.fixedVariance = spec.variance;
    this.logitOffset = this.n * this.d;
    this.varOffset = this.logitOffset + (this.learnWeights ? this.n : 0);
    this.varCount = this.layout === 'shared' ? 0 : varianceCount(this.layout, this.n, this.d);
    this.size = this.varOffset + this.varCount;
    this.floorIndices = Int32Array.from({ length: this.varCount }, (_, k) => this.varOffset + k);
    this.scratch = this.newParams();
    this.fgrad = newFlatGradient(this.scratch);
  }

  /** The log-variances s = log(σ² − regCovar), one θ unit per unit of log(σ² − regCovar). */
  readonly floorIndices: Int32Array;
  readonly floorScale = 1;
  private readonly scratch: FlatParams;
  private readonly fgrad: FlatGradient;

  async evaluate(objective: Objective, theta: Float64Array): Promise<{ f: number; g: Float64Array; stats: PassStats }> {
    const p = this.toFlat(theta, this.scratch);
    const s = await objective.statsAsync(p);
    const f = objective.lossFromStats(s);
    gradientFromStats(p, s, this.fgrad);
    const g = this.gradient(theta, this.fgrad, new Float64Array(this.size));
    return { f, g, stats: { totalWeight: s.totalWeight, sumLogLik: s.sumLogLik, R: s.R.slice(), S: s.S.slice(), Q: s.Q.slice() } };
  }

  /**
   * Scales ∇θ in place by the metric P of gradient EM, diagonal per block — σ² on the means, 1/w_i on learned
   * logits, 2/(w_i·d_i) on learned log-variances (d_i = d for a spherical σ_i², 1 per diagonal entry) — and
   * returns ∇ᵀP∇. All factors are 1 in the paper's setting (σ² = 1, weights and variances fixed).
   */
  applyMetric(theta: Float64Array, g: Float64Array): number {
    const p = this.toFlat(theta, this.scratch);
    // Every entry of θ is in exactly one scaled block, so q sums c·g² over all of them.
    let q = 0;
    const scale = (k: number, c: number) => { q += c * g[k] * g[k]; g[k] *= c; };
    this.scaleMeansAt(p, g, scale);
    const { n, d, learnWeights, logitOffset, varOffset, varCount, layout } = this;
    if (!learnWeights && varCount === 0) return q;
    // Weights are floored so an emptied component cannot get an unbounded step (backtracking guards the rest).
    const w = Array.from(p.logWeights, (a) => Math.max(Math.exp(a), 1e-6));
    if (learnWeights) for (let i = 0; i < n; i++) scale(logitOffset + i, 1 / w[i]);
    for (let k = 0; k < varCount; k++) scale(varOffset + k, 2 / (w[this.varianceComponent(k)] * (layout === 'component' ? d : 1)));
    return q;
  }

  scaleMeans(theta: Float64Array, v: Float64Array): void {
    this.scaleMeansAt(this.toFlat(theta, this.scratch), v);
  }

  /** Multiplies the mean block of a θ-vector by σ²_ij: the one place both gradient EM and the 'em' metric scale means. */
  private scaleMeansAt(p: FlatParams, v: Float64Array, scale: (k: number, c: number) => void = (k, c) => { v[k] *= c; }): void {
    const { n, d } = this;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale(i * d + j, varianceAt(p, i, j));
  }

  /**
   * The closed-form EM update from the statistics at θ (ALGORITHM.md §3): μ_i = S_i/R_i; when learned,
   * w_i = R_i/Σc and σ² = (weighted squared deviation about the NEW mean) + regCovar. A component with no
   * responsibility mass keeps its parameters. Returns the new θ.
   */
  emUpdate(theta: Float64Array, s: PassStats): Float64Array {
    const { n, d } = this;
    const old = this.toFlat(theta);
    const means = old.means.slice();
    const logW = old.logWeights.slice();
    const vars = old.variances.slice();
    const C = s.totalWeight;
    // Below this mass a component's ratios are numerically meaningless.
    const tiny = 1e-300 * C;
    for (let i = 0; i < n; i++) {
      const R = s.R[i];
      if (!(R > tiny)) continue;
      for (let j = 0; j < d; j++) means[i * d + j] = s.S[i * d + j] / R;
      if (this.learnWeights) logW[i] = Math.log(R / C);
      if (old.layout === 'component') {
        // Σ c r ‖x − μ_new‖² = σ_old² Q_i − R_i ‖μ_new − μ_old‖².
        let shift = 0;
        for (let j = 0; j < d; j++) shift += (means[i * d + j] - old.means[i * d + j]) ** 2;
        const v = (old.variances[i] * s.Q[i] - R * shift) / (d * R);
        vars[i] = Math.max(v, 0) + this.regCovar;
      } else if (old.layout === 'diagonal') {
        for (let j = 0; j < d; j++) {
          const k = i * d + j;
          const v = (old.variances[k] * s.Q[k] - R * (means[k] - old.means[k]) ** 2) / R;
          vars[k] = Math.max(v, 0) + this.regCovar;
        }
      }
    }
    return this.toTheta(means, logW, vars);
  }

  /** θ of `start` (a model of this shape; its variances broadcast to this layout). */
  thetaOf(start: Mixture): Float64Array {
    const p = (start as { flat: FlatParams }).flat;
    return this.toTheta(p.means, p.logWeights, broadcastVariances(p, this.layout));
  }

  /** The model at θ (fresh arrays). */
  mixture(theta: Float64Array): Mixture {
    return diagonalMixture(this.toFlat(theta));
  }

  /** Component of the k-th learned variance. */
  varianceComponent(k: number): number {
    return this.layout === 'component' ? k : Math.floor(k / this.d);
  }

  /** Whether variances are part of θ. */
  get learnVariances(): boolean { return this.varCount > 0; }

  /** A fresh FlatParams of this shape. */
  newParams(): FlatParams {
    return {
      n: this.n, d: this.d, means: new Float64Array(this.n * this.d), logWeights: this.fixedLogWeights.slice(),
      variances: new Float64Array(varianceCount(this.layout, this.n, this.d)).fill(this.fixedVariance), layout: this.layout,
    };
  }

  /** Writes the parameters of θ into `out` (allocated by {@link newParams}) and returns it. */
  toFlat(theta: Float64Array, out: FlatParams = this.newParams()): FlatParams {
    const { n, d } = this;
    out.means.set(theta.subarray(0, n * d));
    if (this.learnWeights) logSoftmaxInto(theta, this.logitOffset, n, out.logWeights);
    else out.logWeights.set(this.fixedLogWeights);
    if (this.learnVariances) {
      for (let k = 0; k < this.varCount; k++) out.variances[k] = this.regCovar + Math.exp(theta[this.varOffset + k]);
    } else out.variances[0] = this.fixedVariance;
    return out;
  }

  /**
   * θ for the given means (n·d), log-weights (n) and variances (already in this layout: n or n·d values,
   * ignored when fixed). Variances at or below the floor map to a point just above it.
   */
  toTheta(means: Float64Array, logWeights: Float64Array, variances: Float64Array): Float64Array {
    const theta = new Float64Array(this.size);
    theta.set(means.subarray(0, this.n * this.d));
    if (this.learnWeights) for (let i = 0; i < this.n; i++) theta[this.logitOffset + i] = Math.max(logWeights[i], LOGIT_FLOOR);
    for (let k = 0; k < this.varCount; k++) theta[this.varOffset + k] = Math.log(Math.max(variances[k] - this.regCovar, 1e-300));
    return theta;
  }

  /** ∇θ from the kernel gradient `g` (means, ∂/∂α, ∂/∂log σ²) at θ, written into `out`. */
  gradient(theta: Float64Array, g: FlatGradient, out: Float64Array): Float64Array {
    out.set(g.means);
    if (this.learnWeights) out.set(g.logWeights, this.logitOffset);
    for (let k = 0; k < this.varCount; k++) {
      // σ² = r + e^s ⇒ ∂L/∂s = ∂L/∂log σ² · e^s / (r + e^s).
      const e = Math.exp(theta[this.varOffset + k]);
      out[this.varOffset + k] = g.logVariances[k] * (e / (this.regCovar + e));
    }
    return out;
  }
}
