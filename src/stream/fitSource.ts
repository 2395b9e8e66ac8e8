/**
 * What `GaussianMixture.fit` needs to take a {@link RowSource} instead of a matrix: its per-call options,
 * the check that rejects what a streamed fit cannot do, and the start sample.
 */
import { MixfitError } from '../errors.js';
import type { Rng } from '../model/rng.js';
import { any, intAtLeast, type OptionTable } from '../optionTable.js';
import type { Matrix } from '../types.js';
import { readChunkRows } from './objective.js';
import { INIT_SAMPLE_ROWS, reservoirSample } from './sample.js';
import { isRowSource, type RowSource } from './source.js';

/** Per-call options of a fit on a {@link RowSource} (ignored for in-memory data). */
export interface StreamFitOptions {
  /** Rows per chunk of each streamed pass [≈ 4 MiB of float64 rows]. */
  chunkRows?: number;
  /** Rows of the seeded reservoir sample that k-means++ and the start variances run on [100 000]. */
  initSampleRows?: number;
}

/** The option-table rows of {@link StreamFitOptions}. */
export const STREAM_FIT_TABLE: OptionTable<StreamFitOptions> = {
  chunkRows: [any, undefined],
  initSampleRows: [intAtLeast(1), INIT_SAMPLE_ROWS],
};

/**
 * The source when `X` is one, else undefined.
 * @throws MixfitError for `sampleWeight` together with a source (streamed rows carry no weights).
 */
export function streamedData(X: unknown, f: { sampleWeight?: unknown }): RowSource | undefined {
  if (!isRowSource(X)) return undefined;
  if (f.sampleWeight !== undefined) throw new MixfitError('sampleWeight', 'is not supported when fitting a streamed source', 'given');
  return X;
}

/**
 * The rows a fit on `source` starts from: a seeded reservoir sample of `initSampleRows` rows (all rows,
 * in order, when the source has no more), so that k-means++ and the start variances see a matrix.
 */
export function sourceInitSample(source: RowSource, f: StreamFitOptions, rng: Rng): Promise<Matrix> {
  const chunk = readChunkRows(f.chunkRows, source.cols, 'fitOptions.chunkRows');
  return reservoirSample(source, f.initSampleRows ?? INIT_SAMPLE_ROWS, rng, chunk);
}
