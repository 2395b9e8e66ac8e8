/**
 * The worker pool as a data backend: asynchronous passes run on a {@link ShardPool} (one contiguous shard of
 * rows per worker); the synchronous `pass`/`score` use a local kernel instance created on first use, so code
 * that never calls them never holds a second copy of the data in WASM memory. Objectives are built over it
 * as over any other backend (src/objective/objective.ts).
 */
import type { MatrixMath } from '../kernel/matrixMath.js';
import { MixfitError } from '../errors.js';
import type { DataBackend } from '../kernel/backend.js';
import type { FullDataBackend, FullParams, FullPassStats } from '../kernel/fullLayout.js';
import { profileCentre, profileOf } from '../kernel/dataRange.js';
import { effectivePrecision, withPrecision, type Precision } from '../kernel/precision.js';
import type { Kernels } from '../runtime/kernels.js';
import type { FlatParams, KernelVariant, PassStats } from '../types.js';
import { ShardPool } from './pool.js';

type Backend = DataBackend & FullDataBackend;

/** A data backend that copies the data into a kernel instance only when first used. */
class LazyBackend implements DataBackend {
  readonly variant: KernelVariant;
  readonly totalWeight: number;
  private inner: Backend | null = null;
  private disposed = false;

  get matrixMath(): MatrixMath | undefined { return this.kernels.matrixMath; }

  constructor(private readonly kernels: Kernels, private readonly X: Float64Array, readonly rows: number, readonly cols: number,
    private readonly weights: Float64Array | undefined, readonly precision: Precision) {
    this.variant = kernels.variant;
    let t = 0;
    if (weights) for (let i = 0; i < rows; i++) t += weights[i];
    this.totalWeight = weights ? t : rows;
  }

  live(): Backend {
    if (this.disposed) throw new MixfitError('objective', 'has been disposed and cannot be evaluated');
    this.inner ??= this.kernels.createBackend(this.X, this.rows, this.cols, this.weights);
    return this.inner;
  }

  pass(p: FlatParams, out: PassStats, start?: number, end?: number): PassStats { return this.live().pass(p, out, start, end); }
  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void { this.live().score(p, logDensity, resp); }
  dispose(): void { this.inner?.dispose(); this.inner = null; this.disposed = true; }
}

/** Options of {@link PoolBackend} and {@link residentBackend}. */
export interface PoolOptions {
  /** Worker count (≥ 2 to be useful; capped at the number of rows). */
  threads: number;
  /** Aborting it terminates the workers (after a pass in flight); later passes run locally. */
  signal?: AbortSignal;
  /** Precision of the passes, locally and on the workers (default float64). */
  precision?: Precision;
  /** Float32: the centre (d) every shard's f32 layout subtracts (default: the data's column means, computed here). */
  center?: Float64Array;
}

/** {@link DataBackend} (and full/tied) whose `passAsync`/`passFullAsync` run on a {@link ShardPool}. */
export class PoolBackend implements DataBackend, FullDataBackend {
  readonly threads: number;
  readonly variant: KernelVariant;
  readonly rows: number;
  readonly cols: number;
  readonly totalWeight: number;
  readonly precision: Precision;
  private readonly local: LazyBackend;
  private readonly pool: ShardPool;
  private readonly onAbort: (() => void) | undefined;
  private readonly signal: AbortSignal | undefined;
  private inflight: Promise<unknown> | null = null;
  private readonly mathOf: () => MatrixMath | undefined;

  /** The kernels' dense math for full/tied fits (read when a fit asks, so a diagonal fit never instantiates it). */
  get matrixMath(): MatrixMath | undefined { return this.mathOf(); }

  /** `X` is N × d row-major, `weights` N (kept by reference: the caller hands them over). */
  constructor(kernels: Kernels, X: Float64Array, rows: number, cols: number, weights: Float64Array | undefined, o: PoolOptions) {
    this.precision = effectivePrecision(kernels, o.precision ?? 'float64');
    // One centre for all shards, so their f32 values are the one-thread layout's whatever the thread count.
    const center = this.precision === 'float32' ? o.center ?? profileCentre(profileOf(X, rows, cols)) : undefined;
    this.local = new LazyBackend(withPrecision(kernels, this.precision, center), X, rows, cols, weights, this.precision);
    this.variant = kernels.variant;
    this.mathOf = () => kernels.matrixMath;
    this.rows = rows;
    this.cols = cols;
    this.totalWeight = this.local.totalWeight;
    this.pool = new ShardPool(X, rows, cols, weights, o.threads, kernels.variant, kernels.module, this.precision, center);
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

  pass(p: FlatParams, out: PassStats, start?: number, end?: number): PassStats { return this.local.pass(p, out, start, end); }

  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void { this.local.score(p, logDensity, resp); }

  passFull(p: FullParams, out: FullPassStats, start?: number, end?: number): FullPassStats {
    return this.local.live().passFull(p, out, start, end);
  }

  scoreFull(p: FullParams, logDensity: Float64Array, resp?: Float64Array): void { this.local.live().scoreFull(p, logDensity, resp); }

  /** One pass over all rows on the workers, reduced in shard order into `out`. */
  passAsync(p: FlatParams, out: PassStats): Promise<PassStats> {
    return this.onWorkers(() => this.pool.pass(p, out), () => this.pass(p, out));
  }

  /** One full/tied pass over all rows on the workers, reduced in shard order into `out`. */
  passFullAsync(p: FullParams, out: FullPassStats): Promise<FullPassStats> {
    return this.onWorkers(() => this.pool.passFull(p, out), () => this.passFull(p, out));
  }

  private onWorkers<T>(remote: () => Promise<T>, local: () => T): Promise<T> {
    this.local.live();
    // After an abort the workers are gone; the solver still finishes its step (and reports 'aborted'),
    // so the remaining passes run on the local instance rather than failing.
    if (this.signal?.aborted) return Promise.resolve(local());
    const run = remote();
    const tracked = run.finally(() => { if (this.inflight === tracked) this.inflight = null; });
    tracked.catch(() => {});
    this.inflight = tracked;
    return run;
  }

  /** Per-row log-density and responsibilities computed on the workers (see {@link ShardPool.score}). */
  scoreAsync(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): Promise<void> {
    this.local.live();
    return this.pool.score(p, logDensity, resp);
  }

  /** Stops the workers now; the next asynchronous pass starts them again. */
  stopWorkers(): void { this.pool.terminate(); }

  /** Test hook: crashes worker `i` as an uncaught error inside it would. */
  crashWorkerForTest(i = 0): Promise<void> { return this.pool.crashForTest(i); }

  dispose(): void {
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
    this.pool.terminate();
    this.local.dispose();
  }
}

/**
 * The backend for data `X` (N × d row-major, optional weights N) resident in `kernels`: one kernel instance
 * for one thread, else a {@link PoolBackend} with `threads` workers.
 */
export function residentBackend(kernels: Kernels, X: Float64Array, rows: number, cols: number, weights: Float64Array | undefined,
  o: PoolOptions): Backend {
  if (o.threads <= 1 || rows < 2) return withPrecision(kernels, o.precision ?? 'float64', o.center).createBackend(X, rows, cols, weights);
  return new PoolBackend(kernels, X, rows, cols, weights, o);
}
