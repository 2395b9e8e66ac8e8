/**
 * The data's range as the float32 passes see it: per-column sums, minima and maxima, accumulated chunk by
 * chunk in row order (so a file source's profile, built while its start sample is read, equals the in-memory
 * one bit for bit), the centre the float32 layout subtracts, and the check that the data fit float32.
 */
import { MixfitError, RenderedValue } from '../errors.js';

/** Per-column running sums, minima and maxima of `rows` rows of d values. */
export interface ColumnProfile {
  rows: number;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/** An empty profile of d columns. */
export function newProfile(d: number): ColumnProfile {
  return { rows: 0, sum: new Float64Array(d), min: new Float64Array(d).fill(Infinity), max: new Float64Array(d).fill(-Infinity) };
}

/** Adds `rows` rows of X (rows × d row-major, d = the profile's) to `p`, in row order. */
export function addRows(p: ColumnProfile, X: Float64Array, rows: number): void {
  const d = p.sum.length;
  for (let k = 0; k < rows; k++) {
    for (let j = 0; j < d; j++) {
      const v = X[k * d + j];
      p.sum[j] += v;
      if (v < p.min[j]) p.min[j] = v;
      if (v > p.max[j]) p.max[j] = v;
    }
  }
  p.rows += rows;
}

/** The profile of X (rows × d row-major). */
export function profileOf(X: Float64Array, rows: number, d: number): ColumnProfile {
  const p = newProfile(d);
  addRows(p, X, rows);
  return p;
}

/** Column means (d): the centre the float32 layout subtracts before rounding to f32 (src/kernel/workspace.ts). */
export function profileCentre(p: ColumnProfile): Float64Array {
  return p.sum.map((s) => s / p.rows);
}

/** D² = Σ_j (max_j − min_j)², the squared diagonal of the data's bounding box. */
export function boxDiagonal2(p: ColumnProfile): number {
  let s = 0;
  for (let j = 0; j < p.sum.length; j++) s += (p.max[j] - p.min[j]) ** 2;
  return s;
}

/**
 * The largest D²·max(1, 1/σ²_min)·max(1, c_max) the float32 passes accept: 2^121 ≈ 2.66e36. Why: a point and
 * a mean inside the data's bounding box are at most D² apart, and Σ⁻¹ ≤ I/σ²_min, so every squared distance
 * the f32 kernels form (unscaled Σ (x − μ)² and the diagonal Q's (x − μ)², scaled σ⁻²·‖x − μ‖², and the full
 * pass's ‖L(x − μ)‖²) is at most D²·max(1, 1/σ²_min); each f32 accumulator sums at most 64 of them weighted
 * by c·r ≤ c_max (assembly/passF32.ts: ≤ 32 points per lane; assembly/passFullF32.ts: 16 quads × 4 lanes), so
 * the bound keeps every f32 value of the pass within 64·2^121 = 2^127, a factor 2 below the float32 maximum
 * (≈ 2^128 ≈ 3.4e38; the centred data values, ≤ D, are far inside it).
 */
export const F32_SQUARED_LIMIT = 2 ** 121;

/** What bounds the scaled distances besides the data: the smallest variance the fit can reach, the largest weight. */
export interface Float32Scale {
  /** σ²_min: regCovar, or the fixed variance (undefined or 0: not bounded, only the unscaled distances are checked). */
  minVariance?: number;
  /** The largest sample weight (undefined: unit weights). */
  maxWeight?: number;
}

/** The largest of the sample weights `w` (N), for {@link Float32Scale}.maxWeight; undefined for unit weights. */
export function largestWeight(w: Float64Array | undefined): number | undefined {
  if (!w) return undefined;
  let m = 0;
  for (const c of w) m = Math.max(m, c);
  return m;
}

/**
 * Checks that data with profile `p` stay inside float32's range under the float32 passes
 * ({@link F32_SQUARED_LIMIT}). @throws MixfitError naming `argument` (saying to use precision 'float64'),
 * its received value prefixed by `where` (e.g. a file's path) when given.
 */
export function checkFloat32Range(p: ColumnProfile, scale: Float32Scale, argument: string, where?: string): void {
  const d2 = boxDiagonal2(p);
  const v = scale.minVariance;
  const byVariance = v !== undefined && v > 0 ? Math.max(1, 1 / v) : 1;
  const byWeight = Math.max(1, scale.maxWeight ?? 1);
  const q = d2 * byVariance * byWeight;
  if (q <= F32_SQUARED_LIMIT) return;
  throw new MixfitError(argument,
    `is outside float32's range for precision 'float32': D²·max(1, 1/σ²_min)·max(1, largest sample weight) must be ≤ 2^121 ≈ 2.66e36, `
    + `with D² = Σ_j (max_j − min_j)² the squared diagonal of the data's bounding box and σ²_min the smallest variance the fit can reach `
    + `(regCovar, or the fixed variance), so that the float32 pass's sums of squared distances stay finite; use precision 'float64' (or rescale the data)`,
    new RenderedValue(`${where ? `${where}: ` : ''}D² = ${d2.toExponential(3)}${byVariance > 1 ? `, σ²_min = ${v}` : ''}${byWeight > 1 ? `, largest weight ${byWeight}` : ''}: ${q.toExponential(3)}`));
}
