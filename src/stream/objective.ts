/**
 * The empirical objective over a {@link RowSource}: every evaluation reads the source again, chunk by chunk,
 * runs the fused pass on each chunk in one reused kernel instance and sums the chunk statistics in file
 * order. Memory is the chunk (a few blocks plus the kernel's copy), not N; results are deterministic and
 * equal the in-memory objective's up to the rounding of the per-chunk partial sums (~1e-15 relative).
 */
import type { MatrixMath } from '../kernel/matrixMath.js';
import { MixfitError } from '../errors.js';
import { newPassStats, type DataBackend } from '../kernel/backend.js';
import { addRows, checkFloat32Range, newProfile, profileCentre } from '../kernel/dataRange.js';
import { effectivePrecision, readPrecision, withPrecision, type Precision } from '../kernel/precision.js';
import { newFullPassStats, type FullDataBackend, type FullParams, type FullPassStats } from '../kernel/fullLayout.js';
import { ChunkPool, type Chunk, type ChunkRequest } from '../parallel/chunkPool.js';
import { wireFullParams, wireParams } from '../parallel/protocol.js';
import { resolveThreads, type ThreadsOption } from '../parallel/threads.js';
import { addStats, zeroStats } from '../parallel/reduce.js';
import { BackendObjective } from '../objective/objective.js';
import { loadKernels, withChunkBackend, type Kernels, type LoadKernelsOptions } from '../runtime/kernels.js';
import type { FlatParams, KernelVariant, PassStats } from '../types.js';
import { isRowSource, mapChunks, scanSource, scanSourceSync, type ChunkSink, type RowSource } from './source.js';

/** Per-row results of one chunk of a source: rows `start` … `start + rows − 1` (from 0). */
export interface ScoreChunk {
  /** Index of the chunk's first row in the source. */
  start: number;
  rows: number;
  /** log p(x) in nats (rows). */
  logDensity: Float64Array;
  /** Responsibilities, rows × n row-major (when asked for). */
  resp?: Float64Array;
}

/** Options of {@link streamingObjective}. */
export interface StreamingOptions extends LoadKernelsOptions {
  /**
   * 'float64' (default) or 'float32' passes (README "Precision"): float32 reads the source once more first,
   * for its centre and the range check.
   */
  precision?: Precision;
  /** Rows per chunk [≈ 4 MiB of float64 rows, even]; chunk bytes (rows × cols × 8) at most {@link MAX_CHUNK_BYTES}. */
  chunkRows?: number;
  /** Workers the asynchronous passes hand chunks to: a positive integer or 'auto' [1] (README "Large data"). */
  threads?: ThreadsOption;
}

/**
 * Largest chunk: the kernel instance that holds a chunk is kept between chunks only up to 64 MiB of WASM
 * memory (src/runtime/kernels.ts); a larger one would be re-created, page faults included, for every chunk.
 */
export const MAX_CHUNK_BYTES = 32 * 2 ** 20;
const DEFAULT_CHUNK_BYTES = 4 * 2 ** 20;

/** The default chunk for `cols` values per row: about 4 MiB of float64, an even row count. */
export function defaultChunkRows(cols: number): number {
  return Math.max(2, 2 * Math.floor(DEFAULT_CHUNK_BYTES / (16 * cols)));
}

/**
 * Checks `chunkRows` for rows of `cols` values (default {@link defaultChunkRows}).
 * @throws MixfitError when it is not an integer ≥ 1 or the chunk exceeds {@link MAX_CHUNK_BYTES}.
 */
export function readChunkRows(chunkRows: number | undefined, cols: number, name = 'options.chunkRows'): number {
  if (chunkRows === undefined) return defaultChunkRows(cols);
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new MixfitError(name, 'must be an integer ≥ 1', chunkRows);
  if (chunkRows * cols * 8 > MAX_CHUNK_BYTES)
    throw new MixfitError(name, `must keep a chunk within ${MAX_CHUNK_BYTES / 2 ** 20} MiB (rows × cols × 8 bytes)`, chunkRows);
  return chunkRows;
}

/** Parameters of either pass: the diagonal layouts, or full/tied (they carry `precChol`). */
type AnyParams = FlatParams | FullParams;
const isFull = (p: AnyParams): p is FullParams => (p as FullParams).precChol !== undefined;

/**
 * A data backend that holds no rows: each pass streams the source through one kernel instance (each chunk
 * is copied into the instance's arena, which is reset and reused for the next chunk), or with `threads` > 1
 * hands the chunks to a {@link ChunkPool}. Runs the diagonal and the full/tied passes.
 */
export class StreamBackend implements DataBackend, FullDataBackend {
  readonly variant: KernelVariant;
  readonly rows: number;
  readonly cols: number;
  readonly totalWeight: number;
  /** Workers the asynchronous passes use (1: this thread). */
  readonly threads: number;
  /** Precision of the passes (scoring is float64). */
  readonly precision: Precision;
  private readonly pool: ChunkPool | null;
  /** The kernels the passes run on (float32: every chunk centred at the source's centre); scoring uses `kernels`. */
  private readonly passKernels: Kernels;
  private disposed = false;

  /** The kernels' dense math for full/tied fits, read when a fit asks. */
  get matrixMath(): MatrixMath | undefined { return this.kernels.matrixMath; }

  /**
   * `float32`: run the passes in float32, each chunk centred at `center` (d, the source's column means, so a
   * chunk holds the f32 values the in-memory layout of all rows would; the range was checked by the caller).
   */
  constructor(private readonly kernels: Kernels, readonly source: RowSource, readonly chunkRows: number, threads = 1,
    float32?: { center: Float64Array }) {
    this.variant = kernels.variant;
    this.rows = source.rows;
    this.cols = source.cols;
    this.totalWeight = source.rows;
    this.precision = effectivePrecision(kernels, float32 ? 'float32' : 'float64');
    const f32 = this.precision === 'float32' ? float32 : undefined;
    this.passKernels = f32 ? withPrecision(kernels, 'float32', f32.center) : kernels;
    // At least one chunk per worker.
    this.threads = Math.max(1, Math.min(threads, Math.ceil(source.rows / chunkRows)));
    this.pool = this.threads > 1 ? new ChunkPool(this.threads, kernels.variant, kernels.module, f32?.center) : null;
  }

  /** A sink adding each chunk's statistics for `p` into `out` (zeroed here), in file order. */
  private sink<S extends PassStats | FullPassStats>(p: AnyParams, out: S): ChunkSink {
    this.live();
    zeroStats(out);
    const tmp = (isFull(p) ? newFullPassStats(p.n, p.d, p.tied) : newPassStats(p.n, p.d, p.layout === 'diagonal')) as S;
    return (X, rows) => withChunkBackend(this.passKernels, X, rows, this.cols, (be) => {
      addStats(out, (isFull(p) ? be.passFull(p, tmp as FullPassStats) : be.pass(p, tmp as PassStats)) as S);
    });
  }

  private whole(start: number | undefined, end: number | undefined): void {
    if ((start ?? 0) !== 0 || (end ?? this.rows) !== this.rows) throw new MixfitError('start', 'a streamed pass covers all rows (no sub-range)', `${start}..${end}`);
  }

  /** One pass over all rows, reading synchronously. */
  pass(p: FlatParams, out: PassStats, start?: number, end?: number): PassStats {
    this.whole(start, end);
    scanSourceSync(this.source, this.chunkRows, this.sink(p, out));
    return out;
  }

  /** One full/tied pass over all rows, reading synchronously. */
  passFull(p: FullParams, out: FullPassStats, start?: number, end?: number): FullPassStats {
    this.whole(start, end);
    scanSourceSync(this.source, this.chunkRows, this.sink(p, out));
    return out;
  }

  /**
   * One pass over all rows, the next block read while the kernel works on the current chunk; on the
   * workers when `threads` > 1 (summed in the same chunk order, so the result is the same to the bit).
   */
  passAsync(p: FlatParams, out: PassStats): Promise<PassStats> {
    return this.streamed(p, out);
  }

  /** The full/tied {@link passAsync}. */
  passFullAsync(p: FullParams, out: FullPassStats): Promise<FullPassStats> {
    return this.streamed(p, out);
  }

  private async streamed<S extends PassStats | FullPassStats>(p: AnyParams, out: S): Promise<S> {
    if (!this.pool) {
      await scanSource(this.source, this.chunkRows, this.sink(p, out));
      return out;
    }
    this.live();
    const pool = this.pool, cols = this.cols;
    const chunks = mapChunks(this.source, this.chunkRows, (X, rows) => pool.copy(X, rows, cols));
    const request = isFull(p)
      ? (c: Chunk): ChunkRequest => ({ type: 'chunkFull', params: wireFullParams(p), data: c.data, rows: c.rows, cols })
      : (c: Chunk): ChunkRequest => ({ type: 'chunk', params: wireParams(p), data: c.data, rows: c.rows, cols });
    return pool.run(chunks, request, out);
  }

  /** Per-row log-density (N) and responsibilities (N × n), written chunk by chunk. */
  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void {
    this.scoreAll(p, logDensity, resp);
  }

  /** The full/tied {@link score}. */
  scoreFull(p: FullParams, logDensity: Float64Array, resp?: Float64Array): void {
    this.scoreAll(p, logDensity, resp);
  }

  private scoreAll(p: AnyParams, logDensity: Float64Array, resp?: Float64Array): void {
    this.live();
    let row = 0;
    scanSourceSync(this.source, this.chunkRows, (X, rows) => {
      this.scoreChunk(p, X, rows, logDensity.subarray(row, row + rows), resp?.subarray(row * p.n, (row + rows) * p.n));
      row += rows;
    });
  }

  /**
   * The per-row results of one pass, chunk by chunk in file order: each {@link ScoreChunk} holds fresh
   * arrays for its `rows` rows only, so memory is a chunk's, not N's. The next block is read meanwhile.
   */
  async *scoreChunks(p: AnyParams, withResp: boolean): AsyncGenerator<ScoreChunk> {
    this.live();
    let start = 0;
    yield* mapChunks(this.source, this.chunkRows, (X, rows): ScoreChunk => {
      const logDensity = new Float64Array(rows), resp = withResp ? new Float64Array(rows * p.n) : undefined;
      this.scoreChunk(p, X, rows, logDensity, resp);
      const c = { start, rows, logDensity, resp };
      start += rows;
      return c;
    });
  }

  /** log p(x) (rows) and, when given, responsibilities (rows × n) of one chunk X (rows × d). */
  private scoreChunk(p: AnyParams, X: Float64Array, rows: number, logDensity: Float64Array, resp?: Float64Array): void {
    withChunkBackend(this.kernels, X, rows, this.cols, (be) => (isFull(p) ? be.scoreFull(p, logDensity, resp) : be.score(p, logDensity, resp)));
  }

  private live(): void {
    if (this.disposed) throw new MixfitError('objective', 'has been disposed and cannot be evaluated');
  }

  /** Stops the workers; the source stays open (it belongs to the caller). */
  dispose(): void {
    this.disposed = true;
    this.pool?.terminate();
  }
}

/**
 * The mean negative log-likelihood of the rows of `source` (N × d, read from disk on every evaluation):
 * L(θ) = −Σ_k ℓ(x_k)/N. Usable by `minimize` and every solver like {@link empiricalObjective}'s result;
 * `stats`/`value` read synchronously, `statsAsync` overlaps reading with the kernel.
 * @throws MixfitError for a bad `chunkRows`.
 */
export async function streamingObjective(source: RowSource, options: StreamingOptions = {}): Promise<BackendObjective> {
  if (!isRowSource(source)) throw new MixfitError('source', 'must be a RowSource (from openSource)', source);
  const { chunkRows, threads, precision, ...kernelOptions } = options;
  const rows = readChunkRows(chunkRows, source.cols);
  const float32 = readPrecision(precision) === 'float32' ? await float32Layout(source, rows) : undefined;
  const workers = await resolveThreads(threads ?? 1, source.rows, source.cols);
  const kernels = await loadKernels(kernelOptions);
  return new BackendObjective(new StreamBackend(kernels, source, rows, workers, float32), 'empirical');
}

/**
 * The float32 layout of a source read once: the centre of all its rows, after checking their range (no
 * variance floor is known to an objective, so only the unscaled distances are bounded: src/kernel/dataRange.ts).
 * @throws MixfitError naming `source` when the rows are outside float32's range.
 */
async function float32Layout(source: RowSource, chunkRows: number): Promise<{ center: Float64Array }> {
  const profile = newProfile(source.cols);
  await scanSource(source, chunkRows, (X, rows) => addRows(profile, X, rows));
  checkFloat32Range(profile, {}, 'source', source.path);
  return { center: profileCentre(profile) };
}
