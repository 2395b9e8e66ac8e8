import type { MatrixMath } from './matrixMath.js';
import { varianceAt } from '../model/mixture.js';
import type { FlatParams, KernelVariant, PassStats } from '../types.js';
import type { Precision } from './precision.js';

/**
 * A data set resident in one kernel implementation. Created once per data matrix (per fit); every
 * evaluation then sends only parameters in and statistics out.
 */
export interface DataBackend {
  readonly variant: KernelVariant;
  /** N, the number of data rows held. */
  readonly rows: number;
  /** d, the dimension. */
  readonly cols: number;
  /** Σ c_k over all rows. */
  readonly totalWeight: number;
  /** Precision of `pass` (undefined: float64). */
  readonly precision?: Precision;
  /** The dense per-block math of full/tied fits on these kernels' build (absent: the float64 JS, jsMatrixMath). */
  readonly matrixMath?: MatrixMath;
  /**
   * One fused pass over rows [start, end) (default all): fills and returns `out`
   * (R: n, S: n·d, Q: n or n·d). Unweighted data use c_k = 1.
   */
  pass(p: FlatParams, out: PassStats, start?: number, end?: number): PassStats;
  /**
   * The same pass over all rows, asynchronously, for backends whose rows are elsewhere (a worker pool, a
   * file read chunk by chunk); absent: objectives call `pass`.
   */
  passAsync?(p: FlatParams, out: PassStats): Promise<PassStats>;
  /**
   * Per-row log-density ℓ(x_k) into `logDensity` (N) and, when given, responsibilities into `resp`
   * (N × n row-major).
   */
  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void;
  /** Frees everything this backend holds; later calls throw. */
  dispose(): void;
}

/** Allocates a {@link PassStats} sized for `p`. */
export function newPassStats(n: number, d: number, diagonal: boolean): PassStats {
  return {
    totalWeight: 0,
    sumLogLik: 0,
    R: new Float64Array(n),
    S: new Float64Array(n * d),
    Q: new Float64Array(diagonal ? n * d : n),
  };
}

/** Shapes whose statistics buffers {@link statsBuffer} keeps at once. */
const STATS_SHAPES_KEPT = 4;

/**
 * The statistics buffer for `p`'s shape from `cache`, allocated on first use. A few shapes are kept, so
 * alternating shapes reuse theirs and any sequence of shapes holds bounded memory.
 */
export function statsBuffer(cache: Map<string, PassStats>, p: FlatParams): PassStats {
  const diagonal = p.layout === 'diagonal';
  const key = `${p.n}:${p.d}:${diagonal}`;
  let b = cache.get(key);
  if (!b) {
    if (cache.size >= STATS_SHAPES_KEPT) cache.clear();
    b = newPassStats(p.n, p.d, diagonal);
    cache.set(key, b);
  }
  return b;
}

/**
 * Per-component constants shared by every implementation of the pass:
 * logNorm_i = log w_i − ½ Σ_j log(2π σ_ij²) and precision 1/σ² expanded to n·d.
 */
export function componentConstants(p: FlatParams, logNorm: Float64Array, precision: Float64Array): void {
  const { n, d, logWeights } = p;
  const LOG_2PI = Math.log(2 * Math.PI);
  for (let i = 0; i < n; i++) {
    let ln = logWeights[i];
    for (let j = 0; j < d; j++) {
      const v = varianceAt(p, i, j);
      ln -= 0.5 * (LOG_2PI + Math.log(v));
      precision[i * d + j] = 1 / v;
    }
    logNorm[i] = ln;
  }
}

/**
 * Log-density of one row x (d values) whose squared distance overflowed for every component (|x − μ| of
 * about 1e154 or more, where the kernels' max-shifted log-sum-exp meets −∞ − (−∞) = NaN). Distances are
 * taken in units of u = max |x − μ|/2, so the responsibilities (into `resp[ro…ro+n)` when given) stay
 * finite and sum to 1 — the nearest components share them — and the result is −Infinity only when ℓ is
 * below −1.8e308. `logNorm` (n) and `prec` (n·d) are {@link componentConstants}; `a` is n of scratch.
 */
export function scoreFarRow(x: Float64Array, p: FlatParams, logNorm: Float64Array, prec: Float64Array, a: Float64Array,
  resp?: Float64Array, ro = 0): number {
  const { n, d, means } = p;
  // Halves first: x/2 − μ/2 cannot overflow where x − μ can.
  let u = 0;
  for (let i = 0; i < n * d; i++) u = Math.max(u, Math.abs(x[i % d] / 2 - means[i] / 2));
  let qMin = Infinity;
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let j = 0; j < d; j++) { const t = (x[j] / 2 - means[i * d + j] / 2) / u; q += t * t * prec[i * d + j]; }
    a[i] = q;
    qMin = Math.min(qMin, q);
  }
  // a_i = logNorm_i − 2u²·q_i; shifted by 2u²·qMin, which is common to every component.
  const scaled = (q: number) => (q === 0 ? 0 : 2 * u * (u * q));
  let m = -Infinity;
  for (let i = 0; i < n; i++) { a[i] = logNorm[i] - scaled(a[i] - qMin); m = Math.max(m, a[i]); }
  let s = 0;
  for (let i = 0; i < n; i++) { a[i] = Math.exp(a[i] - m); s += a[i]; }
  if (resp) for (let i = 0; i < n; i++) resp[ro + i] = a[i] / s;
  return m + Math.log(s) - scaled(qMin);
}
