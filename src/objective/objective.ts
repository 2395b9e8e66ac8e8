import type { MatrixMath } from '../kernel/matrixMath.js';
import { MixfitError } from '../errors.js';
import type { DataBackend } from '../kernel/backend.js';
import type { Precision } from '../kernel/precision.js';
import { statsBuffer } from '../kernel/backend.js';
import { newFullPassStats, type FullDataBackend, type FullParams, type FullPassStats } from '../kernel/fullLayout.js';
import type { FlatParams, KernelVariant, MixtureGradient, MixtureParams, PassStats } from '../types.js';
import { publicVariances, rowsOf } from '../model/mixture.js';
import { readParams } from '../validate.js';
import { gradientFromStats, newFlatGradient, type FlatGradient } from './gradient.js';

/** What produced an objective. */
export type ObjectiveKind = 'empirical' | 'population' | 'sample';

/**
 * The one interface every solver works against. The loss is L(θ) = offset − (Σ_k c_k ℓ(x_k))/(Σ_k c_k):
 * the mean negative log-likelihood (offset 0) or, for population objectives, the KL divergence
 * (offset = E_{p*}[log p*]). Each call of `stats`/`statsAsync` is one evaluation (one kernel pass).
 */
export interface Objective {
  readonly kind: ObjectiveKind;
  /** d, the data dimension. */
  readonly dim: number;
  /** The kernel implementation in use ('sql': the sums are computed by an SQL engine, src/sql). */
  readonly variant: KernelVariant | 'sql';
  /** Constant added to the mean negative log-likelihood (0 for data; E_{p*}[log p*] for population). */
  readonly offset: number;
  /** The optimal value when it is known (0 for realizable population objectives), else undefined. */
  readonly knownOptimum: number | undefined;
  /** Kernel passes run so far. */
  readonly evaluations: number;
  /** Precision of the passes (undefined: float64); solvers floor their tolerances under float32. */
  readonly precision?: Precision;
  /** The dense per-block math of full/tied fits on this objective's kernel build (absent: the float64 JS). */
  readonly matrixMath?: MatrixMath;
  /** One pass: statistics in an internal buffer, valid until the next call. */
  stats(p: FlatParams): PassStats;
  /** The same pass, possibly on a worker pool: solvers call this one. */
  statsAsync(p: FlatParams): Promise<PassStats>;
  /**
   * The full/tied pass (covariance 'full' | 'tied'): statistics in an internal buffer, valid until the next
   * call; one evaluation. Absent on objectives that run the diagonal passes only.
   */
  fullStatsAsync?(p: FullParams): Promise<FullPassStats>;
  /** Loss from a pass's statistics (of either pass). */
  lossFromStats(s: Pick<PassStats, 'sumLogLik' | 'totalWeight'>): number;
  /** Loss at `params` (one pass). */
  value(params: MixtureParams | FlatParams): number;
  /** Loss and gradient (means, softmax logits, log-variances) at `params` (one pass), in the public shapes. */
  valueAndGrad(params: MixtureParams | FlatParams): { value: number; grad: MixtureGradient };
  /** Frees the WASM workspace (and workers). The objective is unusable afterwards. */
  dispose(): void;
}

function isFlat(p: MixtureParams | FlatParams): p is FlatParams {
  return p !== null && typeof p === 'object' && (p as FlatParams).means instanceof Float64Array && (p as FlatParams).layout !== undefined;
}

/** Objective over one resident data backend. Population and sample objectives are this with other data. */
export class BackendObjective implements Objective {
  readonly kind: ObjectiveKind;
  readonly dim: number;
  readonly offset: number;
  readonly knownOptimum: number | undefined;
  evaluations = 0;
  private backend: DataBackend | null;
  private buffers = new Map<string, PassStats>();
  /** Buffers of asynchronous passes (apart: a synchronous pass may run while one is in flight). */
  private asyncBuffers = new Map<string, PassStats>();
  /** The last asynchronous pass still running (null: none). */
  private queue: Promise<unknown> | null = null;
  private fullBuffer: FullPassStats | undefined;
  private fullAsyncBuffer: FullPassStats | undefined;

  constructor(backend: DataBackend, kind: ObjectiveKind, offset = 0, knownOptimum?: number) {
    this.backend = backend;
    this.kind = kind;
    this.dim = backend.cols;
    this.offset = offset;
    this.knownOptimum = knownOptimum;
  }

  get variant(): KernelVariant { return this.live().variant; }

  get precision(): Precision { return this.live().precision ?? 'float64'; }

  get matrixMath(): MatrixMath | undefined { return this.live().matrixMath; }

  /** The data backend (for scoring); throws after dispose. */
  live(): DataBackend {
    if (!this.backend) throw new MixfitError('objective', 'has been disposed and cannot be evaluated');
    return this.backend;
  }

  /** `params` as flat parameters of the data dimension, counted as one evaluation. */
  private evaluation(params: FlatParams): FlatParams {
    const p = this.flat(params);
    if (p.d !== this.dim) throw new MixfitError('params.means', `must have ${this.dim} columns (the data dimension)`, `${p.d} columns`);
    this.evaluations++;
    return p;
  }

  stats(params: FlatParams): PassStats {
    const be = this.live();
    const p = this.evaluation(params);
    return be.pass(p, statsBuffer(this.buffers, p));
  }

  /** The backend's asynchronous pass when it has one (worker pool, streamed source), else {@link stats}. */
  statsAsync(params: FlatParams): Promise<PassStats> {
    const be = this.live();
    if (!be.passAsync) return Promise.resolve(this.stats(params));
    const p = this.evaluation(params);
    const out = statsBuffer(this.asyncBuffers, p);
    return this.enqueue(() => be.passAsync!(p, out));
  }

  /** One full/tied pass at `p` (validated by the caller, d = dim). */
  fullStats(p: FullParams): FullPassStats {
    const be = this.fullBackend();
    this.evaluations++;
    return be.passFull(p, this.fullOut(p, 'fullBuffer'));
  }

  /** The full/tied backend's asynchronous pass when it has one (worker pool, streamed source), else {@link fullStats}. */
  fullStatsAsync(p: FullParams): Promise<FullPassStats> {
    const be = this.fullBackend();
    if (!be.passFullAsync) return Promise.resolve(this.fullStats(p));
    this.evaluations++;
    const out = this.fullOut(p, 'fullAsyncBuffer');
    return this.enqueue(() => be.passFullAsync!(p, out));
  }

  /**
   * Runs an asynchronous pass after the one in flight. Passes share their buffers, so overlapping calls run one
   * after the other; an idle objective starts the pass now, so an abort right after the call finds it in flight.
   */
  private enqueue<T>(start: () => Promise<T>): Promise<T> {
    const run = this.queue ? this.queue.then(start) : start();
    // The first reaction to `run`: the queue is idle again before the caller resumes.
    const idle = (): void => { if (this.queue === settled) this.queue = null; };
    const settled: Promise<unknown> = run.then(idle, idle);
    this.queue = settled;
    return run;
  }

  private fullBackend(): DataBackend & FullDataBackend {
    const be = this.live() as DataBackend & Partial<FullDataBackend>;
    if (typeof be.passFull !== 'function') throw new MixfitError('objective', `cannot run the full/tied pass on its '${be.variant}' backend`);
    return be as DataBackend & FullDataBackend;
  }

  /** The reused full/tied statistics buffer of `p`'s shape (one for synchronous passes, one for asynchronous ones). */
  private fullOut(p: FullParams, slot: 'fullBuffer' | 'fullAsyncBuffer'): FullPassStats {
    const b = this[slot];
    return b && b.R.length === p.n && b.S.length === p.n * p.d && b.scatter.length === (p.tied ? 1 : p.n) * p.d * p.d
      ? b : (this[slot] = newFullPassStats(p.n, p.d, p.tied));
  }

  lossFromStats(s: Pick<PassStats, 'sumLogLik' | 'totalWeight'>): number {
    if (s === null || typeof s !== 'object' || typeof s.sumLogLik !== 'number' || typeof s.totalWeight !== 'number')
      throw new MixfitError('stats', 'must be the PassStats of a stats() or statsAsync() call', s);
    return this.offset - s.sumLogLik / s.totalWeight;
  }

  /** Flat parameters as given, or public ones validated against the data dimension (MixfitError naming `params`). */
  protected flat(params: MixtureParams | FlatParams): FlatParams {
    return isFlat(params) ? params : readParams(params, 'params', this.dim);
  }

  value(params: MixtureParams | FlatParams): number {
    return this.lossFromStats(this.stats(this.flat(params)));
  }

  valueAndGrad(params: MixtureParams | FlatParams): { value: number; grad: MixtureGradient } {
    const p = this.flat(params);
    const s = this.stats(p);
    const g = gradientFromStats(p, s, newFlatGradient(p));
    return { value: this.lossFromStats(s), grad: publicGradient(p, g) };
  }

  dispose(): void {
    this.backend?.dispose();
    this.backend = null;
  }
}

/** Converts a flat gradient to the public shapes of {@link MixtureGradient}. */
export function publicGradient(p: FlatParams, g: FlatGradient): MixtureGradient {
  return {
    means: rowsOf(g.means, p.n, p.d),
    logWeights: Array.from(g.logWeights),
    logVariances: publicVariances(p.layout, g.logVariances, p.n, p.d),
  };
}
