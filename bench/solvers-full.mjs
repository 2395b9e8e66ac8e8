// Solvers on full and tied covariances (README "Full and tied covariance: solvers"):
// `npm run build:js && node bench/solvers-full.mjs [--starts=5] [--max=1500]`.
// From the same seeded k-means++ starts (GaussianMixture seed s, nInit 1) every solver runs with tol 0 and
// no loss-change stop for --max kernel passes; per problem and solver it prints the median passes to loss
// gaps 1e-4 / 1e-6 / 1e-8 (against the best non-degenerate loss any solver reached from that start) and how
// many runs ended degenerate (a covariance on the regCovar floor: a Cholesky pivot of Σ at most 1.001·regCovar).
import { execSync } from 'node:child_process';
import * as mf from '../dist/index.js';
import { loadSklearn, zScore } from './lib/datasets.mjs';
import { normals } from './lib/normals.mjs';

const args = process.argv.slice(2);
const arg = (n, v) => { const a = args.find((s) => s.startsWith(`--${n}=`)); return a ? Number(a.slice(n.length + 3)) : v; };
const nStarts = arg('starts', 5), maxEvaluations = arg('max', 1500);
const SOLVERS = ['em', 'squarem', 'anderson', 'em-polyak', 'gd-polyak'];
const GAPS = [1e-4, 1e-6, 1e-8];
const REG = 1e-6;

/** A seeded synthetic set: 3 correlated clusters in d = 4, N = 1500. */
function synthetic() {
  const d = 4, N = 1500, centres = [[0, 0, 0, 0], [4, 1, -2, 0], [-3, 3, 1, 2]];
  const g = normals(3 * d * d + N * d, 12);
  let next = 0;
  const factors = centres.map(() => Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, l) => { const v = g[next++]; return l <= j ? v * (j === l ? 1 : 0.7) : 0; })));
  const data = new Float64Array(N * d);
  for (let r = 0; r < N; r++) {
    const i = r % 3, z = Array.from({ length: d }, () => g[next++]);
    for (let j = 0; j < d; j++) { let s = centres[i][j]; for (let l = 0; l <= j; l++) s += factors[i][j][l] * z[l]; data[r * d + j] = s; }
  }
  return { data, rows: N, cols: d };
}

const sets = { iris: loadSklearn('iris'), wine: loadSklearn('wine') };
const PROBLEMS = [
  { name: 'iris full (n = 3)', X: sets.iris, n: 3, covariance: 'full' },
  { name: 'iris tied (n = 3)', X: sets.iris, n: 3, covariance: 'tied' },
  { name: 'wine full z-scored (n = 3)', X: sets.wine.missing ? sets.wine : zScore(sets.wine), n: 3, covariance: 'full' },
  { name: 'synthetic full (d = 4, N = 1500, n = 3)', X: synthetic(), n: 3, covariance: 'full' },
];

/** Whether a fitted covariance has a Cholesky pivot (conditional variance) on the regCovar floor. */
function degenerate(params, covariance) {
  const blocks = covariance === 'tied' ? [params.covariances] : params.covariances;
  return blocks.some((S) => {
    const d = S.length, L = S.map((r) => r.slice());
    for (let j = 0; j < d; j++) {
      let s = L[j][j];
      for (let k = 0; k < j; k++) s -= L[j][k] ** 2;
      if (s <= REG * 1.001) return true;
      L[j][j] = Math.sqrt(s);
      for (let i = j + 1; i < d; i++) { let t = L[i][j]; for (let k = 0; k < j; k++) t -= L[i][k] * L[j][k]; L[i][j] = t / L[j][j]; }
    }
    return false;
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN; };
const cpu = (() => { try { return execSync('lscpu').toString().match(/Model name:\s*(.*)/)[1].trim(); } catch { return 'unknown CPU'; } })();
console.log(`CPU: ${cpu}; ${nStarts} seeded k-means++ starts, ${maxEvaluations} passes each, regCovar ${REG}, GaussianMixture defaults otherwise (metric 'em', backtracking).`);
for (const p of PROBLEMS) {
  if (p.X.missing) { console.log(`${p.name}: skipped (${p.X.missing})`); continue; }
  const runs = {};
  for (const solver of SOLVERS) {
    runs[solver] = [];
    for (let s = 0; s < nStarts; s++) {
      const gm = new mf.GaussianMixture({ nComponents: p.n, covariance: p.covariance, solver, seed: s, tol: 0, lossChangeTol: 0, maxIter: 1e9, maxEvaluations, regCovar: REG, kernel: 'simd', threads: 1 });
      let r;
      try { r = await gm.fit(p.X); } catch (e) { runs[solver].push({ error: e.message }); continue; }
      runs[solver].push({ loss: r.loss, history: r.history, degenerate: degenerate(r.params, p.covariance) });
    }
  }
  console.log(`\n${p.name}: median passes to gap (runs reaching it), degenerate ends\n`);
  console.log(`| solver | ${GAPS.map((g) => `gap ${g}`).join(' | ')} | degenerate | errors |`);
  console.log(`|---|${GAPS.map(() => '---').join('|')}|---|---|`);
  for (const solver of SOLVERS) {
    const cells = GAPS.map((gap) => {
      const hits = [];
      runs[solver].forEach((run, s) => {
        if (run.error) return;
        const ref = Math.min(...SOLVERS.map((o) => runs[o][s]).filter((q) => !q.error && !q.degenerate).map((q) => q.loss));
        const h = run.history.find((rec) => rec.loss - ref <= gap);
        if (h) hits.push(h.evaluations);
      });
      return `${hits.length ? median(hits) : '–'} (${hits.length}/${nStarts})`;
    });
    const deg = runs[solver].filter((q) => q.degenerate).length, err = runs[solver].filter((q) => q.error);
    console.log(`| ${solver} | ${cells.join(' | ')} | ${deg}/${nStarts} | ${err.length ? err[0].error.slice(0, 60) : 0} |`);
  }
}
