/**
 * The contract between a mixture problem and its layout: a θ map (θ ↔ the internal model) with the one
 * pass per evaluation, the EM update and the gradient-EM metric of that layout. Two implementations: the
 * diagonal layouts (parameterization.ts) and full/tied covariances (matrixParameterization.ts).
 */
import type { FullPassStats } from '../kernel/fullLayout.js';
import type { Mixture } from '../model/mixture.js';
import type { Objective } from '../objective/objective.js';
import type { PassStats } from '../types.js';

/** Statistics of one pass of either layout family (what the EM update reads). */
export type AnyPassStats = PassStats | FullPassStats;

/** A θ map of one model shape. */
export interface ThetaMap {
  /** Length of θ. */
  readonly size: number;
  /** Whether covariances (variances) are part of θ. */
  readonly learnVariances: boolean;
  /** σ² when variances are not learned ('fixed'; NaN otherwise). */
  readonly fixedVariance: number;
  /**
   * θ indices of the coordinates that approach the regCovar floor (log(σ² − regCovar), or for full/tied the
   * log-diagonal of the Cholesky factor of Σ − regCovar·I), and how many θ units one unit of log variance is.
   */
  readonly floorIndices: Int32Array;
  readonly floorScale: number;
  /** θ of a start model of this shape. */
  thetaOf(start: Mixture): Float64Array;
  /** The model at θ (fresh arrays). */
  mixture(theta: Float64Array): Mixture;
  /** One counted pass at θ: loss, ∇θ (fresh) and a copy of the statistics. */
  evaluate(objective: Objective, theta: Float64Array): Promise<{ f: number; g: Float64Array; stats: AnyPassStats }>;
  /** Scales ∇θ `g` in place by gradient EM's metric P at θ and returns ∇ᵀP∇. */
  applyMetric(theta: Float64Array, g: Float64Array): number;
  /** Scales the mean block of `v` in place by the covariance at θ (σ²_ij, or Σ_i): gradient EM's direction. */
  scaleMeans(theta: Float64Array, v: Float64Array): void;
  /** The closed-form EM update (the new θ) from the statistics `stats` of the pass at θ. */
  emUpdate(theta: Float64Array, stats: AnyPassStats): Float64Array;
}

/** Softmax logits below this map to weight 0 without −Infinity in θ. */
export const LOGIT_FLOOR = -700;

/** out[i] = log softmax(θ[off … off + n))_i, max-shifted. */
export function logSoftmaxInto(theta: Float64Array, off: number, n: number, out: Float64Array): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, theta[off + i]);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(theta[off + i] - m);
  const lse = m + Math.log(s);
  for (let i = 0; i < n; i++) out[i] = theta[off + i] - lse;
  return out;
}
