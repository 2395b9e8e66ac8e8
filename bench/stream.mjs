// Streaming-pass benchmark (issue 15): seconds per pass of the empirical objective in memory vs streamed
// from a page-cached file (.f64, .f32, CSV), side by side in one run, same parameters, medians of REPS.
//
//   npm run build:js && node bench/stream.mjs [--rows 2000000] [--cols 10] [--reps 7] [--csv-rows 200000] [--float32]
//
// --float32: instead, precision 'float32' against 'float64' on the .f64 file, in memory and streamed (one thread).
//
// Each file is read once before timing, so the streamed passes read from the page cache. The in-memory
// pass is `objective.stats` on data resident in the kernel; the streamed pass is `statsAsync` of
// `streamingObjective` (the next block read while the kernel works on the current chunk), on this thread
// and with `threads: 2` (chunks handed to two workers; the result must equal the one-thread pass exactly).
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { empiricalObjective, openSource, streamingObjective } from '../dist/index.js';
import { normals } from './lib/normals.mjs';

const args = process.argv.slice(2);
const arg = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const N = arg('--rows', 2e6), d = arg('--cols', 10), REPS = arg('--reps', 7), CSV_N = arg('--csv-rows', 2e5);
const FLOAT32 = args.includes('--float32');
const cpu = execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim();

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
/** Median seconds of each function, the repetitions interleaved (a, b, c, a, b, c, …) so that load shifts hit all. */
async function timeAll(...fns) {
  for (const f of fns) await f();
  const t = fns.map(() => []);
  for (let r = 0; r < REPS; r++) {
    for (let i = 0; i < fns.length; i++) {
      const t0 = performance.now(); await fns[i](); t[i].push((performance.now() - t0) / 1e3);
    }
  }
  return t.map(median);
}
function flat(n) {
  const means = normals(n * d, 11 + n).map((v) => 2 * v);
  return { n, d, means, logWeights: new Float64Array(n).fill(-Math.log(n)), variances: new Float64Array(n * d).fill(1.5), layout: 'diagonal' };
}

const dir = mkdtempSync(join(tmpdir(), 'mixfit-bench-stream-'));
try {
  const X = normals(N * d, 5);
  const f64 = join(dir, 'x.f64'), f32 = join(dir, 'x.f32'), csv = join(dir, 'x.csv');
  writeFileSync(f64, new Uint8Array(X.buffer));
  const X32 = Float32Array.from(X);
  writeFileSync(f32, new Uint8Array(X32.buffer));
  const lines = [];
  for (let k = 0; k < CSV_N; k++) lines.push(Array.from(X.subarray(k * d, (k + 1) * d), (v) => v.toPrecision(17)).join(','));
  writeFileSync(csv, lines.join('\n') + '\n');
  for (const f of [f64, f32, csv]) readFileSync(f); // into the page cache

  if (FLOAT32) {
    console.log(`CPU: ${cpu}; Node ${process.version}; N = ${N}, d = ${d}, diagonal, .f64, median of ${REPS}, the four passes interleaved\n`);
    console.log('| n | in-memory f64 s/pass | in-memory f32 s/pass | f32 speed-up | streamed f64 s/pass | streamed f32 s/pass | f32 speed-up |');
    console.log('|---|---|---|---|---|---|---|');
    for (const n of [2, 5, 10]) {
      const p = flat(n), M = { data: X, rows: N, cols: d };
      const m64 = await empiricalObjective(M, { threads: 1 }), m32 = await empiricalObjective(M, { threads: 1, precision: 'float32' });
      const src = await openSource(f64, { cols: d, check: false });
      const s64 = await streamingObjective(src), s32 = await streamingObjective(src, { precision: 'float32' });
      const a = m32.stats(p).sumLogLik, b = (await s32.statsAsync(p)).sumLogLik;
      if (Math.abs(a - b) > 1e-6 * Math.abs(a)) throw new Error(`streamed float32 Σℓ ${b} ≠ in-memory float32 ${a}`);
      const [t64, t32, u64, u32] = await timeAll(() => m64.stats(p), () => m32.stats(p), () => s64.statsAsync(p), () => s32.statsAsync(p));
      console.log(`| ${n} | ${t64.toFixed(4)} | ${t32.toFixed(4)} | ${(t64 / t32).toFixed(2)}× | ${u64.toFixed(4)} | ${u32.toFixed(4)} | ${(u64 / u32).toFixed(2)}× |`);
      for (const o of [m64, m32, s64, s32]) o.dispose();
      src.close();
    }
  } else {
    console.log(`CPU: ${cpu}; Node ${process.version}; N = ${N} (CSV ${CSV_N}), d = ${d}, diagonal, median of ${REPS}, in-memory and streamed passes interleaved\n`);
    console.log('| source | n | in-memory s/pass | streamed s/pass | streamed speed / in-memory | MB/s streamed | streamed, 2 workers s/pass | 2 workers / 1 |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const n of [2, 5, 10]) {
      const p = flat(n);
      for (const [name, file, rows, data, o] of [
        ['.f64', f64, N, X, { cols: d }],
        ['.f32', f32, N, Float64Array.from(X32), { cols: d }],
        ['CSV', csv, CSV_N, X.subarray(0, CSV_N * d), {}],
      ]) {
        const mem = await empiricalObjective({ data, rows, cols: d }, { threads: 1 });
        const src = await openSource(file, { ...o, check: false });
        const obj = await streamingObjective(src);
        const par = await streamingObjective(src, { threads: 2 });
        const a = mem.stats(p).sumLogLik, b = (await obj.statsAsync(p)).sumLogLik, c = (await par.statsAsync(p)).sumLogLik;
        if (Math.abs(a - b) > 1e-12 * Math.abs(a)) throw new Error(`${name}: streamed Σℓ ${b} ≠ in-memory ${a}`);
        if (c !== b) throw new Error(`${name}: streamed Σℓ on 2 workers ${c} ≠ one thread ${b}`);
        const [tm, ts, tp] = await timeAll(() => mem.stats(p), () => obj.statsAsync(p), () => par.statsAsync(p));
        const bytes = src.dataEnd - src.dataStart;
        console.log(`| ${name} | ${n} | ${tm.toFixed(4)} | ${ts.toFixed(4)} | ${(tm / ts).toFixed(2)}× | ${(bytes / ts / 1e6).toFixed(0)} | ${tp.toFixed(4)} | ${(ts / tp).toFixed(2)}× |`);
        src.close(); obj.dispose(); par.dispose(); mem.dispose();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
