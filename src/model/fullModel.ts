/**
 * A fitted full/tied Gaussian mixture as the estimator holds it, and the jobs around it: reading a start or
 * a model file's covariances at the public door, scikit-learn's initial covariances from a hard assignment,
 * the EM loop over the full/tied pass, and sampling x = μ + L z. Matrices are row-major; n = components,
 * d = dimension; full layouts hold n d×d blocks (component-major), tied layouts one d×d block.
 */
import { MixfitError } from '../errors.js';
import { newFullPassStats, type FullDataBackend, type FullParams, type FullPassStats } from '../kernel/fullLayout.js';
import type { FullMixtureParams, Matrix } from '../types.js';
import { readMatrix, readWeights } from '../validate.js';
import { fullGradient, mStepFull, precisionCholesky } from './fullCovariance.js';
import type { Rng } from './rng.js';

/** A full/tied mixture: the pass's parameters (precision factors) and the covariances they came from. */
export interface FullModel {
  /** Means, log-weights and precision Cholesky factors, as the pass reads them. */
  pass: FullParams;
  /** n·d·d (full) or d·d (tied), symmetric positive definite. */
  covariances: Float64Array;
}

/** A full model from means (n·d), weights (n, Σ = 1) and covariances; throws as {@link precisionCholesky}. */
export function fullModel(means: Float64Array, weights: ArrayLike<number>, covariances: Float64Array, n: number, d: number,
  tied: boolean, check: { regCovar?: number; argument?: string } = {}): FullModel {
  const precChol = precisionCholesky(covariances, d, tied ? 1 : n, check);
  return { pass: { n, d, tied, means, logWeights: Float64Array.from(weights, Math.log), precChol }, covariances };
}

/**
 * Reads public covariances (n × d × d for full, d × d for tied) into one flat block, checking shape,
 * finiteness, symmetry (to 1e-12 relative, as a matrix from JSON or numpy may be off by rounding) and
 * positive definiteness. @throws MixfitError naming `name` (or the component's block).
 */
export function readCovariances(v: unknown, n: number, d: number, tied: boolean, name: string): Float64Array {
  const blocks = tied ? 1 : n;
  const shape = tied ? `${d} × ${d}` : `${n} × ${d} × ${d}`;
  if (!Array.isArray(v) || v.length !== (tied ? d : n)) throw new MixfitError(name, `must be an array of shape ${shape}`, v);
  const out = new Float64Array(blocks * d * d);
  for (let b = 0; b < blocks; b++) {
    const block = tied ? v : v[b];
    const where = tied ? name : `${name}[${b}]`;
    if (!Array.isArray(block)) throw new MixfitError(where, `must be a ${d} × ${d} array`, block);
    const M = readMatrix(block as number[][], where, d);
    if (M.rows !== d) throw new MixfitError(where, `must be a ${d} × ${d} array`, `${M.rows} × ${M.cols}`);
    let scale = 0;
    for (let k = 0; k < d * d; k++) scale = Math.max(scale, Math.abs(M.data[k]));
    for (let j = 0; j < d; j++) for (let l = 0; l < j; l++) {
      if (Math.abs(M.data[j * d + l] - M.data[l * d + j]) > 1e-12 * scale)
        throw new MixfitError(where, `must be symmetric (entries [${j}][${l}] and [${l}][${j}] differ)`, [M.data[j * d + l], M.data[l * d + j]]);
    }
    out.set(M.data, b * d * d);
  }
  precisionCholesky(out, d, blocks, { argument: name });
  return out;
}

/**
 * scikit-learn's initial parameters from a hard assignment (its `_initialize` with k-means labels): each row
 * goes to the nearest of `centres` (n·d), then one M-step gives weights, means and covariances (per-cluster
 * scatter + regCovar·I, or their tied pool). Rows are weighted by `w` when given.
 */
export function hardAssignmentStart(X: Matrix, w: Float64Array | undefined, centres: Float64Array, n: number, tied: boolean,
  regCovar: number): { weights: Float64Array; means: Float64Array; covariances: Float64Array } {
  const { data, rows, cols: d } = X;
  const stats = newFullPassStats(n, d, tied);
  for (let r = 0; r < rows; r++) {
    let best = 0, bestD = Infinity;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) { const t = data[r * d + j] - centres[i * d + j]; s += t * t; }
      if (s < bestD) { bestD = s; best = i; }
    }
    const c = w ? w[r] : 1;
    stats.R[best] += c;
    const off = tied ? 0 : best * d * d;
    for (let j = 0; j < d; j++) {
      const xj = data[r * d + j] - centres[best * d + j];
      stats.S[best * d + j] += c * data[r * d + j];
      for (let l = 0; l < d; l++) stats.scatter[off + j * d + l] += c * xj * (data[r * d + l] - centres[best * d + l]);
    }
  }
  return mStepFull(stats, centres, n, d, tied, regCovar);
}

/** Settings of {@link fullEm} (validated by the estimator). */
export interface FullEmOptions {
  regCovar: number;
  /** Stop when an iteration changes the mean loss by at most lossChangeTol·max(1, |loss|), as minimize's EM. */
  lossChangeTol: number;
  maxIter: number;
  maxEvaluations: number;
  /** Keep the weights at the start's (options.weights 'fixed'). */
  fixedWeights: boolean;
  signal?: AbortSignal;
  /** After every iteration; returning false stops. */
  onIteration?: (iteration: number, evaluations: number, loss: number, gradNorm: number, model: FullModel) => boolean | void;
}

/** Why {@link fullEm} stopped, in minimize's status words. */
export type FullEmStatus = 'loss-change' | 'max-iter' | 'max-evaluations' | 'callback' | 'aborted' | 'non-finite';

/** What {@link fullEm} returns. */
export interface FullEmResult {
  /** The last model with a finite loss. */
  model: FullModel;
  /** Mean negative log-likelihood of `model` (sample-weighted). */
  loss: number;
  status: FullEmStatus;
  nIter: number;
  /** Kernel passes (the initial one included). */
  nEvaluations: number;
  /** Per iteration: passes so far, the loss and ‖∇L‖₂ (over means, softmax logits and the factor's θ) at its new parameters. */
  history: { evaluations: number; loss: number; gradNorm: number }[];
}

/**
 * scikit-learn's EM for 'full'/'tied' over one data backend: a pass at the current parameters gives the
 * loss and the statistics, the M-step (mStepFull, regCovar on the diagonal) the next parameters. One pass
 * per iteration. A covariance that is not positive definite after regCovar throws FitError naming it.
 */
export async function fullEm(backend: FullDataBackend, start: FullModel, o: FullEmOptions): Promise<FullEmResult> {
  const { n, d, tied } = start.pass;
  // A backend whose rows are elsewhere (workers, a file) runs its passes asynchronously.
  const passFull = (p: FullParams, out: FullPassStats) => (backend.passFullAsync ? backend.passFullAsync(p, out) : backend.passFull(p, out));
  let stats: FullPassStats = newFullPassStats(n, d, tied);
  let model = start;
  await passFull(model.pass, stats);
  let loss = -stats.sumLogLik / stats.totalWeight;
  let evaluations = 1, iter = 0;
  const history: FullEmResult['history'] = [];
  const fixedWeights = Array.from(start.pass.logWeights, Math.exp);
  let status: FullEmStatus = 'max-iter';
  if (!Number.isFinite(loss)) return { model, loss, status: 'non-finite', nIter: 0, nEvaluations: 1, history };
  while (true) {
    if (o.signal?.aborted) { status = 'aborted'; break; }
    if (iter >= o.maxIter) { status = 'max-iter'; break; }
    if (evaluations >= o.maxEvaluations) { status = 'max-evaluations'; break; }
    const m = mStepFull(stats, model.pass.means, n, d, tied, o.regCovar);
    const next = fullModel(m.means, o.fixedWeights ? fixedWeights : m.weights, m.covariances, n, d, tied, { regCovar: o.regCovar });
    const nextStats = newFullPassStats(n, d, tied);
    await passFull(next.pass, nextStats);
    evaluations++;
    iter++;
    const nextLoss = -nextStats.sumLogLik / nextStats.totalWeight;
    if (!Number.isFinite(nextLoss)) { status = 'non-finite'; break; }
    const change = Math.abs(nextLoss - loss);
    model = next; stats = nextStats; loss = nextLoss;
    const gradNorm = gradientNorm(model.pass, stats);
    history.push({ evaluations, loss, gradNorm });
    if (o.onIteration?.(iter, evaluations, loss, gradNorm, model) === false) { status = 'callback'; break; }
    if (o.lossChangeTol > 0 && change <= o.lossChangeTol * Math.max(1, Math.abs(loss))) { status = 'loss-change'; break; }
  }
  return { model, loss, status, nIter: iter, nEvaluations: evaluations, history };
}

function gradientNorm(p: FullParams, stats: FullPassStats): number {
  const g = fullGradient(p, stats);
  let s = 0;
  for (const a of [g.means, g.logits, g.factor]) for (let k = 0; k < a.length; k++) s += a[k] * a[k];
  return Math.sqrt(s);
}

/**
 * `count` rows from a full/tied mixture: a component i ~ w, then x = μ_i + L_i z with z ~ N(0, I) and
 * L_i = U_i⁻ᵀ, the Cholesky factor of Σ_i (U_i is the precision factor, Σ_i⁻¹ = U_iU_iᵀ).
 */
export function sampleFull(m: FullModel, count: number, rng: Rng): { X: number[][]; labels: number[] } {
  const { d, tied, means, logWeights, precChol: U } = m.pass;
  const w = Array.from(logWeights, Math.exp);
  const X: number[][] = [], labels: number[] = [];
  const z = new Float64Array(d);
  for (let k = 0; k < count; k++) {
    const i = rng.categorical(w);
    const off = tied ? 0 : i * d * d;
    for (let j = 0; j < d; j++) z[j] = rng.normal();
    // y = U⁻ᵀ z: forward substitution with the lower-triangular Uᵀ.
    const row = new Array<number>(d);
    const y = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = z[j];
      for (let l = 0; l < j; l++) s -= U[off + l * d + j] * y[l];
      y[j] = s / U[off + j * d + j];
      row[j] = means[i * d + j] + y[j];
    }
    X.push(row);
    labels.push(i);
  }
  return { X, labels };
}

/** Covariance blocks in the public shape: n × d × d (full) or d × d (tied), fresh arrays. */
export function publicCovariances(c: Float64Array, n: number, d: number, tied: boolean): number[][][] | number[][] {
  const block = (b: number) => Array.from({ length: d }, (_, j) => Array.from(c.subarray(b * d * d + j * d, b * d * d + (j + 1) * d)));
  return tied ? block(0) : Array.from({ length: n }, (_, b) => block(b));
}

/** The per-component marginal variances (diagonals of the covariances), n × d; tied repeats its one diagonal. */
export function marginalVariances(c: Float64Array, n: number, d: number, tied: boolean): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => c[(tied ? 0 : i * d * d) + j * d + j]));
}

/**
 * A start model for 'full'/'tied' read at the public door: means n × d (d checked when given), weights
 * (n, Σ = 1) and covariances (n × d × d or d × d, symmetric positive definite), all optional but the means.
 * Returns a private deep copy. @throws MixfitError naming `name.<field>`.
 */
export function readFullStart(p: FullMixtureParams & { variances?: unknown }, n: number, tied: boolean, name: string, d?: number): FullMixtureParams {
  const M = readMatrix(p.means, `${name}.means`, d);
  if (M.rows !== n) throw new MixfitError(`${name}.means`, `must have nComponents = ${n} rows`, `${M.rows} rows`);
  if (p.variances !== undefined)
    throw new MixfitError(`${name}.variances`, `must not be given with covariance '${tied ? 'tied' : 'full'}' (give covariances: ${tied ? 'd × d' : 'n × d × d'})`, p.variances);
  if (p.weights !== undefined) readWeights(p.weights, n, `${name}.weights`);
  const cov = p.covariances === undefined ? undefined : readCovariances(p.covariances, n, M.cols, tied, `${name}.covariances`);
  return {
    means: p.means.map((r) => Array.from(r)),
    ...(p.weights === undefined ? {} : { weights: Array.from(p.weights) }),
    ...(cov === undefined ? {} : { covariances: publicCovariances(cov, n, M.cols, tied) }),
  };
}
