// Full-covariance kernel benchmark (issue 12): ms per pass and GFLOP/s of the full pass
// (assembly/passFull.ts) for the simd, scalar and js kernels, against numpy doing the same pass, and one EM
// iteration (pass + scikit-learn's M-step + precision Cholesky) against scikit-learn's per-iteration time
// for covariance_type='full', all on one thread, side by side in one run.
//
//   node bench/kernels-full.mjs              N = 1e5, (n, d) ∈ {(2,2), (10,10), (10,32), (10,64), (50,10)}
//   node --experimental-wasm-relaxed-simd bench/kernels-full.mjs   adds the FMA (relaxed-SIMD) build on Node 20
//   node bench/kernels-full.mjs --reps 7     repetitions per point (default 5, minimum 3)
//   node bench/kernels-full.mjs --no-python  skip numpy and scikit-learn
//   node bench/kernels-full.mjs --simd-only  the simd pass alone (no scalar/js columns, no EM, no peers)
//   node bench/kernels-full.mjs --no-js      without the JS oracle's column (minutes at d = 64)
//   node bench/kernels-full.mjs --cpu-time   every column (ours and the peers') timed by process CPU time, not
//                                            wall time: on a shared machine, preemption then drops out
//   node bench/kernels-full.mjs --dense-only only the table of the full/tied parameterization's dense per-block
//                                            math (printed after the pass table otherwise): ms per call at
//                                            n = 10, d = 64, JS reference vs assembly/linalg.ts, process CPU time
//   node bench/kernels-full.mjs --float32    only the float32 rows (issue 14: f32 ≥ 1.6× f64 at d ≥ 10): the
//                                            simd build's float64 pass against its float32 pass
//                                            (assembly/passFullF32.ts) at d ∈ {10, 16, 32, 64}, n ∈ {3, 10},
//                                            N ∈ {1e4, 1e5}, repetitions interleaved, with the float32 loss's
//                                            relative error and the gradient's largest absolute error
//                                            against float64 (the FLOAT32_FLOORS check) at the start and after
//                                            10 float64 EM iterations, with the conditioning EM reached (κ̂);
//                                            combine with --cpu-time
//   node bench/kernels-full.mjs --float32 --tied   the same rows with one shared (tied) covariance
//
// Nominal flops per pass: N·n·(2d(d+1) + 5d + 15) (triangular product and rank-1 scatter update d(d+1) each,
// difference, squares, r·t and S 5d, log-sum-exp, exp and R about 15), the same count for every column.
// Data: X ~ N(0, I), means ~ N(0, I), Σ_i = s_i·(0.7·I + 0.3·11ᵀ/d) with s_i in [0.5, 2]: overlapping
// components, so no responsibility underflows and the pass never takes its zero-skip path.
// EM iteration: mixfit from the same start as scikit-learn, the median over repetitions of (time of K
// iterations)/K; scikit-learn: (t(fit, max_iter=K) − t(fit, max_iter=2))/(K − 2), tol = 0, K = 4 (MIXFIT_BENCH_EM_ITERS).
// The final lower bounds of both must agree, else the timing compares different work.
// Run it alone on the machine (`flock /tmp/mixfit-bench.lock node bench/kernels-full.mjs`).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { normals } from './lib/normals.mjs';
import { runProcess } from './lib/runProcess.mjs';

const args = process.argv.slice(2);
const simdOnly = args.includes('--simd-only');
const withPython = !args.includes('--no-python') && !simdOnly;
const repsArg = args.indexOf('--reps');
const REPS = Math.max(3, repsArg >= 0 ? Number(args[repsArg + 1]) : 5);
const MIN_REP_SECONDS = 0.02;
const N = 1e5;
const GRID = [[2, 2], [10, 10], [10, 32], [10, 64], [50, 10]];
const ITERS = Number(process.env.MIXFIT_BENCH_EM_ITERS ?? 4);
const noJs = args.includes('--no-js');
const cpuTime = args.includes('--cpu-time');
/** Seconds on the chosen clock: wall time, or this process's CPU time (--cpu-time). */
const clock = cpuTime ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; } : () => performance.now() / 1e3;
const VARIANTS = simdOnly ? ['simd'] : noJs ? ['simd', 'scalar'] : ['simd', 'scalar', 'js'];
/** The FMA build joins where the runtime validates relaxed SIMD (Node 20: only with --experimental-wasm-relaxed-simd). */
const RELAXED = !simdOnly;
const PYTHON = '/usr/bin/python3';
const PEER_ENV = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1',
  ...(args.includes('--cpu-time') ? { MIXFIT_BENCH_CLOCK: 'cpu' } : {}) };
const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'mixfit-bench-full-'));

/** The internal full-covariance API is not public yet: bundle it from src for this run. */
async function loadInternals() {
  const outfile = join(work, 'internals.mjs');
  await build({
    stdin: {
      contents: `export { loadKernels } from './src/runtime/kernels.ts';
        export { newFullPassStats } from './src/kernel/fullLayout.ts';
        export { Workspace } from './src/kernel/workspace.ts';
        export { withPrecision } from './src/kernel/precision.ts';
        export { hasWasmRelaxedSimd } from './src/runtime/probe.ts';
        export { precisionCholesky, mStepFull, floorCoordinates, covariancesFromCoordinates, fullGradient, jsMatrixMath } from './src/model/fullCovariance.ts';
        export { WasmMatrixMath } from './src/kernel/matrixMath.ts';`,
      resolveDir: root, loader: 'ts',
    },
    bundle: true, format: 'esm', platform: 'node', target: 'node20', loader: { '.wasm': 'binary' }, outfile, logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

function startOf(n, d) {
  const means = normals(n * d, 7 + n * 131 + d);
  const covariances = new Float64Array(n * d * d);
  for (let i = 0; i < n; i++) {
    const s = 0.5 + (1.5 * i) / Math.max(1, n - 1);
    for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) covariances[i * d * d + j * d + l] = s * ((j === l ? 0.7 : 0) + 0.3 / d);
  }
  return { means, covariances };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

function timePass(backend, p, out, reps) {
  let t0 = clock();
  backend.passFull(p, out); // warm-up (allocates the parameter blocks)
  const once = clock() - t0;
  const inner = Math.max(1, Math.ceil(MIN_REP_SECONDS / Math.max(once, 1e-7)));
  const times = [];
  for (let r = 0; r < reps; r++) {
    t0 = clock();
    for (let k = 0; k < inner; k++) backend.passFull(p, out);
    times.push((clock() - t0) / inner);
  }
  return { seconds: median(times), loglik: out.sumLogLik };
}

/** Median seconds per EM iteration over REPS runs of ITERS iterations from the start; final lower bound. */
function timeEm(lib, backend, n, d, start) {
  const times = [];
  let lowerBound = NaN;
  const out = lib.newFullPassStats(n, d, false);
  for (let r = 0; r < REPS; r++) {
    let p = { n, d, tied: false, means: start.means.slice(), logWeights: new Float64Array(n).fill(-Math.log(n)),
      precChol: lib.precisionCholesky(start.covariances, d, n) };
    const t0 = clock();
    for (let it = 0; it < ITERS; it++) {
      backend.passFull(p, out);
      const m = lib.mStepFull(out, p.means, n, d, false, 1e-6);
      p = { n, d, tied: false, means: m.means, logWeights: m.weights.map(Math.log),
        precChol: lib.precisionCholesky(m.covariances, d, n, { regCovar: 1e-6 }) };
    }
    times.push((clock() - t0) / ITERS);
    lowerBound = out.sumLogLik / N;
  }
  return { seconds: median(times), lowerBound };
}

async function pythonPeers(jobs) {
  if (!withPython) return null;
  if (!existsSync(PYTHON)) { console.log(`numpy/scikit-learn peers skipped: ${PYTHON} not found`); return null; }
  const probe = await runProcess(PYTHON, ['-c', 'import numpy'], { env: PEER_ENV });
  if (probe.code !== 0) { console.log('numpy/scikit-learn peers skipped: python3-numpy is not installed'); return null; }
  const res = await runProcess(PYTHON, [fileURLToPath(new URL('./numpy_full.py', import.meta.url))], { env: PEER_ENV, input: JSON.stringify(jobs) });
  if (res.code !== 0) { console.log(`python peers failed:\n${res.stderr}`); return null; }
  const map = new Map();
  for (const line of res.stdout.trim().split('\n')) {
    const r = JSON.parse(line);
    if (r.env) { console.log(`python peers: ${JSON.stringify(r.env)}`); continue; }
    map.set(`${r.n}:${r.d}`, r);
  }
  return map;
}

const fmt = (x, w = 9, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—').padStart(w);

function cpuModel() {
  try {
    const m = execFileSync('lscpu', { encoding: 'utf8' }).match(/^Model name:\s*(.+)$/m);
    const f = execFileSync('lscpu', { encoding: 'utf8' }).match(/^CPU family:\s*(.+)$/m);
    if (m) return `${m[1].trim()}${f ? ` (family ${f[1].trim()})` : ''}`;
  } catch { /* lscpu missing */ }
  return cpus()[0]?.model ?? 'unknown CPU';
}

/**
 * ms per call (process CPU time, median of REPS) of each MatrixMath operation at n = 10 blocks, d = 64 (digits'
 * shape), for the JS reference and every WASM build loaded; each build's results are checked against the JS.
 */
function denseMath(lib, kernels, fma) {
  const n = 10, d = 64, dd = d * d, t = (d * (d + 1)) / 2, reg = 1e-6;
  const { covariances: cov } = startOf(n, d);
  // A scatter not proportional to Σ, so R·I − Uᵀ·M·U does not cancel to rounding noise.
  const M = cov.map((v, k) => 120 * v + ((k % dd) % (d + 1) === 0 ? 30 : 0)), counts = new Float64Array(n).fill(150);
  const { means } = startOf(n, d), stats = { totalWeight: 1500, sumLogLik: 0, R: counts, S: means.map((v) => 150 * v + 1), scatter: M };
  const nk = counts.map((r) => r + 1e-14), newMeans = stats.S.map((v, k) => v / nk[Math.floor(k / d)]);
  const impls = [['js', lib.jsMatrixMath], ...['simd', 'scalar'].filter((v) => kernels[v]).map((v) => [v, new lib.WasmMatrixMath(kernels[v].instantiateRaw())]),
    ...(fma ? [['fma', new lib.WasmMatrixMath(fma.instantiateRaw())]] : [])];
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const rows = [];
  const ref = {};
  for (const [name, m] of impls) {
    const U = new Float64Array(n * dd), th = new Float64Array(n * t), A = new Float64Array(n * dd), C = new Float64Array(n * dd), g = new Float64Array(n * t);
    const ms = new Float64Array(n * dd);
    const ops = {
      'precision factors (Cholesky + L⁻ᵀ)': () => m.precisionFactors(cov, d, n, U),
      'floored Cholesky → θ': () => m.floorCoordinates(cov, d, n, reg, th),
      'θ → A, A·Aᵀ + regCovar·I': () => m.factorsFromCoordinates(th, 0, d, n, reg, A, C),
      'factor gradient chain': () => m.gradientFactor(U, M, A, counts, 1797, d, n, g),
      'M-step covariance sums': () => { ms.fill(0); m.mStepCovariances(stats, means, newMeans, nk, n, d, false, ms); },
    };
    const row = { name };
    for (const [op, f] of Object.entries(ops)) {
      f();
      const inner = 10, times = [];
      for (let r = 0; r < REPS; r++) { const t0 = cpu(); for (let k = 0; k < inner; k++) f(); times.push((cpu() - t0) / inner); }
      row[op] = median(times) * 1e3;
    }
    for (const [key, a] of Object.entries({ U, th, C, g, ms })) {
      if (name === 'js') { ref[key] = a; continue; }
      let scale = 0, err = 0;
      for (let k = 0; k < a.length; k++) { scale = Math.max(scale, Math.abs(ref[key][k])); err = Math.max(err, Math.abs(a[k] - ref[key][k])); }
      if (!(err <= 1e-12 * scale)) throw new Error(`dense math: ${name} ${key} differs from the JS reference by ${err / scale} (relative)`);
    }
    rows.push(row);
  }
  const opNames = Object.keys(rows[0]).filter((k) => k !== 'name');
  console.log(`\ndense per-block math of full/tied fits (src/model/fullCovariance.ts JS vs assembly/linalg.ts), n = ${n}, d = ${d}: ms per call, process CPU time, median of ${REPS}`);
  console.log(['operation'.padEnd(36), ...rows.map((r) => r.name.padStart(9)), ...rows.slice(1).map((r) => `js/${r.name}`.padStart(11))].join(''));
  for (const op of [...opNames, 'total']) {
    const v = (r) => (op === 'total' ? opNames.reduce((s, o) => s + r[o], 0) : r[op]);
    console.log([op.padEnd(36), ...rows.map((r) => fmt(v(r), 9, 3)), ...rows.slice(1).map((r) => fmt(v(rows[0]) / v(r), 11))].join(''));
  }
}

async function main() {
  const lib = await loadInternals();
  if (args.includes('--dense-only')) {
    const fmaOnly = lib.hasWasmRelaxedSimd() ? await lib.loadKernels({ kernel: 'relaxed' }) : null;
    console.log(`mixfit dense math benchmark — ${cpuModel()}, node ${process.version}`);
    denseMath(lib, { simd: await lib.loadKernels({ kernel: 'simd' }), scalar: await lib.loadKernels({ kernel: 'scalar' }) }, fmaOnly);
    rmSync(work, { recursive: true, force: true });
    return;
  }
  if (args.includes('--float32')) { await float32Rows(lib); rmSync(work, { recursive: true, force: true }); return; }
  const kernels = {};
  for (const v of VARIANTS) kernels[v] = await lib.loadKernels({ kernel: v });
  const fma = RELAXED && lib.hasWasmRelaxedSimd() ? await lib.loadKernels({ kernel: 'relaxed' }) : null;
  if (!fma && RELAXED) console.log('FMA (relaxed) column skipped: this runtime does not validate relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd)');
  console.log(`mixfit full-covariance benchmark — ${cpuModel()}, node ${process.version}, N = ${N}, ${REPS} repetitions, one thread, ${cpuTime ? 'process CPU time' : 'wall time'}`);
  console.log('GFLOP/s = N·n·(2d(d+1) + 5d + 15) / time per pass; EM = one iteration (pass + M-step + precision Cholesky)');
  const data = GRID.map(([n, d]) => ({ n, d, X: normals(N * d, 1 + N + d), start: startOf(n, d) }));
  const jobs = data.map(({ n, d, X, start }) => {
    const path = join(work, `X-${n}-${d}.f64`);
    writeFileSync(path, Buffer.from(X.buffer, X.byteOffset, X.byteLength));
    return { N, n, d, reps: REPS, data: path, iters: ITERS,
      means: Array.from({ length: n }, (_, i) => Array.from(start.means.subarray(i * d, (i + 1) * d))),
      covariances: Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => Array.from(start.covariances.subarray(i * d * d + j * d, i * d * d + (j + 1) * d)))) };
  });
  const py = await pythonPeers(jobs);
  console.log('form: the SIMD pass form the shape rule picks (assembly/passFull.ts usesFullGemm); other GF: the simd build forced to the other form; fma GF: the relaxed-SIMD build');
  const header = ['n', 'd', 'form', 'simd ms', 'simd GF', 'other GF', 'fma GF', 'scal GF', 'js GF', 'np GF', 'simd/np', 'EM ms', 'sk EM ms', 'EM vs sk'];
  console.log(header.map((h, i) => h.padStart(i < 2 ? 5 : 10)).join(''));
  for (const { n, d, X, start } of data) {
    const p = { n, d, tied: false, means: start.means, logWeights: new Float64Array(n).fill(-Math.log(n)),
      precChol: lib.precisionCholesky(start.covariances, d, n) };
    const r = {};
    for (const v of VARIANTS) {
      const be = kernels[v].createBackend(X, N, d);
      r[v] = timePass(be, p, lib.newFullPassStats(n, d, false), v === 'js' ? 3 : REPS);
      if (v === 'simd' && !simdOnly) r.em = timeEm(lib, be, n, d, start);
      be.dispose();
    }
    // The simd build forced to the form the rule does not pick, and the FMA build (rule's form).
    const raw = kernels.simd.instantiateRaw();
    const forced = new lib.Workspace(raw, 'simd', X, N, d);
    forced.passFull(p, lib.newFullPassStats(n, d, false));
    const form = raw.lastFullPassForm();
    raw.setFullPassForm(form === 2 ? 1 : 2);
    r.other = timePass(forced, p, lib.newFullPassStats(n, d, false), REPS);
    forced.dispose();
    if (fma) { const be = fma.createBackend(X, N, d); r.fma = timePass(be, p, lib.newFullPassStats(n, d, false), REPS); be.dispose(); }
    const ref = r.js ?? r.scalar;
    for (const v of [...(simdOnly ? [] : ['simd', 'scalar']), 'other', ...(r.fma ? ['fma'] : [])]) {
      if (!ref || r[v] === ref) continue;
      const rel = Math.abs(r[v].loglik - ref.loglik) / Math.abs(ref.loglik);
      if (!(rel < 1e-9)) throw new Error(`${v} disagrees with ${r.js ? 'js' : 'scalar'} at n=${n} d=${d}: rel ${rel}`);
    }
    const peer = py?.get(`${n}:${d}`);
    if (peer?.sklearn_loglik != null) {
      const rel = Math.abs(peer.sklearn_loglik - r.em.lowerBound) / Math.abs(peer.sklearn_loglik);
      if (!(rel < 1e-8)) throw new Error(`EM lower bound after ${ITERS} iterations differs from scikit-learn at n=${n} d=${d}: ${r.em.lowerBound} vs ${peer.sklearn_loglik}`);
    }
    const flops = N * n * (2 * d * (d + 1) + 5 * d + 15);
    const gf = (s) => flops / s / 1e9;
    const npS = peer?.numpy_s ?? NaN, skS = peer?.sklearn_iter_s ?? NaN;
    r.scalar ??= { seconds: NaN }; r.js ??= { seconds: NaN }; r.em ??= { seconds: NaN };
    r.fma ??= { seconds: NaN };
    console.log(`${String(n).padStart(5)}${String(d).padStart(5)}${(form === 2 ? 'gemm' : 'direct').padStart(10)}${fmt(r.simd.seconds * 1e3, 10, 3)}${fmt(gf(r.simd.seconds), 10)}` +
      `${fmt(gf(r.other.seconds), 10)}${fmt(gf(r.fma.seconds), 10)}` +
      `${fmt(gf(r.scalar.seconds), 10)}${fmt(gf(r.js.seconds), 10)}${fmt(gf(npS), 10)}${fmt(npS / r.simd.seconds, 10)}` +
      `${fmt(r.em.seconds * 1e3, 10, 1)}${fmt(skS * 1e3, 10, 1)}${fmt(skS / r.em.seconds, 10)}`);
  }
  if (!simdOnly) denseMath(lib, kernels, fma);
  rmSync(work, { recursive: true, force: true });
}

/** Seconds of warm-up passes per backend before the interleaved timing. */
const WARM_SECONDS = 0.25;

/** Medians of interleaved repetitions of two backends' passes (same parameters): { a, b } seconds. */
function timeInterleaved(beA, beB, p, outA, outB, reps) {
  // Warm-up (allocates the parameter blocks, and lets V8 tier the kernels up from its baseline compiler:
  // the first few hundred small passes run slower) for at least WARM_SECONDS per backend.
  for (const [be, out] of [[beA, outA], [beB, outB]]) {
    const w0 = clock();
    do be.passFull(p, out); while (clock() - w0 < WARM_SECONDS);
  }
  let t0 = clock();
  beA.passFull(p, outA);
  const inner = Math.max(1, Math.ceil(MIN_REP_SECONDS / Math.max(clock() - t0, 1e-7)));
  const ta = [], tb = [];
  for (let r = 0; r < reps; r++) {
    t0 = clock();
    for (let k = 0; k < inner; k++) beA.passFull(p, outA);
    ta.push((clock() - t0) / inner);
    t0 = clock();
    for (let k = 0; k < inner; k++) beB.passFull(p, outB);
    tb.push((clock() - t0) / inner);
  }
  return { a: median(ta), b: median(tb) };
}

/** The mean-loss gradient (means, logits, factor coordinates) from one pass's statistics, as the solvers form it. */
function gradientOf(lib, p, stats, covariances, regCovar) {
  const blocks = p.tied ? 1 : p.n;
  const theta = lib.floorCoordinates(covariances, p.d, blocks, regCovar);
  const { A } = lib.covariancesFromCoordinates(theta, 0, p.d, blocks, regCovar);
  const g = lib.fullGradient(p, stats, A);
  return Object.values(g).filter((v) => v instanceof Float64Array);
}

/** Float64 EM iterations before the second error measurement of the float32 rows. */
const EM_FOR_ERRORS = 10;

/** Loss and gradient errors of the float32 pass against float64 at p (covariances: p's, for the coordinates). */
function errorsAt(lib, b64, b32, p, covariances, o64, o32) {
  b64.passFull(p, o64); b32.passFull(p, o32);
  const l64 = -o64.sumLogLik / o64.totalWeight, l32 = -o32.sumLogLik / o32.totalWeight;
  const g64 = gradientOf(lib, p, o64, covariances, 1e-6), g32 = gradientOf(lib, p, o32, covariances, 1e-6);
  let gErr = 0, gMax = 0, gNorm = 0;
  g64.forEach((a, k) => a.forEach((v, j) => {
    const e = Math.abs(v - g32[k][j]);
    gErr = Math.max(gErr, e); gMax = Math.max(gMax, Math.abs(v)); gNorm += e * e;
  }));
  return { loss: Math.abs(l32 - l64) / Math.abs(l64), gErr, gNorm: Math.sqrt(gNorm), gMax };
}

/** The float32 rows: float64 vs float32 full pass of the simd build, speed and error, one run. */
async function float32Rows(lib) {
  const simd = await lib.loadKernels({ kernel: 'simd' });
  const f32 = lib.withPrecision(simd, 'float32');
  const fma = lib.hasWasmRelaxedSimd() ? lib.withPrecision(await lib.loadKernels({ kernel: 'relaxed' }), 'float32') : null;
  const tied = args.includes('--tied');
  console.log(`mixfit float32 ${tied ? 'tied' : 'full'} pass — ${cpuModel()}, node ${process.version}, ${REPS} interleaved repetitions, one thread, ${cpuTime ? 'process CPU time' : 'wall time'}`);
  console.log('GF = N·n·(2d(d+1) + 5d + 15) / time per pass; ×f64 = f64 time / f32 time (target ≥ 1.6 at d ≥ 10); loss err = |ℓ32 − ℓ64|/|ℓ64| of the mean loss;');
  console.log('grad err = max |g32 − g64| over the gradient coordinates (means, logits, factor), ‖Δg‖₂ = ‖g32 − g64‖₂ (what a gradient-norm tol sees), |g|∞ = max |g64|;');
  console.log(`at the start (the overlapping benchmark mixture) and, EM columns, after ${EM_FOR_ERRORS} float64 EM iterations from it (nearer the optimum, where a stopping test looks)`);
  if (!fma) console.log('f32 FMA column skipped: this runtime does not validate relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd)');
  const header = ['n', 'd', 'N', 'f64 ms', 'f64 GF', 'f32 ms', 'f32 GF', '×f64', 'fma32 GF', 'loss err', 'grad err', '‖Δg‖₂', '|g|∞', 'EM loss', 'EM ‖Δg‖₂', 'EM |g|∞', 'EM κ̂', 'spikes', 'target'];
  console.log(header.map((h, i) => h.padStart(i < 2 ? 4 : i === 2 ? 8 : 10)).join(''));
  for (const d of [10, 16, 32, 64]) for (const n of [3, 10]) for (const rows of [1e4, 1e5]) {
    const X = normals(rows * d, 1 + rows + d);
    const start = startOf(n, d);
    // Tied: the first component's covariance, shared.
    const covariances = tied ? start.covariances.slice(0, d * d) : start.covariances;
    const blocks = tied ? 1 : n;
    const p = { n, d, tied, means: start.means, logWeights: new Float64Array(n).fill(-Math.log(n)),
      precChol: lib.precisionCholesky(covariances, d, blocks) };
    const b64 = simd.createBackend(X, rows, d), b32 = f32.createBackend(X, rows, d);
    const o64 = lib.newFullPassStats(n, d, tied), o32 = lib.newFullPassStats(n, d, tied);
    const t = timeInterleaved(b64, b32, p, o64, o32, REPS);
    let fmaS = NaN;
    if (fma) { const bf = fma.createBackend(X, rows, d); fmaS = timePass(bf, p, lib.newFullPassStats(n, d, tied), REPS).seconds; bf.dispose(); }
    const at = errorsAt(lib, b64, b32, p, covariances, o64, o32);
    // Near the optimum (where a solver's stopping test looks): after EM_FOR_ERRORS float64 EM iterations.
    let q = p, qCov = covariances;
    for (let it = 0; it < EM_FOR_ERRORS; it++) {
      b64.passFull(q, o64);
      const m = lib.mStepFull(o64, q.means, n, d, tied, 1e-6);
      qCov = m.covariances;
      q = { n, d, tied, means: m.means, logWeights: m.weights.map(Math.log), precChol: lib.precisionCholesky(qCov, d, blocks, { regCovar: 1e-6 }) };
    }
    const near = errorsAt(lib, b64, b32, q, qCov, o64, o32);
    // The worst conditioning EM reached: κ̂ = max over blocks of (max_j U_jj / min_j U_jj)², a lower bound of
    // κ(Σ); ~1e6 means a component collapsing onto the regCovar floor (a degenerate spike).
    // Spikes: blocks with a pivot ≥ 0.5/√regCovar (some variance ≤ 4·regCovar), which κ̂ misses when every
    // direction of a component collapsed at once.
    let kappa = 0, spikes = 0;
    for (let b = 0; b < blocks; b++) {
      let top = 0, bottom = Infinity;
      for (let j = 0; j < d; j++) { const u = q.precChol[b * d * d + j * d + j]; top = Math.max(top, u); bottom = Math.min(bottom, u); }
      kappa = Math.max(kappa, (top / bottom) ** 2);
      if (top >= 0.5 / Math.sqrt(1e-6)) spikes++;
    }
    b64.dispose(); b32.dispose();
    const flops = rows * n * (2 * d * (d + 1) + 5 * d + 15);
    const gf = (sec) => flops / sec / 1e9;
    const ratio = t.a / t.b;
    console.log(`${String(n).padStart(4)}${String(d).padStart(4)}${String(rows).padStart(8)}${fmt(t.a * 1e3, 10, 3)}${fmt(gf(t.a), 10)}` +
      `${fmt(t.b * 1e3, 10, 3)}${fmt(gf(t.b), 10)}${fmt(ratio, 10)}${fmt(gf(fmaS), 10)}` +
      `${at.loss.toExponential(1).padStart(10)}${at.gErr.toExponential(1).padStart(10)}${at.gNorm.toExponential(1).padStart(10)}${at.gMax.toExponential(1).padStart(10)}` +
      `${near.loss.toExponential(1).padStart(10)}${near.gNorm.toExponential(1).padStart(10)}${near.gMax.toExponential(1).padStart(10)}${kappa.toExponential(0).padStart(10)}${String(spikes).padStart(10)}${(ratio >= 1.6 ? 'met' : 'missed').padStart(10)}`);
  }
}

main().catch((e) => { console.error(e); rmSync(work, { recursive: true, force: true }); process.exit(1); });
