/** Scoring a committed model: one score pass over a matrix, labels from responsibilities, and chunk mapping. */
import { scoreMixture, shapeOf, type Mixture } from '../model/mixture.js';
import type { Kernels } from '../runtime/kernels.js';
import type { Matrix } from '../types.js';

/** One score pass of `m` over M (N × d): log-densities (N) and, when asked, responsibilities (N × n). */
export function scoreMatrix(kernels: Kernels, m: Mixture, M: Matrix, withResp: boolean): { logDensity: Float64Array; resp?: Float64Array; n: number } {
  const { n } = shapeOf(m);
  const backend = kernels.createBackend(M.data, M.rows, M.cols);
  try {
    const logDensity = new Float64Array(M.rows);
    const resp = withResp ? new Float64Array(M.rows * n) : undefined;
    scoreMixture(backend, m, logDensity, resp);
    return { logDensity, resp, n };
  } finally {
    backend.dispose();
  }
}

/** The (sample-weighted) mean of per-row log-densities. */
export function weightedMean(logDensity: Float64Array, w: Float64Array | undefined): number {
  let s = 0, c = 0;
  for (let r = 0; r < logDensity.length; r++) { const cr = w ? w[r] : 1; s += cr * logDensity[r]; c += cr; }
  return s / c;
}

/** Per-row index of the largest of n responsibilities (rows × n row-major); ties go to the lower index. */
export function labelsOf(resp: Float64Array, rows: number, n: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let k = 0;
    for (let i = 1; i < n; i++) if (resp[r * n + i] > resp[r * n + k]) k = i;
    out[r] = k;
  }
  return out;
}

/** Maps every item of an async iterable. */
export async function* mapAsync<A, B>(it: AsyncIterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const a of it) yield f(a);
}
