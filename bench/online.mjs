// Online EM (partialFit) against the batch EM fit for full and tied covariances (issue 12): the gap after one
// pass over a stream, as README "Large data" › "Online EM" reports it for the diagonal layouts.
//
//   npm run build && node bench/online.mjs [--rows 100000]
//
// Data: N rows of a seeded 3-component mixture in d = 3 with unequal weights and correlated covariances
// (bench/lib/correlatedStream.mjs, the stream of test/onlineFull.test.ts). The batch fit is EM from the same seeded start (tol 1e-10, maxIter 500);
// each online fit sees the chunks once, in order. Gap = batch mean log-likelihood − online mean log-likelihood on
// all N rows (nats per row; ≥ 0 up to the batch fit's tolerance). Parameter gaps at the first row's setting:
// max |Δμ| (data units), max |Δw|, max ‖ΔΣ‖_F/‖Σ‖_F over components matched by their means.
import { execSync } from 'node:child_process';
import { GaussianMixture } from '../dist/index.js';
import { correlatedStream } from './lib/correlatedStream.mjs';

const args = process.argv.slice(2);
const arg = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const N = arg('--rows', 100_000), d = 3;
const cpu = execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim();

const chunksOf = (X, rows) => Array.from({ length: Math.ceil(N / rows) }, (_, c) => {
  const r = Math.min(rows, N - c * rows);
  return { data: X.subarray(c * rows * d, (c * rows + r) * d), rows: r, cols: d };
});
const blocks = (gm) => (gm.options.covariance === 'tied' ? [gm.covariances] : gm.covariances);
const relF = (x, y) => Math.hypot(...x.flat().map((v, k) => v - y.flat()[k])) / Math.hypot(...y.flat());
function paramGap(batch, online) {
  const perm = batch.means.map((m) => {
    let best = 0, bestD = Infinity;
    online.means.forEach((o, i) => { const s = o.reduce((a, v, j) => a + (v - m[j]) ** 2, 0); if (s < bestD) { bestD = s; best = i; } });
    return best;
  });
  const cb = blocks(batch), co = blocks(online);
  return {
    mu: Math.max(...perm.flatMap((p, i) => online.means[p].map((v, j) => Math.abs(v - batch.means[i][j])))),
    w: Math.max(...perm.map((p, i) => Math.abs(online.weights[p] - batch.weights[i]))),
    cov: Math.max(...(cb.length === 1 ? [relF(co[0], cb[0])] : perm.map((p, i) => relF(co[p], cb[i])))),
  };
}

const SETTINGS = [[500, [0.6]], [1000, [0.51, 0.55, 0.6, 0.8, 1]], [2000, [0.6]], [5000, [0.6]]];
const fmt = (x) => x.toExponential(1);
const results = {};
for (const covariance of ['full', 'tied']) {
  const X = correlatedStream(covariance.length, N, d);
  const all = { data: X, rows: N, cols: d };
  const o = { nComponents: 3, covariance, weights: 'learned', solver: 'em', seed: 2, tol: 1e-10, maxIter: 500 };
  const batch = new GaussianMixture(o);
  await batch.fit(all);
  const ref = batch.score(all);
  results[covariance] = SETTINGS.map(([rows, alphas]) => alphas.map((stepExponent, k) => {
    const online = new GaussianMixture(o);
    const t0 = performance.now();
    for (const c of chunksOf(X, rows)) online.partialFit(c, { stepExponent });
    const ms = performance.now() - t0;
    return { gap: ref - online.score(all), ms, ...(rows === 500 && k === 0 ? paramGap(batch, online) : {}) };
  }));
  console.error(`${covariance}: batch ${batch.nIter} iterations, converged ${batch.converged}`);
}

console.log(`CPU: ${cpu}; N = ${N}, d = ${d}, n = 3, one pass over the chunks; gap in nats per row\n`);
console.log('| chunk rows (chunks) | α | full | tied |');
console.log('| ---: | ---: | ---: | ---: |');
SETTINGS.forEach(([rows, alphas], s) => {
  const cell = (cov) => results[cov][s].map((r) => fmt(r.gap)).join(' / ');
  console.log(`| ${rows} (${Math.ceil(N / rows)}) | ${alphas.join(' / ')} | ${cell('full')} | ${cell('tied')} |`);
});
console.log('\nParameters at 500 rows (200 chunks), α = 0.6:\n');
console.log('| layout | max abs Δμ | max abs Δw | max ‖ΔΣ‖_F / ‖Σ‖_F | one pass (ms) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const cov of ['full', 'tied']) {
  const r = results[cov][0][0];
  console.log(`| ${cov} | ${r.mu.toFixed(4)} | ${r.w.toFixed(4)} | ${r.cov.toFixed(4)} | ${r.ms.toFixed(0)} |`);
}
