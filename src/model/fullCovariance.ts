/**
 * Model math for full and tied covariances, from the statistics of the full/tied pass
 * (src/kernel/fullLayout.ts): precision Cholesky factors, scikit-learn's EM M-step, parameter counts and
 * the gradient through an unconstrained factor. Matrices are row-major; n = components, d = dimension;
 * full layouts hold n d×d blocks (component-major), tied layouts one d×d block. Functions with a `math`
 * argument run their per-block work through that {@link MatrixMath} (default {@link jsMatrixMath}, the float64
 * JS reference; fits pass the WASM one of src/kernel/matrixMath.ts, same numbers).
 */
import { FitError, MixfitError } from '../errors.js';
import type { FullParams, FullPassStats } from '../kernel/fullLayout.js';
import type { MatrixMath } from '../kernel/matrixMath.js';

/** Every covariance layout, for parameter counting. */
export type CovarianceLayout = 'full' | 'tied' | 'diagonal' | 'spherical' | 'fixed';

/** scikit-learn's `10 * np.finfo(resp.dtype).eps`, added to every R_i in the M-step so no count is 0. */
const COUNT_FLOOR = 10 * Number.EPSILON;

/**
 * Σ_{k < len} X[x + k]·Y[y + k] with four partial sums (the factorizations' inner products: independent
 * chains instead of one serial one).
 */
function dot(X: Float64Array, x: number, Y: Float64Array, y: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += X[x + k] * Y[y + k]; s1 += X[x + k + 1] * Y[y + k + 1];
    s2 += X[x + k + 2] * Y[y + k + 2]; s3 += X[x + k + 3] * Y[y + k + 3];
  }
  for (; k < len; k++) s0 += X[x + k] * Y[y + k];
  return (s0 + s1) + (s2 + s3);
}

/**
 * In-place Cholesky A = L·Lᵀ of the d×d block at A[off…] (lower triangle read, L written there, the strict
 * upper triangle left untouched). Returns −1 on success, else the 0-based index of the first non-positive
 * pivot (A not positive definite to working precision).
 */
function choleskyInPlace(A: Float64Array, off: number, d: number): number {
  for (let j = 0; j < d; j++) {
    const rj = off + j * d;
    const s = A[rj + j] - dot(A, rj, A, rj, j);
    if (!(s > 0)) return j;
    const ljj = Math.sqrt(s);
    A[rj + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      const ri = off + i * d;
      A[ri + j] = (A[ri + j] - dot(A, ri, A, rj, j)) / ljj;
    }
  }
  return -1;
}

/** Options of {@link precisionCholesky}. */
export interface PrecisionCholeskyOptions {
  /** The regCovar that was added to the diagonals (only quoted in the error message). */
  regCovar?: number;
  /**
   * When the covariances come from the user (an init or a model file): the argument to name in a
   * MixfitError. Without it a failure is a FitError (the fit produced a collapsed component).
   */
  argument?: string;
}

/**
 * Precision Cholesky factors from covariances, as scikit-learn's `_compute_precision_cholesky`: for each
 * d×d block Σ = L·Lᵀ (L lower), U = L⁻ᵀ is upper triangular with Σ⁻¹ = U·Uᵀ. `covariances` is n·d·d
 * (`blocks` = n, full) or d·d (`blocks` = 1, tied); the result has the same shape with zeros below the
 * diagonal. Throws FitError (or MixfitError naming `options.argument`) naming the first component whose
 * covariance is not positive definite.
 * @example precisionCholesky(new Float64Array([4, 0, 0, 1]), 2, 1) // → [0.5, 0, 0, 1]
 */
export function precisionCholesky(covariances: Float64Array, d: number, blocks: number,
  options: PrecisionCholeskyOptions = {}, math: MatrixMath = jsMatrixMath): Float64Array {
  const U = new Float64Array(blocks * d * d);
  const bad = math.precisionFactors(covariances, d, blocks, U);
  if (bad >= 0) throw collapseError(Math.floor(bad / d), blocks, bad % d, options);
  return U;
}

/**
 * U[off…] = (L⁻¹)ᵀ for the lower factor at L[off…] (its strict upper triangle is ignored): X = L⁻¹ by rows of
 * forward substitution, X[j, ·] = (e_j − Σ_{k<j} L[j, k]·X[k, ·]) / L[j, j], the sum as contiguous row updates
 * four rows of X at a time (X's zero upper triangle absorbs a block's overhang). X (d×d) and acc (d) are scratch.
 */
function inverseLowerTransposed(L: Float64Array, off: number, d: number, X: Float64Array, acc: Float64Array, U: Float64Array): void {
  X.fill(0);
  for (let j = 0; j < d; j++) {
    const lj = off + j * d;
    acc.fill(0, 0, j);
    let k = 0;
    for (; k + 3 < j; k += 4) {
      const c0 = L[lj + k], c1 = L[lj + k + 1], c2 = L[lj + k + 2], c3 = L[lj + k + 3];
      const x0 = k * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d;
      for (let l = 0; l <= k + 3; l++) acc[l] += c0 * X[x0 + l] + c1 * X[x1 + l] + c2 * X[x2 + l] + c3 * X[x3 + l];
    }
    for (; k < j; k++) {
      const c = L[lj + k], xk = k * d;
      for (let l = 0; l <= k; l++) acc[l] += c * X[xk + l];
    }
    const ljj = L[lj + j], xj = j * d;
    for (let l = 0; l < j; l++) X[xj + l] = -acc[l] / ljj;
    X[xj + j] = 1 / ljj;
  }
  for (let j = 0; j < d; j++) for (let l = 0; l <= j; l++) U[off + l * d + j] = X[j * d + l];
}

/**
 * Throws as {@link precisionCholesky} when a block of `covariances` (n·d·d full, d·d tied) is not positive
 * definite, without forming the factors: the Cholesky half of that work, for callers that only need the check.
 */
export function assertPositiveDefinite(covariances: Float64Array, d: number, blocks: number,
  options: PrecisionCholeskyOptions = {}, math: MatrixMath = jsMatrixMath): void {
  const bad = math.choleskyFailure(covariances, d, blocks);
  if (bad >= 0) throw collapseError(Math.floor(bad / d), blocks, bad % d, options);
}

function collapseError(b: number, blocks: number, pivot: number, o: PrecisionCholeskyOptions): Error {
  // One block is the tied covariance or the covariance of a one-component 'full' model: this function cannot
  // tell which, so the message names both.
  const which = blocks === 1 ? 'the covariance (the tied one, or component 0 of a one-component model)' : `component ${b}`;
  if (o.argument !== undefined) {
    return new MixfitError(blocks === 1 ? o.argument : `${o.argument}[${b}]`,
      `must be a symmetric positive definite matrix (its leading ${pivot + 1}×${pivot + 1} minor is not positive)`);
  }
  const reg = o.regCovar === undefined ? '' : ` after adding regCovar = ${o.regCovar} to its diagonal`;
  return new FitError(`Fitting the mixture failed: ${which} has an ill-defined empirical covariance (not positive ` +
    `definite${reg}; leading ${pivot + 1}×${pivot + 1} minor), for instance caused by singleton or collapsed ` +
    `samples. Try to decrease nComponents, or increase regCovar.`, { component: blocks === 1 ? null : b });
}

/** Result of {@link mStepFull}: the new mixture in the public numeric layout. */
export interface FullMStep {
  /** n, Σ = 1. */
  weights: Float64Array;
  /** n·d. */
  means: Float64Array;
  /** n·d·d (full) or d·d (tied), symmetric, regCovar added to the diagonal. */
  covariances: Float64Array;
}

/**
 * The EM M-step of scikit-learn (`_estimate_gaussian_parameters` with `_estimate_gaussian_covariances_full`
 * / `_tied`) from one pass's statistics taken at the means `meansUsed` (n·d): nk = R + 10ε,
 * w = nk / Σ nk, μ' = S / nk; full: Σ_i = Σ c r_i (x − μ'_i)(x − μ'_i)ᵀ / nk_i + regCovar·I; tied:
 * (Σ c x xᵀ − Σ_i nk_i μ'_i μ'_iᵀ) / Σ nk + regCovar·I. The scatter around μ' is recovered exactly from the
 * centred scatter M around μ: with g = S − Rμ and e = μ − μ', Σ r (x − μ')(x − μ')ᵀ = M + g·eᵀ + e·gᵀ + R·e·eᵀ
 * (no cancellation of raw second moments).
 */
export function mStepFull(stats: FullPassStats, meansUsed: Float64Array, n: number, d: number, tied: boolean,
  regCovar: number, math: MatrixMath = jsMatrixMath): FullMStep {
  const { R, S, scatter } = stats;
  const nk = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) { nk[i] = R[i] + COUNT_FLOOR; total += nk[i]; }
  const weights = nk.map((v) => v / total);
  const means = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[i * d + j] = S[i * d + j] / nk[i];
  const covariances = new Float64Array((tied ? 1 : n) * d * d);
  math.mStepCovariances(stats, meansUsed, means, nk, n, d, tied, covariances);
  if (tied) for (let k = 0; k < d * d; k++) covariances[k] = (covariances[k] + scatter[k]) / total;
  const blocks = tied ? 1 : n;
  for (let b = 0; b < blocks; b++) for (let j = 0; j < d; j++) covariances[b * d * d + j * d + j] += regCovar;
  return { weights, means, covariances };
}

/**
 * g = S_i − R_iμ_i and e = μ_i − μ'_i of component i into g and e (d each): the per-component vectors of the
 * M-step's exact recentring, for both {@link MatrixMath} implementations.
 */
export function recentring(stats: FullPassStats, meansUsed: Float64Array, means: Float64Array, i: number, d: number,
  g: Float64Array, gOff: number, e: Float64Array, eOff: number): void {
  const { R, S } = stats;
  for (let j = 0; j < d; j++) {
    g[gOff + j] = S[i * d + j] - R[i] * meansUsed[i * d + j];
    e[eOff + j] = meansUsed[i * d + j] - means[i * d + j];
  }
}

/** The JS {@link MatrixMath.mStepCovariances}. */
function jsMStepCovariances(stats: FullPassStats, meansUsed: Float64Array, means: Float64Array, nk: Float64Array,
  n: number, d: number, tied: boolean, covariances: Float64Array): void {
  const { R, scatter } = stats;
  const g = new Float64Array(d), e = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    recentring(stats, meansUsed, means, i, d, g, 0, e, 0);
    const off = tied ? 0 : i * d * d;
    for (let j = 0; j < d; j++) {
      for (let l = 0; l < d; l++) {
        let v = g[j] * e[l] + e[j] * g[l] + R[i] * e[j] * e[l];
        if (!tied) v = (scatter[off + j * d + l] + v) / nk[i];
        // Tied: sklearn subtracts nk·μ'μ'ᵀ from Σ x xᵀ, which leaves (nk − R)·μ'μ'ᵀ = 10ε·μ'μ'ᵀ beside the scatter.
        else v += COUNT_FLOOR * means[i * d + j] * means[i * d + l];
        covariances[off + j * d + l] += v;
      }
    }
  }
}

/**
 * Free covariance parameters per layout, as scikit-learn's `_n_parameters`: full n·d(d+1)/2, tied
 * d(d+1)/2, diagonal n·d, spherical n, fixed 0 (a user-given variance is not learned).
 */
export function covarianceParameterCount(layout: CovarianceLayout, n: number, d: number): number {
  const tri = (d * (d + 1)) / 2;
  switch (layout) {
    case 'full': return n * tri;
    case 'tied': return tri;
    case 'diagonal': return n * d;
    case 'spherical': return n;
    case 'fixed': return 0;
  }
}

/**
 * Parameters learned by a mixture, scikit-learn's `_n_parameters` when weights are learned:
 * covariance parameters + n·d means + (n − 1) weights (none when the weights are fixed); for 'fixed' the
 * user-given variance is not counted.
 */
export function mixtureParameterCount(layout: CovarianceLayout, n: number, d: number,
  weights: 'learned' | 'fixed' = 'learned'): number {
  return covarianceParameterCount(layout, n, d) + n * d + (weights === 'learned' ? n - 1 : 0);
}

/** d(d+1)/2 coordinates per block: the lower triangle of A by rows (row j at j(j+1)/2), log on the diagonal. */
function tri(d: number): number { return (d * (d + 1)) / 2; }

/** Pivots at or below this fraction of their diagonal entry are treated as zero (a singular Σ − regCovar·I). */
const SINGULAR_PIVOT = 1e-14;
/** The smallest conditional variance a zero pivot is given (log ≈ −690.8, as the diagonal layouts' 1e-300 floor). */
const PIVOT_FLOOR = 1e-300;

/**
 * The unconstrained coordinates of covariances above the regCovar floor: for each d×d block Σ (n·d·d full,
 * d·d tied), the Cholesky factor A of Σ − regCovar·I (lower, A·Aᵀ = Σ − regCovar·I) packed by rows of its
 * lower triangle, with log A_jj on the diagonal. A singular Σ − regCovar·I (a component on a subspace) gets
 * zero pivots floored at √1e-300 with the column below set to 0, so every matrix ⪰ regCovar·I has coordinates.
 * Returns blocks·d(d+1)/2 numbers; `floored`, when given, is set to whether any pivot was floored.
 */
export function floorCoordinates(covariances: Float64Array, d: number, blocks: number, regCovar: number,
  floored?: { any: boolean }, math: MatrixMath = jsMatrixMath): Float64Array {
  const out = new Float64Array(blocks * tri(d));
  if (math.floorCoordinates(covariances, d, blocks, regCovar, out) && floored) floored.any = true;
  return out;
}

/** The JS {@link MatrixMath.floorCoordinates}: the floored Cholesky per block, L (d×d) reused. */
function jsFloorCoordinates(covariances: Float64Array, d: number, blocks: number, regCovar: number, out: Float64Array): boolean {
  const t = tri(d);
  const L = new Float64Array(d * d);
  let floored = false;
  for (let b = 0; b < blocks; b++) {
    const off = b * d * d;
    L.fill(0);
    for (let j = 0; j < d; j++) {
      const diag = covariances[off + j * d + j] - regCovar;
      const s = diag - dot(L, j * d, L, j * d, j);
      const singular = !(s > SINGULAR_PIVOT * Math.abs(diag));
      if (singular) floored = true;
      const ljj = Math.sqrt(singular ? PIVOT_FLOOR : s);
      L[j * d + j] = ljj;
      for (let i = j + 1; i < d; i++) {
        if (singular) continue;
        L[i * d + j] = (covariances[off + i * d + j] - dot(L, i * d, L, j * d, j)) / ljj;
      }
    }
    packCoordinates(L, 0, d, out, b * t);
  }
  return floored;
}

/**
 * θ of one lower factor L at L[lOff…] (d×d): its lower triangle by rows into out[o…] (d(d+1)/2), log on the
 * diagonal. Shared by both {@link MatrixMath} implementations, so their coordinates agree exactly.
 */
export function packCoordinates(L: Float64Array, lOff: number, d: number, out: Float64Array, o: number): void {
  for (let j = 0; j < d; j++) {
    const r = o + (j * (j + 1)) / 2, lj = lOff + j * d;
    for (let l = 0; l < j; l++) out[r + l] = L[lj + l];
    out[r + j] = Math.log(L[lj + j]);
  }
}

/**
 * The factors A of θ (blocks·d(d+1)/2 numbers at θ[off…]) into A[aOff…] (d×d, lower, zeros above): the
 * inverse of {@link packCoordinates} (exp on the diagonal). Shared by both {@link MatrixMath} implementations.
 */
export function unpackCoordinates(theta: Float64Array, off: number, d: number, A: Float64Array, aOff: number): void {
  for (let j = 0; j < d; j++) {
    const r = off + (j * (j + 1)) / 2, aj = aOff + j * d;
    for (let l = 0; l < j; l++) A[aj + l] = theta[r + l];
    A[aj + j] = Math.exp(theta[r + j]);
    for (let l = j + 1; l < d; l++) A[aj + l] = 0;
  }
}

/**
 * The inverse of {@link floorCoordinates}: from θ (blocks·d(d+1)/2 numbers at θ[off…]) the factors A
 * (blocks·d·d, lower, zeros above) and the covariances Σ = regCovar·I + A·Aᵀ (blocks·d·d, exactly symmetric).
 */
export function covariancesFromCoordinates(theta: Float64Array, off: number, d: number, blocks: number, regCovar: number,
  math: MatrixMath = jsMatrixMath): { A: Float64Array; covariances: Float64Array } {
  const A = new Float64Array(blocks * d * d), covariances = new Float64Array(blocks * d * d);
  math.factorsFromCoordinates(theta, off, d, blocks, regCovar, A, covariances);
  return { A, covariances };
}

/** The JS {@link MatrixMath.factorsFromCoordinates}. */
function jsFactorsFromCoordinates(theta: Float64Array, off: number, d: number, blocks: number, regCovar: number,
  A: Float64Array, cov: Float64Array): void {
  const t = tri(d);
  // Aᵀ (upper) and the lower triangle of A·Aᵀ, per block.
  const At = new Float64Array(d * d), AAt = new Float64Array(d * d);
  for (let b = 0; b < blocks; b++) {
    const o = b * d * d;
    unpackCoordinates(theta, off + b * t, d, A, o);
    for (let j = 0; j < d; j++) for (let l = 0; l <= j; l++) At[l * d + j] = A[o + j * d + l];
    AAt.fill(0);
    accumulateProduct(AAt, A, o, false, At, 0, d, Shape.LowerHalfOfLowerTimesUpper);
    for (let j = 0; j < d; j++) for (let l = 0; l <= j; l++) {
      const s = j === l ? AAt[j * d + l] + regCovar : AAt[j * d + l];
      cov[o + j * d + l] = s;
      cov[o + l * d + j] = s;
    }
  }
}

/** Loss gradient of {@link fullGradient}. */
export interface FullGradient {
  /** L = −Σ c ℓ / Σ c, the mean negative log-likelihood. */
  value: number;
  /** n·d: ∂L/∂μ. */
  means: Float64Array;
  /** n: ∂L/∂α for softmax logits α (w = softmax(α)). */
  logits: Float64Array;
  /** ∂L/∂θ for the coordinates of {@link floorCoordinates}: blocks·d(d+1)/2. */
  factor: Float64Array;
}

/**
 * The triangular shapes of the products in {@link fullGradient}, C[j, l] += Σ_k X[j, k]·Y[k, l] over
 * k ∈ ks(j), l ∈ ls(j, k): X upper/lower as read (X = Uᵀ reads U transposed), Y's zero triangle implied.
 */
const enum Shape {
  /** X full, Y upper: k ∈ [0, d), l ∈ [k, d). */
  FullTimesUpper,
  /** X lower (Uᵀ), Y full, only C's upper triangle: k ∈ [0, j], l ∈ [j, d). */
  UpperHalfOfLowerTimesFull,
  /** X lower, Y lower: k ∈ [0, j], l ∈ [0, k]. */
  LowerTimesLower,
  /** X full, Y lower: k ∈ [0, d), l ∈ [0, k]. */
  FullTimesLower,
  /** X upper, Y full, only C's lower triangle: k ∈ [j, d), l ∈ [0, j]. */
  LowerHalfOfUpperTimesFull,
  /** X lower, Y upper, only C's lower triangle: k ∈ [0, j], l ∈ [k, j] (A·Aᵀ with Y = Aᵀ). */
  LowerHalfOfLowerTimesUpper,
}

/**
 * C += X·Y for d×d row-major blocks (X at X[xOff…], read transposed when `xT`; Y at Y[yOff…]; C at 0) over
 * the triangular ranges of `shape`. Four k at a time (one pass over C's row per four rows of Y, the inner loop
 * contiguous); a block of four may run past ks(j) or ls(j, k) only onto entries of X or Y that are exact zeros
 * (the other triangle of a triangular factor), so it adds exact zeros.
 */
function accumulateProduct(C: Float64Array, X: Float64Array, xOff: number, xT: boolean, Y: Float64Array, yOff: number,
  d: number, shape: Shape): void {
  // X[j, k] = X[xOff + j·sj + k·sk].
  const sj = xT ? 1 : d, sk = xT ? d : 1;
  const xLower = shape === Shape.UpperHalfOfLowerTimesFull || shape === Shape.LowerTimesLower || shape === Shape.LowerHalfOfLowerTimesUpper;
  let j = 0;
  // Four, then two rows of C at a time: the rows' ranges widened to the last row's run only onto zeros of X
  // (k > j for X lower, k < j for X upper) or of Y, or onto entries of C outside the triangle the caller reads.
  for (; j + 3 < d; j += 4) {
    const c0 = j * d, c1 = c0 + d, c2 = c1 + d, c3 = c2 + d;
    const xa = xOff + j * sj, xb = xa + sj, xc = xb + sj, xd = xc + sj;
    const kHi = xLower ? j + 4 : d;
    let k = shape === Shape.LowerHalfOfUpperTimesFull ? j : 0;
    for (; k < kHi && k + 3 < d; k += 4) {
      const ka = xa + k * sk, kb = xb + k * sk, kc = xc + k * sk, kd = xd + k * sk;
      const a0 = X[ka], a1 = X[ka + sk], a2 = X[ka + 2 * sk], a3 = X[ka + 3 * sk];
      const b0 = X[kb], b1 = X[kb + sk], b2 = X[kb + 2 * sk], b3 = X[kb + 3 * sk];
      const e0 = X[kc], e1 = X[kc + sk], e2 = X[kc + 2 * sk], e3 = X[kc + 3 * sk];
      const f0 = X[kd], f1 = X[kd + sk], f2 = X[kd + 2 * sk], f3 = X[kd + 3 * sk];
      const y0 = yOff + k * d, y1 = y0 + d, y2 = y1 + d, y3 = y2 + d;
      const lo = lFrom(shape, j, k), hi = lTo(shape, j + 3, k + 3, d);
      for (let l = lo; l < hi; l++) {
        const v0 = Y[y0 + l], v1 = Y[y1 + l], v2 = Y[y2 + l], v3 = Y[y3 + l];
        C[c0 + l] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
        C[c1 + l] += b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3;
        C[c2 + l] += e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3;
        C[c3 + l] += f0 * v0 + f1 * v1 + f2 * v2 + f3 * v3;
      }
    }
    for (; k < kHi; k++) {
      const a0 = X[xa + k * sk], b0 = X[xb + k * sk], e0 = X[xc + k * sk], f0 = X[xd + k * sk], yk = yOff + k * d;
      const lo = lFrom(shape, j, k), hi = lTo(shape, j + 3, k, d);
      for (let l = lo; l < hi; l++) { const v = Y[yk + l]; C[c0 + l] += a0 * v; C[c1 + l] += b0 * v; C[c2 + l] += e0 * v; C[c3 + l] += f0 * v; }
    }
  }
  for (; j + 1 < d; j += 2) {
    const c0 = j * d, c1 = c0 + d, xa = xOff + j * sj, xb = xa + sj;
    const kHi = xLower ? j + 2 : d;
    let k = shape === Shape.LowerHalfOfUpperTimesFull ? j : 0;
    for (; k < kHi && k + 3 < d; k += 4) {
      const ka = xa + k * sk, kb = xb + k * sk;
      const a0 = X[ka], a1 = X[ka + sk], a2 = X[ka + 2 * sk], a3 = X[ka + 3 * sk];
      const b0 = X[kb], b1 = X[kb + sk], b2 = X[kb + 2 * sk], b3 = X[kb + 3 * sk];
      const y0 = yOff + k * d, y1 = y0 + d, y2 = y1 + d, y3 = y2 + d;
      const lo = lFrom(shape, j, k), hi = lTo(shape, j + 1, k + 3, d);
      for (let l = lo; l < hi; l++) {
        const v0 = Y[y0 + l], v1 = Y[y1 + l], v2 = Y[y2 + l], v3 = Y[y3 + l];
        C[c0 + l] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
        C[c1 + l] += b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3;
      }
    }
    for (; k < kHi; k++) {
      const a0 = X[xa + k * sk], b0 = X[xb + k * sk], yk = yOff + k * d;
      const lo = lFrom(shape, j, k), hi = lTo(shape, j + 1, k, d);
      for (let l = lo; l < hi; l++) { const v = Y[yk + l]; C[c0 + l] += a0 * v; C[c1 + l] += b0 * v; }
    }
  }
  for (; j < d; j++) {
    const cj = j * d, xj = xOff + j * sj;
    const kHi = xLower ? j + 1 : d;
    let k = shape === Shape.LowerHalfOfUpperTimesFull ? j : 0;
    for (; k < kHi && k + 3 < d; k += 4) {
      const xk = xj + k * sk;
      const x0 = X[xk], x1 = X[xk + sk], x2 = X[xk + 2 * sk], x3 = X[xk + 3 * sk];
      const y0 = yOff + k * d, y1 = y0 + d, y2 = y1 + d, y3 = y2 + d;
      const lo = lFrom(shape, j, k), hi = lTo(shape, j, k + 3, d);
      for (let l = lo; l < hi; l++) C[cj + l] += x0 * Y[y0 + l] + x1 * Y[y1 + l] + x2 * Y[y2 + l] + x3 * Y[y3 + l];
    }
    for (; k < kHi; k++) {
      const xk = X[xj + k * sk], yk = yOff + k * d;
      const lo = lFrom(shape, j, k), hi = lTo(shape, j, k, d);
      for (let l = lo; l < hi; l++) C[cj + l] += xk * Y[yk + l];
    }
  }
}

/** First l of {@link accumulateProduct}'s range for row j and the block starting at k. */
function lFrom(shape: Shape, j: number, k: number): number {
  return shape === Shape.FullTimesUpper || shape === Shape.LowerHalfOfLowerTimesUpper ? k : shape === Shape.UpperHalfOfLowerTimesFull ? j : 0;
}

/** One past the last l for row j and a block ending at kLast. */
function lTo(shape: Shape, j: number, kLast: number, d: number): number {
  return shape === Shape.LowerTimesLower || shape === Shape.FullTimesLower ? kLast + 1 : shape === Shape.LowerHalfOfUpperTimesFull || shape === Shape.LowerHalfOfLowerTimesUpper ? j + 1 : d;
}

/**
 * Gradient of the mean negative log-likelihood from one pass at `p` (whose scatter is centred at p.means),
 * with Σ = regCovar·I + A·Aᵀ (A from {@link covariancesFromCoordinates}): ∂L/∂μ_i = −Σ_i⁻¹(S_i − R_iμ_i)/W,
 * ∂L/∂α_i = w_i − R_i/W, and with G = ∂L/∂Σ = (R·Σ⁻¹ − Σ⁻¹·M·Σ⁻¹)/(2W) (R and M summed over components
 * when tied), ∂L/∂A = 2·G·A on the lower triangle, times A_jj on the diagonal for θ_jj = log A_jj.
 * With Σ⁻¹ = U·Uᵀ (U = p.precChol, upper) this is computed as ∂L/∂A = U·(R·I − Uᵀ·M·U)·(Uᵀ·A)/W, every
 * factor triangular or symmetric: about 1.5·d³ multiply-adds per block ({@link MatrixMath.gradientFactor})
 * against about 2.7·d³ for Σ⁻¹·M·Σ⁻¹·A.
 */
export function fullGradient(p: FullParams, stats: FullPassStats, A: Float64Array, math: MatrixMath = jsMatrixMath): FullGradient {
  const { n, d, tied, precChol: U, means: mu, logWeights } = p;
  const { R, S, scatter: M, totalWeight: W } = stats;
  const blocks = tied ? 1 : n;
  // ∂L/∂μ_i = −U·(Uᵀ·g)/W with g = S_i − R_iμ_i: two triangular products, row-wise over U.
  const gMeans = new Float64Array(n * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = tied ? 0 : i * d * d, id = i * d;
    row.fill(0);
    for (let j = 0; j < d; j++) {
      const gj = S[id + j] - R[i] * mu[id + j], uj = o + j * d;
      for (let k = j; k < d; k++) row[k] += U[uj + k] * gj;
    }
    for (let j = 0; j < d; j++) {
      const uj = o + j * d;
      let s = 0;
      for (let k = j; k < d; k++) s += U[uj + k] * row[k];
      gMeans[id + j] = -s / W;
    }
  }
  const logits = new Float64Array(n);
  for (let i = 0; i < n; i++) logits[i] = Math.exp(logWeights[i]) - R[i] / W;
  const counts = new Float64Array(blocks);
  if (tied) for (let i = 0; i < n; i++) counts[0] += R[i];
  else counts.set(R.subarray(0, n));
  const factor = new Float64Array(blocks * tri(d));
  math.gradientFactor(U, M, A, counts, W, d, blocks, factor);
  return { value: -stats.sumLogLik / W, means: gMeans, logits, factor };
}

/** Scratch of {@link jsGradientFactor} for one dimension d: three d×d matrices, kept for the last d. */
let gradScratch: { d: number; T: Float64Array; K: Float64Array; B: Float64Array } | undefined;

/** The JS {@link MatrixMath.gradientFactor}. */
function jsGradientFactor(U: Float64Array, M: Float64Array, A: Float64Array, counts: Float64Array, W: number, d: number,
  blocks: number, factor: Float64Array): void {
  if (gradScratch?.d !== d) gradScratch = { d, T: new Float64Array(d * d), K: new Float64Array(d * d), B: new Float64Array(d * d) };
  // T: M·U, then K·B; K: Uᵀ·M·U, then R·I − Uᵀ·M·U (symmetric), then the lower triangle of U·K·B; B = Uᵀ·A.
  const { T, K, B } = gradScratch;
  const t = tri(d);
  for (let b = 0; b < blocks; b++) {
    const o = b * d * d;
    T.fill(0);
    accumulateProduct(T, M, o, false, U, o, d, Shape.FullTimesUpper);
    // K = R·I − Uᵀ·T on the upper triangle (Uᵀ·M·U is symmetric), mirrored below.
    K.fill(0);
    accumulateProduct(K, U, o, true, T, 0, d, Shape.UpperHalfOfLowerTimesFull);
    for (let j = 0; j < d; j++) {
      K[j * d + j] = counts[b] - K[j * d + j];
      for (let l = j + 1; l < d; l++) { const v = -K[j * d + l]; K[j * d + l] = v; K[l * d + j] = v; }
    }
    B.fill(0);
    accumulateProduct(B, U, o, true, A, o, d, Shape.LowerTimesLower);
    T.fill(0);
    accumulateProduct(T, K, 0, false, B, 0, d, Shape.FullTimesLower);
    // ∂L/∂A[j, l] = Σ_{k ≥ j} U[j, k]·T[k, l] / W for l ≤ j only (the lower triangle).
    K.fill(0);
    accumulateProduct(K, U, o, false, T, 0, d, Shape.LowerHalfOfUpperTimesFull);
    for (let j = 0; j < d; j++) {
      const fj = b * t + (j * (j + 1)) / 2;
      for (let l = 0; l < j; l++) factor[fj + l] = K[j * d + l] / W;
      factor[fj + j] = (K[j * d + j] / W) * A[o + j * d + j];
    }
  }
}

/** The JS {@link MatrixMath.precisionFactors}: Cholesky per block, then U = L⁻ᵀ. */
function jsPrecisionFactors(covariances: Float64Array, d: number, blocks: number, U: Float64Array): number {
  const L = covariances.slice(0, blocks * d * d);
  const X = new Float64Array(d * d), acc = new Float64Array(d);
  for (let b = 0; b < blocks; b++) {
    const off = b * d * d;
    const bad = choleskyInPlace(L, off, d);
    if (bad >= 0) return b * d + bad;
    inverseLowerTransposed(L, off, d, X, acc, U);
  }
  return -1;
}

/** The JS {@link MatrixMath.choleskyFailure}. */
function jsCholeskyFailure(covariances: Float64Array, d: number, blocks: number): number {
  const L = covariances.slice(0, blocks * d * d);
  for (let b = 0; b < blocks; b++) {
    const bad = choleskyInPlace(L, b * d * d, d);
    if (bad >= 0) return b * d + bad;
  }
  return -1;
}

/**
 * The float64 JS implementation of the dense per-block math: the `kernel: 'js'` fallback and the reference the
 * WASM kernels (assembly/linalg.ts, bridged by src/kernel/matrixMath.ts) are tested against.
 */
export const jsMatrixMath: MatrixMath = {
  kind: 'js',
  precisionFactors: jsPrecisionFactors,
  choleskyFailure: jsCholeskyFailure,
  floorCoordinates: jsFloorCoordinates,
  factorsFromCoordinates: jsFactorsFromCoordinates,
  gradientFactor: jsGradientFactor,
  mStepCovariances: jsMStepCovariances,
};
