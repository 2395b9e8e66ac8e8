// selectModel: candidates one after another (threads: 1) against side by side in fit workers (threads: 2),
// wall time per sweep, in Node (worker_threads) and with --browser in headless Chromium (Web Workers). The
// measurement behind SELECT_PARALLEL_MIN_WORK (src/select.ts).
//
//   npm run build && flock /tmp/mixfit-bench.lock node bench/select-parallel.mjs [--quick | --big] [--reps R] [--browser]
//
// Each configuration: a sweep over nComponents 1..4 × covariance [diagonal, full] (8 candidates) or the given
// count, seeded data from 3 correlated clusters; serial and parallel alternate within each repetition so
// background load hits them alike; medians over repetitions and their ratio, and in Node the process CPU (the
// workers' threads included). Every parallel table is checked bit for bit against the serial one. Writes
// bench/out/select-parallel*.md too.
import { cpus } from 'node:os';
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as lib from '../dist/index.js';
import { inChromiumPage } from './lib/benchPage.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick'), big = args.includes('--big'), inBrowser = args.includes('--browser');
const reps = Number(args[args.indexOf('--reps') + 1]) || 3;
const maxIter = big ? 100 : 200;
const sh = (cmd) => { try { return execSync(cmd, { encoding: 'utf8' }); } catch { return ''; } };
const cpu = sh('lscpu').match(/Model name:\s*(.+)/)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown CPU';
const load = sh('cat /proc/loadavg').split(' ').slice(0, 3).join(' ') || '?';

const sizes = quick ? [[250, 2], [2000, 2]] : big ? [[16000, 10], [64000, 5], [64000, 10]] : [[250, 2], [1000, 2], [4000, 2], [16000, 2], [250, 5], [1000, 5], [4000, 5], [16000, 5]];
const configs = sizes.map(([N, d]) => ({ N, d, ks: [1, 2, 3, 4], covs: ['diagonal', 'full'] }));
if (!quick && !big) configs.push({ N: 4000, d: 5, ks: [3], covs: ['diagonal', 'full'] }); // two candidates

/** The measurement, self-contained so it runs unchanged in Node and in a page (serialised by toString). */
async function sweepBench(lib, cfg, cpuSeconds) {
  /** N rows of d-dimensional data from 3 clusters with correlated noise (xorshift + Box–Muller, seeded). */
  function data(N, d, seed) {
    let s = seed >>> 0 || 1;
    const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296; };
    const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    const X = new Float64Array(N * d);
    for (let r = 0; r < N; r++) {
      const k = Math.floor(u() * 3);
      let prev = 0;
      for (let j = 0; j < d; j++) { const z = normal(); X[r * d + j] = 5 * k * ((j % 2) ? 1 : -1) + z + 0.6 * prev; prev = z; }
    }
    return { data: X, rows: N, cols: d };
  }
  const median = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[a.length >> 1]; };
  const same = (a, b) => a.length === b.length && a.every((r, i) => ['bic', 'aic', 'logLikelihood', 'parameterCount'].every((k) => Object.is(r[k], b[i][k])));
  const rows = [];
  for (const c of cfg.configs) {
    const X = data(c.N, c.d, 7 + c.N + c.d);
    const o = { nComponents: c.ks, covariance: c.covs, seed: 1, maxIter: cfg.maxIter };
    const wall = { 1: [], 2: [] }, cpu = { 1: [], 2: [] };
    let equal = true, ref, workers = 0;
    for (let r = 0; r < cfg.reps; r++) {
      for (const threads of r % 2 ? [2, 1] : [1, 2]) {
        const c0 = cpuSeconds?.(), t0 = performance.now();
        const res = await lib.selectModel(X, { ...o, threads });
        wall[threads].push((performance.now() - t0) / 1000);
        if (c0 !== undefined) cpu[threads].push(cpuSeconds() - c0);
        if (threads === 2) workers = res.workers;
        if (ref === undefined) ref = res.table; else equal &&= same(ref, res.table);
      }
    }
    rows.push({ ...c, candidates: c.ks.length * c.covs.length, serial: median(wall[1]), parallel: median(wall[2]), workers, equal,
      serialCpu: cpu[1].length ? median(cpu[1]) : undefined, parallelCpu: cpu[2].length ? median(cpu[2]) : undefined });
  }
  // The fixed cost of going parallel: two fit workers, each fitting one tiny candidate (boot, kernel instance, first JIT).
  const X = data(200, 2, 3), wall = [], cpu = [];
  for (let r = 0; r < cfg.reps; r++) {
    const c0 = cpuSeconds?.(), t0 = performance.now();
    await lib.selectModel(X, { nComponents: [1, 2], covariance: ['diagonal'], seed: 1, threads: 2 });
    wall.push((performance.now() - t0) / 1000);
    if (c0 !== undefined) cpu.push(cpuSeconds() - c0);
  }
  return { rows, startWall: median(wall), startCpu: cpu.length ? median(cpu) : undefined };
}

function table(runtime, { rows, startWall, startCpu }) {
  const f = (x, k = 3) => (x === undefined ? '–' : x.toFixed(k));
  const out = [`${runtime}: maxIter ${maxIter}, tol default, nInit 1, seed 1; ${reps} repetitions, serial and parallel alternating; medians`, '',
    '| rows | d | candidates | rows·d·candidates | serial (threads 1) s | parallel (threads 2) s | serial / parallel | serial CPU s | parallel CPU s | tables equal |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|'];
  for (const r of rows) {
    if (r.workers !== 2) throw new Error(`${runtime}: expected 2 workers, got ${r.workers}`);
    out.push(`| ${r.N} | ${r.d} | ${r.candidates} | ${r.N * r.d * r.candidates} | ${f(r.serial)} | ${f(r.parallel)} | ${(r.serial / r.parallel).toFixed(2)} | ${f(r.serialCpu, 2)} | ${f(r.parallelCpu, 2)} | ${r.equal ? 'yes (bitwise)' : 'NO'} |`);
  }
  out.push('', `start-up of 2 fit workers with one tiny candidate each (200 × 2, diagonal, 1 and 2 components): wall ${f(startWall)} s, CPU ${f(startCpu)} s (medians of ${reps})`);
  return out.join('\n');
}


const cfg = { configs, reps, maxIter };
const parts = [`CPU: ${cpu}; ${cpus().length} cores, shared with 5 other helpers' work (load average at start ${load}); Node ${process.version}`];
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
parts.push(table('Node (worker_threads)', await sweepBench(lib, cfg, cpuSeconds)));
if (inBrowser) {
  const { version, result } = await inChromiumPage(sweepBench, cfg);
  parts.push(table(`Chromium ${version} (Web Workers; no CPU figure in a page)`, result));
}
const text = parts.join('\n\n');
console.log(text);
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./out/select-parallel${big ? '-big' : quick ? '-quick' : ''}${inBrowser ? '-browser' : ''}.md`, import.meta.url), text + '\n');
