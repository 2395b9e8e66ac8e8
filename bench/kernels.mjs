// Kernel benchmark (issue 2): per-pass time and GFLOP/s of the fused pass for the simd, scalar and js
// kernels and a numpy float64 implementation of the same pass, measured side by side in one run.
//
//   npm run bench                         full grid N ∈ {1e4,1e5,1e6} × n ∈ {2,10,50} × d ∈ {1,2,10,50}
//   node bench/kernels.mjs --quick        N = 1e5 only (or MIXFIT_BENCH_QUICK=1)
//   node bench/kernels.mjs --no-numpy     skip the Python peer
//   node bench/kernels.mjs --reps 7       repetitions per point (default 5, minimum 5)
//
// Flop count per pass: N·n·(5d + 15), the nominal count of ALGORITHM.md §8 (3d for the distance, 2d for
// S, about 15 for the log-sum-exp, exp and R/Q updates). Each repetition runs the pass enough times to
// last ≥ 20 ms and reports the time of one pass; the table shows medians over the repetitions.
// Run it alone on the machine (`flock /tmp/mixfit-bench.lock npm run bench`): other load skews ratios.
import { runProcess } from './lib/runProcess.mjs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadKernels } from '../dist/index.js';
import { normals } from './lib/normals.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.MIXFIT_BENCH_QUICK === '1';
const withNumpy = !args.includes('--no-numpy');
const repsArg = args.indexOf('--reps');
const REPS = Math.max(5, repsArg >= 0 ? Number(args[repsArg + 1]) : 5);
const MIN_REP_SECONDS = 0.02;

const Ns = quick ? [1e5] : [1e4, 1e5, 1e6];
const ns = [2, 10, 50];
const ds = [1, 2, 10, 50];
const VARIANTS = ['simd', 'scalar', 'js'];
const PYTHON = '/usr/bin/python3';


function params(n, d) {
  const means = normals(n * d, 7 + n * 131 + d);
  const variances = new Float64Array(n).map((_, i) => 0.5 + (1.5 * i) / Math.max(1, n - 1));
  return { n, d, means, logWeights: new Float64Array(n).fill(-Math.log(n)), variances, layout: 'component' };
}

function stats(n, d) {
  return { totalWeight: 0, sumLogLik: 0, R: new Float64Array(n), S: new Float64Array(n * d), Q: new Float64Array(n) };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/** Median seconds per pass over REPS repetitions, each ≥ MIN_REP_SECONDS long. */
function timePass(backend, p, out) {
  let t0 = performance.now();
  backend.pass(p, out); // warm-up (also allocates the parameter blocks)
  const once = (performance.now() - t0) / 1e3;
  const inner = Math.max(1, Math.ceil(MIN_REP_SECONDS / Math.max(once, 1e-7)));
  const times = [];
  for (let r = 0; r < REPS; r++) {
    t0 = performance.now();
    for (let k = 0; k < inner; k++) backend.pass(p, out);
    times.push((performance.now() - t0) / 1e3 / inner);
  }
  return { seconds: median(times), loglik: out.sumLogLik };
}

/** numpy timings for the whole grid, or null with a message when python3/numpy is missing. */
async function numpyTimes(grid) {
  if (!withNumpy) return null;
  if (!existsSync(PYTHON)) { console.log(`numpy peer skipped: ${PYTHON} not found`); return null; }
  const script = fileURLToPath(new URL('./numpy_pass.py', import.meta.url));
  const probe = await run(PYTHON, ['-c', 'import numpy'], '');
  if (probe.code !== 0) { console.log('numpy peer skipped: python3-numpy is not installed (apt install python3-numpy)'); return null; }
  const res = await run(PYTHON, [script], JSON.stringify(grid.map((g) => ({ ...g, reps: REPS }))));
  if (res.code !== 0) { console.log(`numpy peer failed:\n${res.stderr}`); return null; }
  const map = new Map();
  for (const line of res.stdout.trim().split('\n')) {
    const r = JSON.parse(line);
    map.set(`${r.N}:${r.n}:${r.d}`, r);
  }
  return map;
}

const PEER_ENV = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
const run = (cmd, argv, input) => runProcess(cmd, argv, { env: PEER_ENV, input });

/**
 * Copy+pack cost in ms per MB of X: into a fresh instance (its pages are touched for the first time) and
 * into the memory of a released instance, which `createBackend` reuses (the case of repeated fits).
 */
function packCost(kernels) {
  const N = 2e5, d = 10;
  const X = normals(N * d, 99);
  const mb = (X.byteLength) / 2 ** 20;
  const fresh = [], reused = [];
  for (let r = 0; r < REPS; r++) {
    // While `hold` owns the pooled instance, the next backend must start a fresh one.
    const hold = kernels.createBackend(X, N, d);
    let t0 = performance.now();
    const a = kernels.createBackend(X, N, d);
    fresh.push(performance.now() - t0);
    a.dispose();
    t0 = performance.now();
    const b = kernels.createBackend(X, N, d);
    reused.push(performance.now() - t0);
    b.dispose();
    hold.dispose();
  }
  return { mb, fresh: median(fresh) / mb, reused: median(reused) / mb };
}

const fmt = (x, w = 8, digits = 2) => x.toFixed(digits).padStart(w);

async function main() {
  const grid = [];
  for (const N of Ns) for (const n of ns) for (const d of ds) grid.push({ N, n, d });
  const kernels = {};
  for (const v of VARIANTS) kernels[v] = await loadKernels({ kernel: v });
  console.log(`mixfit kernel benchmark — node ${process.version}, ${REPS} repetitions, GFLOP/s = N·n·(5d+15)/time`);
  // Let V8 tier every kernel up to its optimizing compiler before the first timed point.
  for (const v of VARIANTS) {
    const be = kernels[v].createBackend(normals(2e4 * 3, 5), 2e4, 3);
    const p = params(4, 3), out = stats(4, 3);
    for (const t0 = performance.now(); performance.now() - t0 < 300;) be.pass(p, out);
    be.dispose();
  }
  const np = await numpyTimes(grid);

  const header = ['N', 'n', 'd', 'simd ms', 'simd GF', 'scal GF', 'js GF', 'np GF', 'simd/scal', 'simd/js', 'simd/np'];
  console.log(header.map((h, i) => h.padStart(i < 3 ? 8 : 9)).join(''));
  const rows = [];
  for (const g of grid) {
    const { N, n, d } = g;
    const X = normals(N * d, 1 + N + d);
    const p = params(n, d);
    const r = { ...g };
    for (const v of VARIANTS) {
      const be = kernels[v].createBackend(X, N, d);
      const t = timePass(be, p, stats(n, d));
      be.dispose();
      r[v] = t.seconds;
      r[`${v}LL`] = t.loglik;
    }
    const npr = np?.get(`${N}:${n}:${d}`);
    r.numpy = npr ? npr.median_s : NaN;
    const flops = N * n * (5 * d + 15);
    const gf = (s) => flops / s / 1e9;
    // The WASM builds must agree with the JS oracle on the same data, else the timing is meaningless.
    for (const v of ['simd', 'scalar']) {
      const rel = Math.abs(r[`${v}LL`] - r.jsLL) / Math.abs(r.jsLL);
      if (!(rel < 1e-9)) throw new Error(`${v} disagrees with js at N=${N} n=${n} d=${d}: rel ${rel}`);
    }
    rows.push({ ...r, gf: { simd: gf(r.simd), scalar: gf(r.scalar), js: gf(r.js), numpy: gf(r.numpy) } });
    console.log(
      `${String(N).padStart(8)}${String(n).padStart(8)}${String(d).padStart(8)}` +
      `${fmt(r.simd * 1e3, 9, 3)}${fmt(gf(r.simd), 9)}${fmt(gf(r.scalar), 9)}${fmt(gf(r.js), 9)}${fmt(gf(r.numpy), 9)}` +
      `${fmt(r.scalar / r.simd, 9)}${fmt(r.js / r.simd, 9)}${fmt(r.numpy / r.simd, 9)}`,
    );
  }
  const geo = (f) => Math.exp(rows.reduce((s, r) => s + Math.log(f(r)), 0) / rows.length);
  console.log('\nsummary');
  for (const d of ds) {
    const sel = rows.filter((r) => r.d === d).map((r) => r.gf.simd);
    console.log(`  simd GFLOP/s at d=${String(d).padEnd(2)}: min ${fmt(Math.min(...sel), 5)}  median ${fmt(median(sel), 5)}  max ${fmt(Math.max(...sel), 5)}`);
  }
  console.log(`  simd / js     geomean ${fmt(geo((r) => r.js / r.simd), 5)}  min ${fmt(Math.min(...rows.map((r) => r.js / r.simd)), 5)}`);
  console.log(`  simd / scalar geomean ${fmt(geo((r) => r.scalar / r.simd), 5)}  min ${fmt(Math.min(...rows.map((r) => r.scalar / r.simd)), 5)}`);
  if (np) {
    const small = rows.filter((r) => r.n <= 10 && r.d <= 2);
    const big = rows.filter((r) => r.n === 50 && r.d === 50);
    console.log(`  simd / numpy  geomean ${fmt(geo((r) => r.numpy / r.simd), 5)}  min ${fmt(Math.min(...rows.map((r) => r.numpy / r.simd)), 5)}` +
      `  (n≤10,d≤2 min ${fmt(Math.min(...small.map((r) => r.numpy / r.simd)), 5)}; n=50,d=50 min ${fmt(Math.min(...big.map((r) => r.numpy / r.simd)), 5)})`);
  }
  for (const v of ['simd', 'scalar']) {
    const c = packCost(kernels[v]);
    console.log(`  copy+pack (${v}, ${c.mb.toFixed(1)} MB): ${c.fresh.toFixed(3)} ms/MB into fresh memory, ${c.reused.toFixed(3)} ms/MB into released memory`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
