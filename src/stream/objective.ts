/**
 * The empirical objective over a {@link RowSource}: every evaluation reads the source again, chunk by chunk,
 * runs the fused pass on each chunk in one reused kernel instance and sums the chunk statistics in file
 * order. Memory is the chunk (a few blocks plus the kernel's copy), not N; results are deterministic and
 * equal the in-memory objective's up to the rounding of the per-chunk partial sums (~1e-15 relative).
 */
import { MixfitError } from '../errors.js';
import { newPassStats, type DataBackend } from '../kernel/backend.js';
import { BackendObjective } from '../objective/objective.js';
import { loadKernels, type Kernels, type LoadKernelsOptions } from '../runtime/kernels.js';
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
  /** Rows per chunk [≈ 4 MiB of float64 rows, even]; chunk bytes (rows × cols × 8) at most {@link MAX_CHUNK_BYTES}. */
  chunkRows?: number;
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

/** Sums one chunk's statistics into `acc` (the fixed order is the file order of the chunks). */
function addStats(acc: PassStats, s: PassStats): void {
  acc.totalWeight += s.totalWeight;
  acc.sumLogLik += s.sumLogLik;
  for (let i = 0; i < s.R.length; i++) acc.R[i] += s.R[i];
  for (let i = 0; i < s.S.length; i++) acc.S[i] += s.S[i];
  for (let i = 0; i < s.Q.length; i++) acc.Q[i] += s.Q[i];
}

function zero(s: PassStats): PassStats {
  s.totalWeight = 0; s.sumLogLik = 0; s.R.fill(0); s.S.fill(0); s.Q.fill(0);
  return s;
}

/**
 * A data backend that holds no rows: each pass streams the source through one kernel instance (each chunk
 * is copied into the instance's arena, which is reset and reused for the next chunk).
 */
export class StreamBackend implements DataBackend {
  readonly variant: KernelVariant;
  readonly rows: number;
  readonly cols: number;
  readonly totalWeight: number;
  private chunk: PassStats | null = null;
  private disposed = false;

  constructor(private readonly kernels: Kernels, readonly source: RowSource, readonly chunkRows: number) {
    this.variant = kernels.variant;
    this.rows = source.rows;
    this.cols = source.cols;
    this.totalWeight = source.rows;
  }

  private sink(p: FlatParams, out: PassStats): ChunkSink {
    this.live();
    const diag = p.layout === 'diagonal';
    if (!this.chunk || this.chunk.R.length !== p.n || this.chunk.S.length !== p.n * p.d || this.chunk.Q.length !== (diag ? p.n * p.d : p.n))
      this.chunk = newPassStats(p.n, p.d, diag);
    const tmp = this.chunk;
    zero(out);
    return (X, rows) => {
      const be = this.kernels.createBackend(X, rows, this.cols);
      try {
        addStats(out, be.pass(p, tmp));
      } finally {
        be.dispose();
      }
    };
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

  /** One pass over all rows, the next block read while the kernel works on the current chunk. */
  async passAsync(p: FlatParams, out: PassStats): Promise<PassStats> {
    await scanSource(this.source, this.chunkRows, this.sink(p, out));
    return out;
  }

  /** Per-row log-density (N) and responsibilities (N × n), written chunk by chunk. */
  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void {
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
  async *scoreChunks(p: FlatParams, withResp: boolean): AsyncGenerator<ScoreChunk> {
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
  private scoreChunk(p: FlatParams, X: Float64Array, rows: number, logDensity: Float64Array, resp?: Float64Array): void {
    const be = this.kernels.createBackend(X, rows, this.cols);
    try {
      be.score(p, logDensity, resp);
    } finally {
      be.dispose();
    }
  }

  private live(): void {
    if (this.disposed) throw new MixfitError('objective', 'has been disposed and cannot be evaluated');
  }

  /** Releases the kernel buffers; the source stays open (it belongs to the caller). */
  dispose(): void {
    this.disposed = true;
    this.chunk = null;
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
  const { chunkRows, ...kernelOptions } = options;
  const rows = readChunkRows(chunkRows, source.cols);
  const kernels = await loadKernels(kernelOptions);
  return new BackendObjective(new StreamBackend(kernels, source, rows), 'empirical');
}
