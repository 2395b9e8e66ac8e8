// The problem matrix of the solver tournament (bench/solvers.mjs): each problem builds its objective, the
// seeded starts every method shares, the learned parts (minimize options) and what the R peer needs to
// rebuild the same loss (data or the quadrature truth).
import * as mf from '../../dist/index.js';
import { columnMoments, loadSklearn, zScore } from './datasets.mjs';
import { normals } from './normals.mjs';

const REG_COVAR = 1e-6;

/** `k` distinct row indices of 0..rows−1, seeded (partial Fisher–Yates on xorshift32). */
export function pickRows(rows, k, seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
  const idx = Array.from({ length: rows }, (_, i) => i);
  for (let i = 0; i < k; i++) { const j = i + Math.floor(next() * (rows - i)); [idx[i], idx[j]] = [idx[j], idx[i]]; }
  return idx.slice(0, k);
}

/** Start of the paper's population recipes (ALGORITHM.md §5): true means repeated to n components, plus 0.5·N(0, I). */
export function startNearTruth(truthMeans, n, weights, seed) {
  const d = truthMeans[0].length, z = normals(n * d, seed);
  const means = Array.from({ length: n }, (_, i) => truthMeans[Math.floor((i * truthMeans.length) / n)].map((v, j) => v + 0.5 * z[i * d + j]));
  return { means, weights, variances: 1 };
}

/** Random-row start for data: n distinct rows as means, uniform weights, the data's variances (per column or their mean). */
function startFromRows(X, n, covariance, seed) {
  const { variance } = columnMoments(X);
  const meanVar = variance.reduce((a, b) => a + b) / X.cols;
  const means = pickRows(X.rows, n, seed).map((r) => Array.from(X.data.subarray(r * X.cols, (r + 1) * X.cols)));
  const variances = covariance === 'diagonal' ? means.map(() => Array.from(variance)) : means.map(() => meanVar);
  return { means, weights: new Array(n).fill(1 / n), variances };
}

/** Seeded sample: row i from component i mod m (mean truthMeans[i mod m], unit variance). */
export function synthetic(truthMeans, rows, seed) {
  const d = truthMeans[0].length, z = normals(rows * d, seed);
  const data = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) data[i * d + j] = truthMeans[i % truthMeans.length][j] + z[i * d + j];
  return { data, rows, cols: d };
}

function population(id, title, truth, n, weights) {
  return {
    id, title, family: 'population', budget: 1000,
    options: { weights: 'fixed', covariance: 'fixed', variance: 1 },
    build: async () => ({ objective: await mf.populationObjective(truth), peer: { truth: { means: truth.means.flat(), weights: truth.weights ?? [1], variance: 1 }, nodes: 40 } }),
    starts: (seeds) => seeds.map((s) => startNearTruth(truth.means, n, weights, 1000 * s + n)),
  };
}

/**
 * A problem over data (`makeData()`). Starts near `truthMeans` when given (the paper's recipes: each true mean
 * repeated, + 0.5·N(0, I), uniform weights, unit variances), else at random rows.
 */
function empirical(id, title, family, makeData, n, options, budget, truthMeans) {
  let X;
  return {
    id, title, family, budget, options: { regCovar: REG_COVAR, ...options },
    build: async () => {
      X = makeData();
      if (X.missing) return { missing: X.missing };
      return { objective: await mf.empiricalObjective({ data: X.data, rows: X.rows, cols: X.cols }, { threads: 1 }), peer: { X: Array.from(X.data) } };
    },
    starts: (seeds) => seeds.map((s) => (truthMeans
      ? startNearTruth(truthMeans, n, new Array(n).fill(1 / n), 1000 * s + n)
      : startFromRows(X, n, options.covariance, s))),
  };
}

function realData(name, n, covariance, z, budget = 1000) {
  const id = `${name}${z ? '-z' : ''}-${covariance}`;
  const title = `${name}${z ? ' (z-scored)' : ''}, ${n} components, learned weights, ${covariance} variances`;
  return empirical(id, title, 'real', () => { const X = loadSklearn(name); return X.missing || !z ? X : zScore(X); }, n, { weights: 'learned', covariance }, budget);
}

const E2_MEANS = [[-2.5, 0], [2.5, 0]];
const OVER2 = [[-3, 0], [3, 0]];
const OVER3 = [[3, 0, 0, 0, 0], [-1.5, 2.6, 0, 0, 0], [-1.5, -2.6, 0, 0, 0]];

/** Every problem of the full tournament, in table order. */
export const PROBLEMS = [
  population('E1a', 'E1: N(0,1) fitted by 2 × ½ (quadrature)', { means: [[0]] }, 2, [0.5, 0.5]),
  population('E1b', 'E1: N(0,I₂) fitted by 4 × ¼ (quadrature)', { means: [[0, 0]] }, 4, [0.25, 0.25, 0.25, 0.25]),
  population('E1c', 'E1: N(0,1) fitted by (1/3, 2/3) (quadrature)', { means: [[0]] }, 2, [1 / 3, 2 / 3]),
  population('E2', 'E2: ±2.5e₁ (½, ½) fitted by 4 × ¼ (quadrature)', { means: E2_MEANS, weights: [0.5, 0.5] }, 4, [0.25, 0.25, 0.25, 0.25]),
  population('E3', 'E3: (0.3, 0.7) fitted by (0.15, 0.15, 0.35, 0.35) (quadrature)', { means: E2_MEANS, weights: [0.3, 0.7] }, 4, [0.15, 0.15, 0.35, 0.35]),
  population('E4', 'E4 (misspecified): (0.3, 0.7) fitted by 4 × ¼ (quadrature)', { means: E2_MEANS, weights: [0.3, 0.7] }, 4, [0.25, 0.25, 0.25, 0.25]),
  empirical('E2-sample', 'E2 on a seeded sample, N = 2e4, fitted by 4 × ¼', 'sample', () => synthetic(E2_MEANS, 20_000, 22), 4,
    { weights: 'fixed', covariance: 'fixed', variance: 1 }, 1500, E2_MEANS),
  empirical('E5', 'E5: N(0,I₂) sample, N = 2e4, fitted by 2 × ½', 'sample', () => synthetic([[0, 0]], 20_000, 55), 2,
    { weights: 'fixed', covariance: 'fixed', variance: 1 }, 1500, [[0, 0]]),
  realData('iris', 3, 'spherical', false),
  realData('iris', 3, 'diagonal', false),
  realData('wine', 3, 'spherical', false),
  realData('wine', 3, 'diagonal', false),
  realData('breast-cancer', 2, 'spherical', true),
  realData('breast-cancer', 2, 'diagonal', true),
  // Digits diagonal is left out: several pixel columns are constant, so every method floors their variances.
  realData('digits', 10, 'spherical', false, 600),
  // Overparameterized: two model components start near every true one, so all methods work in the same
  // duplicated basin and the rows compare how fast each gets along its flat directions (the plateau).
  empirical('over-2to4', 'overparameterized: 2 true (±3e₁, d = 2) fitted by 4, N = 2000, learned weights, diagonal variances', 'overparameterized',
    () => synthetic(OVER2, 2000, 24), 4, { weights: 'learned', covariance: 'diagonal' }, 2000, OVER2),
  empirical('over-3to6', 'overparameterized: 3 true (d = 5) fitted by 6, N = 3000, learned weights, spherical variances', 'overparameterized',
    () => synthetic(OVER3, 3000, 36), 6, { weights: 'learned', covariance: 'spherical' }, 2000, OVER3),
];

/** The quick subset (one problem per family, fewer starts, smaller budgets: a few minutes). */
export const QUICK = ['E2', 'E4', 'E5', 'iris-diagonal', 'breast-cancer-z-diagonal', 'over-3to6'];
