/** Information criteria with scikit-learn's sign convention (lower is better). */
import type { Covariance } from '../types.js';

/**
 * Free parameters actually learned: means n·d always; weights n − 1 when learned (they sum to 1);
 * variances n ('spherical'), n·d ('diagonal') or none ('fixed', given by the user).
 */
export function parameterCount(n: number, d: number, weights: 'fixed' | 'learned', covariance: Covariance): number {
  const w = weights === 'learned' ? n - 1 : 0;
  const v = covariance === 'spherical' ? n : covariance === 'diagonal' ? n * d : 0;
  return n * d + w + v;
}

/** BIC = −2 · (total log-likelihood) + p · ln N, from the mean log-likelihood over N rows. */
export function bic(meanLogLik: number, rows: number, p: number): number {
  return -2 * meanLogLik * rows + p * Math.log(rows);
}

/** AIC = −2 · (total log-likelihood) + 2p, from the mean log-likelihood over N rows. */
export function aic(meanLogLik: number, rows: number, p: number): number {
  return -2 * meanLogLik * rows + 2 * p;
}
