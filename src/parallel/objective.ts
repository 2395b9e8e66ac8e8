/**
 * An objective whose asynchronous passes run on a worker pool. Solvers call `statsAsync`; the synchronous
 * `stats`/`value`/`valueAndGrad` and scoring use a local kernel instance created on first use, so code that
 * never calls them never holds a second copy of the data in WASM memory.
 */
import { MixfitError } from '../errors.js';
import { statsBuffer, type DataBackend } from '../kernel/backend.js';
import { effectivePrecision, withPrecision, type Precision } from '../kernel/precision.js';
import { BackendObjective, type ObjectiveKind } from '../objective/objective.js';
import type { Kernels } from '../runtime/kernels.js';
import type { FlatParams, KernelVariant, PassStats } from '../types.js';
import { ShardPool } from './pool.js';
import { availableCores } from './transport.js';

/** A data backend that copies the data into a kernel instance only when first used. */
class LazyBackend implements DataBackend {
  readonly variant: KernelVariant;
  readonly totalWeight: number;
  private inner: DataBackend | null = null;
  private disposed = false;

  constructor(private readonly kernels: Kernels, private readonly X: Float64Array, readonly rows: number, readonly cols: number,
    private readonly weights: Float64Array | undefined, readonly precision: Precision) {
    this.variant = kernels.variant;
    let t = 0;
    if (weights) for (let i = 0; i < rows; i++) t += weights[i];
    this.totalWeight = weights ? t : rows;
  }

  private live(): DataBackend {
    if (this.disposed) throw new MixfitError('objective', 'has been disposed and cannot be evaluated');
    this.inner ??= this.kernels.createBackend(this.X, this.rows, this.cols, this.weights);
    return this.inner;
  }

  pass(p: FlatParams, out: PassStats, start?: number, end?: number): PassStats { return this.live().pass(p, out, start, end); }
  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void { this.live().score(p, logDensity, resp); }
  dispose(): void { this.inner?.dispose(); this.inner = null; this.disposed = true; }
}

/** Options of {@link ParallelObjective}. */
export interface ParallelObjectiveOptions {
  kind: ObjectiveKind;
  /** Worker count (≥ 2 to be useful; capped at the number of rows). */
  threads: number;
  offset?: number;
  knownOptimum?: number;
  /** Aborting it terminates the workers (after a pass in flight); later passes run locally. */
  signal?: AbortSignal;
  /** Precision of the passes, locally and on the workers (default float64). */
  precision?: Precision;
}

/** {@link BackendObjective} whose `statsAsync` runs on a {@link ShardPool}. */
export class ParallelObjective extends BackendObjective {
  readonly threads: number;
  private readonly pool: ShardPool;
  private readonly asyncBuffers = new Map<string, PassStats>();
  private readonly onAbort: (() => void) | undefined;
  private readonly signal: AbortSignal | undefined;
  private inflight: Promise<unknown> | null = null;

  /** `X` is N × d row-major, `weights` N (kept by reference: the caller hands them over). */
  constructor(kernels: Kernels, X: Float64Array, rows: number, cols: number, weights: Float64Array | undefined, o: ParallelObjectiveOptions) {
    const precision = effectivePrecision(kernels, o.precision ?? 'float64');
    super(new LazyBackend(withPrecision(kernels, precision), X, rows, cols, weights, precision), o.kind, o.offset ?? 0, o.knownOptimum);
    this.pool = new ShardPool(X, rows, cols, weights, o.threads, kernels.variant, kernels.module, precision);
    this.threads = this.pool.threads;
    this.signal = o.signal;
    if (o.signal) {
      // An in-flight pass is let finish (its result is valid); the workers stop right after it.
      this.onAbort = () => {
        if (this.inflight) this.inflight.then(() => this.pool.terminate(), () => this.pool.terminate());
        else this.pool.terminate();
      };
      o.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** Whether the pool's workers are running. */
  get workersRunning(): boolean { return this.pool.running; }

  override statsAsync(params: FlatParams): Promise<PassStats> {
    this.live();
    const p = this.flat(params);
    // After an abort the workers are gone; the solver still finishes its step (and reports 'aborted'),
    // so the remaining passes run on the local instance rather than failing.
    if (this.signal?.aborted) return Promise.resolve(this.stats(p));
    if (p.d !== this.dim) throw new MixfitError('params.means', `must have ${this.dim} columns (the data dimension)`, `${p.d} columns`);
    this.evaluations++;
    const run = this.pool.pass(p, statsBuffer(this.asyncBuffers, p));
    const tracked = run.finally(() => { if (this.inflight === tracked) this.inflight = null; });
    tracked.catch(() => {});
    this.inflight = tracked;
    return run;
  }

  /** Per-row log-density and responsibilities computed on the workers (see {@link ShardPool.score}). */
  scoreAsync(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): Promise<void> {
    this.live();
    return this.pool.score(this.flat(p), logDensity, resp);
  }

  /** Stops the workers now; the next asynchronous pass starts them again. */
  stopWorkers(): void { this.pool.terminate(); }

  /** Test hook: crashes worker `i` as an uncaught error inside it would. */
  crashWorkerForTest(i = 0): Promise<void> { return this.pool.crashForTest(i); }

  override dispose(): void {
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
    this.pool.terminate();
    super.dispose();
  }
}

/**
 * Work per pass, in rows·(5·cols + 15) (the per-component flop count of one pass), below which one thread
 * is the default: bench/parallel.mjs at d = n = 10 on 2 cores shows workers losing at N = 1e4 (message
 * round trips and the solver's own work dominate) and winning 1.6–1.8× from N = 2e4–3e4 on; this is N = 2e4
 * at d = 10.
 */
export const PARALLEL_MIN_WORK = 20_000 * 65;

/**
 * Fewest rows per worker that a requested thread count is held to: each worker holds its own kernel
 * instance (about 10 MB with its thread), which a shard of fewer rows never pays back.
 */
export const MIN_ROWS_PER_WORKER = 1000;

/** Threads option: a positive integer, or 'auto' (1 below {@link PARALLEL_MIN_WORK}, else all cores). */
export type ThreadsOption = number | 'auto';

/**
 * Resolves `threads` for data of `rows` × `cols`. A number is capped at the available cores and at one
 * worker per {@link MIN_ROWS_PER_WORKER} rows (at least 1), so `threads: 1000` on 100 rows runs one thread;
 * {@link threadsCapNote} words the cap. ({@link ParallelObjective} itself takes its count as given.)
 * @throws MixfitError when `threads` is neither 'auto' nor a positive integer.
 */
export async function resolveThreads(threads: ThreadsOption | undefined, rows: number, cols: number, argument = 'options.threads'): Promise<number> {
  if (threads === undefined || threads === 'auto') return rows * (5 * cols + 15) < PARALLEL_MIN_WORK ? 1 : availableCores();
  if (!Number.isInteger(threads) || threads < 1) throw new MixfitError(argument, "must be 'auto' or a positive integer", threads);
  return Math.max(1, Math.min(threads, await availableCores(), Math.floor(rows / MIN_ROWS_PER_WORKER)));
}

/** Why fewer threads than requested run (for a result's warnings), or undefined when none were cut. */
export function threadsCapNote(requested: ThreadsOption | undefined, used: number, rows: number): string | undefined {
  if (typeof requested !== 'number' || used >= requested) return undefined;
  return `threads: ${requested} requested, ${used} used (capped at the available cores and at one worker per ${MIN_ROWS_PER_WORKER} rows; X has ${rows} rows)`;
}

/**
 * The objective for data resident in `kernels`: a plain {@link BackendObjective} for one thread, else a
 * {@link ParallelObjective} with `threads` workers.
 */
export function objectiveOver(kernels: Kernels, X: Float64Array, rows: number, cols: number, weights: Float64Array | undefined,
  o: ParallelObjectiveOptions): BackendObjective {
  if (o.threads <= 1 || rows < 2) {
    const backend = withPrecision(kernels, o.precision ?? 'float64').createBackend(X, rows, cols, weights);
    return new BackendObjective(backend, o.kind, o.offset ?? 0, o.knownOptimum);
  }
  return new ParallelObjective(kernels, X, rows, cols, weights, o);
}
