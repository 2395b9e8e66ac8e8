/**
 * What `GaussianMixture.fit` needs to take data that are not in memory — a {@link RowSource} (files,
 * streamed) or an {@link SqlSource} (a table inside an SQL engine) — instead of a matrix: the per-call
 * options, the check that rejects what such a fit cannot do, the start sample and the objective.
 */
import { MixfitError } from '../errors.js';
import { newProfile, type ColumnProfile } from '../kernel/dataRange.js';
import type { Precision } from '../kernel/precision.js';
import type { Rng } from '../model/rng.js';
import type { Objective } from '../objective/objective.js';
import { any, intAtLeast, type OptionTable } from '../optionTable.js';
import type { Kernels } from '../runtime/kernels.js';
import { isSqlSource, sqlHead, SqlObjective, type SqlSource } from '../sql/objective.js';
import type { Matrix } from '../types.js';
import { BackendObjective } from '../objective/objective.js';
import { readChunkRows, StreamBackend } from './objective.js';
import { INIT_SAMPLE_ROWS, reservoirSample } from './sample.js';
import { isRowSource, type RowSource } from './source.js';

/** Per-call options of a fit on a {@link RowSource} or {@link SqlSource} (ignored for in-memory data). */
export interface StreamFitOptions {
  /** Rows per chunk of each streamed pass [≈ 4 MiB of float64 rows]. */
  chunkRows?: number;
  /**
   * Rows that k-means++ and the start variances run on [100 000]: a seeded reservoir sample of a file
   * source (every row, in order, when it has no more), the first rows an SQL engine returns (LIMIT).
   */
  initSampleRows?: number;
}

/** The option-table rows of {@link StreamFitOptions}. */
export const STREAM_FIT_TABLE: OptionTable<StreamFitOptions> = {
  chunkRows: [any, undefined],
  initSampleRows: [intAtLeast(1), INIT_SAMPLE_ROWS],
};

/** Data a fit reads through an objective instead of holding them. */
export interface OutOfCoreData {
  /** N and d. */
  readonly rows: number;
  readonly cols: number;
  /**
   * The rows the start is computed from, and (a file source, whose sample scan reads every row) the
   * profile of all rows: the float32 range check and centre (src/kernel/dataRange.ts).
   */
  sample(rng: Rng): Promise<{ M: Matrix; profile?: ColumnProfile }>;
  /**
   * The fit's objective (every layout: a streamed backend's passes, or an SQL engine's queries), its passes on
   * `threads` workers where the source allows (disposed by the fit; the source stays open); `float32`: float32
   * passes, every chunk centred at `center` (file sources only).
   */
  objective(kernels: Kernels, threads: number, float32?: { center: Float64Array }): Objective;
}

/**
 * `X` as {@link OutOfCoreData} when it is a source, else undefined.
 * @throws MixfitError for `sampleWeight` with a source (file rows carry no weights; an SQL table's are
 *   its `weightColumn`), a bad `chunkRows`, or precision 'float32' with an SQL source (its passes run in the
 *   engine, in its float64 DOUBLE arithmetic).
 */
export function outOfCoreData(X: unknown, f: StreamFitOptions & { sampleWeight?: unknown }, precision: Precision = 'float64'): OutOfCoreData | undefined {
  const file = isRowSource(X) ? X : undefined, table = isSqlSource(X) ? X : undefined;
  if (!file && !table) return undefined;
  if (f.sampleWeight !== undefined) throw new MixfitError('sampleWeight', 'is not supported when fitting a source (use an SQL weightColumn)', 'given');
  if (table && precision === 'float32')
    throw new MixfitError('options.precision', "'float32' does not apply to an SQL source: its passes run inside the SQL engine, in float64 (DOUBLE); use precision 'float64' (the default)", precision);
  const limit = f.initSampleRows ?? INIT_SAMPLE_ROWS;
  if (table) return fromTable(table, limit);
  const src = file as RowSource;
  const chunk = readChunkRows(f.chunkRows, src.cols, 'fitOptions.chunkRows');
  return {
    rows: src.rows,
    cols: src.cols,
    sample: async (rng) => {
      // The whole file's profile (float32's centre and range check) only when a float32 fit needs it.
      const profile = precision === 'float32' ? newProfile(src.cols) : undefined;
      return { M: await reservoirSample(src, limit, rng, chunk, profile), profile };
    },
    objective: (kernels, threads, float32) => new BackendObjective(new StreamBackend(kernels, src, chunk, threads, float32), 'empirical'),
  };
}

function fromTable(table: SqlSource, limit: number): OutOfCoreData {
  return { rows: table.rows, cols: table.columns.length, sample: async () => ({ M: await sqlHead(table, limit) }), objective: () => new SqlObjective(table) };
}
