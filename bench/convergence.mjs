// Convergence experiments of ALGORITHM.md §5: `npm run bench:convergence [E1..E5|U1|sklearn ...]` (sklearn: the
// E5 scikit-learn comparison alone; E5 includes it).
// Every solver starts from the same seeded point; the x-axis is kernel evaluations (every pass counts,
// rejected trials included). Prints the loss gap (population KL, or loss − f* for E4/E5/U1) at fixed
// evaluation counts and a fitted rate, writes an SVG per experiment to bench/out/ and the E2 plot to docs/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mf from '../dist/index.js';
import { markdownTable, printTable } from './lib/tables.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, 'out');
const DOCS = join(here, '..', 'docs');
mkdirSync(OUT, { recursive: true });
const CHECKPOINTS = [100, 300, 1000, 1500, 3000];
const BUDGET = 3000;
const FLOOR = 1e-16; // gaps at or below this (incl. ≤ 0 from quadrature/rounding) are drawn at the floor

/** Seeded normals (mulberry32 + Box–Muller) for the starting points. */
function normals(seed) {
  let a = seed >>> 0;
  const u = () => { a = (a + 0x6d2b79f5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}
/** Model start: true means repeated to n components (in order), plus scale·N(0, I). */
function startNear(trueMeans, n, scale, seed) {
  const z = normals(seed);
  return Array.from({ length: n }, (_, i) => trueMeans[Math.floor((i * trueMeans.length) / n)].map((v) => v + scale * z()));
}

const SOLVERS_KNOWN = [
  ['em', { solver: 'em' }], ['gradient-em', { solver: 'gradient-em' }], ['gd', { solver: 'gd' }],
  ['polyak (f*=0)', { solver: 'polyak', optimum: 0 }], ['gd-polyak (f*=0)', { solver: 'gd-polyak', optimum: 0 }],
];
const SOLVERS_UNKNOWN = [
  ['em', { solver: 'em' }], ['gradient-em', { solver: 'gradient-em' }], ['gd', { solver: 'gd' }],
  ['polyak (target)', { solver: 'polyak', optimum: 'target-level' }],
  ['gd-polyak (f̂=0, safeguarded)', { solver: 'gd-polyak', optimum: 0 }],
  ['gd-polyak (target-level)', { solver: 'gd-polyak', optimum: 'target-level' }],
  ['gd-polyak (aitken)', { solver: 'gd-polyak', optimum: 'aitken' }],
  ['gd-polyak (hazan-kakade)', { solver: 'gd-polyak', optimum: 'hazan-kakade' }],
];

// Every other solver of mixfit's SOLVERS list (the accelerated EMs, 'auto', …) joins both lists with its defaults.
const LISTED = new Set([...SOLVERS_KNOWN, ...SOLVERS_UNKNOWN].map(([, o]) => o.solver));
for (const s of mf.SOLVERS ?? []) if (!LISTED.has(s)) { SOLVERS_KNOWN.push([s, { solver: s }]); SOLVERS_UNKNOWN.push([s, { solver: s }]); }

function populationExp(id, title, d, truth, n, modelWeights, solvers, note) {
  return {
    id, title, note, solvers, makeObjective: () => mf.populationObjective(truth),
    start: { means: startNear(truth.means, n, 0.5, 1000 + d * 10 + n), weights: modelWeights },
    knownOptimum: solvers === SOLVERS_KNOWN ? 0 : undefined,
  };
}

const E = {
  E1: [
    populationExp('E1a', 'E1 d=1: N(0,1) fitted by 2 × ½', 1, { means: [[0]] }, 2, [0.5, 0.5], SOLVERS_KNOWN),
    populationExp('E1b', 'E1 d=2: N(0,I) fitted by 4 × ¼', 2, { means: [[0, 0]] }, 4, [0.25, 0.25, 0.25, 0.25], SOLVERS_KNOWN),
    populationExp('E1c', 'E1 d=1: N(0,1) fitted by (1/3, 2/3)', 1, { means: [[0]] }, 2, [1 / 3, 2 / 3], SOLVERS_KNOWN),
  ],
  E2: [populationExp('E2', 'E2: ±2.5e₁ (½, ½) fitted by 4 × ¼', 2, { means: [[-2.5, 0], [2.5, 0]], weights: [0.5, 0.5] }, 4, [0.25, 0.25, 0.25, 0.25], SOLVERS_KNOWN)],
  E3: [populationExp('E3', 'E3: (0.3, 0.7) fitted by (0.15, 0.15, 0.35, 0.35)', 2, { means: [[-2.5, 0], [2.5, 0]], weights: [0.3, 0.7] }, 4, [0.15, 0.15, 0.35, 0.35], SOLVERS_KNOWN)],
  E4: [populationExp('E4', 'E4 (misspecified): (0.3, 0.7) fitted by 4 × ¼', 2, { means: [[-2.5, 0], [2.5, 0]], weights: [0.3, 0.7] }, 4, [0.25, 0.25, 0.25, 0.25], SOLVERS_UNKNOWN,
    'f* = min KL > 0 is unknown: the gap is measured against the lowest loss of long reference runs.')],
  E5: [20_000, 1_000_000].map((N) => ({
    id: N === 20_000 ? 'E5' : 'E5-1e6', title: `E5: N(0,I₂) sample, N=${N.toExponential(0)}, fitted by 2 × ½`, solvers: SOLVERS_UNKNOWN,
    makeObjective: () => mf.sampleObjective({ means: [[0, 0]] }, { rows: N, seed: 5 }), rows: N,
    start: { means: startNear([[0, 0]], 2, 0.5, 55), weights: [0.5, 0.5] },
    note: 'f* (the sample MLE value) is unknown: gaps are against the lowest loss of long reference runs.',
  })),
};

/** log-spaced subsample of a curve for plotting. */
function thin(x, y, max = 250) {
  if (x.length <= max) return { x, y };
  const keep = new Set([0, x.length - 1]);
  for (let k = 0; k < max; k++) keep.add(Math.min(x.length - 1, Math.round(Math.exp((Math.log(x.length) * k) / max)) - 1));
  const idx = [...keep].sort((a, b) => a - b);
  return { x: idx.map((i) => x[i]), y: idx.map((i) => y[i]) };
}

/** Least squares slope and R² of y on x. */
function fit(x, y) {
  const n = x.length;
  if (n < 5) return null;
  const mx = x.reduce((a, b) => a + b) / n, my = y.reduce((a, b) => a + b) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2; }
  return { slope: sxy / sxx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1 };
}

/** Rate from (evaluations, gap): linear (contraction per 51-evaluation epoch) or sublinear (log-log slope), whichever fits better, over the part of the curve above `floor`. */
function rate(ev, gap, floor) {
  const xs = [], ys = [];
  for (let i = 0; i < ev.length; i++) if (ev[i] >= 50 && gap[i] > floor) { xs.push(ev[i]); ys.push(Math.log(gap[i])); }
  const lin = fit(xs, ys), log = fit(xs.map(Math.log), ys);
  if (!lin || !log) return '—';
  if (lin.r2 >= log.r2 && lin.slope < 0) return `linear ×${Math.exp(lin.slope * 51).toFixed(2)}/epoch`;
  return `sublinear t^${log.slope.toFixed(2)}`;
}

async function runExperiment(exp, summary) {
  const obj = await exp.makeObjective();
  console.log(`\n## ${exp.title}  (kernel ${obj.variant}, ${obj.kind} objective)`);
  if (exp.note) console.log(exp.note);
  const runs = [];
  for (const [name, opts] of exp.solvers) {
    const t0 = performance.now();
    const r = await mf.minimize(obj, exp.start, { ...opts, maxEvaluations: BUDGET, maxIter: 1e9, maxRejections: 1e9, tol: 0 });
    runs.push({ name, r, ms: performance.now() - t0 });
  }
  let fstar = exp.knownOptimum;
  if (fstar === undefined) {
    // Reference optimum: the lowest loss among long runs of the fastest methods and all runs above.
    let best = Math.min(...runs.map((x) => x.r.loss));
    for (const opts of [{ solver: 'em' }, { solver: 'gd-polyak', optimum: 'aitken' }, { solver: 'gd-polyak', optimum: 'target-level' }]) {
      const r = await mf.minimize(obj, exp.start, { ...opts, maxEvaluations: 20_000, maxIter: 1e9, maxRejections: 1e9, tol: 0 });
      best = Math.min(best, r.loss);
    }
    fstar = best;
    console.log(`reference f* = ${fstar.toPrecision(15)}`);
  }
  const f0 = obj.value(exp.start);
  const header = ['solver', ...CHECKPOINTS.map((c) => `@${c}`), 'rate', 'ms'];
  const rows = [];
  const series = [];
  const floorFit = 1e-12; // below this the quadrature / rounding floor bends the curves
  for (const { name, r, ms } of runs) {
    const ev = [1, ...r.history.map((h) => h.evaluations)];
    const gap = [f0 - fstar, ...r.history.map((h) => h.loss - fstar)];
    // The best-so-far gap: what a user would keep (equal to the current one for monotone methods).
    for (let i = 1; i < gap.length; i++) if (!(gap[i] <= gap[i - 1])) gap[i] = gap[i - 1];
    const at = (c) => { let g = gap[0]; for (let i = 0; i < ev.length && ev[i] <= c; i++) g = gap[i]; return g; };
    const fmt = (g) => (g <= FLOOR ? 'floor*' : g.toExponential(1));
    const rt = rate(ev, gap, floorFit);
    rows.push([name, ...CHECKPOINTS.map((c) => fmt(at(c))), rt, ms.toFixed(0)]);
    const t = thin(ev, gap.map((g) => Math.max(g, FLOOR)));
    series.push({ name, x: t.x, y: t.y });
    summary.push({ exp: exp.id, name, at1000: fmt(at(1000)), at3000: fmt(at(3000)), rate: rt });
  }
  printTable(header, rows);
  if (typeof mf.lineChartSvg === 'function') {
    const svg = mf.lineChartSvg({ title: exp.title, xLabel: 'kernel evaluations', yLabel: exp.knownOptimum === 0 ? 'population KL' : 'loss − f*', logY: true, series });
    writeFileSync(join(OUT, `convergence-${exp.id}.svg`), svg);
    if (exp.id === 'E2') { mkdirSync(DOCS, { recursive: true }); writeFileSync(join(DOCS, 'convergence-E2.svg'), svg); }
    console.log(`plot: bench/out/convergence-${exp.id}.svg`);
  } else console.log('plot skipped: lineChartSvg is not in dist/index.js yet');
  if (exp.id === 'E5') sklearnLines.push(...await sklearnCompare(exp));
  obj.dispose();
}


// The scikit-learn comparison runs each method until it stalls, then compares them at common loss gaps.
const SK_LEVELS = [1e-4, 1e-5, 1e-7, 1e-9, 1e-11]; // EM reaches 1e-4 quickly, then sits on a plateau near 5e-5
const SK_MAX_ITER = 300_000; // cap only: on this data EM leaves its plateau after ~5e4 iterations and stalls by ~6e4
// sklearn stops when one iteration changes its lower bound by less than tol; 1e-15 (≈ 4 ulp of the loss) means
// "EM has stalled in float64" rather than "EM is slow", which is what its default 1e-3 means here.
const SK_TOL = 1e-15;
// mixfit runs stop once the best loss improved by less than SK_TOL over the last STALL_WINDOW iterations (a
// window, because a gd-polyak iteration can legitimately leave the loss unchanged: a rejected long step).
const STALL_WINDOW = 1000;

/**
 * scikit-learn GaussianMixture EM vs mixfit em and gd-polyak on the same E5 data (weights learned, spherical
 * variances, same start, same regCovar): iterations and wall time each needs to get within each gap of the best
 * loss any of them reached. sklearn's loss per iteration comes from a traced run; its time per iteration from
 * separate plain runs (see bench/sklearn_e5.py), so the tracing never inflates its times. mixfit times are
 * measured in the run itself (an onIteration timestamp, negligible against a 0.3 ms pass).
 */
async function sklearnCompare(exp) {
  const lines = [];
  const say = (s = '') => { console.log(s); lines.push(s); };
  console.log();
  say('### E5: scikit-learn GaussianMixture EM vs mixfit (weights learned, spherical variances, same start)');
  lines.push('');
  // A fresh seeded N(0, I₂) sample of the same size, written out so both libraries fit identical data.
  const N = exp.rows, d = 2;
  const z = normals(2024);
  const data = Float64Array.from({ length: N * d }, () => z());
  const bin = join(OUT, 'e5_data.bin'), startPath = join(OUT, 'e5_start.json'), tracePath = join(OUT, 'e5_sklearn_trace.bin');
  writeFileSync(bin, Buffer.from(data.buffer));
  const regCovar = 1e-6;
  writeFileSync(startPath, JSON.stringify({ means: exp.start.means, weights: exp.start.weights, variances: [1, 1], regCovar, maxIter: SK_MAX_ITER, tol: SK_TOL, timingIter: 2000 }));
  let sk;
  try {
    sk = JSON.parse(execFileSync('/usr/bin/python3', [join(here, 'sklearn_e5.py'), bin, String(N), String(d), startPath, tracePath], { encoding: 'utf8' }).trim().split('\n').pop());
  } catch (e) {
    say(`skipped: could not run /usr/bin/python3 (${e.message.split('\n')[0]})`);
    return lines;
  }
  if (sk.skipped) { say(`skipped: ${sk.skipped}`); return lines; }
  const buf = readFileSync(tracePath);
  const skLoss = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8); // loss after 0..n_iter iterations
  const methods = [{
    name: `scikit-learn ${sk.sklearn} EM`, loss: Array.from(skLoss), seconds: skLoss.map((_, k) => (k * sk.ms_per_iter) / 1000),
    evaluations: null, iterations: sk.n_iter, stop: sk.converged ? `|Δ lower bound| < ${SK_TOL}` : `max_iter ${SK_MAX_ITER}`,
  }];
  const obj = await mf.empiricalObjective({ data, rows: N, cols: d });
  const start = { ...exp.start, variances: [1, 1] };
  const f0 = obj.value(start);
  for (const [name, opts] of [['mixfit em', { solver: 'em' }], ['mixfit gd-polyak (target-level)', { solver: 'gd-polyak', optimum: 'target-level' }], ['mixfit gd-polyak (aitken)', { solver: 'gd-polyak', optimum: 'aitken' }]]) {
    const loss = [f0], seconds = [0], evaluations = [1], bestSoFar = [f0];
    const t0 = performance.now();
    const r = await mf.minimize(obj, start, {
      ...opts, weights: 'learned', covariance: 'spherical', regCovar, maxIter: SK_MAX_ITER, maxRejections: 1e9, tol: 0,
      onIteration: (h) => {
        seconds.push((performance.now() - t0) / 1000);
        loss.push(h.loss);
        evaluations.push(h.evaluations);
        bestSoFar.push(Math.min(bestSoFar[bestSoFar.length - 1], h.loss));
        const k = loss.length - 1;
        if (k >= STALL_WINDOW && bestSoFar[k - STALL_WINDOW] - bestSoFar[k] < SK_TOL) return false;
      },
    });
    methods.push({ name, loss, seconds, evaluations, iterations: r.nIter, stop: r.status === 'callback' ? `best improved < ${SK_TOL} in ${STALL_WINDOW} iterations` : r.status });
  }
  obj.dispose();
  // Both EMs run the same iteration from the same start, so their losses should agree until rounding
  // differences are amplified where EM leaves its plateau.
  const em = methods[1];
  let agree = 0;
  for (let k = 0; k < Math.min(skLoss.length, em.loss.length, 50_000); k++) agree = Math.max(agree, Math.abs(skLoss[k] - em.loss[k]));
  const best = Math.min(...methods.map((m) => Math.min(...m.loss)));
  say(`Same data (N=${N}, d=2, a fresh seeded N(0,I₂) sample), start, regCovar ${regCovar}. best = ${best.toPrecision(15)} (lowest loss any method reached).`);
  say(`Cells: iterations (wall seconds) until the best-so-far loss − best < level. sklearn seconds = iterations × ${sk.ms_per_iter.toFixed(3)} ms,`);
  say(`its time per iteration in a plain uninterrupted fit (median of 3 × ${sk.timing_iter} iterations; the traced run took ${sk.traced_ms_per_iter.toFixed(3)} ms/iteration).`);
  const header = ['method', ...SK_LEVELS.map((l) => `gap<${l.toExponential(0)}`), 'final gap', 'iterations', 'passes/iter', 'ms/iter', 'stopped by'];
  const rows = methods.map((m) => {
    const firstBelow = (level) => { let b = Infinity; for (let k = 0; k < m.loss.length; k++) { b = Math.min(b, m.loss[k]); if (b - best < level) return k; } return -1; };
    const cells = SK_LEVELS.map((l) => { const k = firstBelow(l); return k < 0 ? '—' : `${k} (${m.seconds[k].toFixed(2)})`; });
    const n = m.loss.length - 1;
    const perIter = m.evaluations ? ((m.evaluations[n] - 1) / n).toFixed(3) : '1';
    const ms = m.evaluations ? ((1000 * m.seconds[n]) / n).toFixed(3) : sk.ms_per_iter.toFixed(3);
    return [m.name, ...cells, (Math.min(...m.loss) - best).toExponential(1), String(m.iterations), perIter, ms, m.stop];
  });
  lines.push('', ...markdownTable(header, rows), '');
  printTable(header, rows);
  say(`max |loss(sklearn EM) − loss(mixfit em)| over the first ${Math.min(skLoss.length, em.loss.length, 50_000)} iterations: ${agree.toExponential(1)}`);
  return lines;
}


async function runU1(summary) {
  const fg = (v, g) => { const r = v[1] - v[0] ** 2; g[0] = 4 * v[0] ** 3 - 40 * v[0] * r; g[1] = 20 * r; return v[0] ** 4 + 10 * r * r; };
  console.log('\n## U1: f = x⁴ + 10(y − x²)², f* = 0, start (1, 0.5); K = 100, η = 0.0125 ([DDJ] settings)');
  const header = ['solver', ...CHECKPOINTS.map((c) => `@${c}`), 'rate', 'ms'];
  const rows = [], series = [];
  for (const [name, opts] of [['gd', { solver: 'gd' }], ['polyak (f*=0)', { solver: 'polyak', optimum: 0 }], ['gd-polyak (f*=0)', { solver: 'gd-polyak', optimum: 0 }], ['gd-polyak (target-level)', { solver: 'gd-polyak', optimum: 'target-level' }]]) {
    const t0 = performance.now();
    const r = await mf.minimizeFunction(fg, [1, 0.5], { ...opts, shortSteps: 100, shortStepSize: 0.0125, learningRate: 0.0125, maxEvaluations: BUDGET, maxIter: 1e9, maxRejections: 1e9, tol: 0 });
    const ms = performance.now() - t0;
    const ev = [1, ...r.history.map((h) => h.evaluations)];
    const gap = [3.5, ...r.history.map((h) => h.loss)];
    for (let i = 1; i < gap.length; i++) if (!(gap[i] <= gap[i - 1])) gap[i] = gap[i - 1];
    const at = (c) => { let g = gap[0]; for (let i = 0; i < ev.length && ev[i] <= c; i++) g = gap[i]; return g; };
    const fmt = (g) => (g <= FLOOR ? 'floor*' : g.toExponential(1));
    const rt = rate(ev, gap, 1e-30);
    rows.push([name, ...CHECKPOINTS.map((c) => fmt(at(c))), rt, ms.toFixed(0)]);
    const t = thin(ev, gap.map((g) => Math.max(g, 1e-30)));
    series.push({ name, x: t.x, y: t.y });
    summary.push({ exp: 'U1', name, at1000: fmt(at(1000)), at3000: fmt(at(3000)), rate: rt });
  }
  printTable(header, rows);
  console.log('(U1 rates: contraction per 51 evaluations, as for the mixtures)');
  if (typeof mf.lineChartSvg === 'function') {
    writeFileSync(join(OUT, 'convergence-U1.svg'), mf.lineChartSvg({ title: 'U1: x⁴ + 10(y − x²)²', xLabel: 'evaluations', yLabel: 'f − f*', logY: true, series }));
    console.log('plot: bench/out/convergence-U1.svg');
  }
}

const args = process.argv.slice(2).map((a) => a.toUpperCase());
const selected = args.length ? args : ['E1', 'E2', 'E3', 'E4', 'E5', 'U1'];
for (const a of selected) if (!(a in E) && a !== 'U1' && a !== 'SKLEARN') { console.error(`unknown experiment ${a}: use E1..E5, U1 or sklearn (the E5 scikit-learn comparison alone)`); process.exit(2); }
console.log(`mixfit convergence experiments (ALGORITHM.md §5); budget ${BUDGET} evaluations per solver; gaps are best-so-far`);
const summary = [];
const sklearnLines = [];
for (const a of selected) {
  if (a === 'U1') await runU1(summary);
  else if (a === 'SKLEARN') { if (!selected.includes('E5')) sklearnLines.push(...await sklearnCompare(E.E5[0])); }
  else for (const exp of E[a]) await runExperiment(exp, summary);
}
writeSummary(summary, sklearnLines);
console.log('\n* floor: the gap is ≤ 1e-16 or negative, i.e. below the resolution of the objective (Gauss–Hermite quadrature error ~1e-11 for E2–E4 near the optimum; float64 rounding otherwise).');
console.log('summary table: bench/out/convergence.md');

/**
 * Writes bench/out/convergence.md. A run of some experiments replaces only their rows (and the scikit-learn
 * section only when E5 ran), so `npm run bench:convergence E5` does not wipe the results of a full run.
 */
function writeSummary(summary, sklearn) {
  const path = join(OUT, 'convergence.md');
  const SK_HEAD = '### E5: scikit-learn';
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const rerun = new Set(summary.map((s) => s.exp));
  const skIndex = old.indexOf(SK_HEAD);
  const keptRows = (skIndex >= 0 ? old.slice(0, skIndex) : old).split('\n').filter((l) => /^\| [^ ]+ \| /.test(l) && !l.startsWith('| experiment ') && !rerun.has(l.split(' | ')[0].slice(2)));
  const keptSk = sklearn.length ? sklearn : skIndex >= 0 ? old.slice(skIndex).trimEnd().split('\n') : [];
  const order = ['E1a', 'E1b', 'E1c', 'E2', 'E3', 'E4', 'E5', 'E5-1e6', 'U1'];
  const rows = [...keptRows, ...summary.map((s) => `| ${s.exp} | ${s.name} | ${s.at1000} | ${s.at3000} | ${s.rate} |`)]
    .map((l, i) => ({ l, i, o: order.indexOf(l.split(' | ')[0].slice(2)) }))
    .sort((a, b) => a.o - b.o || a.i - b.i).map((x) => x.l);
  const md = ['| experiment | solver | gap @1000 | gap @3000 | rate |', '|---|---|---|---|---|', ...rows, '',
    '* floor: gap ≤ 1e-16 or negative (below the objective\'s resolution).', ...(keptSk.length ? ['', ...keptSk] : [])];
  writeFileSync(path, md.join('\n') + '\n');
}
