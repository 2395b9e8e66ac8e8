import { varianceAt } from '../model/mixture.js';
import type { FlatParams, PassStats } from '../types.js';

/** Flat gradient buffers: means n·d, logWeights n, logVariances 1 / n / n·d (same layout as the variances). */
export interface FlatGradient {
  means: Float64Array;
  logWeights: Float64Array;
  logVariances: Float64Array;
}

/** Allocates a {@link FlatGradient} shaped like `p`. */
export function newFlatGradient(p: FlatParams): FlatGradient {
  return {
    means: new Float64Array(p.n * p.d),
    logWeights: new Float64Array(p.n),
    logVariances: new Float64Array(p.variances.length),
  };
}

/**
 * Gradient of L = offset − (Σ c ℓ)/(Σ c) at `p` from one pass's statistics (ALGORITHM.md §2), written
 * into `g`:
 * - ∂L/∂μ_ij = −(S_ij − R_i μ_ij)/(σ_ij² C)
 * - ∂L/∂α_i = w_i − R_i/C (softmax logits)
 * - ∂L/∂s = −(Q/2 − (d/2)R)/C per component (shared: summed), per dimension −(Q_ij − R_i)/(2C) for diagonal.
 */
export function gradientFromStats(p: FlatParams, s: PassStats, g: FlatGradient): FlatGradient {
  const { n, d, means, logWeights, layout } = p;
  const C = s.totalWeight;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = varianceAt(p, i, j);
      g.means[i * d + j] = -(s.S[i * d + j] - s.R[i] * means[i * d + j]) / (v * C);
    }
    g.logWeights[i] = Math.exp(logWeights[i]) - s.R[i] / C;
  }
  if (layout === 'diagonal') {
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) g.logVariances[i * d + j] = -(s.Q[i * d + j] - s.R[i]) / (2 * C);
  } else if (layout === 'component') {
    for (let i = 0; i < n; i++) g.logVariances[i] = -(s.Q[i] - d * s.R[i]) / (2 * C);
  } else {
    let t = 0;
    for (let i = 0; i < n; i++) t += s.Q[i] - d * s.R[i];
    g.logVariances[0] = -t / (2 * C);
  }
  return g;
}
