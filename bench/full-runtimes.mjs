// Full and tied EM across runtimes and builds (issue 14's build targets applied to the full-covariance
// pass): ms per EM iteration of GaussianMixture (pass + M-step + the dense per-block math, all in WASM) for
// our builds in Node (plain = kernel 'simd', f32 = precision 'float32') and in headless Chromium (plain,
// FMA = kernel 'relaxed', f32), one thread, the same data and start everywhere.
//
//   npm run bench:full-runtimes     (builds first)
//   node bench/full-runtimes.mjs [--reps R] [--points N:n:d,…] [--no-browser]
//
// Per point and layout, every repetition fits each build twice from the same start, with maxIter K and
// maxIter 1 (tol 0): ms per iteration = (t_K − t_1) / (iterations_K − iterations_1), which takes out the setup
// (packing, the start's factors, result conversion). The builds alternate within a repetition (Node and
// Chromium in turn), and every build-to-build ratio is the median of the per-repetition ratios. Clock: wall
// time (performance.now; Chromium's is 100 µs coarse, so K is chosen for ≥ 40 ms per fit). Run it alone.
// Output: markdown on stdout and bench/out/full-runtimes.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as lib from '../dist/index.js';
import { openSessionPage } from './lib/benchPage.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const reps = Math.max(3, Number(opt('--reps', 7)));
const withBrowser = !args.includes('--no-browser');
const POINTS = opt('--points', '1e5:3:10,1e4:10:16,1e4:10:32,2e3:10:64').split(',').map((t) => {
  const [N, n, d] = t.split(':').map(Number);
  return { N, n, d };
});
const BUILDS_NODE = [{ name: 'plain', kernel: 'simd', precision: 'float64' }, { name: 'f32', kernel: 'simd', precision: 'float32' }];
const BUILDS_WEB = [...BUILDS_NODE, { name: 'fma', kernel: 'relaxed', precision: 'float64' }];

/** Self-contained (sent to the page as source): data, start and the timed fits, identical in both runtimes. */
function session(lib) {
  // xorshift32 + Irwin–Hall normals, exact arithmetic, so both runtimes hold bit-identical data: n/2 + 1
  // clusters with correlated coordinates (each row adds a shared factor), overlapping enough that few
  // responsibilities underflow.
  function data(N, d, n) {
    let s = (2654435761 * (N + 31 * d + n)) >>> 0 || 1;
    const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
    const g = () => { let z = -6; for (let j = 0; j < 12; j++) z += u(); return z; };
    const X = new Float64Array(N * d), k = Math.floor(n / 2) + 1;
    for (let r = 0; r < N; r++) {
      const c = r % k, f = g();
      for (let j = 0; j < d; j++) X[r * d + j] = 2 * ((c + j) % 3 - 1) + g() + 0.6 * f;
    }
    return X;
  }
  function start(X, N, d, n, covariance) {
    const means = [], eye = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => (a === b ? 1.5 : 0.3)));
    for (let i = 0; i < n; i++) { const row = Math.floor(((i + 0.5) * N) / n); means.push(Array.from(X.subarray(row * d, row * d + d))); }
    return { means, weights: new Array(n).fill(1 / n), covariances: covariance === 'tied' ? eye : means.map(() => eye) };
  }
  let cur = null;
  return {
    setup(N, n, d, covariance) {
      const X = data(N, d, n);
      cur = { X: { data: X, rows: N, cols: d }, n, covariance, init: start(X, N, d, n, covariance), K: 8 };
      return true;
    },
    /** One timed fit of `b` with maxIter `iters`: [ms, iterations run]. */
    async fit(b, iters) {
      const gm = new lib.GaussianMixture({ nComponents: cur.n, covariance: cur.covariance, solver: 'em', init: cur.init, maxIter: iters, tol: 0,
        kernel: b.kernel, precision: b.precision, threads: 1 });
      const t = performance.now();
      const r = await gm.fit(cur.X);
      return [performance.now() - t, r.nIter];
    },
    /** Warms `b` up and sets K so that one fit lasts ≥ 40 ms (Chromium's clock is coarse). */
    async warm(b) {
      for (let k = 0; k < 3; k++) await this.fit(b, 4);
      const [ms, it] = await this.fit(b, 4);
      cur.K = Math.max(cur.K, Math.min(60, Math.ceil((40 / Math.max(ms / Math.max(it, 1), 0.05)) + 1)));
      return cur.K;
    },
    setK(K) { cur.K = K; },
    /** ms per iteration from one repetition: (t_K − t_1) / (it_K − it_1). */
    async perIter(b) {
      const [tk, ik] = await this.fit(b, cur.K);
      const [t1, i1] = await this.fit(b, 1);
      return ik > i1 ? (tk - t1) / (ik - i1) : NaN;
    },
  };
}

async function main() {
  const node = session(lib);
  let page = null;
  // One long-lived page for the whole run (bench/lib/benchPage.mjs opens a page per call).
  if (withBrowser) page = await openSessionPage(session);
  const rows = [];
  for (const p of POINTS) for (const covariance of ['full', 'tied']) {
    node.setup(p.N, p.n, p.d, covariance);
    if (page) await page.call('setup', [p.N, p.n, p.d, covariance]);
    const jobs = [...BUILDS_NODE.map((b) => ({ where: 'node', b, run: (m, a) => node[m](...a) })),
      ...(page ? BUILDS_WEB.map((b) => ({ where: 'web', b, run: (m, a) => page.call(m, a) })) : [])];
    let K = 0;
    for (const j of jobs) K = Math.max(K, await j.run('warm', [j.b]));
    // The same K for every build: the largest any build asked for.
    node.setK(K);
    if (page) await page.call('setK', [K]);
    for (const j of jobs) j.t = [];
    for (let r = 0; r < reps; r++) for (const j of (r % 2 ? [...jobs].reverse() : jobs)) j.t.push(await j.run('perIter', [j.b]));
    const med = (v) => { const s = v.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? s[s.length >> 1] : NaN; };
    const get = (where, name) => jobs.find((j) => j.where === where && j.b.name === name);
    const pair = (a, b) => (a && b ? med(a.t.map((x, i) => x / b.t[i])) : NaN);
    const row = { ...p, covariance, ms: Object.fromEntries(jobs.map((j) => [`${j.where}.${j.b.name}`, med(j.t)])),
      f32Node: pair(get('node', 'plain'), get('node', 'f32')), f32Web: pair(get('web', 'plain'), get('web', 'f32')),
      fmaWeb: pair(get('web', 'plain'), get('web', 'fma')),
      nodeVsWebPlain: pair(get('node', 'plain'), get('web', 'plain')), nodeVsWebF32: pair(get('node', 'f32'), get('web', 'f32')),
      nodeVsWebFma: pair(get('node', 'plain'), get('web', 'fma')) };
    rows.push(row);
    console.error(`N=${p.N} n=${p.n} d=${p.d} ${covariance}: ${JSON.stringify(row.ms)}`);
  }
  if (page) await page.close();
  report(rows, page?.version);
}

function report(rows, chromium) {
  const f = (x, k = 2) => (Number.isFinite(x) ? x.toFixed(k) : '–');
  const ms = (x) => (Number.isFinite(x) ? (x >= 10 ? x.toFixed(1) : x.toFixed(2)) : '–');
  const cpu = cpus()[0]?.model?.trim() ?? 'CPU';
  const lines = [`${cpu}, ${cpus().length} cores; Node ${process.version} (V8 ${process.versions.v8})${chromium ? `, Chromium ${chromium} headless` : ''}; one thread; ` +
    `ms per EM iteration of GaussianMixture (covariance full/tied), medians of ${reps} repetitions; ratios are medians of per-repetition ratios.`, '',
  '| N | n | d | layout | Node plain | Node f32 | Chr. plain | Chr. FMA | Chr. f32 | f32 speed-up (Node) | f32 speed-up (Chr.) | FMA / plain (Chr.) | Node/Chr. plain | Node/Chr. FMA | Node/Chr. f32 |',
  '| ---: | ---: | ---: | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    lines.push(`| ${r.N.toExponential(0).replace('+', '')} | ${r.n} | ${r.d} | ${r.covariance} | ${ms(r.ms['node.plain'])} | ${ms(r.ms['node.f32'])} | ${ms(r.ms['web.plain'])} | ${ms(r.ms['web.fma'])} | ${ms(r.ms['web.f32'])} | ` +
      `${f(r.f32Node)} | ${f(r.f32Web)} | ${f(r.fmaWeb)} | ${f(r.nodeVsWebPlain)} | ${f(r.nodeVsWebFma)} | ${f(r.nodeVsWebF32)} |`);
  }
  const check = (name, vals, ok) => {
    const v = vals.filter((x) => Number.isFinite(x.v));
    if (!v.length) return `- ${name}: not measured`;
    const bad = v.filter((x) => !ok(x.v));
    const worst = v.reduce((a, b) => (a.v < b.v ? a : b));
    return `- ${name}: ${bad.length ? `**missed** at ${bad.length} of ${v.length}` : `met at all ${v.length}`} (lowest ${f(worst.v)} at N=${worst.r.N} n=${worst.r.n} d=${worst.r.d} ${worst.r.covariance})`;
  };
  const at = (key, sel = () => true) => rows.filter(sel).map((r) => ({ r, v: r[key] }));
  lines.push('', check('f32 ≥ 1.6× f64 at d ≥ 10 (Node)', at('f32Node', (r) => r.d >= 10), (v) => v >= 1.6),
    check('f32 ≥ 1.6× f64 at d ≥ 10 (Chromium)', at('f32Web', (r) => r.d >= 10), (v) => v >= 1.6),
    check('FMA ≥ 1.1× plain in Chromium', at('fmaWeb'), (v) => v >= 1.1),
    ...['Plain', 'Fma', 'F32'].map((b) => check(`Chromium within 15% of Node, ${b.toLowerCase()} (Node/Chromium ≥ 0.87)`, at(`nodeVsWeb${b}`), (v) => v >= 1 / 1.15)));
  const md = lines.join('\n');
  console.log(md);
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./out/full-runtimes.md', import.meta.url), md + '\n');
}

await main();
