/**
 * Maps a flat vector θ = [means (n·d) | logits α (n, if weights are learned) | s (log-variances, 1·0 / n /
 * n·d, if variances are learned)] to {@link FlatParams} and kernel gradients back to ∇θ.
 * Weights are w = softmax(α); learned variances are σ² = regCovar + e^s, a smooth floor that no step can
 * cross (so gradient solvers never drive a variance to zero).
 */
import { broadcastVariances, diagonalMixture, LAYOUT_OF, varianceCount, type Mixture } from '../model/mixture.js';
import type { FlatParams, VarianceLayout } from '../types.js';
import type { FlatGradient } from '../objective/gradient.js';
import type { ResolvedOptions } from './options.js';

/** What is learned besides the means. */
export interface ParameterizationSpec {
  n: number;
  d: number;
  weights: 'fixed' | 'learned';
  covariance: 'fixed' | 'spherical' | 'diagonal';
  /** The variance floor for learned variances (≥ 0). */
  regCovar: number;
  /** log w (n), used when weights are fixed (and as the start when learned). */
  logWeights: Float64Array;
  /** σ² (the shared value for 'fixed'). */
  variance: number;
}

const LOGIT_FLOOR = -700;

/** The θ ↔ FlatParams map for one model shape. */
export class Parameterization {
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
  }

  /**
   * The map for fitting `start` (validated) under options `o`: its shape and weights, the options'
   * covariance layout and weights, σ² = o.variance or the start's shared value (else 1) when 'fixed'.
   */
  static of(start: Mixture, o: Pick<ResolvedOptions, 'weights' | 'covariance' | 'regCovar' | 'variance'>): Parameterization {
    const p = (start as { flat: FlatParams }).flat;
    const variance = o.variance ?? (p.layout === 'shared' ? p.variances[0] : 1);
    return new Parameterization({ n: p.n, d: p.d, weights: o.weights, covariance: o.covariance, regCovar: o.regCovar, logWeights: p.logWeights, variance });
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
    if (this.learnWeights) {
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, theta[this.logitOffset + i]);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(theta[this.logitOffset + i] - m);
      const lse = m + Math.log(s);
      for (let i = 0; i < n; i++) out.logWeights[i] = theta[this.logitOffset + i] - lse;
    } else out.logWeights.set(this.fixedLogWeights);
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
