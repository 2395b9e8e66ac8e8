/**
 * Data and parameter checks: the only code that reads raw user input. Everything past this boundary trusts
 * its inputs (shapes match, values finite, variances positive).
 */
import { MixfitError, describeValue } from './errors.js';
import type { FlatParams, Matrix, MatrixInput, MixtureParams, VarianceLayout } from './types.js';

// The public ↔ flat conversions live with the model's layout; re-exported for the modules that read them here.
export { toPublicParams } from './model/mixture.js';

/** Tolerance on Σ w_i = 1 for user-given weights. */
export const WEIGHT_SUM_TOLERANCE = 1e-9;

/**
 * Reads `X` (`number[][]` or `{ data, rows, cols }`) into a validated row-major matrix (a copy for arrays,
 * the same `data` for matrices unless `copy`). Throws {@link MixfitError} naming `name` for empty input,
 * ragged rows, non-numbers, NaN or ±Inf (with row and column), or a dimension other than `expectedCols`.
 */
export function readMatrix(X: MatrixInput, name = 'X', expectedCols?: number, copy = false): Matrix {
  let data: Float64Array, rows: number, cols: number;
  if (Array.isArray(X)) {
    rows = X.length;
    if (rows === 0) throw new MixfitError(name, 'must have at least one row', X);
    const first = X[0];
    if (!Array.isArray(first) && !ArrayBuffer.isView(first))
      throw new MixfitError(name, 'must be an array of rows (number[][])', `row 0 = ${describeValue(first)}`);
    cols = (first as ArrayLike<number>).length;
    if (cols === 0) throw new MixfitError(name, 'rows must have at least one column', 'row 0 with 0 columns');
    data = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = X[r] as unknown as ArrayLike<number>;
      if (row == null || (!Array.isArray(row) && !ArrayBuffer.isView(row)))
        throw new MixfitError(name, 'must be an array of rows (number[][])', `row ${r} = ${describeValue(row)}`);
      if (row.length !== cols)
        throw new MixfitError(name, `rows must all have ${cols} columns (ragged rows)`, `row ${r} with ${row.length} columns`);
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number') throw new MixfitError(name, 'entries must be numbers', `${describeValue(v)} at row ${r}, column ${c}`);
        data[r * cols + c] = v;
      }
    }
  } else if (X && typeof X === 'object' && (X as Matrix).data instanceof Float64Array) {
    ({ data, rows, cols } = X as Matrix);
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0)
      throw new MixfitError(name, 'rows and cols must be non-negative integers', `rows=${rows}, cols=${cols}`);
    if (rows === 0) throw new MixfitError(name, 'must have at least one row', 'rows=0');
    if (cols === 0) throw new MixfitError(name, 'must have at least one column', 'cols=0');
    if (data.length !== rows * cols)
      throw new MixfitError(name, `data length must equal rows × cols = ${rows * cols}`, `length ${data.length}`);
    if (copy) data = data.slice();
  } else {
    throw new MixfitError(name, 'must be number[][] or { data: Float64Array, rows, cols }', X);
  }
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const r = Math.floor(k / cols), c = k % cols;
      throw new MixfitError(name, 'entries must be finite numbers', `${describeValue(data[k])} at row ${r}, column ${c}`);
    }
  }
  if (expectedCols !== undefined && cols !== expectedCols)
    throw new MixfitError(name, `must have ${expectedCols} columns (the model's dimension)`, `${cols} columns`);
  return { data, rows, cols };
}

/** Sample weights whose largest · N is above this, or whose largest is below its inverse, are rescaled. */
const WEIGHT_RANGE = 2 ** 256;

/**
 * Validates per-row weights: length N, finite, ≥ 0, not all zero. Returns a Float64Array copy. When their
 * sum, or Σ c·ℓ, could overflow (N weights of 1e308) or their size underflow, the copy is scaled by a power of two so that the largest is in
 * [1/2, 1): every consumer uses weights only relative to their sum, which the exact scaling leaves unchanged.
 */
export function readSampleWeight(w: ArrayLike<number> | undefined, rows: number, name = 'sampleWeight'): Float64Array | undefined {
  if (w === undefined) return undefined;
  if (!Array.isArray(w) && !ArrayBuffer.isView(w)) throw new MixfitError(name, 'must be an array of numbers', w);
  if (w.length !== rows) throw new MixfitError(name, `must have one weight per row (${rows})`, `length ${w.length}`);
  const out = new Float64Array(rows);
  let max = 0;
  for (let k = 0; k < rows; k++) {
    const v = w[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new MixfitError(name, 'entries must be finite numbers', `${describeValue(v)} at index ${k}`);
    if (v < 0) throw new MixfitError(name, 'entries must be ≥ 0', `${v} at index ${k}`);
    out[k] = v;
    if (v > max) max = v;
  }
  if (!(max > 0)) throw new MixfitError(name, 'must not be all zero', 'all-zero weights');
  // Ordinary weights are kept as given (statistics such as R = Σ c·r are reported in their units).
  return max * rows <= WEIGHT_RANGE && max >= 1 / WEIGHT_RANGE ? out : scaleByPowerOfTwo(out, -(exponentOf(max) + 1));
}

/** ⌊log2 |v|⌋ for finite v ≠ 0 (exact, subnormals included). */
export function exponentOf(v: number): number {
  let e = Math.floor(Math.log2(Math.abs(v)));
  // log2 may round across an integer near powers of two: correct by one either way.
  if (2 ** e > Math.abs(v)) e--;
  else if (2 ** (e + 1) <= Math.abs(v)) e++;
  return e;
}

/** a ← a·2^k in place, exactly (in steps, since 2^k alone over- or underflows for |k| > 1022). */
export function scaleByPowerOfTwo(a: Float64Array, k: number): Float64Array {
  while (k !== 0) {
    const step = Math.max(-1000, Math.min(1000, k));
    const f = 2 ** step;
    for (let i = 0; i < a.length; i++) a[i] *= f;
    k -= step;
  }
  return a;
}

/**
 * Validates mixing weights: n finite entries ≥ 0 summing to 1 within {@link WEIGHT_SUM_TOLERANCE}.
 * Returns log w (n).
 */
export function readWeights(w: unknown, n: number, name: string): Float64Array {
  if (!Array.isArray(w) && !ArrayBuffer.isView(w)) throw new MixfitError(name, 'must be an array of numbers', w);
  const arr = w as ArrayLike<unknown>;
  if (arr.length !== n) throw new MixfitError(name, `must have one weight per component (${n})`, `length ${arr.length}`);
  const logWeights = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new MixfitError(name, 'entries must be finite and ≥ 0', `${describeValue(v)} at index ${i}`);
    s += v;
    logWeights[i] = Math.log(v);
  }
  if (Math.abs(s - 1) > WEIGHT_SUM_TOLERANCE) throw new MixfitError(name, `must sum to 1 (within ${WEIGHT_SUM_TOLERANCE})`, `sum ${s}`);
  return logWeights;
}

/**
 * The smallest variance accepted: the smallest normal float64 (2^-1022). Below it 1/σ² overflows to
 * Infinity and the density of a point at the mean becomes −Infinity instead of a large finite value.
 */
export const MIN_VARIANCE = 2 ** -1022;

function finitePositive(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new MixfitError(name, 'must be a finite number', v);
  if (v <= 0) throw new MixfitError(name, 'must be > 0 (variances are positive)', v);
  if (v < MIN_VARIANCE) throw new MixfitError(name, `must be ≥ ${MIN_VARIANCE} (the smallest normal float64; 1/σ² overflows below it)`, v);
  return v;
}

/**
 * Validates public parameters and converts them to {@link FlatParams}. `d` is inferred from the means
 * unless given. Weights must be ≥ 0 and sum to 1 within {@link WEIGHT_SUM_TOLERANCE}; variances > 0.
 */
export function readParams(params: MixtureParams, name = 'params', d?: number): FlatParams {
  if (!params || typeof params !== 'object') throw new MixfitError(name, 'must be an object { means, weights?, variances? }', params);
  const M = readMatrix(params.means as number[][], `${name}.means`, d);
  const n = M.rows, dim = M.cols;
  const logWeights = params.weights === undefined ? new Float64Array(n).fill(-Math.log(n)) : readWeights(params.weights, n, `${name}.weights`);
  const v = params.variances ?? 1;
  let layout: VarianceLayout, variances: Float64Array;
  if (typeof v === 'number') {
    layout = 'shared';
    variances = new Float64Array([finitePositive(v, `${name}.variances`)]);
  } else if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) {
    layout = 'diagonal';
    const V = readMatrix(v as number[][], `${name}.variances`);
    if (V.rows !== n || V.cols !== dim)
      throw new MixfitError(`${name}.variances`, `diagonal variances must be ${n} × ${dim}`, `${V.rows} × ${V.cols}`);
    variances = new Float64Array(V.data);
    variances.forEach((x, k) => finitePositive(x, `${name}.variances[${Math.floor(k / dim)}][${k % dim}]`));
  } else if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    layout = 'component';
    const arr = v as ArrayLike<number>;
    if (arr.length !== n) throw new MixfitError(`${name}.variances`, `must be a number, ${n} values or an ${n} × ${dim} array`, `length ${arr.length}`);
    variances = new Float64Array(n);
    for (let i = 0; i < n; i++) variances[i] = finitePositive(arr[i], `${name}.variances[${i}]`);
  } else {
    throw new MixfitError(`${name}.variances`, 'must be a number, an array of n numbers or an n × d array', v);
  }
  return { n, d: dim, means: new Float64Array(M.data), logWeights, variances, layout };
}

/** A deep copy of public variances (a number, n values or n × d rows), as plain arrays. */
export function cloneVariances<V extends MixtureParams['variances']>(v: V): V {
  if (v === undefined || typeof v === 'number') return v;
  const a = v as ArrayLike<number> | ArrayLike<ArrayLike<number>>;
  return (a.length > 0 && typeof a[0] === 'object' ? Array.from(a as ArrayLike<ArrayLike<number>>, (r) => Array.from(r)) : Array.from(a as ArrayLike<number>)) as V;
}

/** A deep copy of public parameters (fresh plain arrays; the caller's object is never aliased). */
export function clonePublicParams<P extends MixtureParams>(p: P): P {
  return { ...p, means: p.means.map((r) => Array.from(r)), weights: p.weights && Array.from(p.weights), variances: cloneVariances(p.variances) };
}
