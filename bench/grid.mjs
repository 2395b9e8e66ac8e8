// Kernel grid of issue 14, in one run: our builds (plain SIMD, FMA where the runtime validates relaxed
// SIMD, float32) in Node and headless Chromium, against numpy (a hand-tuned float64 chunked-GEMM pass),
// scikit-learn (one EM iteration) and VLFeat's vl_gmm (one EM iteration, diagonal only), all on one thread,
// on the same data and start, with every issue-14 target checked.
//
//   npm run bench:grid                 (builds first; run it alone: flock /tmp/mixfit-bench.lock npm run bench:grid)
//   node bench/grid.mjs [--quick] [--no-browser] [--no-peers] [--points N:n:d,…] [--wall]
//   node bench/grid.mjs --merge run1.json run2.json …   (per-cell medians of several runs' grid.json → grid-merged.*)
//
// Grid: N ∈ {1e4, 1e5} × n ∈ {2, 10, 50} × d ∈ {1, 2, 10, 50}, plus N = 1e6 where n·d ≤ 20 (the others
// would take minutes per point for the peers, and up to 400 MB of data, on this shared 2-core machine);
// Chromium runs N ≤ 1e5. --quick: N = 1e5, (n, d) ∈ {(2, 2), (10, 10), (50, 10), (50, 50)}; --points: only
// these (N, n, d), e.g. --points 1e5:50:50,1e4:2:10 (both layouts each).
// Clock: CPU time of the timed process by default (Node: process.cpuUsage; Chromium: the renderer main
// thread's ThreadTime from the DevTools protocol; numpy and scikit-learn: time.process_time; VLFeat:
// CLOCK_PROCESS_CPUTIME_ID; all one thread): on a machine shared with other jobs, wall time counts the
// time slices other processes took, which differ between our run and a peer's minutes later. CPU time still
// carries cache interference, and wall time is kept in grid.json. --wall: wall time everywhere.
// Layouts: spherical (one variance per component) and diagonal. Timing: each repetition is a batch of
// passes lasting ≥ 40 ms (Chromium's timer is 100 µs without isolation), median of 9 repetitions (3 when
// a pass takes > 0.2 s); Node and Chromium alternate per point, and every build-to-build ratio (FMA/plain,
// Node/Chromium, f32/f64) is the median of the per-repetition ratios (pairedRatios). Peers run per (N, d) right after our
// builds on that data: numpy with the newest numpy on this machine (pyenv; OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE unset for that command only), scikit-learn with Debian's python3, VLFeat through
// bench/vlfeat_em.c compiled here with cc; OMP/OPENBLAS/MKL_NUM_THREADS=1 for all. A missing peer is
// skipped with a message. Output: markdown on stdout and in bench/out/grid.md, raw numbers in grid.json.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lib from '../dist/index.js';
import { openSessionPage } from './lib/benchPage.mjs';
import { runProcess } from './lib/runProcess.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const withBrowser = !args.includes('--no-browser');
const withPeers = !args.includes('--no-peers');
const CPU_CLOCK = !args.includes('--wall');
const pointsArg = args.includes('--points') ? args[args.indexOf('--points') + 1] : undefined;
const here = fileURLToPath(new URL('.', import.meta.url));
const work = join(tmpdir(), `mixfit-grid-${process.pid}`);
const NUMPY_PYTHON = ['/root/.pyenv/versions/3.11.7/bin/python3', '/usr/local/bin/python3', '/usr/bin/python3'].find(existsSync);
const SKLEARN_PYTHON = '/usr/bin/python3';
const PEER_ENV = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', ...(CPU_CLOCK ? { MIXFIT_CLOCK: 'cpu' } : {}) };

/** Our builds: name, kernel option, precision. 'fma' is skipped where the runtime rejects relaxed SIMD. */
const BUILDS = [
  { name: 'plain', kernel: 'simd', precision: 'float64' },
  { name: 'fma', kernel: 'relaxed', precision: 'float64' },
  { name: 'f32', kernel: 'simd', precision: 'float32' },
];
const cfg = { builds: BUILDS, batchMs: 40, reps: 9, peerReps: 5, bigReps: 3, bigMs: 200, warmMs: 300 };

function gridPoints() {
  if (pointsArg) return pointsArg.split(',').map((t) => { const [N, n, d] = t.split(':').map(Number); return { N, n, d }; });
  if (quick) return [[2, 2], [10, 10], [50, 10], [50, 50]].map(([n, d]) => ({ N: 1e5, n, d }));
  const out = [];
  for (const N of [1e4, 1e5, 1e6]) for (const d of [1, 2, 10, 50]) for (const n of [2, 10, 50]) {
    if (N === 1e6 && n * d > 20) continue;
    out.push({ N, n, d });
  }
  return out;
}

/** Self-contained (serialised with toString for the page): the same data, start and timing in both runtimes. */
function gridSession(lib, cfg) {
  const now = () => performance.now();
  // Exact arithmetic only (xorshift32, Irwin–Hall sum of 12 uniforms), so both runtimes and the peers'
  // files hold bit-identical data: three clusters along every coordinate, at −3, 0 and 3.
  function data(N, d) {
    let s = (2654435761 * (N + 7 * d)) >>> 0 || 1;
    const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
    const X = new Float64Array(N * d);
    for (let k = 0; k < N * d; k++) { let z = -6; for (let j = 0; j < 12; j++) z += u(); X[k] = z + 3 * ((Math.floor(k / d) % 3) - 1); }
    return X;
  }
  /** The start every method gets: means = n evenly spaced rows, variances 0.5…2 (diagonal: ×(1 + j mod 3 / 4)), equal weights. */
  function start(X, N, d, n, layout) {
    const means = new Float64Array(n * d), variances = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const row = Math.floor(((i + 0.5) * N) / n);
      const v = 0.5 + (1.5 * i) / Math.max(1, n - 1);
      for (let j = 0; j < d; j++) {
        means[i * d + j] = X[row * d + j];
        variances[i * d + j] = layout === 'diagonal' ? v * (1 + (j % 3) / 4) : v;
      }
    }
    const p = { n, d, means, logWeights: new Float64Array(n).fill(-Math.log(n)), layout: layout === 'diagonal' ? 'diagonal' : 'component',
      variances: layout === 'diagonal' ? variances : variances.filter((_, k) => k % d === 0) };
    return { p, file: { means, variances, weights: new Float64Array(n).fill(1 / n) } };
  }
  const objs = new Map();
  let X = null;
  const prepared = new Map();
  return {
    data, start,
    /** Copies the (N, d) data into one objective per available build; returns which builds run here. */
    async setup(N, d) {
      X = { data: data(N, d), rows: N, cols: d };
      const avail = [];
      for (const b of cfg.builds) {
        try {
          const o = await lib.empiricalObjective(X, { kernel: b.kernel, precision: b.precision, threads: 1 });
          objs.set(b.name, o);
          avail.push({ name: b.name, variant: o.variant, precision: o.precision });
        } catch (e) {
          avail.push({ name: b.name, skipped: String(e.message ?? e).slice(0, 120) });
        }
      }
      return avail;
    },
    /**
     * Warm-up of build `name` at (n, layout) (also allocates the parameter blocks): passes for ≥ warmMs and
     * ≥ 3 passes, or 1 when a pass is long enough to have tiered up within it (V8 runs a small pass ~200
     * times in its baseline tier first: 0.9, then 0.38, then 0.16 ms at N = 1e4, n = 2, d = 10 in float32).
     * Returns the batch size, repetitions and Σ c·ℓ.
     */
    prepare(name, n, layout) {
      const cur = { o: objs.get(name), p: start(X.data, X.rows, X.cols, n, layout).p };
      prepared.set(name, cur);
      let t = now();
      const ll = cur.o.stats(cur.p).sumLogLik;
      const first = now() - t;
      for (let calls = 1; first < cfg.bigMs && (calls < 3 || now() - t < cfg.warmMs); calls++) cur.o.stats(cur.p);
      t = now();
      cur.o.stats(cur.p);
      const once = now() - t;
      cur.batch = Math.max(1, Math.ceil(cfg.batchMs / Math.max(once, 0.01)));
      return { batch: cur.batch, reps: once > cfg.bigMs ? cfg.bigReps : cfg.reps, ll };
    },
    /** One repetition of the prepared build `name`: a batch of passes; wall ms in all. */
    runBatch(name) {
      const cur = prepared.get(name);
      const t = now();
      for (let b = 0; b < cur.batch; b++) cur.o.stats(cur.p);
      return now() - t;
    },
    dispose() { for (const o of objs.values()) o.dispose(); objs.clear(); X = null; },
  };
}

// ---------------------------------------------------------------- peers
const f64File = (path, ...arrays) => {
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const out = new Float64Array(total);
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  writeFileSync(path, new Uint8Array(out.buffer));
};

async function peerSetup() {
  const notes = [];
  const peers = { numpy: null, sklearn: null, vlfeat: null };
  if (!withPeers) return { peers, notes: ['peers skipped (--no-peers)'] };
  mkdirSync(work, { recursive: true });
  if (!NUMPY_PYTHON) notes.push('numpy peer skipped: no python3 found');
  else {
    const r = await runProcess(NUMPY_PYTHON, ['-c', 'import numpy'], { env: PEER_ENV });
    if (r.code === 0) peers.numpy = NUMPY_PYTHON; else notes.push(`numpy peer skipped: ${NUMPY_PYTHON} has no numpy`);
  }
  const sk = await runProcess(SKLEARN_PYTHON, ['-c', 'import sklearn'], { env: PEER_ENV });
  if (sk.code === 0) peers.sklearn = SKLEARN_PYTHON; else notes.push('scikit-learn peer skipped: python3-sklearn is not installed (apt install python3-sklearn)');
  if (!existsSync('/usr/include/vl/gmm.h')) notes.push('VLFeat peer skipped: libvlfeat-dev is not installed (/usr/include/vl/gmm.h missing)');
  else {
    const exe = join(work, 'vlfeat_em');
    const cc = await runProcess('cc', ['-O2', '-o', exe, join(here, 'vlfeat_em.c'), '-lvl'], {});
    if (cc.code === 0) peers.vlfeat = exe; else notes.push(`VLFeat peer skipped: cc failed (${(cc.stderr || 'no C compiler').trim().split('\n')[0]})`);
  }
  return { peers, notes };
}

/** Numpy and scikit-learn for every (n, layout) of one (N, d), plus VLFeat (diagonal): ms per pass / iteration. */
async function runPeers(peers, session, N, d, ns, blasInfo) {
  const res = new Map();
  if (!peers.numpy && !peers.sklearn && !peers.vlfeat) return res;
  const X = session.data(N, d);
  const xPath = join(work, `X-${N}-${d}.f64`);
  f64File(xPath, X);
  const points = [];
  for (const n of ns) for (const layout of ['spherical', 'diagonal']) {
    const { file } = session.start(X, N, d, n, layout);
    const sPath = join(work, `start-${N}-${d}-${n}-${layout}.f64`);
    f64File(sPath, file.means, file.variances, file.weights);
    const big = N * n * (5 * d + 15) > 2e9;
    points.push({ N, n, d, layout, x: xPath, start: sPath, reps: big ? cfg.bigReps : cfg.peerReps });
  }
  const specPath = join(work, 'spec.json');
  writeFileSync(specPath, JSON.stringify({ points }));
  const script = join(here, 'peers_grid.py');
  for (const [peer, python, env] of [
    ['numpy', peers.numpy, (({ OPENBLAS_CORETYPE: _c, OPENBLAS_L2_SIZE: _l, ...rest }) => rest)(PEER_ENV)],
    ['sklearn', peers.sklearn, PEER_ENV],
  ]) {
    if (!python) continue;
    // threadpoolctl from Debian's python for a numpy that lacks it (it is a single pure-Python module).
    const e = peer === 'numpy' ? { ...env, PYTHONPATH: join(work, 'tpc') } : env;
    if (peer === 'numpy' && !existsSync(join(work, 'tpc'))) {
      mkdirSync(join(work, 'tpc'));
      const src = '/usr/lib/python3/dist-packages/threadpoolctl.py';
      if (existsSync(src)) copyFileSync(src, join(work, 'tpc', 'threadpoolctl.py'));
    }
    const r = await runProcess(python, [script, peer, specPath], { env: e });
    if (r.code !== 0) { console.error(`${peer} peer failed at N=${N} d=${d}:\n${r.stderr}`); continue; }
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    blasInfo[peer] ??= lines[0];
    for (const l of lines.slice(1)) res.set(`${peer}:${l.n}:${l.layout}`, { ms: l.median_s * 1e3, ll: l.ll });
  }
  if (peers.vlfeat) {
    for (const p of points.filter((q) => q.layout === 'diagonal')) {
      const r = await runProcess(peers.vlfeat, [xPath, String(N), String(d), String(p.n), p.start, String(p.reps)], { env: PEER_ENV });
      if (r.code !== 0) { console.error(`VLFeat failed at N=${N} n=${p.n} d=${d}: ${r.stderr}`); continue; }
      const o = JSON.parse(r.stdout);
      res.set(`vlfeat:${p.n}:diagonal`, { ms: o.iter_s * 1e3, ll: o.ll });
    }
  }
  for (const p of points) rmSync(p.start, { force: true });
  rmSync(xPath, { force: true });
  return res;
}

// ---------------------------------------------------------------- browser
async function startBrowser() {
  if (!withBrowser) return null;
  try {
    const { page, call, version, close } = await openSessionPage(gridSession, cfg);
    // The renderer main thread's CPU time (ThreadTime, seconds), read around each timed batch.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const cpuMs = async () => 1e3 * (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value;
    return { page, call, cpuMs, version, close };
  } catch (e) {
    console.log(`Chromium skipped: ${String(e.message ?? e).split('\n')[0]}`);
    return null;
  }
}

/**
 * Median ms per pass of every job {side (Node or the page), name (build)} at (n, layout): CPU and wall time
 * and Σ c·ℓ. The jobs' repetitions alternate (rep 1 of every build on both sides, then rep 2, …), so load that
 * drifts during a point hits every build alike.
 */
async function timeBuilds(jobs, n, layout) {
  for (const j of jobs) Object.assign(j, await j.side.call('prepare', [j.name, n, layout]), { cpu: [], wall: [] });
  for (let r = 0; r < Math.max(...jobs.map((j) => j.reps)); r++) {
    for (const j of jobs.filter((x) => r < x.reps)) {
      const c0 = await j.side.cpuMs();
      j.wall.push((await j.side.call('runBatch', [j.name])) / j.batch);
      j.cpu.push((await j.side.cpuMs() - c0) / j.batch);
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  return jobs.map((j) => ({ ...j, ms: median(CPU_CLOCK ? j.cpu : j.wall), cpuMs: median(j.cpu), wallMs: median(j.wall) }));
}

/**
 * The build ratios as medians of per-repetition ratios: repetition k of two builds ran back to back, so
 * their ratio cancels the load both saw, which a ratio of two medians taken over different repetitions
 * does not (on this shared machine the medians' ratio of identical code scattered by ±10 %).
 */
function pairedRatios(timed) {
  const t = (where, name) => timed.find((j) => j.where === where && j.name === name);
  const ratio = (a, b) => {
    if (!a || !b) return NaN;
    const xs = CPU_CLOCK ? [a.cpu, b.cpu] : [a.wall, b.wall];
    const k = Math.min(xs[0].length, xs[1].length);
    const r = Array.from({ length: k }, (_, i) => xs[0][i] / xs[1][i]).sort((u, v) => u - v);
    return k ? r[k >> 1] : NaN;
  };
  const out = { fmaWeb: ratio(t('web', 'plain'), t('web', 'fma')) };
  for (const b of ['plain', 'fma', 'f32']) out[`webVsNode_${b}`] = ratio(t('node', b) ?? t('node', 'plain'), t('web', b));
  out.f32 = ratio(t('node', 'plain'), t('node', 'f32'));
  return out;
}

// ---------------------------------------------------------------- report
const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : '–');

function targets(rows, browserOn) {
  const t = [];
  const check = (name, sel, value, ok) => {
    const vals = sel.map((r) => ({ r, v: value(r) })).filter((x) => Number.isFinite(x.v));
    if (!vals.length) { t.push(`- ${name}: not measured`); return; }
    const bad = vals.filter((x) => !ok(x.v));
    const worst = vals.reduce((a, b) => (ok(a.v) && !ok(b.v) ? b : (!ok(a.v) && ok(b.v) ? a : (a.v < b.v ? a : b))));
    t.push(`- ${name}: ${bad.length ? `**missed** at ${bad.length} of ${vals.length} points` : `met at all ${vals.length} points`}` +
      ` (worst ${fmt(worst.v)} at N=${worst.r.N} n=${worst.r.n} d=${worst.r.d} ${worst.r.layout})`);
  };
  check('≥ 1.0× the fastest native peer at n·d ≤ 500 (spherical and diagonal)', rows.filter((r) => r.n * r.d <= 500), (r) => r.vsFastest, (v) => v >= 1.0);
  check('within 1.25× of the fastest native peer at n = d = 50 (ratio ≥ 0.80)', rows.filter((r) => r.n === 50 && r.d === 50), (r) => r.vsFastest, (v) => v >= 0.8);
  check('≥ 1.5× numpy at n·d ≤ 100', rows.filter((r) => r.n * r.d <= 100), (r) => r.vsNumpy, (v) => v >= 1.5);
  check('≥ 1.3× numpy at n = d = 10', rows.filter((r) => r.n === 10 && r.d === 10), (r) => r.vsNumpy, (v) => v >= 1.3);
  check('f32 ≥ 1.6× f64 at d ≥ 10 (Node)', rows.filter((r) => r.d >= 10), (r) => r.f32Speedup, (v) => v >= 1.6);
  if (browserOn) {
    check('FMA ≥ 1.1× plain in Chromium', rows, (r) => r.fmaSpeedupWeb, (v) => v >= 1.1);
    for (const b of ['plain', 'fma', 'f32']) {
      // Chromium / Node time ≤ 1.15 (FMA has no Node 20 time: compared with Node's plain build).
      check(`Chromium within 15% of Node, ${b} build${b === 'fma' ? ' (vs Node plain)' : ''} (Node/Chromium ≥ 0.87)`, rows,
        (r) => r[`webVsNode_${b}`], (v) => v >= 1 / 1.15);
    }
  }
  return t;
}

async function main() {
  const points = gridPoints();
  const cpu = cpus()[0]?.model?.trim() ?? 'CPU';
  const node = gridSession(lib, cfg);
  const nodeSide = {
    call: async (m, a) => node[m](...a),
    cpuMs: async () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; },
  };
  const web = await startBrowser();
  const { peers, notes } = await peerSetup();
  for (const n of notes) console.log(n);
  const blasInfo = {};
  const rows = [];
  const byND = new Map();
  for (const p of points) {
    const k = `${p.N}:${p.d}`;
    if (!byND.has(k)) byND.set(k, { N: p.N, d: p.d, ns: [] });
    byND.get(k).ns.push(p.n);
  }
  let availNode = [], availWeb = [];
  const t0 = performance.now();
  for (const { N, d, ns } of byND.values()) {
    const inWeb = web && N <= 1e5;
    availNode = await node.setup(N, d);
    if (inWeb) availWeb = await web.call('setup', [N, d]);
    for (const n of ns) for (const layout of ['spherical', 'diagonal']) {
      const r = { N, n, d, layout, node: {}, web: {}, wall: { node: {}, web: {} }, ll: {} };
      const jobs = [...availNode.filter((x) => !x.skipped).map((b) => ({ side: nodeSide, where: 'node', name: b.name })),
        ...(inWeb ? availWeb.filter((x) => !x.skipped).map((b) => ({ side: web, where: 'web', name: b.name })) : [])];
      const timed = await timeBuilds(jobs, n, layout);
      for (const j of timed) {
        r[j.where][j.name] = j.ms; r.wall[j.where][j.name] = j.wallMs;
        if (j.where === 'node') r.ll[j.name] = j.ll;
      }
      r.paired = pairedRatios(timed);
      rows.push(r);
      console.error(`N=${N} n=${n} d=${d} ${layout}: node ${JSON.stringify(r.node)} web ${JSON.stringify(r.web)} (${((performance.now() - t0) / 1e3).toFixed(0)} s)`);
    }
    node.dispose();
    if (inWeb) await web.call('dispose', []);
    const pr = await runPeers(peers, node, N, d, ns, blasInfo);
    for (const r of rows.filter((x) => x.N === N && x.d === d)) {
      for (const peer of ['numpy', 'sklearn', 'vlfeat']) {
        const v = pr.get(`${peer}:${r.n}:${r.layout}`);
        if (v) { r[peer] = v.ms; r.ll[peer] = v.ll; }
      }
      derive(r);
      // Same data and start must give the same log-likelihood, else a timing compares different work.
      for (const peer of ['numpy', 'sklearn', 'vlfeat']) {
        if (Number.isFinite(r.ll[peer]) && !(relErr(r.ll[peer], r.ll.plain) < 1e-6)) console.error(`warning: ${peer} log-likelihood differs at N=${N} n=${r.n} d=${d} ${r.layout}: ${r.ll[peer]} vs ${r.ll.plain}`);
      }
    }
  }
  const elapsed = (performance.now() - t0) / 1e3;
  if (web) await web.close();
  rmSync(work, { recursive: true, force: true });
  const meta = { cpu, cores: availableParallelism(), node: process.version, v8: process.versions.v8, chromium: web?.version, blasInfo,
    clock: CPU_CLOCK ? 'cpu' : 'wall', fmaOnNode: !availNode.find((b) => b.name === 'fma')?.skipped, minutes: elapsed / 60, runs: 1 };
  writeReport(rows, meta);
}

const relErr = (a, b) => Math.abs(a - b) / Math.abs(b);

/** The ratios of one row, from its times. */
function derive(r) {
  const peerTimes = ['numpy', 'sklearn', 'vlfeat'].map((p) => r[p]).filter(Number.isFinite);
  r.fastestPeer = peerTimes.length ? Math.min(...peerTimes) : NaN;
  r.fastestName = ['numpy', 'sklearn', 'vlfeat'].find((p) => r[p] === r.fastestPeer) ?? '–';
  r.vsFastest = r.fastestPeer / r.node.plain;
  r.vsNumpy = r.numpy / r.node.plain;
  // Paired ratios where the run recorded them (see pairedRatios), else ratios of the medians.
  const pr = r.paired ?? {};
  const or = (v, fallback) => (Number.isFinite(v) ? v : fallback);
  r.f32Speedup = or(pr.f32, r.node.plain / r.node.f32);
  r.fmaSpeedupWeb = or(pr.fmaWeb, r.web.plain / r.web.fma);
  for (const b of ['plain', 'fma', 'f32']) r[`webVsNode_${b}`] = or(pr[`webVsNode_${b}`], (r.node[b] ?? r.node.plain) / r.web[b]);
  r.f32RelErr = relErr(r.ll.f32, r.ll.plain);
}

/**
 * Several runs' grid.json → one table of per-cell medians (each time the median over the runs that have the
 * point, ratios from those medians), written like a single run's.
 */
function merge(files) {
  const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const median = (xs) => { const v = xs.filter(Number.isFinite).sort((a, b) => a - b); return v.length ? v[(v.length - 1) >> 1] + (v[v.length >> 1] - v[(v.length - 1) >> 1]) / 2 : NaN; };
  const key = (r) => `${r.N}:${r.n}:${r.d}:${r.layout}`;
  const firsts = new Map();
  for (const run of runs) for (const r of run.rows) if (!firsts.has(key(r))) firsts.set(key(r), r);
  const rows = [...firsts.values()].map((r0) => {
    const same = runs.map((run) => run.rows.find((r) => key(r) === key(r0))).filter(Boolean);
    const r = { N: r0.N, n: r0.n, d: r0.d, layout: r0.layout, node: {}, web: {}, ll: r0.ll, runs: same.length };
    for (const side of ['node', 'web']) for (const b of Object.keys(r0[side])) r[side][b] = median(same.map((x) => x[side][b]));
    if (r0.paired) r.paired = Object.fromEntries(Object.keys(r0.paired).map((k) => [k, median(same.map((x) => x.paired?.[k]))]));
    for (const peer of ['numpy', 'sklearn', 'vlfeat']) if (peer in r0) r[peer] = median(same.map((x) => x[peer]));
    derive(r);
    return r;
  });
  const m = runs[0].meta ?? { cpu: runs[0].cpu, node: runs[0].node, chromium: runs[0].chromium, blasInfo: runs[0].blasInfo, clock: 'cpu', fmaOnNode: false };
  // "runs" = the most runs any point has (a point measured in fewer runs is the median of those).
  writeReport(rows, { ...m, runs: Math.max(...rows.map((r) => r.runs)), minutes: runs.reduce((a, x) => a + (x.meta?.minutes ?? 0), 0) }, 'grid-merged');
}

/** Prints the table and the target checks, and writes them to bench/out/<name>.md and the rows to <name>.json. */
function writeReport(rows, meta, name = 'grid') {
  const runs = meta.runs > 1 ? `per-cell medians of ${meta.runs} runs, each a median of ` : 'medians of ';
  const head = `${meta.cpu}, ${meta.cores ?? 2} cores shared with other work; Node ${meta.node}${meta.v8 ? ` (V8 ${meta.v8})` : ''}` +
    `${meta.chromium ? `, Chromium ${meta.chromium} headless` : ''}; one thread everywhere. ms per pass (ours, numpy) or per EM iteration ` +
    `(scikit-learn, VLFeat), ${runs}${meta.clock === 'cpu' ? 'CPU time (see the script header)' : 'wall time'}. Builds: plain = kernel 'simd' (the default build on Node 20), FMA = kernel 'relaxed' ` +
    `(${meta.fmaOnNode ? 'Node and Chromium' : 'not validated by this Node, Chromium only'}), f32 = precision 'float32' on the simd build. ` +
    `×peer = peer time / our plain Node time (> 1: we are faster). Run time ${meta.minutes.toFixed(1)} min.`;
  const blasInfo = meta.blasInfo ?? {};
  const web = rows.some((r) => Object.keys(r.web).length);
  const blas = Object.entries(blasInfo).map(([p, i]) => `${p}: numpy ${i.numpy} (python ${i.python}), BLAS ${JSON.stringify(i.blas)}`).join('; ');
  const table = ['| N | n | d | layout | plain | f32 | numpy | sklearn | VLFeat | fastest peer | ×fastest | ×numpy | f32 speed-up | f32 rel. err (ℓ) | Chromium plain | FMA | f32 | FMA/plain (Chr.) | Node/Chr. plain | Node/Chr. f32 |',
    '| ---: | ---: | ---: | :--- | ---: | ---: | ---: | ---: | ---: | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    table.push(`| ${r.N.toExponential(0).replace('e+', 'e')} | ${r.n} | ${r.d} | ${r.layout} | ${ms(r.node.plain)} | ${ms(r.node.f32)} | ${ms(r.numpy)} | ${ms(r.sklearn)} | ${ms(r.vlfeat)} | ${r.fastestName} | ` +
      `${fmt(r.vsFastest)} | ${fmt(r.vsNumpy)} | ${fmt(r.f32Speedup)} | ${Number.isFinite(r.f32RelErr) ? r.f32RelErr.toExponential(1) : '–'} | ` +
      `${ms(r.web.plain)} | ${ms(r.web.fma)} | ${ms(r.web.f32)} | ${fmt(r.fmaSpeedupWeb)} | ${fmt(r.webVsNode_plain)} | ${fmt(r.webVsNode_f32)} |`);
  }
  const md = [head, blas ? `Peers: ${blas}.` : '', table.join('\n'), 'Issue-14 targets:', targets(rows, web).join('\n')].filter(Boolean).join('\n\n') + '\n';
  console.log(md);
  mkdirSync(join(here, 'out'), { recursive: true });
  writeFileSync(join(here, 'out', `${name}.md`), md);
  writeFileSync(join(here, 'out', `${name}.json`), JSON.stringify({ meta, rows }, null, 1));
}

if (args.includes('--merge')) merge(args.slice(args.indexOf('--merge') + 1).filter((a) => !a.startsWith('--')));
else main().catch((e) => { console.error(e); process.exit(1); });
