// Large-file streaming fit (issue 15): a float64 file larger than the 4 GiB WebAssembly memory limit,
// fitted streamed with peak RSS measured by /usr/bin/time -v, and the streamed fit of a prefix that fits
// in memory compared with the in-memory fit of the same rows (same start, same solver).
//
//   npm run build:js && node bench/stream-large.mjs [--rows 60000000] [--prefix 10000000] [--iter 8] [--dir /work/tmp] [--keep] [--prefix-only]
//
// Writes ROWS × 10 float64 (4.8 GB at 6e7 rows) into --dir (check `df -h` first), deletes it at the end
// unless --keep (a kept file of the right size is reused by the next run).
import { execSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GaussianMixture, openSource } from '../dist/index.js';
import { normals } from './lib/normals.mjs';

const D = 10, K = 4;
const TRUE_MEANS = Array.from({ length: K }, (_, i) => Array.from({ length: D }, (_, j) => 4 * i * (j % 2 ? -1 : 1) + j * 0.1));
const SDS = [0.7, 1, 1.3, 1.6];
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };

/** A fixed start for the prefix comparison (both fits start here). */
function start() {
  return { means: TRUE_MEANS.map((m, i) => m.map((v, j) => v + 0.8 * Math.sin(i * D + j))), weights: Array(K).fill(1 / K),
    variances: Array.from({ length: K }, () => Array(D).fill(2)) };
}

function generate(path, rows) {
  const fd = openSync(path, 'w');
  const CH = 1 << 20;
  for (let s = 0, idx = 0; s < rows; s += CH, idx++) {
    const r = Math.min(CH, rows - s);
    const z = normals(r * D, 1000 + idx), X = new Float64Array(r * D);
    for (let k = 0; k < r; k++) {
      const c = (Math.imul(s + k, 2654435761) >>> 0) % K;
      for (let j = 0; j < D; j++) X[k * D + j] = TRUE_MEANS[c][j] + SDS[c] * z[k * D + j];
    }
    writeSync(fd, new Uint8Array(X.buffer));
  }
  closeSync(fd);
}

/** Reads the file once (64 MiB at a time) so that the fits read it from the page cache. */
function warm(path) {
  const fd = openSync(path, 'r'), buf = new Uint8Array(1 << 26);
  for (let pos = 0, n; (n = readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n);
  closeSync(fd);
}

/** One fit in this process; prints a JSON line. */
async function fitOne(path, mode, rows, iter) {
  const ticks = [];
  const o = { onIteration: () => { ticks.push(performance.now()); }, nComponents: K, covariance: 'diagonal', weights: 'learned', solver: 'em', maxIter: iter, tol: 0, threads: 1, seed: 1,
    ...(mode === 'stream-kmeans' ? {} : { init: start() }) };
  const t0 = performance.now();
  let r;
  if (mode === 'memory') {
    const data = new Float64Array(rows * D), bytes = new Uint8Array(data.buffer), fd = openSync(path, 'r');
    for (let pos = 0; pos < bytes.length;) pos += readSync(fd, bytes, pos, Math.min(1 << 26, bytes.length - pos), pos);
    closeSync(fd);
    r = await new GaussianMixture(o).fit({ data, rows, cols: D });
  } else {
    const src = await openSource(path, { cols: D, rows, check: false });
    r = await new GaussianMixture(o).fit(src);
    src.close();
  }
  const seconds = (performance.now() - t0) / 1e3;
  // EM runs one pass per iteration: the median time between iterations is the time of one pass.
  const gaps = ticks.slice(1).map((t, i) => (t - ticks[i]) / 1e3).sort((x, y) => x - y);
  console.log(JSON.stringify({ mode, rows, seconds, secondsPerPass: gaps[gaps.length >> 1], nEvaluations: r.nEvaluations, loss: r.loss, params: r.params }));
}

function timedWithRss(file, mode, rows, iter) {
  const res = execSync(`/usr/bin/time -v ${process.execPath} ${fileURLToPath(import.meta.url)} --child ${mode} --file ${file} --rows ${rows} --iter ${iter} 2>&1`,
    { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = res.split('\n').find((l) => l.startsWith('{'));
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(res)[1]);
  return { ...JSON.parse(line), rssMiB: rss / 1024 };
}

if (args.includes('--child')) {
  await fitOne(opt('--file'), opt('--child'), Number(opt('--rows')), Number(opt('--iter')));
} else {
  const rows = Number(opt('--rows', 6e7)), prefix = Number(opt('--prefix', 1e7)), iter = Number(opt('--iter', 8));
  const dir = opt('--dir', '/work/tmp/mixfit-large');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `x${rows}.f64`);
  const cpu = execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim();
  console.log(`CPU: ${cpu}; Node ${process.version}; ${rows} × ${D} float64 = ${(rows * D * 8 / 1e9).toFixed(2)} GB; EM, ${K} diagonal components, ${iter} iterations, threads 1`);
  try {
    let t0 = performance.now();
    if (existsSync(file) && statSync(file).size === rows * D * 8) console.log('reusing the file left by --keep');
    else {
      generate(file, rows);
      console.log(`generated in ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
    }
    t0 = performance.now();
    warm(file);
    console.log(`read once in ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
    const results = [];
    const modes = [['memory', prefix], ['stream', prefix], ...(args.includes('--prefix-only') ? [] : [['stream-kmeans', rows]])];
    for (const [mode, n] of modes) {
      const r = timedWithRss(file, mode, n, iter);
      results.push(r);
      console.log(`${mode} ${n} rows: ${r.seconds.toFixed(1)} s, ${r.nEvaluations} passes, ${r.secondsPerPass.toFixed(2)} s/pass (median between EM iterations), peak RSS ${r.rssMiB.toFixed(0)} MiB, loss ${r.loss}`);
    }
    const [m, s] = results;
    console.log(`prefix pass: streamed speed / in-memory speed = ${(m.secondsPerPass / s.secondsPerPass).toFixed(2)}×`);
    // Per block (means, weights, variances), differences relative to the block's largest entry: a mean
    // that is ~0 has no meaningful relative error of its own.
    const blockRel = (a, b) => { const scale = Math.max(...a.map(Math.abs)); return Math.max(...a.map((v, i) => Math.abs(b[i] - v) / scale)); };
    const maxRel = Math.max(blockRel(m.params.means.flat(), s.params.means.flat()), blockRel(m.params.weights, s.params.weights),
      blockRel(m.params.variances.flat(), s.params.variances.flat()));
    const entryRel = Math.max(...[m.params.means.flat(), m.params.weights, m.params.variances.flat()].flatMap((a, k) => {
      const b = [s.params.means.flat(), s.params.weights, s.params.variances.flat()][k];
      return a.map((v, i) => Math.abs(b[i] - v) / Math.abs(v));
    }));
    console.log(`prefix: streamed vs in-memory fit, max parameter difference ${maxRel.toExponential(2)} relative to its block's largest entry (${entryRel.toExponential(2)} entry by entry), loss difference ${Math.abs(m.loss - s.loss).toExponential(2)}`);
  } finally {
    if (!args.includes('--keep')) rmSync(file, { force: true });
  }
}
