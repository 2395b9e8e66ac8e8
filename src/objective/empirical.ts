import { checkFloat32Range, largestWeight, profileCentre, profileOf } from '../kernel/dataRange.js';
import { readPrecision, type Precision } from '../kernel/precision.js';
import { resolveTable } from '../optionTable.js';
import { loadKernels, type LoadKernelsOptions } from '../runtime/kernels.js';
import type { MatrixInput } from '../types.js';
import { readMatrix, readSampleWeight } from '../validate.js';
import { residentBackend } from '../parallel/backend.js';
import { resolveThreads, type ThreadsOption } from '../parallel/threads.js';
import { BackendObjective } from './objective.js';
import { EMPIRICAL_TABLE } from './options.js';

/** Options of {@link empiricalObjective}. */
export interface EmpiricalOptions extends LoadKernelsOptions {
  /** Per-row weights (N, ≥ 0, not all zero); normalised internally so the loss stays a weighted mean. */
  sampleWeight?: ArrayLike<number>;
  /** Worker threads for asynchronous passes: a positive integer or 'auto' (default; see README "Parallel"). */
  threads?: ThreadsOption;
  /** Aborting it terminates the objective's workers; passes after that run on the calling thread. */
  signal?: AbortSignal;
  /** 'float64' (default) or 'float32' passes (README "Precision"); the `js` kernel is float64 only. */
  precision?: Precision;
}

/**
 * The mean negative log-likelihood of data `X` (N × d; `number[][]` or `{ data, rows, cols }`):
 * L(θ) = −Σ_k c_k ℓ(x_k) / Σ_k c_k with c_k = 1 or the sample weights. The data are validated and copied
 * into the kernel's memory once; each evaluation is one fused pass.
 * @throws MixfitError for empty, ragged or non-finite data, bad sample weights, unknown or bad options and,
 *   under precision 'float32', data outside float32's range (src/kernel/dataRange.ts), before any WASM work.
 */
export async function empiricalObjective(X: MatrixInput, options: EmpiricalOptions = {}): Promise<BackendObjective> {
  resolveTable(EMPIRICAL_TABLE, options);
  // Copied before the first await: the caller may reuse its buffer meanwhile.
  const M = readMatrix(X, 'X', undefined, true);
  const w = readSampleWeight(options.sampleWeight, M.rows);
  const precision = readPrecision(options.precision);
  // Float32: the profile behind the range check also gives the layout's centre (no second scan).
  const profile = precision === 'float32' ? profileOf(M.data, M.rows, M.cols) : undefined;
  if (profile) checkFloat32Range(profile, { maxWeight: largestWeight(w) }, 'X');
  const threads = await resolveThreads(options.threads, M.rows, M.cols);
  const kernels = await loadKernels({ kernel: options.kernel, wasm: options.wasm });
  return new BackendObjective(residentBackend(kernels, M.data, M.rows, M.cols, w, { threads, signal: options.signal, precision, center: profile && profileCentre(profile) }), 'empirical');
}
