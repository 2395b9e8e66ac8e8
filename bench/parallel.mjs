// Parallel benchmark (issue 7): time per evaluation (one fused pass through statsAsync) and per fit
// (minimize, a fixed 20 evaluations) against the worker count, for N ∈ {1e4, 1e5, 1e6}, d = 10, n = 10,
// in Node (worker_threads) and in Chromium (Web Workers), measured side by side in one run.
//
//   npm run bench:parallel            Node and Chromium (/usr/bin/chromium through playwright-core)
//   node bench/parallel.mjs --no-browser
//   node bench/parallel.mjs --quick   N = 1e4 and 1e5 only
//
// threads = 1 is the plain single-instance objective (no pool). Configurations are interleaved within each
// repetition so background load hits them alike; the tables show medians over repetitions and ratios of
// medians. Other processes share the 2 cores: run it under `flock /tmp/mixfit-bench.lock`.
import { writeFileSync, mkdirSync } from 'node:fs';
import * as lib from '../dist/index.js';
import { inChromiumPage } from './lib/benchPage.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const withBrowser = !args.includes('--no-browser');
const cfg = { Ns: quick ? [1e4, 1e5] : [1e4, 2e4, 3e4, 1e5, 1e6], threads: [1, 2, 3], d: 10, n: 10, fitEvals: 20, reps: 7, fitReps: 3 };

/** The measurement, self-contained so it runs unchanged in Node and in a page (serialised by toString). */
async function benchCore(lib, cfg) {
  const now = () => performance.now();
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
  function normals(count, seed) {
    let s = seed >>> 0 || 1;
    const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
    const out = new Float64Array(count);
    for (let k = 0; k < count; k += 2) {
      const r = Math.sqrt(-2 * Math.log(u())), t = 2 * Math.PI * u();
      out[k] = r * Math.cos(t);
      if (k + 1 < count) out[k + 1] = r * Math.sin(t);
    }
    return out;
  }
  const { d, n } = cfg;
  const meansArr = normals(n * d, 99);
  const p = { n, d, means: meansArr, logWeights: new Float64Array(n).fill(-Math.log(n)),
    variances: new Float64Array(n).fill(1), layout: 'component' };
  const start = { means: Array.from({ length: n }, (_, i) => Array.from(meansArr.subarray(i * d, (i + 1) * d))) };
  const rows = [];
  for (const N of cfg.Ns) {
    const X = normals(N * d, 1234 + N);
    const objs = [];
    const startMs = [];
    const sums = [];
    for (const threads of cfg.threads) {
      // Exactly `threads` workers: the `threads` option is capped at the cores (and 1000 rows per worker).
      const o = threads === 1 ? await lib.empiricalObjective({ data: X, rows: N, cols: d }, { threads })
        : new lib.BackendObjective(new lib.PoolBackend(await lib.loadKernels(), X, N, d, undefined, { threads }), 'empirical');
      const t0 = now();
      sums.push((await o.statsAsync(p)).sumLogLik); // starts the workers and ships the shards
      startMs.push(now() - t0);
      // Warm up ≥ 300 ms: WASM starts on the baseline compiler and tiers up per instance and worker.
      const tw = now();
      for (let w = 0; w < 5 || now() - tw < 300; w++) await o.statsAsync(p);
      objs.push(o);
    }
    // Batches long enough (≥ 30 ms) that timer resolution and scheduling jitter stay small.
    const t1 = now();
    await objs[0].statsAsync(p);
    const batch = Math.max(1, Math.ceil(30 / Math.max(0.01, now() - t1)));
    const evalMs = cfg.threads.map(() => []);
    for (let r = 0; r < cfg.reps; r++) {
      for (let c = 0; c < objs.length; c++) {
        const t = now();
        for (let b = 0; b < batch; b++) await objs[c].statsAsync(p);
        evalMs[c].push((now() - t) / batch);
      }
    }
    const fitMs = cfg.threads.map(() => []);
    const fitEvals = cfg.threads.map(() => 0);
    for (let r = 0; r < cfg.fitReps; r++) {
      for (let c = 0; c < objs.length; c++) {
        const t = now();
        const res = await lib.minimize(objs[c], start, { maxEvaluations: cfg.fitEvals, maxIter: 10 * cfg.fitEvals, tol: 0 });
        fitMs[c].push(now() - t);
        fitEvals[c] = res.nEvaluations;
      }
    }
    cfg.threads.forEach((threads, c) => rows.push({
      N, threads, evalMs: median(evalMs[c]), fitMs: median(fitMs[c]), fitEvals: fitEvals[c], startMs: startMs[c],
      variant: objs[c].variant, relDiff: Math.abs(sums[c] - sums[0]) / Math.abs(sums[0]),
    }));
    for (const o of objs) o.dispose();
  }
  return rows;
}

function table(env, rows) {
  const out = [`| ${env} N | threads | ms / evaluation | speed-up | ms / fit (${cfg.fitEvals} evals) | speed-up | first pass ms (start + shards) |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    const base = rows.find((b) => b.N === r.N && b.threads === 1);
    out.push(`| ${r.N.toExponential(0).replace('e+', 'e')} | ${r.threads} | ${r.evalMs.toFixed(3)} | ${(base.evalMs / r.evalMs).toFixed(2)}× | ` +
      `${r.fitMs.toFixed(1)} | ${(base.fitMs / r.fitMs).toFixed(2)}× | ${r.startMs.toFixed(1)} |`);
  }
  const worst = Math.max(...rows.map((r) => r.relDiff));
  out.push('', `Largest relative difference of Σ c·ℓ from one thread: ${worst.toExponential(1)} (kernel ${rows[0].variant}).`);
  return out.join('\n');
}


const { availableParallelism } = await import('node:os');
const parts = [`Node ${process.version}, ${availableParallelism()} cores; d = ${cfg.d}, n = ${cfg.n}, component variances; ` +
  `medians of ${cfg.reps} repetitions (evaluations) and ${cfg.fitReps} (fits).`];
const nodeRows = await benchCore(lib, cfg);
parts.push(table('Node', nodeRows));
console.log(parts.join('\n\n'));
if (withBrowser) {
  const { result: rows, cores } = await inChromiumPage(benchCore, cfg);
  const t = `Chromium (navigator.hardwareConcurrency = ${cores}):\n\n${table('Chromium', rows)}`;
  console.log('\n' + t);
  parts.push(t);
}
mkdirSync(new URL('out/', import.meta.url), { recursive: true });
writeFileSync(new URL('out/parallel.md', import.meta.url), parts.join('\n\n') + '\n');
