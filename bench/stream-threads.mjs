// Streamed passes on workers (issue 15: `threads` shard the chunks): seconds per pass of a page-cached
// .f64 file with 1 and 2 workers, diagonal and full covariances, side by side in one run (interleaved
// medians), each checked equal to the one-thread pass; as a control on the same run, the resident pool
// (the rows in memory, one shard per worker) against one kernel instance: on a machine without a free
// core neither can speed up.
//
//   npm run build:js && node bench/stream-threads.mjs [--rows 200000] [--cols 10] [--reps 5]
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKernels, openSource, PoolBackend, StreamBackend } from '../dist/index.js';
import { normals } from './lib/normals.mjs';

const args = process.argv.slice(2);
const arg = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const N = arg('--rows', 2e5), d = arg('--cols', 10), REPS = arg('--reps', 5);
const cpu = execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim();
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** Full-covariance pass parameters: identity precision factors scaled, means from normals. */
function fullParams(n) {
  const precChol = new Float64Array(n * d * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) precChol[i * d * d + j * d + j] = 0.8;
  return { n, d, tied: false, means: normals(n * d, 3 + n), logWeights: new Float64Array(n).fill(-Math.log(n)), precChol };
}
function flatParams(n) {
  return { n, d, layout: 'diagonal', means: normals(n * d, 11 + n), logWeights: new Float64Array(n).fill(-Math.log(n)), variances: new Float64Array(n * d).fill(1.5) };
}
const stats = (p) => ('precChol' in p
  ? { totalWeight: 0, sumLogLik: 0, R: new Float64Array(p.n), S: new Float64Array(p.n * d), scatter: new Float64Array(p.n * d * d) }
  : { totalWeight: 0, sumLogLik: 0, R: new Float64Array(p.n), S: new Float64Array(p.n * d), Q: new Float64Array(p.n * d) });

const dir = mkdtempSync(join(tmpdir(), 'mixfit-bench-stream-threads-'));
try {
  const f = join(dir, 'x.f64');
  const X = normals(N * d, 5);
  writeFileSync(f, new Uint8Array(X.buffer));
  readFileSync(f);
  const kernels = await loadKernels();
  const src = await openSource(f, { cols: d, check: false });
  const chunkRows = 8192;
  const one = new StreamBackend(kernels, src, chunkRows, 1), two = new StreamBackend(kernels, src, chunkRows, 2);
  const mem = kernels.createBackend(X, N, d), pool = new PoolBackend(kernels, X, N, d, undefined, { threads: 2 });
  console.log(`CPU: ${cpu}; Node ${process.version}; load ${execSync('cat /proc/loadavg').toString().split(' ').slice(0, 3).join(' ')}; N = ${N}, d = ${d}, chunks of ${chunkRows} rows, median of ${REPS}, interleaved\n`);
  console.log('| layout | n | streamed, 1 thread s/pass | streamed, 2 workers s/pass | speed-up | control: in memory, 1 thread | in memory, 2 workers | speed-up |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const p of [flatParams(10), fullParams(5), fullParams(10)]) {
    const full = 'precChol' in p;
    const run = (be) => (be.passFullAsync && full ? be.passFullAsync(p, stats(p))
      : be.passAsync && !full ? be.passAsync(p, stats(p)) : full ? be.passFull(p, stats(p)) : be.pass(p, stats(p)));
    const a = await run(one), b = await run(two);
    if (a.sumLogLik !== b.sumLogLik) throw new Error(`2 workers ${b.sumLogLik} ≠ one thread ${a.sumLogLik}`);
    await run(pool);
    const backends = [one, two, mem, pool], t = backends.map(() => []);
    for (let r = 0; r < REPS; r++) {
      for (let i = 0; i < backends.length; i++) { const t0 = performance.now(); await run(backends[i]); t[i].push((performance.now() - t0) / 1e3); }
    }
    const [m1, m2, m3, m4] = t.map(median);
    console.log(`| ${full ? 'full' : 'diagonal'} | ${p.n} | ${m1.toFixed(3)} | ${m2.toFixed(3)} | ${(m1 / m2).toFixed(2)}× | ${m3.toFixed(3)} | ${m4.toFixed(3)} | ${(m3 / m4).toFixed(2)}× |`);
  }
  one.dispose(); two.dispose(); mem.dispose(); pool.dispose(); src.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
