// Estimator benchmark (issue 4): mixfit's GaussianMixture against scikit-learn's GaussianMixture, side by
// side in one run, on scikit-learn's own shipped data sets (iris, wine, digits) and a seeded 1e5-row
// synthetic mixture, for diagonal and spherical covariances with learned weights.
//
//   npm run bench:estimator                 (builds, then runs this file; about 3 minutes, 4 with --reps 5)
//   node bench/estimator.mjs --reps 5       repetitions per timing (default 3, minimum 3; the median is shown)
//   node bench/estimator.mjs --no-sklearn   mixfit only
//   node bench/estimator.mjs --quick        skip the 1e5-row synthetic set
//   node bench/estimator.mjs --keep-openblas-env   keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for the peer
//
// Same start for everyone: mixfit's seeded k-means++ start (seed 0: means, then weights uniform and
// variances from the hard assignment of the rows to those means, + regCovar) is taken from a fit with
// maxIter 0 and handed to mixfit (`init`) and to scikit-learn (`means_init`, `weights_init`,
// `precisions_init`), so EM runs the same iteration sequence in both libraries and any difference in the
// final log-likelihood is the stopping rule or rounding, not the start.
// Same tolerance: see STOP below. Wall time is `fit` alone (data validation and copy included, start given),
// median of REPS repetitions after one warm-up fit. scikit-learn runs on one BLAS thread
// (OPENBLAS_NUM_THREADS=1) and mixfit on one thread (threads: 1); the 1e5-row set adds mixfit with
// threads 'auto' (one worker per core). Run it alone: `flock /tmp/mixfit-bench.lock npm run bench:estimator`.
import { runProcess } from './lib/runProcess.mjs';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { GaussianMixture } from '../dist/index.js';

const args = process.argv.slice(2);
const repsArg = args.indexOf('--reps');
const REPS = Math.max(3, repsArg >= 0 ? Number(args[repsArg + 1]) : 3);
const withSklearn = !args.includes('--no-sklearn');
const quick = args.includes('--quick');
const keepBlasEnv = args.includes('--keep-openblas-env');
const PYTHON = '/usr/bin/python3';
const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';
const here = fileURLToPath(new URL('.', import.meta.url));
const OUT = join(here, 'out');

/** Maximum iterations for every method, and the floor added to learned variances (sklearn's default). */
const MAX_ITER = 1000;
const REG_COVAR = 1e-6;
/**
 * The stopping tolerance, the same for both libraries. scikit-learn stops when the mean log-likelihood
 * changes by less than TOL (absolute) between EM iterations. mixfit's EM has the same rule, but relative:
 * |ΔL| ≤ lossChangeTol·max(1, |L|); we pass lossChangeTol = TOL / max(1, |scikit-learn's final mean
 * log-likelihood|), so both stop at the same absolute change (mixfit's EM also stops when ‖∇L‖ ≤ TOL).
 * gd-polyak has no loss-change rule: it stops when ‖∇L‖ ≤ TOL (or on its other rules, shown in the table).
 * ‖∇L‖ is measured in GaussianMixture's default metric 'em' (√(∇ᵀP∇), P the diagonal metric of gradient EM).
 */
const TOL = 1e-8;

// ---------------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------------

/** scikit-learn's CSV layout: optional header "rows,cols,labels…", then rows of cols features + a label. */
function parseSklearnCsv(text, { header }) {
  const lines = text.trim().split('\n');
  let rows, cols, start = 0;
  if (header) {
    const h = lines[0].split(',');
    rows = Number(h[0]); cols = Number(h[1]); start = 1;
  } else {
    rows = lines.length; cols = lines[0].split(',').length - 1;
  }
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const cells = lines[start + r].split(',');
    if (cells.length !== cols + 1) throw new Error(`row ${r}: expected ${cols + 1} cells, got ${cells.length}`);
    for (let c = 0; c < cols; c++) data[r * cols + c] = Number(cells[c]);
  }
  if (lines.length - start !== rows) throw new Error(`expected ${rows} rows, got ${lines.length - start}`);
  return { data, rows, cols };
}

/** Seeded normals (xorshift32 + Box–Muller), the same stream in every run. */
function normals(seed) {
  let s = seed >>> 0 || 1;
  const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
  let spare = null;
  const z = () => {
    if (spare !== null) { const t = spare; spare = null; return t; }
    const r = Math.sqrt(-2 * Math.log(u())), t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
  return { z, u };
}

/** 1e5 rows, d = 10, 5 components: weights 0.1…0.3, means in [−4, 4]^10, diagonal σ² in [0.5, 2]. */
function synthetic(rows = 100_000, d = 10, n = 5) {
  const { z, u } = normals(20260604);
  const weights = [0.1, 0.15, 0.2, 0.25, 0.3];
  const means = Array.from({ length: n }, () => Array.from({ length: d }, () => 8 * u() - 4));
  const sd = Array.from({ length: n }, () => Array.from({ length: d }, () => Math.sqrt(0.5 + 1.5 * u())));
  const data = new Float64Array(rows * d);
  for (let k = 0; k < rows; k++) {
    let v = u(), i = 0;
    while (i < n - 1 && (v -= weights[i]) >= 0) i++;
    for (let j = 0; j < d; j++) data[k * d + j] = means[i][j] + sd[i][j] * z();
  }
  return { data, rows, cols: d };
}

function datasets() {
  const sets = [];
  if (existsSync(SKLEARN_DATA)) {
    sets.push({ name: 'iris', n: 3, X: parseSklearnCsv(readFileSync(join(SKLEARN_DATA, 'iris.csv'), 'utf8'), { header: true }) });
    sets.push({ name: 'wine', n: 3, X: parseSklearnCsv(readFileSync(join(SKLEARN_DATA, 'wine_data.csv'), 'utf8'), { header: true }) });
    sets.push({ name: 'digits', n: 10, X: parseSklearnCsv(gunzipSync(readFileSync(join(SKLEARN_DATA, 'digits.csv.gz'))).toString('utf8'), { header: false }) });
  } else {
    console.log(`iris/wine/digits skipped: ${SKLEARN_DATA} not found (apt install python3-sklearn)`);
  }
  if (!quick) sets.push({ name: 'synthetic', n: 5, X: synthetic() });
  return sets;
}

// ---------------------------------------------------------------------------------------------------
// mixfit
// ---------------------------------------------------------------------------------------------------

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/** mixfit's seeded k-means++ start (seed 0) with the start variances the estimator derives from it. */
async function startOf(X, n, covariance) {
  const gm = new GaussianMixture({ nComponents: n, covariance, weights: 'learned', regCovar: REG_COVAR, seed: 0, maxIter: 0, threads: 1 });
  await gm.fit(X);
  return { means: gm.means, weights: gm.weights, variances: gm.variances };
}

/** Stopping options per solver (see TOL); `scale` is max(1, |final mean log-likelihood|) when known. */
function stopOptions(solver, scale) {
  return solver === 'em' ? { tol: TOL, lossChangeTol: TOL / scale } : { tol: TOL };
}

/** Median wall time of `fit` over REPS repetitions (after a warm-up), and the last result. */
async function timeMixfit(X, n, covariance, start, solver, threads, scale) {
  const make = () => new GaussianMixture({
    nComponents: n, covariance, weights: 'learned', regCovar: REG_COVAR, solver, init: start, maxIter: MAX_ITER,
    threads, ...stopOptions(solver, scale),
  });
  try {
    await make().fit(X); // warm-up: WASM compile, JIT, worker start
  } catch (e) {
    // A FitError (every restart's loss became NaN or infinite) is a result too: print it, do not time it.
    if (e?.name !== 'FitError') throw e;
    return { failed: e.message };
  }
  const times = [];
  let gm, r;
  for (let rep = 0; rep < REPS; rep++) {
    gm = make();
    const t0 = performance.now();
    r = await gm.fit(X);
    times.push(performance.now() - t0);
  }
  return { ms: median(times), nIter: r.nIter, nEvaluations: r.nEvaluations, score: gm.score(X), converged: r.converged, status: r.status };
}

// ---------------------------------------------------------------------------------------------------
// scikit-learn
// ---------------------------------------------------------------------------------------------------

const run = (cmd, argv, env) => runProcess(cmd, argv, { env });

/** Runs every job in one Python process; returns { env, results: Map(name → result) } or null. */
async function sklearnRun(jobs) {
  if (!withSklearn) return null;
  if (!existsSync(PYTHON)) { console.log(`scikit-learn peer skipped: ${PYTHON} not found`); return null; }
  const dir = join(tmpdir(), `mixfit-bench-estimator-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const spec = { reps: REPS, jobs: jobs.map((j, k) => {
      const path = join(dir, `X${k}.bin`);
      writeFileSync(path, Buffer.from(j.X.data.buffer, j.X.data.byteOffset, j.X.data.byteLength));
      return { name: j.name, data: path, rows: j.X.rows, cols: j.X.cols, nComponents: j.n, covariance: j.covariance === 'diagonal' ? 'diag' : 'spherical',
        tol: TOL, maxIter: MAX_ITER, regCovar: REG_COVAR, means: j.start.means, weights: j.start.weights, variances: j.start.variances };
    }) };
    const specPath = join(dir, 'jobs.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    // The machine sets OPENBLAS_CORETYPE/L2_SIZE for old OpenBLAS builds; they force a slower kernel on a
    // current one. Unset them for the peer (its BLAS kernel is printed) unless asked to keep them.
    if (!keepBlasEnv) { delete env.OPENBLAS_CORETYPE; delete env.OPENBLAS_L2_SIZE; }
    const res = await run(PYTHON, [join(here, 'sklearn_estimator.py'), specPath], env);
    if (res.code !== 0) { console.log(`scikit-learn peer failed:\n${res.stderr}`); return null; }
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    if (lines[0]?.skipped) { console.log(`scikit-learn peer skipped: ${lines[0].skipped}`); return null; }
    return { env: lines[0].env, results: new Map(lines.slice(1).map((l) => [l.name, l])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------

function table(header, rows) {
  const md = [`| ${header.join(' | ')} |`, `|${header.map((_, j) => (j < 3 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  return md.join('\n');
}

async function main() {
  const sets = datasets();
  const jobs = [];
  for (const s of sets) for (const covariance of ['diagonal', 'spherical']) {
    jobs.push({ ...s, covariance, name: `${s.name}/${covariance}`, start: await startOf(s.X, s.n, covariance) });
  }
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'} (${availableParallelism()} cores), Node ${process.version}`;
  console.log(`mixfit estimator benchmark — ${machine}; ${REPS} repetitions (median), tol ${TOL}, maxIter ${MAX_ITER}, regCovar ${REG_COVAR}`);
  // scikit-learn first, in one process, so its timings do not overlap ours.
  const sk = await sklearnRun(jobs);
  if (sk) console.log(`scikit-learn ${sk.env.sklearn}, numpy ${sk.env.numpy}, BLAS ${sk.env.blas}, OPENBLAS_NUM_THREADS=${sk.env.OPENBLAS_NUM_THREADS}`);

  const header = ['data (N × d, n)', 'covariance', 'method', 'iterations', 'mean log-lik', 'Δ vs sklearn', 'ms (median)', 'sklearn ms ÷ ms'];
  const rows = [];
  for (const j of jobs) {
    const shape = `${j.name.split('/')[0]} (${j.X.rows} × ${j.X.cols}, ${j.n})`;
    const ref = sk?.results.get(j.name);
    if (ref) rows.push([shape, j.covariance, 'scikit-learn EM', `${ref.n_iter}${ref.converged ? '' : ' (max)'}`, ref.score.toFixed(8), '0', (ref.seconds * 1000).toFixed(1), '1.00×']);
    const methods = [['mixfit em', 'em', 1], ['mixfit gd-polyak', 'gd-polyak', 1]];
    if (j.X.rows >= 1e5) methods.push(['mixfit em, threads auto', 'em', 'auto'], ['mixfit gd-polyak, threads auto', 'gd-polyak', 'auto']);
    for (const [label, solver, threads] of methods) {
      const m = await timeMixfit(j.X, j.n, j.covariance, j.start, solver, threads, Math.max(1, Math.abs(ref?.score ?? 1)));
      if (m.failed) {
        rows.push([shape, j.covariance, label, 'failed: non-finite loss (FitError)', '–', '–', '–', '–']);
        console.log(`${j.name}: ${label}: ${m.failed}`);
        continue;
      }
      rows.push([shape, j.covariance, label, `${m.nIter}${m.converged ? '' : ` (${m.status})`}`, m.score.toFixed(8),
        ref ? (m.score - ref.score).toExponential(1) : '–', m.ms.toFixed(1), ref ? `${(ref.seconds * 1000 / m.ms).toFixed(2)}×` : '–']);
      console.log(`${j.name}: ${label} done`);
    }
  }
  const md = table(header, rows);
  const notes = [
    '',
    `Machine: ${machine}. scikit-learn: ${sk ? `${sk.env.sklearn} (numpy ${sk.env.numpy}, ${sk.env.blas}, OPENBLAS_NUM_THREADS=${sk.env.OPENBLAS_NUM_THREADS})` : 'not run'}.`,
    `Every method starts from mixfit's k-means++ start (seed 0), weights learned, regCovar ${REG_COVAR}, maxIter ${MAX_ITER}, tol ${TOL}`,
    '(scikit-learn and mixfit em: absolute change of the mean log-likelihood per iteration; mixfit em and gd-polyak also stop when ‖∇L‖ ≤ tol,',
    'measured in the EM metric below).',
    'mixfit gd-polyak: the default solver with GaussianMixture\'s defaults: epochs of 50 short steps of η = 1 and one Polyak long step (f* estimated',
    'by target-level, rejected if it raises the loss), all in the metric of gradient EM (metric \'em\': σ² on the means, 1/w_i on weight logits,',
    '2/(w_i·d_i) on log-variances, so a short step is to first order a gradient-EM step), short steps halved while they raise the loss',
    '(backtrack: true). "(rejections)": 10 Polyak trials in a row rejected.',
    `Wall time of fit, median of ${REPS} after a warm-up. "(max)" / "(max-iter)": stopped at maxIter without meeting tol.`,
  ].join('\n');
  console.log('\n' + md + '\n' + notes);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'estimator.md'), md + '\n' + notes + '\n');
  console.log('\ntable: bench/out/estimator.md');
}

await main();
