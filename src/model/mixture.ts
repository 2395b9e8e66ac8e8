/**
 * The model's layout, in one place: the internal mixture value of every covariance layout, per-component
 * variance access, broadcast between layouts, conversion to and from the public shapes, copies, scoring and
 * sampling dispatch. Everything else reads the layout through this module. Matrices are row-major;
 * n = components, d = dimension.
 *
 * - 'fixed' | 'spherical' | 'diagonal': {@link FlatParams} (variances 1 / n / n·d, layout 'shared' /
 *   'component' / 'diagonal'), what the diagonal pass reads.
 * - 'full' | 'tied': {@link FullParams} (precision Cholesky factors, what the full pass reads) plus the
 *   covariances they came from (n·d·d or d·d).
 */
import type { DataBackend } from '../kernel/backend.js';
import type { FullDataBackend, FullParams } from '../kernel/fullLayout.js';
import {
  isMatrixCovariance, type Covariance, type CovarianceType, type FittedParams, type FlatParams, type MatrixCovariance, type MixtureParams, type VarianceLayout,
} from '../types.js';
import { precisionCholesky, type PrecisionCholeskyOptions } from './fullCovariance.js';
import type { Rng } from './rng.js';

/** A mixture with a diagonal layout. */
export interface DiagonalMixture {
  readonly covariance: Covariance;
  readonly flat: FlatParams;
}

/** A mixture with covariance matrices: the pass's parameters and the covariances behind its factors. */
export interface MatrixMixture {
  readonly covariance: MatrixCovariance;
  /** Means, log-weights and precision Cholesky factors, as the full/tied pass reads them. */
  readonly pass: FullParams;
  /** n·d·d ('full') or d·d ('tied'), symmetric positive definite. */
  readonly covariances: Float64Array;
}

/** The internal model of any of the five layouts, validated once at the public door. */
export type Mixture = DiagonalMixture | MatrixMixture;

/** The flat variance layout of each diagonal covariance layout, and back. */
export const LAYOUT_OF: Readonly<Record<Covariance, VarianceLayout>> = { fixed: 'shared', spherical: 'component', diagonal: 'diagonal' };
export const COVARIANCE_OF: Readonly<Record<VarianceLayout, Covariance>> = { shared: 'fixed', component: 'spherical', diagonal: 'diagonal' };

/** Whether `m` holds covariance matrices ('full' | 'tied'). */
export function isMatrixMixture(m: Mixture): m is MatrixMixture {
  return (m as MatrixMixture).pass !== undefined;
}

/** n and d of a mixture. */
export function shapeOf(m: Mixture): { n: number; d: number } {
  const p = isMatrixMixture(m) ? m.pass : m.flat;
  return { n: p.n, d: p.d };
}

/** The diagonal mixture over `flat` (its covariance named by its variance layout). */
export function diagonalMixture(flat: FlatParams): DiagonalMixture {
  return { covariance: COVARIANCE_OF[flat.layout], flat };
}

/**
 * A full/tied mixture from means (n·d, kept), weights (n, Σ = 1) and covariances (n·d·d or d·d, kept).
 * @throws as {@link precisionCholesky} (FitError naming the component, or MixfitError naming `check.argument`).
 */
export function matrixMixture(means: Float64Array, weights: ArrayLike<number>, covariances: Float64Array, n: number, d: number,
  tied: boolean, check: PrecisionCholeskyOptions = {}): MatrixMixture {
  const precChol = precisionCholesky(covariances, d, tied ? 1 : n, check);
  return { covariance: tied ? 'tied' : 'full', pass: { n, d, tied, means, logWeights: Float64Array.from(weights, Math.log), precChol }, covariances };
}

/** Numbers in a variance array of `layout`: 1, n or n·d. */
export function varianceCount(layout: VarianceLayout, n: number, d: number): number {
  return layout === 'shared' ? 1 : layout === 'component' ? n : n * d;
}

/** σ²_ij of component i in dimension j, whatever the diagonal layout. */
export function varianceAt(p: FlatParams, i: number, j: number): number {
  return p.layout === 'shared' ? p.variances[0] : p.layout === 'component' ? p.variances[i] : p.variances[i * p.d + j];
}

/**
 * `p`'s variances broadcast to `layout`: per dimension ('diagonal', n·d), averaged over dimensions
 * ('component', n), or averaged over everything ('shared', 1).
 */
export function broadcastVariances(p: FlatParams, layout: VarianceLayout): Float64Array {
  const { n, d } = p;
  if (layout === p.layout) return p.variances.slice();
  if (layout === 'diagonal') return Float64Array.from({ length: n * d }, (_, k) => varianceAt(p, Math.floor(k / d), k % d));
  const perComponent = Float64Array.from({ length: n }, (_, i) => { let s = 0; for (let j = 0; j < d; j++) s += varianceAt(p, i, j); return s / d; });
  return layout === 'component' ? perComponent : new Float64Array([perComponent.reduce((a, b) => a + b, 0) / n]);
}

/** The rows of an n × d row-major array as fresh number[][]. */
export function rowsOf(a: ArrayLike<number>, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => a[i * d + j]));
}

/** An array in a variance layout (1 / n / n·d numbers) in the public shape: a number, n values or n × d. */
export function publicVariances(layout: VarianceLayout, v: Float64Array, n: number, d: number): number | number[] | number[][] {
  return layout === 'shared' ? v[0] : layout === 'component' ? Array.from(v) : rowsOf(v, n, d);
}

/** Converts flat parameters to the public form (fresh arrays, never aliases). */
export function toPublicParams(p: FlatParams): Required<MixtureParams> {
  return { means: rowsOf(p.means, p.n, p.d), weights: Array.from(p.logWeights, Math.exp), variances: publicVariances(p.layout, p.variances, p.n, p.d) };
}

/** Covariance blocks in the public shape: n × d × d (full) or d × d (tied), fresh arrays. */
export function publicCovariances(c: Float64Array, n: number, d: number, tied: boolean): number[][][] | number[][] {
  const block = (b: number) => rowsOf(c.subarray(b * d * d, (b + 1) * d * d), d, d);
  return tied ? block(0) : Array.from({ length: n }, (_, b) => block(b));
}

/** The per-component marginal variances (diagonals of the covariances), n × d; tied repeats its one diagonal. */
export function marginalVariances(c: Float64Array, n: number, d: number, tied: boolean): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => c[(tied ? 0 : i * d * d) + j * d + j]));
}

/**
 * The public fitted parameters of `m` (fresh arrays): means, weights, variances as modelled; for
 * 'full'/'tied' also `covariances`, with `variances` their diagonals.
 */
export function toPublic(m: Mixture): FittedParams {
  if (!isMatrixMixture(m)) return toPublicParams(m.flat);
  const { n, d, tied, means, logWeights } = m.pass;
  return {
    means: rowsOf(means, n, d), weights: Array.from(logWeights, Math.exp),
    variances: marginalVariances(m.covariances, n, d, tied), covariances: publicCovariances(m.covariances, n, d, tied),
  };
}

/**
 * The internal model of public parameters `p` in `covariance` (trusted: validated at the door or built by
 * {@link toPublic}); log-weights are log w of the public weights, so a model committed this way scores
 * exactly as the same model read back from its JSON.
 */
export function fromPublic(p: FittedParams, covariance: CovarianceType): Mixture {
  const n = p.means.length, d = p.means[0].length;
  const means = Float64Array.from(p.means.flat());
  if (isMatrixCovariance(covariance)) {
    const tied = covariance === 'tied';
    const c = Float64Array.from((p.covariances as number[][][] | number[][]).flat(2) as number[]);
    return matrixMixture(means, p.weights, c, n, d, tied);
  }
  const v = p.variances;
  const variances = typeof v === 'number' ? new Float64Array([v]) : Float64Array.from((v as number[] | number[][]).flat());
  return { covariance, flat: { n, d, means, logWeights: Float64Array.from(p.weights, Math.log), variances, layout: LAYOUT_OF[covariance] } };
}

/** A deep copy of public fitted parameters (fresh plain arrays, covariances included). */
export function cloneFitted(p: FittedParams): FittedParams {
  const v = p.variances, c = p.covariances;
  const copy = (a: number[] | number[][]) => (a as (number | number[])[]).map((r) => (Array.isArray(r) ? r.slice() : r));
  const out: FittedParams = { means: p.means.map((r) => r.slice()), weights: p.weights.slice(), variances: typeof v === 'number' ? v : copy(v) as number[] | number[][] };
  if (c !== undefined) out.covariances = (c as (number[] | number[][])[]).map((b) => copy(b)) as number[][][] | number[][];
  return out;
}

/** Per-row log-density (N) and, when given, responsibilities (N × n) of `m` over the rows `backend` holds. */
export function scoreMixture(backend: DataBackend & FullDataBackend, m: Mixture, logDensity: Float64Array, resp?: Float64Array): void {
  if (isMatrixMixture(m)) backend.scoreFull(m.pass, logDensity, resp);
  else backend.score(m.flat, logDensity, resp);
}

/**
 * Draws `count` rows from `m` with `rng`: a component i ~ w, then x = μ_i + L_i z with z ~ N(0, I) (L_i =
 * diag σ_i for the diagonal layouts, the Cholesky factor of Σ_i otherwise). Calls `row(k, i, x)` per draw
 * with x (d values, a scratch buffer reused across calls).
 */
export function drawRows(m: Mixture, count: number, rng: Rng, row: (k: number, component: number, x: Float64Array) => void): void {
  const { d } = shapeOf(m);
  const p = isMatrixMixture(m) ? m.pass : m.flat;
  const w = Array.from(p.logWeights, Math.exp);
  const x = new Float64Array(d);
  const z = new Float64Array(d);
  for (let k = 0; k < count; k++) {
    const i = rng.categorical(w);
    if (isMatrixMixture(m)) {
      const U = m.pass.precChol, off = m.pass.tied ? 0 : i * d * d;
      for (let j = 0; j < d; j++) z[j] = rng.normal();
      // y = U⁻ᵀ z (U is the precision factor, Σ⁻¹ = UUᵀ): forward substitution with the lower-triangular Uᵀ.
      for (let j = 0; j < d; j++) {
        let s = z[j];
        for (let l = 0; l < j; l++) s -= U[off + l * d + j] * z[l];
        z[j] = s / U[off + j * d + j];
        x[j] = p.means[i * d + j] + z[j];
      }
    } else {
      for (let j = 0; j < d; j++) x[j] = p.means[i * d + j] + Math.sqrt(varianceAt(m.flat, i, j)) * rng.normal();
    }
    row(k, i, x);
  }
}
