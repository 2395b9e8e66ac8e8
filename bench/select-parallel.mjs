// selectModel: candidates one after another (threads: 1) against side by side in fit workers (threads: 2),
// wall time per sweep, in Node (worker_threads). The measurement behind SELECT_PARALLEL_MIN_WORK (src/select.ts).
//
//   npm run build && flock /tmp/mixfit-bench.lock node bench/select-parallel.mjs [--quick | --big] [--reps R]
//
// Each configuration: a sweep over nComponents 1..4 × covariance [diagonal, full] (8 candidates) or the given
// count, seeded data from 3 correlated clusters; serial and parallel alternate within each repetition so
// background load hits them alike; medians over repetitions and their ratio. Every parallel table is checked
// bit for bit against the serial one. Writes bench/out/select-parallel.md too.
import { cpus } from 'node:os';
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { selectModel } from '../dist/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reps = Number(args[args.indexOf('--reps') + 1]) || 3;
const maxIter = args.includes('--big') ? 100 : 200;
const cpu = (() => { try { return execSync('lscpu', { encoding: 'utf8' }).match(/Model name:\s*(.+)/)?.[1]?.trim(); } catch { return undefined; } })() ?? cpus()[0]?.model ?? 'unknown CPU';
const load = (() => { try { return execSync('cat /proc/loadavg', { encoding: 'utf8' }).split(' ').slice(0, 3).join(' '); } catch { return '?'; } })();

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

const big = args.includes('--big');
const configs = [];
const sizes = quick ? [[250, 2], [2000, 2]] : big ? [[16000, 10], [64000, 5], [64000, 10]] : [[250, 2], [1000, 2], [4000, 2], [16000, 2], [250, 5], [1000, 5], [4000, 5], [16000, 5]];
for (const [N, d] of sizes) configs.push({ N, d, ks: [1, 2, 3, 4], covs: ['diagonal', 'full'] });
if (!quick && !big) configs.push({ N: 4000, d: 5, ks: [3], covs: ['diagonal', 'full'] }); // two candidates

const lines = [];
const out = (l) => { console.log(l); lines.push(l); };
out(`CPU: ${cpu}; ${cpus().length} cores, shared with 5 other helpers' work (load average at start ${load}); Node ${process.version}`);
out(`maxIter ${maxIter}, tol default, nInit 1, seed 1; ${reps} repetitions, serial and parallel alternating; medians`);
out('');
out('| rows | d | candidates | rows·d·candidates | serial (threads 1) s | parallel (threads 2) s | serial / parallel | serial CPU s | parallel CPU s | tables equal |');
out('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const c of configs) {
  const X = data(c.N, c.d, 7 + c.N + c.d);
  const o = { nComponents: c.ks, covariance: c.covs, seed: 1, maxIter };
  const ts = { 1: [], 2: [] }, cpu = { 1: [], 2: [] };
  let equal = true, ref;
  for (let r = 0; r < reps; r++) {
    for (const threads of r % 2 ? [2, 1] : [1, 2]) {
      const t0 = performance.now(), c0 = process.cpuUsage();
      const res = await selectModel(X, { ...o, threads });
      ts[threads].push((performance.now() - t0) / 1000);
      // Process CPU, the fit workers' threads included: what the sweep costs whatever the load.
      const c = process.cpuUsage(c0);
      cpu[threads].push((c.user + c.system) / 1e6);
      if (threads === 2 && res.workers !== 2) throw new Error(`expected 2 workers, got ${res.workers}`);
      if (ref === undefined) ref = res.table; else equal &&= same(ref, res.table);
    }
  }
  const s = median(ts[1]), p = median(ts[2]), cand = c.ks.length * c.covs.length;
  out(`| ${c.N} | ${c.d} | ${cand} | ${c.N * c.d * cand} | ${s.toFixed(3)} | ${p.toFixed(3)} | ${(s / p).toFixed(2)} | ${median(cpu[1]).toFixed(2)} | ${median(cpu[2]).toFixed(2)} | ${equal ? 'yes (bitwise)' : 'NO'} |`);
}
// The fixed cost of going parallel: two fit workers started and each fitting one tiny candidate (boot, kernel
// compile, first-call JIT), in wall and process-CPU seconds.
{
  const X = data(200, 2, 3), wall = [], cpu = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    await selectModel(X, { nComponents: [1, 2], covariance: ['diagonal'], seed: 1, threads: 2 });
    const c = process.cpuUsage(c0);
    wall.push((performance.now() - t0) / 1000); cpu.push((c.user + c.system) / 1e6);
  }
  out('');
  out(`start-up of 2 fit workers with one tiny candidate each (200 × 2, diagonal, 1 and 2 components): wall ${median(wall).toFixed(3)} s, CPU ${median(cpu).toFixed(3)} s (medians of ${reps})`);
}
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./out/select-parallel${big ? '-big' : quick ? '-quick' : ''}.md`, import.meta.url), lines.join('\n') + '\n');
