/**
 * `GaussianMixture`: the estimator (DESIGN.md §3). Options are checked once, in the constructor, from one
 * table (options.ts); `fit` runs seeded restarts of one solver over one objective (fit.ts) and commits the
 * learned state in a single assignment at the very end, so a fit that throws, is aborted or fails on a NaN
 * leaves the previous model exactly as it was. Everything after `fit` (predict, score, sample, bic, aic,
 * toJSON) is synchronous.
 */
import { AbortError, MixfitError } from '../errors.js';
import { checkFloat32Range, largestWeight, profileCentre, profileOf, type Float32Scale } from '../kernel/dataRange.js';
import { withPrecision } from '../kernel/precision.js';
import { aic, bic, parameterCount } from '../model/criteria.js';
import { readFullStart } from '../model/fullModel.js';
import { modelFromJSON, modelToJSON, type ModelJSON } from '../model/json.js';
import { fromPublic, isMatrixMixture, shapeOf, toPublic, type Mixture } from '../model/mixture.js';
import { Rng } from '../model/rng.js';
import { checkSampleSize, sampleMixture } from '../model/sample.js';
import type { SqlSource } from '../sql/objective.js';
import { STREAM_FIT_TABLE, outOfCoreData } from '../stream/fitSource.js';
import { readChunkRows, StreamBackend, type ScoreChunk } from '../stream/objective.js';
import { isRowSource, type RowSource } from '../stream/source.js';
import { ONLINE_STEP_EXPONENT, OnlineEm } from '../stream/online.js';
import { OnlineFullEm } from '../stream/onlineFull.js';
import { any, resolveTable, signalLike } from '../optionTable.js';
import { loadKernelsSync, resolveVariant, type Kernels } from '../runtime/kernels.js';
import type { HistoryRecord, MinimizeStatus } from '../solvers/minimize.js';
import { isMatrixCovariance, type FittedParams, type FlatParams, type FullMixtureParams, type KernelVariant, type Matrix, type MatrixInput, type MixtureParams } from '../types.js';
import { cloneVariances, clonePublicParams, readMatrix, readParams, readSampleWeight, readWeights, toPublicParams } from '../validate.js';
import { anySignal, copyResult, fitDiagonal, fitMatrix, type FitInputs } from './fit.js';
import { TABLE, stepExponentCheck, type FitOptions, type FitResult, type GaussianMixtureOptions, type Resolved, type SourceScoreOptions } from './options.js';
import { labelsOf, mapAsync, scoreMatrix, weightedMean } from './scoring.js';
import { diagonalStart, fixedVariance, matrixStart } from './start.js';

/** The learned state, replaced as a whole by a successful fit. */
interface Learned {
  params: FittedParams;
  /** The committed model (as read back from its public parameters, so it scores exactly as its JSON). */
  model: Mixture;
  result: FitResult | undefined;
  kernels: Kernels | undefined;
}

/**
 * A Gaussian mixture with any covariance layout (fixed, spherical, diagonal, full or tied), fitted by any
 * solver of ALGORITHM.md §3 — by default `'auto'` (the rule of solvers/auto.ts).
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
  private online: OnlineEm | OnlineFullEm | undefined;

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
   *   a start model of another dimension, bad sample weights; under precision 'float32', data outside
   *   float32's range, README "Precision": a file source's rows are all checked during its sample scan, before
   *   any pass; 'float32' with an SQL source) before any work.
   * @throws AbortError when aborted; `.result` holds the best fit reached so far, which is NOT committed.
   * @throws FitError when every restart's loss became NaN or infinite, or when the start variances overflow
   *   float64 (data spread wider than about 1e154): data too large for float64.
   */
  async fit(X: MatrixInput | RowSource | SqlSource, fitOptions: FitOptions = {}): Promise<FitResult> {
    const f = resolveTable<FitOptions>({ sampleWeight: [any, undefined], signal: [signalLike, undefined], ...STREAM_FIT_TABLE }, fitOptions) as FitOptions;
    const o = this.options;
    const source = outOfCoreData(X, f, o.precision);
    // In memory: a private copy, taken before the first await (the caller may reuse its buffer while the fit
    // runs). From a source: the seeded sample that starts the fit (and a file's profile, from the same scan).
    const { M, profile } = source ? await source.sample(new Rng(o.seed).fork(-1)) : { M: readMatrix(X as MatrixInput, 'X', undefined, true), profile: undefined };
    if ((source?.rows ?? M.rows) < o.nComponents)
      throw new MixfitError('X', `must have at least nComponents = ${o.nComponents} rows`, `${source?.rows ?? M.rows} rows`);
    const matrix = isMatrixCovariance(o.covariance);
    let init: FitInputs['init'];
    if (typeof o.init === 'object') {
      if (matrix) readFullStart(o.init, o.nComponents, o.covariance === 'tied', 'options.init', M.cols);
      else init = { flat: readParams(o.init as MixtureParams, 'options.init', M.cols), hasVariances: (o.init as MixtureParams).variances !== undefined };
    }
    const w = readSampleWeight(f.sampleWeight, M.rows, 'sampleWeight');
    let float32: FitInputs['float32'];
    if (o.precision === 'float32') {
      // Every row of a file source was read by its sample scan: checked before any pass, as in memory.
      const all = profile ?? profileOf(M.data, M.rows, M.cols);
      checkFloat32Range(all, float32Scale(o, init?.flat, w), 'X', isRowSource(X) ? X.path : undefined);
      float32 = { center: profileCentre(all) };
    }
    const signal = anySignal(o.signal, f.signal);
    if (signal?.aborted) throw new AbortError('the fit was aborted before it started');
    const run = await (matrix ? fitMatrix : fitDiagonal)(o, { M, w, signal, source, init, float32 });
    // The one and only write of learned state.
    this.online = undefined;
    this.learned = { params: run.result.params, model: fromPublic(run.result.params, o.covariance), result: run.result, kernels: run.kernels };
    return copyResult(run.result);
  }

  /**
   * Stepwise EM on one chunk of a stream (N × d; Cappé & Moulines 2009, step ρ_t = (t + 2)^−α), for every
   * covariance layout: the first call starts as `fit` would (options.init, else the seeded start, on this
   * chunk) and takes the chunk's statistics; each later call blends the chunk's statistics in with weight ρ_t
   * and re-estimates ('full'/'tied': scikit-learn's M-step over second moments about a fixed point,
   * stream/onlineFull.ts). Synchronous; commits after every chunk, or not at all when it throws. An
   * approximation of the batch fit for data seen once (gap measured in README "Large data"); `fit` discards
   * the online state. `stepExponent` α ∈ (0.5, 1] [0.6].
   * @throws MixfitError for bad data (or another dimension than earlier chunks), a chunk with fewer rows
   *   than components on the first call, a bad `stepExponent`, or under precision 'float32' a chunk outside
   *   float32's range (src/kernel/dataRange.ts; its passes run in float32, scoring in float64).
   * @throws FitError ('full'/'tied') when a component's new covariance is not positive definite, as fit does.
   */
  partialFit(X: MatrixInput, options: { stepExponent?: number } = {}): this {
    const alpha = (resolveTable({ stepExponent: [stepExponentCheck, ONLINE_STEP_EXPONENT] }, options) as { stepExponent: number }).stepExponent;
    const o = this.options;
    const M = readMatrix(X, 'X', this.online?.theta.d);
    if (!this.online && M.rows < o.nComponents)
      throw new MixfitError('X', `must have at least nComponents = ${o.nComponents} rows on the first partialFit`, `${M.rows} rows`);
    const init = !isMatrixCovariance(o.covariance) && typeof o.init === 'object'
      ? { flat: readParams(o.init as MixtureParams, 'options.init', M.cols), hasVariances: (o.init as MixtureParams).variances !== undefined } : undefined;
    const profile = o.precision === 'float32' ? profileOf(M.data, M.rows, M.cols) : undefined;
    if (profile) checkFloat32Range(profile, float32Scale(o, init?.flat, undefined), 'X');
    const kernels = this.learned?.kernels ?? loadKernelsSync({ kernel: o.kernel });
    // The chunk's pass at the estimator's precision (each chunk centred at its own column means, from the
    // range check's profile); scoring stays float64.
    const passKernels = withPrecision(kernels, o.precision, profile && profileCentre(profile));
    const spec = { learnWeights: o.weights === 'learned', regCovar: o.regCovar };
    if (isMatrixCovariance(o.covariance)) {
      // The covariance layout is fixed per estimator, so an online state here is always the matrix one.
      const next = (this.online as OnlineFullEm | undefined ?? OnlineFullEm.start(matrixStart(o, M, undefined, new Rng(o.seed).fork(0)), spec))
        .step(passKernels, M, alpha);
      const params = toPublic(next.model);
      this.online = next;
      this.learned = { params, model: fromPublic(params, o.covariance), result: undefined, kernels };
      return this;
    }
    const online = this.online as OnlineEm | undefined ?? new OnlineEm(diagonalStart(o, init?.flat, init?.hasVariances ?? false, M, undefined, new Rng(o.seed).fork(0)).flat, spec);
    online.step(passKernels, M, alpha);
    const params = toPublicParams(online.theta);
    this.online = online;
    this.learned = { params, model: fromPublic(params, o.covariance), result: undefined, kernels };
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
    const { n } = shapeOf(this.fitted().model);
    return mapAsync(this.sourceChunks(source, options, true), (c) => labelsOf(c.resp!, c.rows, n));
  }

  /** {@link predictProba} over a file source, streamed: yields each chunk's responsibilities (rows × n). Throws as {@link predictChunks}. */
  predictProbaChunks(source: RowSource, options: SourceScoreOptions = {}): AsyncGenerator<Matrix> {
    const { n } = shapeOf(this.fitted().model);
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
    checkSampleSize(n, shapeOf(state.model).d);
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new MixfitError('seed', 'must be a finite number', seed);
    return sampleMixture(state.model, n, new Rng(seed));
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
    const { n, d } = shapeOf(this.fitted().model);
    return parameterCount(this.options.covariance, n, d, this.options.weights);
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
    const { params, model, covariance, learned } = modelFromJSON(json);
    const { n } = shapeOf(model);
    const given = options !== null && typeof options === 'object' && Object.hasOwn(options, 'weights') ? options.weights : undefined;
    // A version-1 file did not record it: the caller's option (default 'fixed') decides, as it did then.
    const weights = learned ? (learned.weights ? 'learned' : 'fixed') : given ?? 'fixed';
    if (given !== undefined && given !== weights)
      throw new MixfitError('options.weights', `must agree with the model file, whose weights are ${weights}`, given);
    const gm = new GaussianMixture({
      ...options, nComponents: n, covariance, weights, ...(!isMatrixMixture(model) && covariance === 'fixed' ? { variance: model.flat.variances[0] } : {}),
    });
    gm.learned = { params, model, result: undefined, kernels: undefined };
    return gm;
  }

  /** n × d means (a copy), undefined before the first fit. */
  get means(): number[][] | undefined { return this.learned?.params.means.map((r) => r.slice()); }
  /** n weights (a copy). */
  get weights(): number[] | undefined { return this.learned?.params.weights.slice(); }
  /** Covariance matrices for 'full' (n × d × d) or 'tied' (d × d), a copy; undefined for the diagonal layouts. */
  get covariances(): number[][][] | number[][] | undefined {
    return this.learned && toPublic(this.learned.model).covariances;
  }
  /** Variances as modelled: a number, n values or n × d (a copy); for 'full'/'tied' the covariances' diagonals. */
  get variances(): number | number[] | number[][] | undefined { return cloneVariances(this.learned?.params.variances); }
  /** d, the number of features seen by fit (or in the loaded model). */
  get nFeatures(): number | undefined { return this.learned && shapeOf(this.learned.model).d; }
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
    return { mean: weightedMean(logDensity, w), rows: M.rows };
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
    const { d } = shapeOf(state.model);
    if (source.cols !== d) throw new MixfitError('source', `must have ${d} columns (the model dimension)`, `${source.cols} columns`);
    const { chunkRows } = resolveTable<SourceScoreOptions>({ chunkRows: [any, undefined] }, options) as SourceScoreOptions;
    const rows = readChunkRows(chunkRows, source.cols);
    state.kernels ??= loadKernelsSync({ kernel: this.options.kernel });
    return new StreamBackend(state.kernels, source, rows).scoreChunks(isMatrixMixture(state.model) ? state.model.pass : state.model.flat, withResp);
  }

  /** X validated against the committed model's dimension. @throws MixfitError before a fit or on bad data. */
  private readX(X: MatrixInput): Matrix {
    return readMatrix(X, 'X', shapeOf(this.fitted().model).d);
  }

  private scoreMatrix(M: Matrix, withResp: boolean): { M: Matrix; logDensity: Float64Array; resp?: Float64Array; n: number } {
    const state = this.fitted();
    state.kernels ??= loadKernelsSync({ kernel: this.options.kernel });
    return { M, ...scoreMatrix(state.kernels, state.model, M, withResp) };
  }

  /** The kernel build the last fit used (or will use for scoring). */
  get kernelVariant(): KernelVariant | undefined { return this.learned?.kernels?.variant; }
}

/** What bounds the float32 pass's scaled distances in a fit with options `o` (src/kernel/dataRange.ts). */
function float32Scale(o: Readonly<Resolved>, init: FlatParams | undefined, w: Float64Array | undefined): Float32Scale {
  return { minVariance: o.covariance === 'fixed' ? fixedVariance(o, init) : o.regCovar, maxWeight: largestWeight(w) };
}
