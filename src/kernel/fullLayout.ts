/**
 * Shapes and per-component constants of the full/tied pass (assembly/passFull.ts), shared by the WASM
 * bridge and the JS oracle. Matrices are row-major; n = components, d = dimension.
 */

/**
 * Parameters of a full (`tied` false) or tied (`tied` true) Gaussian mixture in the form the pass reads.
 * `precChol` holds precision Cholesky factors as scikit-learn's `precisions_cholesky_`: upper-triangular U
 * with Σ⁻¹ = U·Uᵀ, n·d·d (full, component-major) or d·d (tied); entries below the diagonal are ignored.
 */
export interface FullParams {
  n: number;
  d: number;
  /** n·d, row-major n × d. */
  means: Float64Array;
  /** n, log w_i with Σ w_i = 1. */
  logWeights: Float64Array;
  /** n·d·d (full) or d·d (tied), each block row-major upper triangular with a positive diagonal. */
  precChol: Float64Array;
  tied: boolean;
}

/**
 * Statistics of one full/tied pass with per-point weights c_k (responsibilities r_ik at the given means μ):
 * R_i = Σ c r_i, S_i = Σ c r_i x, and the scatter around the means passed in,
 * `scatter` = M_i = Σ c r_i (x − μ_i)(x − μ_i)ᵀ as n·d·d (full), or Σ_i M_i as d·d (tied).
 */
export interface FullPassStats {
  totalWeight: number;
  sumLogLik: number;
  /** n. */
  R: Float64Array;
  /** n·d. */
  S: Float64Array;
  /** n·d·d (full) or d·d (tied), symmetric. */
  scatter: Float64Array;
}

/** Implemented by every backend that runs the full/tied pass (Workspace, JsBackend, PoolBackend, StreamBackend). */
export interface FullDataBackend {
  readonly rows: number;
  readonly cols: number;
  /** One full/tied pass over rows [start, end) (default all; `start` even for WASM backends): fills `out`. */
  passFull(p: FullParams, out: FullPassStats, start?: number, end?: number): FullPassStats;
  /** The same pass over all rows, asynchronously (a worker pool, a streamed file); absent: `passFull` is used. */
  passFullAsync?(p: FullParams, out: FullPassStats): Promise<FullPassStats>;
  /** Per-row log-density (N) and, when given, responsibilities (N × n row-major). */
  scoreFull(p: FullParams, logDensity: Float64Array, resp?: Float64Array): void;
}

/** The raw kernel exports of assembly/passFull.ts (pointers are byte offsets into the instance's memory). */
export interface FullKernelExports {
  passFullScratchBytes(n: number, d: number, tied: number): number;
  passFull(
    x: number, c: number, pairStart: number, pairEnd: number, d: number, n: number,
    means: number, logNorm: number, chol: number, tied: number, out: number, scratch: number,
  ): number;
  scoreFull(
    x: number, pairStart: number, pairEnd: number, d: number, n: number,
    means: number, logNorm: number, chol: number, tied: number, logDens: number, resp: number, scratch: number,
  ): void;
}

/** d(d+1)/2: numbers in one packed triangle. */
export function triangleSize(d: number): number {
  return (d * (d + 1)) / 2;
}

/** Allocates a {@link FullPassStats} sized for n components in d dimensions. */
export function newFullPassStats(n: number, d: number, tied: boolean): FullPassStats {
  return { totalWeight: 0, sumLogLik: 0, R: new Float64Array(n), S: new Float64Array(n * d),
    scatter: new Float64Array((tied ? 1 : n) * d * d) };
}

/**
 * Per-component constants of the full/tied pass: logNorm_i = log w_i − (d/2)·log 2π + Σ_j log U_i[j,j]
 * (n), and the factors transposed to L = Uᵀ packed by rows of the lower triangle (row j holds
 * U[0..j, j] at offset j(j+1)/2): n·d(d+1)/2 numbers, or d(d+1)/2 when tied.
 */
export function fullComponentConstants(p: FullParams, logNorm: Float64Array, packed: Float64Array): void {
  const { n, d, tied, precChol, logWeights } = p;
  const blocks = tied ? 1 : n;
  const tri = triangleSize(d);
  const logDet = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const U = b * d * d;
    let ld = 0;
    for (let j = 0; j < d; j++) {
      ld += Math.log(precChol[U + j * d + j]);
      for (let k = 0; k <= j; k++) packed[b * tri + (j * (j + 1)) / 2 + k] = precChol[U + k * d + j];
    }
    logDet[b] = ld;
  }
  const half = 0.5 * d * Math.log(2 * Math.PI);
  for (let i = 0; i < n; i++) logNorm[i] = logWeights[i] - half + logDet[tied ? 0 : i];
}
