import { MixfitError } from '../errors.js';
import { checkKernelCapacity } from '../kernel/workspace.js';
import { resolveTable } from '../optionTable.js';
import { diagonalMixture, drawRows } from '../model/mixture.js';
import { Rng } from '../model/rng.js';
import { residentBackend } from '../parallel/backend.js';
import { resolveThreads, type ThreadsOption } from '../parallel/threads.js';
import { loadKernels, resolveVariant, type LoadKernelsOptions } from '../runtime/kernels.js';
import type { FlatParams, MixtureParams } from '../types.js';
import { readParams } from '../validate.js';
import { BackendObjective } from './objective.js';
import { SAMPLE_TABLE } from './options.js';

/**
 * Draws `rows` points from the mixture `p` with `rng`: returns N × d row-major float64. The component is
 * drawn first (categorical on the weights), then each coordinate μ_ij + σ_ij·z.
 */
export function sampleMixture(p: FlatParams, rows: number, rng: Rng): Float64Array {
  const out = new Float64Array(rows * p.d);
  drawRows(diagonalMixture(p), rows, rng, (k, _i, x) => out.set(x, k * p.d));
  return out;
}

/** Options of {@link sampleObjective}. */
export interface SampleObjectiveOptions extends LoadKernelsOptions {
  /** N, the number of points drawn (integer ≥ 1). */
  rows: number;
  /** Seed of the draw (default 0): the same seed gives the same data in every runtime. */
  seed?: number;
  /** Worker threads for asynchronous passes: a positive integer or 'auto' (default; see README "Parallel"). */
  threads?: ThreadsOption;
}

/**
 * The empirical loss (mean negative log-likelihood, nats per point) on a fresh seeded sample of `rows`
 * points from the known mixture `truth` (means n × d): the finite-sample experiments (E5). The optimum is
 * unknown (the MLE fits the noise), so `knownOptimum` is undefined.
 * @throws MixfitError for invalid `truth`, `rows` or `seed`.
 */
export async function sampleObjective(truth: MixtureParams, options: SampleObjectiveOptions): Promise<BackendObjective> {
  const p = readParams(truth, 'truth');
  if (options === undefined) throw new MixfitError('options', 'is required ({ rows, seed?, threads?, kernel?, wasm? })');
  resolveTable(SAMPLE_TABLE, options);
  const rows = options.rows;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1)
    throw new MixfitError('options.rows', 'must be an integer ≥ 1', rows);
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new MixfitError('options.seed', 'must be a finite number', seed);
  // Before drawing: a sample too large for one kernel instance would otherwise be drawn and then fail.
  if (resolveVariant(options.kernel) !== 'js') checkKernelCapacity(rows, p.d, 'options.rows');
  const X = sampleMixture(p, rows, new Rng(seed));
  const threads = await resolveThreads(options.threads, rows, p.d);
  const kernels = await loadKernels({ kernel: options.kernel, wasm: options.wasm });
  return new BackendObjective(residentBackend(kernels, X, rows, p.d, undefined, { threads }), 'sample');
}
