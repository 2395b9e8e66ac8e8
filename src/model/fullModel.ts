/**
 * The jobs around a full/tied Gaussian mixture: reading a start or a model file's covariances at the public
 * door and scikit-learn's initial covariances from a hard assignment (the EM step is mStepFull, run by the
 * solvers through solvers/matrixParameterization.ts). Matrices are row-major; n = components,
 * d = dimension; full layouts hold n d×d blocks (component-major), tied layouts one d×d block.
 */
import { MixfitError } from '../errors.js';
import { newFullPassStats } from '../kernel/fullLayout.js';
import type { FullMixtureParams, Matrix } from '../types.js';
import { readMatrix, readWeights } from '../validate.js';
import { mStepFull, precisionCholesky } from './fullCovariance.js';
import { publicCovariances } from './mixture.js';

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
