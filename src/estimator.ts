/**
 * `GaussianMixture`: the estimator (DESIGN.md §3). Options are checked once, in the constructor, from one
 * table; `fit` runs seeded restarts of one solver over one empirical objective and commits the learned
 * state in a single assignment at the very end, so a fit that throws, is aborted or fails on a NaN leaves
 * the previous model exactly as it was. Everything after `fit` (predict, score, sample, bic, aic, toJSON)
 * is synchronous.
 */
import { AbortError, FitError, MixfitError } from './errors.js';
import { aic, bic, parameterCount } from './model/criteria.js';
import { mixtureParameterCount } from './model/fullCovariance.js';
import {
  fullEm, fullModel, hardAssignmentStart, marginalVariances, publicCovariances, readCovariances, readFullStart, sampleFull, type FullEmResult, type FullModel,
} from './model/fullModel.js';
import { STATUS_TABLE } from './solvers/status.js';
import { columnVariances, regCovarWarning, spreadMessage } from './model/dataScale.js';
import { kmeansPlusPlus, randomRows, startVariances } from './model/init.js';
import { modelFromJSON, modelToJSON, type ModelJSON } from './model/json.js';
import { Rng } from './model/rng.js';
import { checkSampleSize, sampleMixture } from './model/sample.js';
import { PRECISIONS, type Precision } from './kernel/precision.js';
import type { SqlSource } from './sql/objective.js';
import { STREAM_FIT_TABLE, fitBackend, outOfCoreData, type OutOfCoreData, type StreamFitOptions } from './stream/fitSource.js';
import { readChunkRows, StreamBackend, type ScoreChunk } from './stream/objective.js';
import { isRowSource, type RowSource } from './stream/source.js';
import { ONLINE_STEP_EXPONENT, OnlineEm } from './stream/online.js';
import { BackendObjective } from './objective/objective.js';
import { residentBackend } from './parallel/backend.js';
import { resolveThreads, threadsCapNote, type ThreadsOption } from './parallel/threads.js';
import {
  any, finite, intAtLeast, oneOf, resolveTable, signalLike, threadsOption, wasmSource, type Check, type OptionTable,
} from './optionTable.js';
import { loadKernels, loadKernelsSync, resolveVariant, type Kernels, type WasmSource } from './runtime/kernels.js';
import { minimize, type HistoryRecord, type MinimizeResult, type MinimizeStatus } from './solvers/minimize.js';
import { EM_MAP_SOLVERS, MATRIX_COVARIANCE_SOLVERS, MINIMIZE_TABLE, type MinimizeOptions } from './solvers/options.js';
import {
  COVARIANCES, KERNEL_CHOICES, isMatrixCovariance, type CovarianceType, type FlatParams, type FullMixtureParams, type KernelChoice, type KernelVariant, type Matrix, type MatrixInput, type MixtureParams,
} from './types.js';
import { cloneVariances, clonePublicParams, readMatrix, readParams, readSampleWeight, readWeights, toPublicParams } from './validate.js';

/**
 * Fitted parameters: means n × d, weights n, variances as modelled; with covariance 'full' or 'tied' also
 * `covariances` (n × d × d, or d × d) and `variances` holding their diagonals (n × d, the marginal variances).
 */
export type FittedParams = Required<MixtureParams> & Pick<FullMixtureParams, 'covariances'>;

/** What `onIteration` receives: the iteration's record, the current parameters and the restart index. */
export type FitProgress = HistoryRecord & { params: FittedParams; restart: number };

/** Options of {@link GaussianMixture} (all but `nComponents` optional; defaults in brackets). */
export interface GaussianMixtureOptions extends Omit<MinimizeOptions, 'onIteration' | 'lossTol' | 'covariance'> {
  /** n, the number of components (integer ≥ 1). */
  nComponents: number;
  /**
   * The covariance layout: the diagonal ones of `minimize` ('fixed', 'spherical', 'diagonal'), or 'full'
   * (a d × d covariance per component) and 'tied' (one shared d × d covariance), fitted by EM as
   * scikit-learn's (solver 'em'; 'auto' resolves to 'em'), on one thread, float64, in-memory data.
   */
  covariance?: CovarianceType;
  /** Fixed weights (or the start of learned ones): n values ≥ 0 summing to 1 [uniform]. */
  weightsInit?: number[];
  /**
   * ['kmeans++'] k-means++ seeding, n random distinct rows, or a start model (warm start): `{ means,
   * weights?, variances? }`, or for 'full'/'tied' `{ means, weights?, covariances? }`.
   */
  init?: 'kmeans++' | 'random' | MixtureParams | FullMixtureParams;
  /** Seeded restarts; the fit with the lowest loss is kept [1]. Ignored (one run) when `init` is a model. */
  nInit?: number;
  /** Seed of every random choice (starts, restarts) [0]. */
  seed?: number;
  /** Worker threads: a positive integer or 'auto' (1 below the measured row threshold, else all cores) ['auto']. */
  threads?: ThreadsOption;
  /** Kernel build ['auto']. */
  kernel?: KernelChoice;
  /** Your own copy of the kernel build (a compiled Module, bytes or a URL), e.g. for a strict CSP. */
  wasm?: WasmSource;
  /**
   * Precision of the fitting passes ['float64']. 'float32' trades digits for speed (README "Precision"):
   * tolerances are floored accordingly; scoring stays float64; the `js` kernel is float64 only.
   */
  precision?: Precision;
  /** Called after every iteration with a copy; returning false stops the fit (it still commits). */
  onIteration?: (info: FitProgress) => boolean | void;
}

/** Options of the streamed predict/score methods over a {@link RowSource}. */
export interface SourceScoreOptions {
  /** Rows per chunk [≈ 4 MiB of float64 rows]; chunk bytes (rows × cols × 8) at most 32 MiB. */
  chunkRows?: number;
}

/** Per-row index of the largest of n responsibilities (rows × n row-major); ties go to the lower index. */
function labelsOf(resp: Float64Array, rows: number, n: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let k = 0;
    for (let i = 1; i < n; i++) if (resp[r * n + i] > resp[r * n + k]) k = i;
    out[r] = k;
  }
  return out;
}

async function* mapAsync<A, B>(it: AsyncIterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const a of it) yield f(a);
}

/** Per-call options of {@link GaussianMixture.fit}. */
export interface FitOptions extends StreamFitOptions {
  /** N non-negative row weights, not all zero. */
  sampleWeight?: ArrayLike<number>;
  /** Aborts this fit (in addition to the constructor's `signal`). */
  signal?: AbortSignal;
}

/** What {@link GaussianMixture.fit} resolves with (fresh arrays). */
export interface FitResult {
  /** True when a tolerance was met (gradient norm ≤ tol, or for 'em' a loss change ≤ lossChangeTol). */
  converged: boolean;
  status: MinimizeStatus;
  statusCode: number;
  /** Why the fit stopped, followed by any collapsed/empty component notes. */
  message: string;
  /** Non-fatal problems: non-convergence, components collapsed to the variance floor or emptied, failed restarts. */
  warnings: string[];
  nIter: number;
  /** Kernel passes of the kept restart (trials and the initial pass included). */
  nEvaluations: number;
  /** Kernel passes over all restarts. */
  totalEvaluations: number;
  /** Mean negative log-likelihood (nats per row, sample-weighted) of `params`. */
  loss: number;
  /** Mean log-likelihood, −loss (scikit-learn's `lower_bound_` for a fitted model). */
  lowerBound: number;
  history: HistoryRecord[];
  /** The fitted model (with `covariances` for 'full'/'tied'). */
  params: FittedParams;
  /** Which restart was kept (0-based). */
  restart: number;
}

/** Resolved options (defaults filled in). */
type Resolved = Required<Omit<GaussianMixtureOptions, 'variance' | 'learningRate' | 'optimum' | 'weightsInit' | 'wasm' | 'onIteration' | 'signal'>>
  & Pick<GaussianMixtureOptions, 'variance' | 'learningRate' | 'optimum' | 'weightsInit' | 'wasm' | 'onIteration' | 'signal'>;

const arrayCheck: Check = (v) => (Array.isArray(v) || ArrayBuffer.isView(v) ? null : 'must be an array of numbers');
const initCheck: Check = (v) =>
  (v === 'kmeans++' || v === 'random' || (v !== null && typeof v === 'object' && !Array.isArray(v))
    ? null : "must be 'kmeans++', 'random' or a model { means, weights?, variances? } (or { means, weights?, covariances? })");
const stepExponentCheck: Check = (v) => (typeof v === 'number' && v > 0.5 && v <= 1 ? null : 'must be a number in (0.5, 1]');

/**
 * The estimator's default layout: 'diagonal' (scale-aware per feature, robust at high d; scikit-learn's is
 * 'full', to revisit once full covariances run through every solver and the workers).
 */
export const DEFAULT_COVARIANCE: CovarianceType = 'diagonal';

/** The estimator's option table: the solver options of `minimize` plus the estimator's own. */
const TABLE: OptionTable<GaussianMixtureOptions> = {
  ...(({ lossTol: _l, ...rest }) => rest)(MINIMIZE_TABLE),
  lossChangeTol: [MINIMIZE_TABLE.lossChangeTol[0], undefined],
  // Data in its own units: steps scaled as gradient EM scales them, and backtracked, so the fixed-step
  // solvers neither crawl (large variances) nor diverge (collapsing ones). Identical to the paper's
  // steps when σ² = 1 and η ≤ 1/L.
  backtrack: [MINIMIZE_TABLE.backtrack[0], true],
  solver: [MINIMIZE_TABLE.solver[0], 'auto'],
  metric: [MINIMIZE_TABLE.metric[0], 'em'],
  optimum: [MINIMIZE_TABLE.optimum[0], 'target-level'],
  // A data scientist's defaults (README "Defaults"): learned weights and per-feature variances, so raw data in
  // its own units fits without tuning. The paper's setting is `weights: 'fixed', covariance: 'fixed'`.
  weights: [MINIMIZE_TABLE.weights[0], 'learned'],
  covariance: [oneOf(COVARIANCES), DEFAULT_COVARIANCE],
  nComponents: [intAtLeast(1), undefined],
  weightsInit: [arrayCheck, undefined],
  init: [initCheck, 'kmeans++'],
  nInit: [intAtLeast(1), 1],
  seed: [finite, 0],
  threads: [threadsOption, 'auto'],
  kernel: [oneOf(KERNEL_CHOICES), 'auto'],
  wasm: [wasmSource, undefined],
  precision: [oneOf(PRECISIONS), 'float64'],
  onIteration: [MINIMIZE_TABLE.onIteration[0], undefined],
  signal: [signalLike, undefined],
};

/** The learned state, replaced as a whole by a successful fit. */
interface Learned {
  params: FittedParams;
  /** The diagonal model, or for 'full'/'tied' its shapes with the marginal variances (scoring reads `full`). */
  flat: FlatParams;
  /** The full/tied model ('full' and 'tied' only). */
  full?: FullModel;
  result: FitResult | undefined;
  kernels: Kernels | undefined;
}

/**
 * A Gaussian mixture with diagonal-free (fixed, spherical or diagonal) covariances, fitted by any solver
 * of ALGORITHM.md §3 — by default `'auto'` (the rule of solvers/auto.ts).
 * @example
 * const gm = new GaussianMixture({ nComponents: 3, weights: 'learned', covariance: 'spherical', seed: 1 });
 * const r = await gm.fit([[0, 0], [0.1, 0.2], [5, 5], [5.1, 4.9], [-5, 5], [-4.8, 5.2]]);
 * gm.predict([[5, 5]]); // [k] with gm.means[k] ≈ [5.05, 4.95]
 */
export class GaussianMixture {
  /** The resolved options (defaults filled in). Read-only: construct a new estimator to change them. */
  readonly options: Readonly<Resolved>;
  private learned: Learned | undefined;
  /** Stepwise-EM state of {@link partialFit} (dropped by fit). */
  private online: OnlineEm | undefined;

  /** @throws MixfitError naming `options.<name>` for any bad or unknown option. */
  constructor(options: GaussianMixtureOptions) {
    if (options === null || typeof options !== 'object') throw new MixfitError('options', 'must be an object with at least nComponents', options);
    if (!Object.hasOwn(options, 'nComponents') || options.nComponents === undefined) throw new MixfitError('options.nComponents', 'is required (an integer ≥ 1)');
    const o = resolveTable(TABLE, options) as unknown as Resolved;
    const n = o.nComponents;
    if (o.weightsInit !== undefined) {
      if (typeof o.init === 'object' && o.init.weights !== undefined)
        throw new MixfitError('options.weightsInit', 'must not be given together with options.init.weights', o.weightsInit);
      readWeights(o.weightsInit, n, 'options.weightsInit');
      o.weightsInit = Array.from(o.weightsInit);
    }
    const matrix = isMatrixCovariance(o.covariance);
    if (matrix) {
      if (!MATRIX_COVARIANCE_SOLVERS.includes(o.solver))
        throw new MixfitError('options.solver', `must be one of ${MATRIX_COVARIANCE_SOLVERS.map((v) => `'${v}'`).join(', ')} with covariance '${o.covariance}' (the other solvers cover 'fixed', 'spherical' and 'diagonal')`, o.solver);
      if (o.precision !== 'float64')
        throw new MixfitError('options.precision', `must be 'float64' with covariance '${o.covariance}' (the float32 pass covers the diagonal layouts)`, o.precision);
    }
    if (typeof o.init === 'object' && matrix) {
      o.init = readFullStart(o.init, n, o.covariance === 'tied', 'options.init');
    } else if (typeof o.init === 'object') {
      if ((o.init as FullMixtureParams).covariances !== undefined)
        throw new MixfitError('options.init.covariances', "must be given with covariance 'full' or 'tied' only", (o.init as FullMixtureParams).covariances);
      const p = readParams(o.init as MixtureParams, 'options.init');
      if (p.n !== n) throw new MixfitError('options.init.means', `must have nComponents = ${n} rows`, `${p.n} rows`);
      // A private copy: later edits to the caller's object must not change this estimator.
      o.init = clonePublicParams(o.init as MixtureParams);
    }
    if (o.kernel !== 'auto') resolveVariant(o.kernel);
    this.options = Object.freeze(o);
  }

  /**
   * Fits the mixture to `X` (N × d: `number[][]` or `{ data: Float64Array, rows, cols }`), optionally with
   * per-row `sampleWeight` (N), or from a file source ({@link RowSource}, streamed on every pass) or an SQL table
   * ({@link SqlSource}, passes run in the engine): README "Large data". Resolves with the kept restart's result; the learned state is replaced only
   * when the fit succeeds (converged or not).
   * @throws MixfitError for bad data (empty, ragged, NaN/Inf with row and column, fewer rows than components,
   *   a start model of another dimension, bad sample weights) before any work.
   * @throws AbortError when aborted; `.result` holds the best fit reached so far, which is NOT committed.
   * @throws FitError when every restart's loss became NaN or infinite, or when the start variances overflow
   *   float64 (data spread wider than about 1e154): data too large for float64.
   */
  async fit(X: MatrixInput | RowSource | SqlSource, fitOptions: FitOptions = {}): Promise<FitResult> {
    const f = resolveTable<FitOptions>({ sampleWeight: [any, undefined], signal: [signalLike, undefined], ...STREAM_FIT_TABLE }, fitOptions) as FitOptions;
    const o = this.options;
    const source = outOfCoreData(X, f);
    if (source && !source.backend && isMatrixCovariance(o.covariance))
      throw new MixfitError('X', `must be in memory or a file source with covariance '${o.covariance}'`, 'an SQL table');
    // In memory: a private copy, taken before the first await (the caller may reuse its buffer while the fit
    // runs). From a source: the seeded sample that starts the fit.
    const M = source ? await source.sample(new Rng(o.seed).fork(-1)) : readMatrix(X as MatrixInput, 'X', undefined, true);
    if ((source?.rows ?? M.rows) < o.nComponents)
      throw new MixfitError('X', `must have at least nComponents = ${o.nComponents} rows`, `${source?.rows ?? M.rows} rows`);
    const matrix = isMatrixCovariance(o.covariance);
    if (typeof o.init === 'object') {
      if (matrix) readFullStart(o.init, o.nComponents, o.covariance === 'tied', 'options.init', M.cols);
      else readParams(o.init as MixtureParams, 'options.init', M.cols);
    }
    const w = readSampleWeight(f.sampleWeight, M.rows, 'sampleWeight');
    const signal = anySignal(o.signal, f.signal);
    if (signal?.aborted) throw new AbortError('the fit was aborted before it started');
    const threads = await resolveThreads(o.threads, source?.rows ?? M.rows, M.cols);
    if (matrix) return this.fitFull(M, w, signal, source, threads);

    const kernels = await loadKernels({ kernel: o.kernel, wasm: o.wasm });
    const objective = source ? source.objective(kernels, threads)
      : new BackendObjective(residentBackend(kernels, M.data, M.rows, M.cols, w, { threads, signal, precision: o.precision }), 'empirical');
    const rng = new Rng(o.seed);
    const runs = typeof o.init === 'object' ? 1 : o.nInit;
    const warnings = [threadsCapNote(o.threads, threads, source?.rows ?? M.rows),
      o.covariance === 'fixed' ? undefined : regCovarWarning(columnVariances(M, w), o.regCovar)].filter((x): x is string => x !== undefined);
    let restarts: Restarts<MinimizeResult>;
    try {
      restarts = await runRestarts(runs, warnings, (restart) => {
        const start = this.startParams(M, w, rng.fork(restart));
        return minimize(objective, start, this.solverOptions(start, restart, signal));
      });
    } finally {
      objective.dispose();
    }
    const { best, total, aborted } = restarts;
    const result = this.describe(best.r, best.restart, total, warnings);
    // An abort in any restart aborts the fit, even when an earlier, finished restart is the best.
    if (aborted) throw Object.assign(new AbortError('the fit was aborted; the previous model is unchanged'), { result });
    // The one and only write of learned state.
    this.online = undefined;
    this.learned = { params: result.params, flat: readParams(result.params, 'params'), result, kernels };
    return copyResult(result);
  }

  /**
   * fit for 'full'/'tied' (inputs validated): seeded restarts of scikit-learn's EM over one data backend
   * (in memory, on `threads` workers or streamed from a file source: {@link fitBackend}); commits the best restart.
   */
  private async fitFull(M: Matrix, w: Float64Array | undefined, signal: AbortSignal | undefined, source: OutOfCoreData | undefined,
    threads: number): Promise<FitResult> {
    const o = this.options;
    const kernels = await loadKernels({ kernel: o.kernel, wasm: o.wasm });
    const rng = new Rng(o.seed);
    const runs = typeof o.init === 'object' ? 1 : o.nInit;
    const warnings = [threadsCapNote(o.threads, threads, source?.rows ?? M.rows), regCovarWarning(columnVariances(M, w), o.regCovar)]
      .filter((x): x is string => x !== undefined);
    const backend = fitBackend(kernels, source, M, w, { threads, signal });
    let restarts: Restarts<FullEmResult>;
    try {
      restarts = await runRestarts(runs, warnings, (restart) => {
        const start = this.fullStart(M, w, rng.fork(restart));
        const user = o.onIteration;
        return fullEm(backend, start, {
          regCovar: o.regCovar, lossChangeTol: o.lossChangeTol ?? o.tol, maxIter: o.maxIter, maxEvaluations: o.maxEvaluations,
          fixedWeights: o.weights === 'fixed', signal,
          onIteration: user && ((iteration, evaluations, loss, gradNorm, model) => user({
            iteration, evaluations, loss, gradNorm, kind: 'em', stepSize: 1, optimumEstimate: undefined,
            params: this.fullPublic(model), restart,
          })),
        });
      });
    } finally {
      backend.dispose();
    }
    const { best, total, aborted } = restarts;
    const { r, restart } = best;
    const history: HistoryRecord[] = r.history.map((h, k) => ({
      iteration: k + 1, evaluations: h.evaluations, loss: h.loss, gradNorm: h.gradNorm, kind: 'em', stepSize: 1, optimumEstimate: undefined,
    }));
    const minimized: MinimizeResult = {
      params: this.fullPublic(r.model), loss: r.loss, converged: STATUS_TABLE[r.status].converged, status: r.status,
      statusCode: STATUS_TABLE[r.status].code, message: STATUS_TABLE[r.status].message, nIter: r.nIter,
      nEvaluations: r.nEvaluations, history,
    };
    const result = this.describe(minimized, restart, total, warnings);
    if (aborted) throw Object.assign(new AbortError('the fit was aborted; the previous model is unchanged'), { result });
    this.online = undefined;
    this.learned = { params: result.params, flat: readParams(result.params, 'params'), full: r.model, result, kernels };
    return copyResult(result);
  }

  /**
   * The start of one full/tied restart: means from init (or k-means++ / random rows, then scikit-learn's
   * hard-assignment M-step: cluster means, fractions and scatter + regCovar·I), weights from
   * weightsInit/init/the clusters (uniform when fixed), covariances from init or the clusters.
   */
  private fullStart(M: Matrix, w: Float64Array | undefined, rng: Rng): FullModel {
    const o = this.options, n = o.nComponents, d = M.cols, tied = o.covariance === 'tied';
    const init = typeof o.init === 'object' ? o.init as FullMixtureParams : undefined;
    const centres = init ? readMatrix(init.means, 'options.init.means', d).data
      : o.init === 'random' ? randomRows(M, n, rng) : kmeansPlusPlus(M, n, rng, w);
    const hard = !init?.covariances ? hardAssignmentStart(M, w, centres, n, tied, o.regCovar) : undefined;
    if (hard && !hard.covariances.every(Number.isFinite)) throw new FitError(spreadMessage(M.data.reduce((a, x) => Math.max(a, Math.abs(x)), 0)));
    const means = init ? centres : hard!.means;
    const covariances = init?.covariances ? readCovariances(init.covariances, n, d, tied, 'options.init.covariances') : hard!.covariances;
    const weights = init?.weights ?? o.weightsInit ?? (o.weights === 'learned' && hard ? hard.weights : new Array<number>(n).fill(1 / n));
    return fullModel(means, weights, covariances, n, d, tied, { regCovar: o.regCovar });
  }

  /** A full/tied model in the public shapes (fresh arrays). */
  private fullPublic(m: FullModel): FittedParams {
    const { n, d, tied, means, logWeights } = m.pass;
    return {
      means: Array.from({ length: n }, (_, i) => Array.from(means.subarray(i * d, (i + 1) * d))),
      weights: Array.from(logWeights, Math.exp),
      variances: marginalVariances(m.covariances, n, d, tied),
      covariances: publicCovariances(m.covariances, n, d, tied),
    };
  }

  /**
   * Stepwise EM on one chunk of a stream (N × d; Cappé & Moulines 2009, step ρ_t = (t + 2)^−α): the first
   * call starts as `fit` would (options.init on this chunk) and takes the chunk's statistics; each later
   * call blends the chunk's statistics in with weight ρ_t and re-estimates. Synchronous; commits after every
   * chunk. An approximation of the batch fit for data seen once (gap measured in README "Large data");
   * `fit` discards the online state. `stepExponent` α ∈ (0.5, 1] [0.6].
   * @throws MixfitError for bad data (or another dimension than earlier chunks), a chunk with fewer rows
   *   than components on the first call, or a bad `stepExponent`.
   */
  partialFit(X: MatrixInput, options: { stepExponent?: number } = {}): this {
    const alpha = (resolveTable({ stepExponent: [stepExponentCheck, ONLINE_STEP_EXPONENT] }, options) as { stepExponent: number }).stepExponent;
    const o = this.options;
    if (isMatrixCovariance(o.covariance))
      throw new MixfitError('options.covariance', `must be 'fixed', 'spherical' or 'diagonal' for partialFit (covariance '${o.covariance}' is fitted by fit)`, o.covariance);
    const M = readMatrix(X, 'X', this.online?.theta.d);
    if (!this.online && M.rows < o.nComponents)
      throw new MixfitError('X', `must have at least nComponents = ${o.nComponents} rows on the first partialFit`, `${M.rows} rows`);
    const kernels = this.learned?.kernels ?? loadKernelsSync({ kernel: o.kernel });
    const online = this.online ?? new OnlineEm(readParams(this.startParams(M, undefined, new Rng(o.seed).fork(0)), 'start'),
      { learnWeights: o.weights === 'learned', regCovar: o.regCovar });
    online.step(kernels, M, alpha);
    const params = toPublicParams(online.theta);
    this.online = online;
    this.learned = { params, flat: readParams(params, 'params'), result: undefined, kernels };
    return this;
  }

  /** Per-row component index of the highest responsibility: number[] for number[][] input, Int32Array for a matrix. */
  predict(X: number[][]): number[];
  predict(X: Matrix): Int32Array;
  predict(X: MatrixInput): number[] | Int32Array;
  predict(X: MatrixInput): number[] | Int32Array {
    const { M, resp, n } = this.pass(X, true);
    const out = labelsOf(resp!, M.rows, n);
    return Array.isArray(X) ? Array.from(out) : out;
  }

  /** Responsibilities N × n (rows sum to 1): number[][] for number[][] input, else `{ data, rows, cols: n }`. */
  predictProba(X: number[][]): number[][];
  predictProba(X: Matrix): Matrix;
  predictProba(X: MatrixInput): number[][] | Matrix;
  predictProba(X: MatrixInput): number[][] | Matrix {
    const { M, resp, n } = this.pass(X, true);
    if (!Array.isArray(X)) return { data: resp!, rows: M.rows, cols: n };
    const out: number[][] = [];
    for (let r = 0; r < M.rows; r++) out.push(Array.from(resp!.subarray(r * n, (r + 1) * n)));
    return out;
  }

  /** Per-row log-density log p(x) in nats: number[] for number[][] input, else Float64Array (N). */
  scoreSamples(X: number[][]): number[];
  scoreSamples(X: Matrix): Float64Array;
  scoreSamples(X: MatrixInput): number[] | Float64Array;
  scoreSamples(X: MatrixInput): number[] | Float64Array {
    const { logDensity } = this.pass(X, false);
    return Array.isArray(X) ? Array.from(logDensity) : logDensity;
  }

  /** Mean log-likelihood of `X` (weighted mean with `sampleWeight`). */
  score(X: MatrixInput, sampleWeight?: ArrayLike<number>): number {
    return this.meanLogLik(X, sampleWeight).mean;
  }

  /**
   * {@link predict} over a file source ({@link RowSource}, N × d), streamed: yields the labels of each chunk of
   * `chunkRows` rows in file order, so memory is a chunk's, not N's (README "Large data").
   * @throws MixfitError (at the call, before any read) when not fitted, for a non-source, another dimension
   *   or a bad `chunkRows`.
   */
  predictChunks(source: RowSource, options: SourceScoreOptions = {}): AsyncGenerator<Int32Array> {
    const n = this.fitted().flat.n;
    return mapAsync(this.sourceChunks(source, options, true), (c) => labelsOf(c.resp!, c.rows, n));
  }

  /** {@link predictProba} over a file source, streamed: yields each chunk's responsibilities (rows × n). Throws as {@link predictChunks}. */
  predictProbaChunks(source: RowSource, options: SourceScoreOptions = {}): AsyncGenerator<Matrix> {
    const n = this.fitted().flat.n;
    return mapAsync(this.sourceChunks(source, options, true), (c) => ({ data: c.resp!, rows: c.rows, cols: n }));
  }

  /** {@link scoreSamples} over a file source, streamed: yields each chunk's log-densities (rows, nats). Throws as {@link predictChunks}. */
  scoreSamplesChunks(source: RowSource, options: SourceScoreOptions = {}): AsyncGenerator<Float64Array> {
    return mapAsync(this.sourceChunks(source, options, false), (c) => c.logDensity);
  }

  /**
   * {@link score} over a file source: the mean log-likelihood of its N rows in one streamed pass, summed in
   * file order; `onChunk` sees each chunk's per-row results (e.g. to write them out) as they come.
   * Throws as {@link predictChunks}.
   */
  async scoreSource(source: RowSource, options: SourceScoreOptions & { onChunk?: (c: ScoreChunk) => void | Promise<void>; responsibilities?: boolean } = {}): Promise<number> {
    const { onChunk, responsibilities, ...rest } = options ?? {};
    if (onChunk !== undefined && typeof onChunk !== 'function') throw new MixfitError('options.onChunk', 'must be a function', onChunk);
    let sum = 0, rows = 0;
    for await (const c of this.sourceChunks(source, rest, responsibilities === true)) {
      for (let r = 0; r < c.rows; r++) sum += c.logDensity[r];
      rows += c.rows;
      await onChunk?.(c);
    }
    return sum / rows;
  }

  /** `n` rows drawn from the model with a seeded generator, and the component of each. */
  sample(n: number, seed = 0): { X: number[][]; labels: number[] } {
    const state = this.fitted();
    if (!Number.isInteger(n) || n < 1) throw new MixfitError('n', 'must be an integer ≥ 1', n);
    checkSampleSize(n, state.flat.d);
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new MixfitError('seed', 'must be a finite number', seed);
    return state.full ? sampleFull(state.full, n, new Rng(seed)) : sampleMixture(state.flat, n, new Rng(seed));
  }

  /** Bayesian information criterion on `X` (lower is better; learned parameters only). */
  bic(X: MatrixInput): number {
    const { mean, rows } = this.meanLogLik(X);
    return bic(mean, rows, this.parameterCount());
  }

  /** Akaike information criterion on `X` (lower is better; learned parameters only). */
  aic(X: MatrixInput): number {
    const { mean, rows } = this.meanLogLik(X);
    return aic(mean, rows, this.parameterCount());
  }

  /** Free parameters the fit learns (means; weights and variances when learned). */
  parameterCount(): number {
    const { flat } = this.fitted();
    const c = this.options.covariance;
    return isMatrixCovariance(c) ? mixtureParameterCount(c, flat.n, flat.d, this.options.weights)
      : parameterCount(flat.n, flat.d, this.options.weights, c);
  }

  /** The model document `{ means, weights, variances, covariance }` (DESIGN.md §4), deep copies. */
  toJSON(): ModelJSON {
    return modelToJSON(this.fitted().params, this.options.covariance, this.options.weights);
  }

  /**
   * A fitted estimator from a model document or its JSON text (exact round trip of {@link toJSON}).
   * `options` (e.g. `kernel`, solver settings for a later refit) may be given; nComponents and covariance
   * come from the document, and so do the learned weights (`json.learned.weights`, version-2 files).
   * @throws MixfitError naming `json.<field>` for a malformed document.
   */
  static fromJSON(json: ModelJSON | string, options: Omit<GaussianMixtureOptions, 'nComponents' | 'covariance'> = {}): GaussianMixture {
    const { params, flat, covariance, learned, full } = modelFromJSON(json);
    const given = options !== null && typeof options === 'object' && Object.hasOwn(options, 'weights') ? options.weights : undefined;
    // A version-1 file did not record it: the caller's option (default 'fixed') decides, as it did then.
    const weights = learned ? (learned.weights ? 'learned' : 'fixed') : given ?? 'fixed';
    if (given !== undefined && given !== weights)
      throw new MixfitError('options.weights', `must agree with the model file, whose weights are ${weights}`, given);
    const gm = new GaussianMixture({
      ...options, nComponents: flat.n, covariance, weights, ...(covariance === 'fixed' ? { variance: flat.variances[0] } : {}),
    });
    gm.learned = { params, flat, full, result: undefined, kernels: undefined };
    return gm;
  }

  /** n × d means (a copy), undefined before the first fit. */
  get means(): number[][] | undefined { return this.learned?.params.means.map((r) => r.slice()); }
  /** n weights (a copy). */
  get weights(): number[] | undefined { return this.learned?.params.weights.slice(); }
  /** Covariance matrices for 'full' (n × d × d) or 'tied' (d × d), a copy; undefined for the diagonal layouts. */
  get covariances(): number[][][] | number[][] | undefined {
    const f = this.learned?.full;
    return f && publicCovariances(f.covariances, f.pass.n, f.pass.d, f.pass.tied);
  }
  /** Variances as modelled: a number, n values or n × d (a copy); for 'full'/'tied' the covariances' diagonals. */
  get variances(): number | number[] | number[][] | undefined { return cloneVariances(this.learned?.params.variances); }
  /** d, the number of features seen by fit (or in the loaded model). */
  get nFeatures(): number | undefined { return this.learned?.flat.d; }
  /** Whether the last fit met its tolerance (undefined for a model loaded by fromJSON). */
  get converged(): boolean | undefined { return this.learned?.result?.converged; }
  /** Iterations of the last fit. */
  get nIter(): number | undefined { return this.learned?.result?.nIter; }
  /** Kernel passes of the last fit's kept restart. */
  get nEvaluations(): number | undefined { return this.learned?.result?.nEvaluations; }
  /** Final mean negative log-likelihood of the last fit. */
  get loss(): number | undefined { return this.learned?.result?.loss; }
  /** Final mean log-likelihood of the last fit (−loss). */
  get lowerBound(): number | undefined { return this.learned?.result?.lowerBound; }
  /** Why the last fit stopped. */
  get status(): MinimizeStatus | undefined { return this.learned?.result?.status; }
  /** The last fit's status message. */
  get message(): string | undefined { return this.learned?.result?.message; }
  /** The last fit's warnings (a copy). */
  get warnings(): string[] | undefined { return this.learned?.result?.warnings.slice(); }
  /** The last fit's per-iteration records (copies). */
  get history(): HistoryRecord[] | undefined { return this.learned?.result?.history.map((h) => ({ ...h })); }

  /** One score pass: the (sample-weighted) mean log-density of X and its row count. */
  private meanLogLik(X: MatrixInput, sampleWeight?: ArrayLike<number>): { mean: number; rows: number } {
    const M = this.readX(X);
    const w = readSampleWeight(sampleWeight, M.rows, 'sampleWeight');
    const { logDensity } = this.scoreMatrix(M, false);
    let s = 0, c = 0;
    for (let r = 0; r < M.rows; r++) { const cr = w ? w[r] : 1; s += cr * logDensity[r]; c += cr; }
    return { mean: s / c, rows: M.rows };
  }

  private fitted(): Learned {
    if (!this.learned) throw new MixfitError('this', 'is not fitted yet: call fit(X) or use GaussianMixture.fromJSON first');
    return this.learned;
  }

  /** One score pass over X with the committed model: log-densities (N) and, when asked, responsibilities (N × n). */
  private pass(X: MatrixInput, withResp: boolean): { M: Matrix; logDensity: Float64Array; resp?: Float64Array; n: number } {
    return this.scoreMatrix(this.readX(X), withResp);
  }

  /**
   * The committed model's per-chunk results over `source`. Checked here, synchronously, so a bad call fails
   * where it is made, not at the first read; the generator it returns does the reading.
   */
  private sourceChunks(source: RowSource, options: SourceScoreOptions, withResp: boolean): AsyncGenerator<ScoreChunk> {
    const state = this.fitted();
    if (!isRowSource(source)) throw new MixfitError('source', 'must be a RowSource (from openSource)', source);
    if (source.cols !== state.flat.d) throw new MixfitError('source', `must have ${state.flat.d} columns (the model dimension)`, `${source.cols} columns`);
    const { chunkRows } = resolveTable<SourceScoreOptions>({ chunkRows: [any, undefined] }, options) as SourceScoreOptions;
    const rows = readChunkRows(chunkRows, source.cols);
    state.kernels ??= loadKernelsSync({ kernel: this.options.kernel });
    return new StreamBackend(state.kernels, source, rows).scoreChunks(state.full?.pass ?? state.flat, withResp);
  }

  /** X validated against the committed model's dimension. @throws MixfitError before a fit or on bad data. */
  private readX(X: MatrixInput): Matrix {
    return readMatrix(X, 'X', this.fitted().flat.d);
  }

  private scoreMatrix(M: Matrix, withResp: boolean): { M: Matrix; logDensity: Float64Array; resp?: Float64Array; n: number } {
    const state = this.fitted();
    state.kernels ??= loadKernelsSync({ kernel: this.options.kernel });
    const backend = state.kernels.createBackend(M.data, M.rows, M.cols);
    try {
      const logDensity = new Float64Array(M.rows);
      const resp = withResp ? new Float64Array(M.rows * state.flat.n) : undefined;
      if (state.full) backend.scoreFull(state.full.pass, logDensity, resp);
      else backend.score(state.flat, logDensity, resp);
      return { M, logDensity, resp, n: state.flat.n };
    } finally {
      backend.dispose();
    }
  }

  /** The start of one restart: means from init, weights from weightsInit/init/uniform, variances per covariance. */
  private startParams(M: Matrix, w: Float64Array | undefined, rng: Rng): MixtureParams {
    const o = this.options, n = o.nComponents, d = M.cols;
    let means: Float64Array, weights: number[] | undefined = o.weightsInit, variances: MixtureParams['variances'];
    if (typeof o.init === 'object') {
      const init = o.init as MixtureParams;
      const p = readParams(init, 'options.init', d);
      means = p.means;
      weights ??= init.weights && Array.from(init.weights);
      variances = init.variances;
    } else {
      means = o.init === 'random' ? randomRows(M, n, rng) : kmeansPlusPlus(M, n, rng, w);
    }
    if (o.covariance === 'fixed') variances = o.variance ?? (typeof variances === 'number' ? variances : 1);
    else if (variances === undefined) {
      const v = startVariances(M, means, n, o.covariance as 'spherical' | 'diagonal', o.regCovar, w);
      if (!v.every(Number.isFinite)) throw new FitError(spreadMessage(M.data.reduce((a, x) => Math.max(a, Math.abs(x)), 0)));
      variances = o.covariance === 'spherical' ? Array.from(v) : rows(v, n, d);
    }
    return { means: rows(means, n, d), weights, variances };
  }

  /** minimize's options for one restart: the solver settings plus the progress and abort wiring. */
  private solverOptions(start: MixtureParams, restart: number, signal: AbortSignal | undefined): MinimizeOptions {
    const o = this.options;
    const solver: MinimizeOptions = {};
    for (const key of Object.keys(MINIMIZE_TABLE) as (keyof MinimizeOptions)[]) {
      if (key === 'onIteration' || key === 'signal' || key === 'lossTol') continue;
      const v = (o as Record<string, unknown>)[key];
      if (v !== undefined) (solver as Record<string, unknown>)[key] = v;
    }
    if (o.covariance === 'fixed') solver.variance = start.variances as number;
    // EM's own convergence rule (scikit-learn's), at the same tolerance unless set explicitly, for every
    // solver that moves by the EM map (its fixed point with learned variances is not a zero of the gradient).
    if (EM_MAP_SOLVERS.has(o.solver) && solver.lossChangeTol === undefined) solver.lossChangeTol = o.tol;
    const user = o.onIteration;
    return { ...solver, signal, onIteration: user && ((info) => user({ ...info, restart })) };
  }

  /** The public result of the kept restart, with warnings about convergence and degenerate components. */
  private describe(r: MinimizeResult, restart: number, total: number, warnings: string[]): FitResult {
    const o = this.options;
    const out = [...warnings];
    if (!r.converged && r.status !== 'aborted')
      out.push(`did not converge: ${r.message} after ${r.nIter} iterations (${r.nEvaluations} evaluations); raise maxIter/maxEvaluations or tol`);
    const p = r.params;
    const degenerate: string[] = [];
    if (o.covariance !== 'fixed') {
      // σ² = regCovar + e^s: a component whose e^s is negligible has collapsed onto (nearly) one point.
      const floorHit = (v: number) => v <= o.regCovar * (1 + 1e-6) + 1e-300;
      p.means.forEach((_, i) => {
        const v = p.variances as number[] | number[][];
        const hit = Array.isArray(v[i]) ? (v[i] as number[]).some(floorHit) : floorHit(v[i] as number);
        if (hit) degenerate.push(`component ${i} collapsed: its variance was floored at regCovar = ${o.regCovar}; use fewer components or a larger regCovar`);
      });
    }
    if (o.weights === 'learned') {
      p.weights.forEach((wi, i) => {
        if (wi < 1e-12) degenerate.push(`component ${i} is empty (weight ${wi.toExponential(2)}); use fewer components`);
      });
    }
    out.push(...degenerate);
    return {
      converged: r.converged, status: r.status, statusCode: r.statusCode, warnings: out,
      // scikit-learn's advice, kept with the status: a collapsed or empty component is worth knowing about.
      message: degenerate.length ? `${r.message}; ${degenerate.join('; ')}` : r.message,
      nIter: r.nIter, nEvaluations: r.nEvaluations, totalEvaluations: total, loss: r.loss, lowerBound: -r.loss,
      history: r.history, params: p, restart,
    };
  }

  /** The kernel build the last fit used (or will use for scoring). */
  get kernelVariant(): KernelVariant | undefined { return this.learned?.kernels?.variant; }
}

function rows(flat: Float64Array, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(flat.subarray(i * d, (i + 1) * d)));
}

function copyResult(r: FitResult): FitResult {
  return { ...r, warnings: r.warnings.slice(), history: r.history.map((h) => ({ ...h })), params: cloneFitted(r.params) };
}

function cloneFitted(p: FittedParams): FittedParams {
  const c = p.covariances;
  return c === undefined ? clonePublicParams(p)
    : { ...clonePublicParams(p), covariances: (c as (number[] | number[][])[]).map((b) => (Array.isArray(b[0]) ? (b as number[][]).map((r) => r.slice()) : (b as number[]).slice())) as number[][][] | number[][] };
}

/** A signal that aborts when either given signal does (AbortSignal.any is not in every runtime we support). */
function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a || !b) return a ?? b;
  const c = new AbortController();
  const stop = () => c.abort();
  if (a.aborted || b.aborted) c.abort();
  else { a.addEventListener('abort', stop, { once: true }); b.addEventListener('abort', stop, { once: true }); }
  return c.signal;
}

/** What {@link runRestarts} returns: the best finite restart, the evaluations of all, and whether one was aborted. */
interface Restarts<R> {
  best: { r: R; restart: number };
  total: number;
  aborted: boolean;
}

/**
 * The restart loop of every fit: runs restarts 0..runs−1 in order, keeps the lowest finite loss, discards
 * non-finite restarts with a warning (appended to `warnings`) and stops at the first aborted one.
 * @throws FitError when no restart ended finite.
 */
async function runRestarts<R extends { status: string; loss: number; nIter: number; nEvaluations: number }>(
  runs: number, warnings: string[], runOne: (restart: number) => R | Promise<R>): Promise<Restarts<R>> {
  let best: { r: R; restart: number } | undefined;
  let total = 0, aborted = false;
  for (let restart = 0; restart < runs; restart++) {
    const r = await runOne(restart);
    total += r.nEvaluations;
    if (r.status === 'non-finite') {
      warnings.push(`restart ${restart}: the loss became NaN or infinite (${r.nIter} iterations); restart discarded`);
    } else if (!best || r.loss < best.r.loss) best = { r, restart };
    if (r.status === 'aborted') { aborted = true; break; }
  }
  if (!best) throw new FitError('every restart produced a NaN or infinite loss: check the scale of X (squared distances must stay finite in float64)', undefined);
  return { best, total, aborted };
}
