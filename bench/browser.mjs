// Cross-runtime benchmark (issue 6): the same kernel pass and the same fit in Node and in headless Chromium,
// for the SIMD and the scalar build, medians side by side from one run.
//
//   npm run bench:browser                      (builds first; run it under `flock /tmp/mixfit-bench.lock`)
//   node bench/browser.mjs [--quick]           (with an existing dist/)
//
// Pass: one fused pass (objective.stats, the statistics every solver step needs) over N = 1e5 rows, n = 10
// components (component variances), d ∈ {2, 10}. Fit: GaussianMixture (k-means++ start, gd-polyak,
// a fixed 30 kernel passes, threads 1) on the same data, from the data copy to the result.
// Timing: Chromium's performance.now() is coarsened to 100 µs on a page without cross-origin isolation, so
// passes are timed in batches of ≥ 50 ms; Node and Chromium samples alternate round by round (each runtime
// keeps its data and kernels resident between rounds), so background load on the shared cores hits both
// alike. Output: markdown on stdout and in bench/out/browser.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import * as lib from '../dist/index.js';
import { startServer } from '../examples/browser/serve.mjs';

const quick = process.argv.includes('--quick');
const cfg = { N: 1e5, n: 10, ds: [2, 10], variants: ['simd', 'scalar'], rounds: quick ? 3 : 9, batchMs: 50, warmMs: 400,
  fitEvals: 30, fitReps: quick ? 2 : 5 };

/** Self-contained (serialised with toString and evaluated in the page): the same code runs in both runtimes. */
function benchSession(lib, cfg) {
  const now = () => performance.now();
  // Data from exact arithmetic only (xorshift32 and an Irwin–Hall sum of 12 uniforms), so Node and Chromium
  // get bit-identical data even if their Math.log/cos differ in the last bit.
  function data(count, seed) {
    let s = seed >>> 0 || 1;
    const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
    const out = new Float64Array(count);
    for (let k = 0; k < count; k++) { let z = -6; for (let j = 0; j < 12; j++) z += u(); out[k] = z + (k % 3) * 2; }
    return out;
  }
  const cases = [];
  return {
    async setup() {
      for (const d of cfg.ds) {
        const X = { data: data(cfg.N * d, 1000 + d), rows: cfg.N, cols: d };
        const means = data(cfg.n * d, 77 + d);
        const p = { n: cfg.n, d, means, logWeights: new Float64Array(cfg.n).fill(-Math.log(cfg.n)),
          variances: new Float64Array(cfg.n).fill(1.5), layout: 'component' };
        for (const variant of cfg.variants) {
          const o = await lib.empiricalObjective(X, { kernel: variant, threads: 1 });
          // Warm up: WASM starts on the baseline compiler and tiers up after some calls.
          const t0 = now();
          for (let i = 0; i < 3 || now() - t0 < cfg.warmMs; i++) o.stats(p);
          const t1 = now();
          let k = 0;
          while (now() - t1 < 20) { o.stats(p); k++; }
          const batch = Math.max(1, Math.ceil((cfg.batchMs / (now() - t1)) * k));
          cases.push({ d, variant, X, o, p, batch, sumLogLik: o.stats(p).sumLogLik });
        }
      }
      return cases.map((c) => ({ d: c.d, variant: c.variant, batch: c.batch, sumLogLik: c.sumLogLik, kernel: c.o.variant }));
    },
    /** ms per pass of case i, over one batch. */
    pass(i) {
      const c = cases[i];
      const t = now();
      for (let b = 0; b < c.batch; b++) c.o.stats(c.p);
      return (now() - t) / c.batch;
    },
    /** ms for one fit of case i (a fresh estimator: data copy, k-means++, cfg.fitEvals passes). */
    async fit(i) {
      const c = cases[i];
      const gm = new lib.GaussianMixture({ nComponents: cfg.n, seed: 0, kernel: c.variant, threads: 1, tol: 0,
        maxEvaluations: cfg.fitEvals, maxIter: 100 * cfg.fitEvals });
      const t = now();
      const r = await gm.fit(c.X);
      return { ms: now() - t, loss: r.loss, nEvaluations: r.nEvaluations };
    },
    dispose() { for (const c of cases) c.o.dispose(); },
  };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const { chromium } = await import('playwright-core');
const server = await startServer({ port: 0, prefixes: ['/dist/browser/'] });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/blank.html`);
  await page.evaluate(async ([src, c]) => {
    const m = await import('/dist/browser/index.js');
    globalThis.__bench = (0, eval)(`(${src})`)(m, c);
  }, [benchSession.toString(), cfg]);
  const node = benchSession(lib, cfg);
  const nodeCases = await node.setup();
  const webCases = await page.evaluate(() => globalThis.__bench.setup());
  const ua = await page.evaluate(() => navigator.userAgent);

  const passMs = nodeCases.map(() => ({ node: [], web: [] }));
  for (let r = 0; r < cfg.rounds; r++) {
    for (let i = 0; i < nodeCases.length; i++) {
      // Alternate which runtime goes first, so neither always follows the other's heat.
      const order = (r + i) % 2 ? ['web', 'node'] : ['node', 'web'];
      for (const who of order) passMs[i][who].push(who === 'node' ? node.pass(i) : await page.evaluate((k) => globalThis.__bench.pass(k), i));
    }
  }
  const fits = nodeCases.map(() => ({ node: [], web: [], loss: {} }));
  for (let r = 0; r < cfg.fitReps; r++) {
    for (let i = 0; i < nodeCases.length; i++) {
      const a = await node.fit(i);
      const b = await page.evaluate((k) => globalThis.__bench.fit(k), i);
      fits[i].node.push(a.ms); fits[i].web.push(b.ms);
      fits[i].loss = { node: a.loss, web: b.loss, evals: a.nEvaluations };
    }
  }
  node.dispose();
  await page.evaluate(() => globalThis.__bench.dispose());

  const rel = (a, b) => Math.abs(a - b) / Math.abs(b);
  const ver = browser.version();
  const head = [`Node ${process.version} (V8 ${process.versions.v8}) vs Chromium ${ver} (headless, ${ua.includes('HeadlessChrome') ? 'HeadlessChrome' : 'Chrome'}), ` +
    `${cpus()[0]?.model?.trim() ?? 'CPU'}, ${availableParallelism()} cores shared with other work. N = ${cfg.N.toExponential(0).replace('e+', 'e')}, n = ${cfg.n}, ` +
    `one thread. Pass: median of ${cfg.rounds} batches of ≥ ${cfg.batchMs} ms (runtimes alternating); fit: median of ${cfg.fitReps} (${cfg.fitEvals} passes + k-means++ start + data copy).`];
  const t1 = ['| d | kernel | Node ms / pass | Chromium ms / pass | Chromium / Node | Node GFLOP/s | same Σ c·ℓ |', '| ---: | :--- | ---: | ---: | ---: | ---: | :--- |'];
  nodeCases.forEach((c, i) => {
    const a = median(passMs[i].node), b = median(passMs[i].web);
    const gflop = (cfg.N * cfg.n * (5 * c.d + 15)) / (a * 1e6);
    const same = webCases[i].sumLogLik === c.sumLogLik ? 'bit-identical' : `rel. diff ${rel(webCases[i].sumLogLik, c.sumLogLik).toExponential(1)}`;
    t1.push(`| ${c.d} | ${c.kernel} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(b / a).toFixed(2)}× | ${gflop.toFixed(2)} | ${same} |`);
  });
  const t2 = ['| d | kernel | Node ms / fit | Chromium ms / fit | Chromium / Node | same loss |', '| ---: | :--- | ---: | ---: | ---: | :--- |'];
  nodeCases.forEach((c, i) => {
    const a = median(fits[i].node), b = median(fits[i].web), L = fits[i].loss;
    t2.push(`| ${c.d} | ${c.kernel} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)}× | ${L.node === L.web ? 'bit-identical' : `rel. diff ${rel(L.web, L.node).toExponential(1)}`} |`);
  });
  const simdRatios = nodeCases.map((c, i) => ({ c, r: median(passMs[i].web) / median(passMs[i].node) })).filter((x) => x.c.kernel === 'simd');
  const worst = Math.max(...simdRatios.map((x) => x.r));
  const verdict = `SIMD pass, Chromium / Node: ${simdRatios.map((x) => `${x.r.toFixed(2)}× at d = ${x.c.d}`).join(', ')} — ` +
    (worst <= 1.15 ? 'within the 15% target.' : `outside the 15% target (worst ${((worst - 1) * 100).toFixed(0)}% slower).`);
  const md = [head.join(''), 'Kernel pass:', t1.join('\n'), 'Fit:', t2.join('\n'), verdict].join('\n\n') + '\n';
  console.log(md);
  mkdirSync(new URL('out/', import.meta.url), { recursive: true });
  writeFileSync(new URL('out/browser.md', import.meta.url), md);
} finally {
  await browser.close();
  await server.close();
}
