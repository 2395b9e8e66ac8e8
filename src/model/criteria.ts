/** Information criteria with scikit-learn's sign convention (lower is better). */
export { mixtureParameterCount as parameterCount } from './fullCovariance.js';

/** BIC = −2 · (total log-likelihood) + p · ln N, from the mean log-likelihood over N rows. */
export function bic(meanLogLik: number, rows: number, p: number): number {
  return -2 * meanLogLik * rows + p * Math.log(rows);
}

/** AIC = −2 · (total log-likelihood) + 2p, from the mean log-likelihood over N rows. */
export function aic(meanLogLik: number, rows: number, p: number): number {
  return -2 * meanLogLik * rows + 2 * p;
}
