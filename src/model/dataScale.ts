/**
 * The data's scale, for the steps that compute with raw squared distances (seeding, start variances) and
 * for the checks that compare options with the data's variance.
 */
import type { Matrix } from '../types.js';
import { exponentOf } from '../validate.js';

/** Data whose largest |entry| is inside [2^-SAFE_EXP, 2^SAFE_EXP] are seeded exactly as written. */
const SAFE_EXP = 256;

/**
 * 1/s for the power of two s that brings the largest |entry| of X to [1, 2) when that entry is outside
 * [2^-256, 2^256], else 1. Squared distances of X/s cannot overflow (data of 1e200) or underflow (data of
 * 1e-200); D² sampling and hard assignments are invariant to the scale, and multiplying by 1 is exact, so
 * ordinary data give bit-for-bit the seeds they always did.
 */
export function inverseScale(X: Matrix): number {
  let max = 0;
  for (let k = 0; k < X.data.length; k++) max = Math.max(max, Math.abs(X.data[k]));
  if (max === 0) return 1;
  const e = exponentOf(max);
  return Math.abs(e) <= SAFE_EXP ? 1 : 2 ** -Math.max(-1000, Math.min(1000, e));
}

/**
 * The (weighted) variance of each column of X (d values; two passes, mean then squared deviations, on
 * X·inv, see {@link inverseScale}). In the data's units when `unscale` (Infinity for a column spread wider
 * than about 1e154), else in units of (1/inv)².
 */
export function columnVariances(X: Matrix, sampleWeight?: Float64Array, inv = inverseScale(X), unscale = true): Float64Array {
  const { data, rows, cols: d } = X;
  const mean = new Float64Array(d), out = new Float64Array(d);
  let mass = 0;
  for (let r = 0; r < rows; r++) {
    const c = sampleWeight ? sampleWeight[r] : 1;
    mass += c;
    for (let j = 0; j < d; j++) mean[j] += c * data[r * d + j] * inv;
  }
  for (let j = 0; j < d; j++) mean[j] /= mass;
  for (let r = 0; r < rows; r++) {
    const c = sampleWeight ? sampleWeight[r] : 1;
    for (let j = 0; j < d; j++) { const t = data[r * d + j] * inv - mean[j]; out[j] += c * t * t; }
  }
  for (let j = 0; j < d; j++) out[j] = unscale ? out[j] / mass / inv / inv : out[j] / mass;
  return out;
}

/** regCovar counts as dominating when it is at least this fraction of the smallest column variance. */
const REG_COVAR_DOMINANT = 0.01;

/**
 * A warning when the variance floor regCovar is at least 1% of the smallest column variance of the data
 * (`columnVar`, d values): every learned variance is then held near regCovar and components cannot resolve
 * the data. Suggests 1e-6 of that variance (the floor's relative size for unit-variance data). Else undefined.
 */
export function regCovarWarning(columnVar: Float64Array, regCovar: number): string | undefined {
  let min = Infinity;
  for (const v of columnVar) min = Math.min(min, v);
  if (!(min > 0) || !Number.isFinite(min) || regCovar < REG_COVAR_DOMINANT * min) return undefined;
  return `regCovar = ${regCovar} dominates the data's variance (smallest column variance ${min.toExponential(2)}): `
    + `learned variances cannot go below regCovar, so components cannot resolve the data; use regCovar ≈ ${(1e-6 * min).toExponential(0)} or rescale X`;
}

/** The FitError message for data whose start variances overflow float64 (largest |entry| `maxAbs`). */
export function spreadMessage(maxAbs: number): string {
  return `X is spread too widely for float64: start variances overflow (largest |x| = ${maxAbs.toExponential(2)}; `
    + `variances above 1.8e308, i.e. spreads above about 1e154, cannot be represented); rescale X, e.g. divide it by ${(10 ** Math.floor(Math.log10(maxAbs))).toExponential(0)}`;
}
