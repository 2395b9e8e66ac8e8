/**
 * Model selection by an information criterion (mclust's BIC sweep, scikit-learn's BIC example): one
 * GaussianMixture per (covariance layout, component count), every candidate fitted from the same seed, the
 * lowest criterion kept.
 *
 * Candidates run side by side, one whole fit per worker (fit workers: worker_threads in Node, Web Workers in
 * browsers), when that pays ({@link sweepWorkers}: the measured rule of README "Model selection"); otherwise one
 * after another on this thread, each candidate's passes using the row-shard pool by GaussianMixture's own
 * `threads` rule. A candidate in a worker fits on one thread with the same seed and code, so the table is
 * bit for bit the one-thread serial sweep's (`threads: 1`).
 */
import { AbortError, MixfitError } from './errors.js';
import { GaussianMixture, type FitResult, type GaussianMixtureOptions } from './estimator.js';
import { fitInWorker, type FitInWorkerOutput } from './browser/fitInWorker.js';
import { startFitWorker, type FitWorker } from './browser/fitWorkers.js';
import type { WorkerFitOptions } from './browser/protocol.js';
import { availableCores } from './parallel/transport.js';
import { loadKernels } from './runtime/kernels.js';
import type { ThreadsOption } from './parallel/threads.js';
import { aic, bic } from './model/criteria.js';
import { fn, oneOf, resolveTable, type Check } from './optionTable.js';
import { COVARIANCES, isMatrixCovariance, type CovarianceType, type Matrix, type MatrixInput } from './types.js';
import { readMatrix } from './validate.js';

/** The criteria {@link selectModel} ranks by (lower is better for both, scikit-learn's sign). */
export const CRITERIA = ['bic', 'aic'] as const;
export type Criterion = (typeof CRITERIA)[number];

/** An inclusive range of component counts. */
export interface ComponentRange { from: number; to: number }

/** Options of {@link selectModel}: the sweep, plus any GaussianMixture option (applied to every candidate). */
export interface SelectModelOptions extends Omit<GaussianMixtureOptions, 'nComponents' | 'covariance' | 'onIteration' | 'init' | 'variance'> {
  /** Component counts to try: a list of distinct integers ≥ 1, or an inclusive range `{ from, to }`. */
  nComponents: readonly number[] | ComponentRange;
  /** Layouts to try, distinct [every learned layout of COVARIANCES, i.e. all but 'fixed']. */
  covariance?: readonly CovarianceType[];
  /** ['bic'] the criterion that ranks the candidates. */
  criterion?: Criterion;
  /**
   * Called after each candidate's fit with its row, its 0-based index in the table and the number of candidates
   * (in table order one after another; in completion order when candidates run side by side).
   */
  onCandidate?: (row: SelectModelRow, index: number, total: number) => void;
  /**
   * ['auto'] Workers for the sweep. 'auto': candidates side by side on all cores when rows × cols × candidates ≥
   * {@link SELECT_PARALLEL_MIN_WORK}, there are ≥ 2 cores and candidates and (Node) the load average leaves a
   * core free, else one after another with each candidate's passes on GaussianMixture's `threads: 'auto'` rule.
   * An integer T ≥ 2: min(T, cores, candidates) fit workers, each fitting one candidate at a time on one thread
   * (with one candidate, T goes to its passes as row shards). 1: one after another on this thread. Side by side
   * gives the `threads: 1` table bit for bit; row shards agree with it to 1e-12 relative.
   */
  threads?: ThreadsOption;
}

/** One candidate's line in {@link SelectModelResult.table}. */
export interface SelectModelRow {
  nComponents: number;
  covariance: CovarianceType;
  /** The chosen criterion's value (lower is better). */
  value: number;
  bic: number;
  aic: number;
  /** Total log-likelihood of X in nats (scikit-learn's score(X)·N). */
  logLikelihood: number;
  /** Learned parameters (scikit-learn's `_n_parameters`). */
  parameterCount: number;
  converged: boolean;
}

/** What {@link selectModel} resolves with. */
export interface SelectModelResult {
  criterion: Criterion;
  /** Every candidate, covariance-major in the order given, then component counts ascending. */
  table: SelectModelRow[];
  /**
   * The fitted candidate with the lowest criterion (the first one on a tie). Fitted in a worker, it is restored
   * from its model document (`GaussianMixture.fromJSON`): then its getters of the last fit (`converged`, `nIter`,
   * `history`, …) are undefined and {@link bestFit} holds that fit.
   */
  best: GaussianMixture;
  /** The best candidate's fit result (status, iterations, history, parameters), wherever it ran. */
  bestFit: FitResult;
  /** Fit workers the sweep ran on (0: one candidate after another on this thread). */
  workers: number;
}

/**
 * 'auto' runs candidates side by side from this much work, rows × cols × candidates (README "Model selection",
 * bench/select-parallel.mjs, CPU seconds on 2 cores): a fresh fit worker spends ≈ 0.5 s of CPU (start-up, kernel
 * instance, JIT) before it fits as fast as this thread, so on two free cores the sweep gains once its serial
 * CPU exceeds ≈ 1 s, ≈ 2·10⁶ units at the 0.46–0.64 µs per unit measured at d = 5–10; 3·10⁶ for margin.
 * On loaded cores it never gained (sweepWorkers' load rule).
 */
export const SELECT_PARALLEL_MIN_WORK = 3_000_000;

/** `mixfit select --threads` in words (the CLI's help reads it here, next to the rule). */
export const SELECT_THREADS_HELP = `fit workers running candidates side by side (same table as 1): an integer ≥ 1 or auto (default: side by side on all cores from rows·cols·candidates ≥ ${SELECT_PARALLEL_MIN_WORK.toLocaleString('en')} when the load average leaves a core free, else one after another)`;

/** The cores of this runtime and, in Node, the 1-minute load average (undefined in browsers, which do not say). */
export interface MachineState { cores: number; load?: number }

/** This machine now: `availableCores()` and Node's `os.loadavg()[0]`. */
export async function machineState(): Promise<MachineState> {
  const cores = await availableCores();
  const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
  if (!isNode) return { cores };
  const spec = 'node:os';
  const os = (await import(/* @vite-ignore */ spec)) as typeof import('node:os');
  return { cores, load: os.loadavg()[0] };
}

/**
 * How many fit workers a sweep of `candidates` fits over `rows` × `cols` data runs on: 0 for one after another on
 * this thread, else ≥ 2 (the rule of {@link SelectModelOptions.threads}). 'auto' also needs a free core: with a
 * load average above cores − 1 the cores are taken by other work, and measured so, side by side lost every time
 * (the extra threads share the same CPU and add their start-up).
 */
export async function sweepWorkers(threads: ThreadsOption | undefined, rows: number, cols: number, candidates: number,
  machine?: MachineState): Promise<number> {
  if (threads === 1 || candidates < 2) return 0;
  const { cores, load } = machine ?? await machineState();
  if (threads === undefined || threads === 'auto') {
    if (rows * cols * candidates < SELECT_PARALLEL_MIN_WORK || cores < 2) return 0;
    if (load !== undefined && load > cores - 1) return 0;
    return Math.min(cores, candidates);
  }
  const n = Math.min(threads, candidates, cores);
  return n >= 2 ? n : 0;
}

/** The largest sweep: a typo such as 1..10000 should fail at once, not after hours. */
const MAX_CANDIDATES = 1000;

const SWEEP_KEYS = ['nComponents', 'covariance', 'criterion', 'onCandidate'] as const;

const countsCheck: Check = (v) => {
  const bad = 'must be a non-empty list of distinct integers ≥ 1 or a range { from, to } with integers 1 ≤ from ≤ to';
  if (Array.isArray(v)) {
    if (v.length === 0 || v.some((k) => !Number.isInteger(k) || k < 1) || new Set(v).size !== v.length) return bad;
    return null;
  }
  if (v === null || typeof v !== 'object') return bad;
  const r = v as Record<string, unknown>;
  if (Object.keys(r).some((k) => k !== 'from' && k !== 'to')) return bad;
  const { from, to } = r;
  return Number.isInteger(from) && Number.isInteger(to) && (from as number) >= 1 && (from as number) <= (to as number) ? null : bad;
};
const covariancesCheck: Check = (v) =>
  (Array.isArray(v) && v.length > 0 && v.every((c) => (COVARIANCES as readonly unknown[]).includes(c)) && new Set(v).size === v.length
    ? null : `must be a non-empty list of distinct layouts out of ${COVARIANCES.map((c) => `'${c}'`).join(', ')}`);

/** The component counts of a validated `nComponents` option, ascending. */
function counts(v: readonly number[] | ComponentRange): number[] {
  if (Array.isArray(v)) return [...v].sort((a, b) => a - b);
  const { from, to } = v as ComponentRange;
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * Fits one GaussianMixture per (covariance, nComponents) on X (N × d) and ranks them by BIC or AIC.
 * Every option is checked (and every candidate estimator constructed) before the first fit.
 * @throws MixfitError naming `options.<name>` for a bad sweep or estimator option, or `X` for bad data or a
 *   component count above the number of rows.
 */
export async function selectModel(X: MatrixInput, options: SelectModelOptions): Promise<SelectModelResult> {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new MixfitError('options', 'must be an object with at least nComponents', options);
  if (!Object.hasOwn(options, 'nComponents') || options.nComponents === undefined)
    throw new MixfitError('options.nComponents', 'is required (a list of integers ≥ 1 or a range { from, to })');
  const sweepOptions: Record<string, unknown> = {}, rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) ((SWEEP_KEYS as readonly string[]).includes(k) ? sweepOptions : rest)[k] = v;
  const sweep = resolveTable<Pick<SelectModelOptions, (typeof SWEEP_KEYS)[number]>>({
    nComponents: [countsCheck, undefined],
    covariance: [covariancesCheck, COVARIANCES.filter((c) => c !== 'fixed')],
    criterion: [oneOf(CRITERIA), 'bic'],
    onCandidate: [fn, undefined],
  }, sweepOptions) as Required<Pick<SelectModelOptions, 'nComponents' | 'criterion'>> & { covariance: CovarianceType[] } & Pick<SelectModelOptions, 'onCandidate'>;
  const ks = counts(sweep.nComponents);
  if (ks.length * sweep.covariance.length > MAX_CANDIDATES)
    throw new MixfitError('options.nComponents', `must give at most ${MAX_CANDIDATES} candidates together with options.covariance`, `${ks.length * sweep.covariance.length} candidates`);
  // These are the sweep's to set, per candidate.
  for (const k of ['init', 'variance', 'onIteration'] as const)
    if (Object.hasOwn(rest, k)) throw new MixfitError(`options.${k}`, 'is not an option of selectModel (every candidate starts from kmeans++ or random rows)', rest[k]);
  const M = readMatrix(X, 'X', undefined, true);
  if (ks[ks.length - 1]! > M.rows)
    throw new MixfitError('options.nComponents', `must not exceed the number of rows of X (${M.rows})`, ks[ks.length - 1]);
  // Learned weights unless the caller fixes them: a criterion compares models, and fixed uniform weights are
  // rarely the model anyone means to compare.
  const base = { weights: 'learned', ...rest } as Omit<GaussianMixtureOptions, 'nComponents'>;
  // Constructed up front: a bad estimator option fails here, before any fit.
  const candidates: Candidate[] = sweep.covariance.flatMap((covariance) => ks.map((nComponents) => ({
    nComponents, covariance, gm: new GaussianMixture({ ...base, nComponents, covariance }),
  })));
  const table: SelectModelRow[] = [];
  const workers = await sweepWorkers(base.threads, M.rows, M.cols, candidates.length);
  const fits = workers ? await fitSideBySide(M, candidates, base, workers, sweep, table) : await fitInTurn(M, candidates, sweep, table);
  let best = 0;
  for (let i = 1; i < table.length; i++) if (table[i]!.value < table[best]!.value) best = i;
  const kept = fits[best]!;
  const gm = 'gm' in kept ? kept.gm : GaussianMixture.fromJSON(kept.model, withoutSignal(base));
  return { criterion: sweep.criterion, table, best: gm, bestFit: kept.result, workers };
}

/** A candidate of the sweep: its layout and count, and its estimator (constructed up front, so options are checked). */
interface Candidate { nComponents: number; covariance: CovarianceType; gm: GaussianMixture }
/** A candidate's fit: on this thread (its estimator) or in a worker (its model document). */
type CandidateFit = { result: FitResult; gm: GaussianMixture } | { result: FitResult; model: FitInWorkerOutput['model'] };
type Sweep = { criterion: Criterion; onCandidate?: SelectModelOptions['onCandidate'] };

/**
 * A candidate's table row from the fitted model's mean log-likelihood `score` of X (N rows) and parameter count:
 * one computation for both paths, so a worker's row equals the serial one bit for bit.
 */
function candidateRow(c: Candidate, score: number, rows: number, p: number, converged: boolean, criterion: Criterion): SelectModelRow {
  const logLikelihood = score * rows;
  const mean = logLikelihood / rows;
  const row: SelectModelRow = {
    nComponents: c.nComponents, covariance: c.covariance, value: 0, bic: bic(mean, rows, p), aic: aic(mean, rows, p),
    logLikelihood, parameterCount: p, converged,
  };
  row.value = row[criterion];
  return row;
}

/** One candidate after another on this thread; fills `table` in candidate order. */
async function fitInTurn(M: Matrix, candidates: Candidate[], sweep: Sweep, table: SelectModelRow[]): Promise<CandidateFit[]> {
  const fits: CandidateFit[] = [];
  for (const c of candidates) {
    const result = await c.gm.fit(M);
    table.push(candidateRow(c, c.gm.score(M), M.rows, c.gm.parameterCount(), result.converged, sweep.criterion));
    fits.push({ result, gm: c.gm });
    sweep.onCandidate?.(table[table.length - 1]!, table.length - 1, candidates.length);
  }
  return fits;
}

/** Work per row and iteration of one candidate, for the order of dispatch (costliest first shortens the sweep). */
function candidateCost(c: Candidate, d: number): number {
  return c.nComponents * (isMatrixCovariance(c.covariance) ? d * (d + 3) / 2 : d);
}

/**
 * The candidates over `workers` fit workers, the costliest first, each worker taking the next candidate when it
 * is done; fills `table` in candidate order. An abort of `base.signal` stops every worker at once (a fit in
 * flight is dropped) and rejects with AbortError; a failed candidate rejects with the error the serial sweep
 * would throw (the first failure in table order).
 */
async function fitSideBySide(M: Matrix, candidates: Candidate[], base: Omit<GaussianMixtureOptions, 'nComponents'>, workers: number,
  sweep: Sweep, table: SelectModelRow[]): Promise<CandidateFit[]> {
  const signal = base.signal;
  if (signal?.aborted) throw new AbortError('the sweep was aborted before it started');
  // The kernels compiled once here and handed to every worker: they instantiate the same (already tiered-up)
  // code instead of compiling their own copy, and fit with exactly the build this thread would use.
  const kernels = await loadKernels({ kernel: base.kernel, wasm: base.wasm });
  const options = { ...workerOptions(base), kernel: kernels.variant, ...(kernels.module ? { wasm: kernels.module } : {}) };
  const order = candidates.map((_, i) => i).sort((a, b) => candidateCost(candidates[b]!, M.cols) - candidateCost(candidates[a]!, M.cols));
  const fits: CandidateFit[] = new Array(candidates.length);
  const rows: SelectModelRow[] = new Array(candidates.length);
  const started: FitWorker[] = [];
  let stop: (e: Error) => void = () => {};
  // Rejects when the signal aborts; a sweep that ends first leaves it pending (never observed).
  const stopped = new Promise<never>((_, reject) => { stop = reject; });
  const onAbort = () => stop(new AbortError('the sweep was aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  let next = 0, done = false;
  // The serial sweep throws the first failing candidate's error (in table order): so does this one, once every
  // earlier candidate has finished.
  let firstFailure = Infinity, failure: unknown;
  const lane = async (): Promise<void> => {
    const w = await startFitWorker();
    // A worker that comes up after the sweep stopped is stopped at once (it would keep a Node process alive).
    if (done) { w.terminate(); return; }
    started.push(w);
    while (!done && next < order.length) {
      const i = order[next++]!, c = candidates[i]!;
      // Past a failed candidate the serial sweep would not have got: skip.
      if (i > firstFailure) continue;
      let out: FitInWorkerOutput;
      try {
        out = await fitInWorker(w.worker, M, { ...options, nComponents: c.nComponents, covariance: c.covariance }, { score: true, progressIntervalMs: Infinity, abortable: false });
      } catch (e) {
        if (i < firstFailure) { firstFailure = i; failure = e; }
        continue;
      }
      rows[i] = candidateRow(c, out.score!, M.rows, out.parameterCount!, out.result.converged, sweep.criterion);
      fits[i] = { result: out.result, model: out.model };
      sweep.onCandidate?.(rows[i]!, i, candidates.length);
    }
  };
  try {
    await Promise.race([Promise.all(Array.from({ length: workers }, lane)), stopped]);
  } finally {
    done = true;
    signal?.removeEventListener('abort', onAbort);
    for (const w of started) w.terminate();
  }
  if (firstFailure < Infinity) throw failure;
  table.push(...rows);
  return fits;
}

/** The estimator options as a worker takes them: no signal (aborts terminate the workers), one thread, a URL as text. */
function workerOptions(base: Omit<GaussianMixtureOptions, 'nComponents'>): Omit<WorkerFitOptions, 'nComponents'> {
  const { signal: _s, onIteration: _o, wasm, ...rest } = base;
  return { ...rest, threads: 1, ...(wasm === undefined ? {} : { wasm: wasm instanceof URL ? wasm.href : wasm as WorkerFitOptions['wasm'] }) };
}

function withoutSignal(base: Omit<GaussianMixtureOptions, 'nComponents'>): Omit<GaussianMixtureOptions, 'nComponents' | 'covariance'> {
  const { signal: _s, covariance: _c, ...rest } = base as GaussianMixtureOptions;
  return rest;
}
