// Measurement behind 'auto''s rule when only the means are learned (src/solvers/auto.ts):
// `node bench/solvers-auto.mjs [--starts=N] [--only=kind,kind]`. anderson, squarem and em (plus 'auto' as built)
// run from the same seeded starts on means-only problems (weights and variances fixed) of every objective kind:
// the population settings E1–E5 (quadrature), the same truths on seeded samples (sampleObjective, N = 2e4), the
// tournament's E2-sample and E5, the demo's data (`npm start`) with its own start and seeded ones, and iris,
// z-scored wine and breast cancer with fixed uniform weights and one fixed σ² (the mean column variance).
// Per problem and method: median evaluations (kernel passes) until the best-so-far loss is within 1e-4, 1e-6,
// 1e-8 of the lowest loss any method reached from that start. Evaluation counts are exact (no timing).
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mf from '../dist/index.js';
import { columnMoments, loadSklearn, zScore } from './lib/datasets.mjs';
import { markdownTable } from './lib/tables.mjs';
import { PROBLEMS, pickRows, startNearTruth, synthetic } from './lib/tournamentProblems.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (n) => args.find((s) => s.startsWith(`--${n}=`))?.slice(n.length + 3);
const nStarts = Number(arg('starts') ?? 5);
const onlyKinds = arg('only')?.split(',');
const METHODS = ['anderson', 'squarem', 'em', 'auto'];
const LEVELS = [1e-4, 1e-6, 1e-8];
const BUDGET = 1000, STALL_EVALUATIONS = 200, STALL_TOL = 1e-13;
const FIXED = { weights: 'fixed', covariance: 'fixed', variance: 1 };

/**
 * The demo's problem (src/cli/demo.ts: its DEMO constants, data and shared start, rebuilt here with its Rng,
 * bundled from the TypeScript source because dist/ exports neither).
 */
async function demoProblem() {
  const out = join(here, 'out', 'rng.mjs');
  mkdirSync(dirname(out), { recursive: true });
  await build({ entryPoints: [join(here, '..', 'src', 'model', 'rng.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'error' });
  const { Rng } = await import(out);
  const DEMO = { seed: 20260530, rows: 20000, components: 4, separation: 2.5 };
  const demoData = () => {
    const r = new Rng(DEMO.seed), data = new Float64Array(DEMO.rows * 2);
    for (let i = 0; i < DEMO.rows; i++) { data[2 * i] = (r.uniform() < 0.5 ? -1 : 1) * DEMO.separation + r.normal(); data[2 * i + 1] = r.normal(); }
    return { data, rows: DEMO.rows, cols: 2 };
  };
  const rng = new Rng(DEMO.seed + 1);
  const means = Array.from({ length: DEMO.components }, (_, k) => [(k % 2 === 0 ? -1 : 1) * DEMO.separation + 0.5 * rng.normal(), 0.5 * rng.normal()]);
  const truth = [[-DEMO.separation, 0], [DEMO.separation, 0]];
  const w = new Array(DEMO.components).fill(1 / DEMO.components);
  return {
    id: 'demo', kind: 'empirical', objective: () => mf.empiricalObjective(demoData(), { threads: 1 }), options: FIXED,
    starts: [{ means, weights: w, variances: 1 }, ...seeds(nStarts - 1).map((s) => startNearTruth(truth, DEMO.components, w, 1000 * s + 4))],
  };
}

const seeds = (k) => Array.from({ length: k }, (_, s) => s + 1);
const uniform = (n) => new Array(n).fill(1 / n);

/** The population truths E1–E5 (ALGORITHM.md §5) and their fitted component counts and weights. */
const TRUTHS = [
  ...PROBLEMS.filter((p) => p.family === 'population').map((p) => ({ id: p.id, build: p.build, starts: p.starts })),
  { id: 'E5', truth: { means: [[0, 0]] }, n: 2, weights: [0.5, 0.5] },
];

async function problems() {
  const out = [];
  for (const t of TRUTHS) {
    const truth = t.truth ?? (await t.build()).peer.truth;
    const means = t.truth ? t.truth.means : chunk(truth.means, truth.means.length / truth.weights.length);
    const tw = t.truth ? t.truth.weights : truth.weights;
    const n = t.n ?? (t.starts([1])[0].means.length);
    const w = t.weights ?? t.starts([1])[0].weights;
    const starts = seeds(nStarts).map((s) => startNearTruth(means, n, w, 1000 * s + n));
    const pop = { means, ...(tw ? { weights: tw } : {}) };
    out.push({ id: `${t.id} population`, kind: 'population', objective: () => mf.populationObjective(pop), options: FIXED, starts });
    out.push({ id: `${t.id} sample`, kind: 'sample', objective: () => mf.sampleObjective({ ...pop, variances: 1 }, { rows: 20_000, seed: 7, threads: 1 }), options: FIXED, starts });
  }
  for (const p of PROBLEMS.filter((q) => q.family === 'sample')) {
    out.push({ id: `${p.id} (tournament)`, kind: 'empirical', objective: async () => (await p.build()).objective, options: FIXED, starts: p.starts(seeds(nStarts)) });
  }
  out.push(await demoProblem());
  for (const [name, k, z] of [['iris', 3, false], ['wine', 3, true], ['breast-cancer', 2, true]]) {
    let X = loadSklearn(name);
    if (X.missing) { console.error(`${name}: skipped: ${X.missing}`); continue; }
    if (z) X = zScore(X);
    const { variance } = columnMoments(X);
    const s2 = variance.reduce((a, b) => a + b) / X.cols;
    const starts = seeds(nStarts).map((s) => ({ means: pickRows(X.rows, k, s).map((r) => Array.from(X.data.subarray(r * X.cols, (r + 1) * X.cols))), weights: uniform(k), variances: s2 }));
    out.push({ id: `${name}${z ? '-z' : ''}, ${k} comps, σ² ${s2.toPrecision(3)}`, kind: 'empirical', objective: () => mf.empiricalObjective(X, { threads: 1 }), options: { weights: 'fixed', covariance: 'fixed', variance: s2 }, starts });
  }
  return out.filter((p) => !onlyKinds || onlyKinds.includes(p.kind));
}

function chunk(flat, size) {
  return Array.from({ length: flat.length / size }, (_, i) => flat.slice(i * size, (i + 1) * size));
}

/** One run: best-so-far curve (evaluations, loss), stopped at the budget or once it stalls at its floor. */
async function run(objective, start, solver, options) {
  let low = Infinity, lastDrop = 0;
  const r = await mf.minimize(objective, start, {
    ...options, solver, metric: 'em', backtrack: true, maxEvaluations: BUDGET, maxIter: 1e9, maxRejections: 1e9, tol: 0,
    onIteration: ({ loss, evaluations }) => {
      if (!(loss >= low - STALL_TOL * Math.abs(low))) { low = Math.min(low, loss); lastDrop = evaluations; }
      return evaluations - lastDrop < STALL_EVALUATIONS;
    },
  });
  return { ev: [1, ...r.history.map((h) => h.evaluations)], loss: [objective.value(start), ...r.history.map((h) => h.loss)], final: Math.min(r.loss, ...r.history.map((h) => h.loss)) };
}

const firstBelow = (r, best, level) => { for (let k = 0; k < r.loss.length; k++) if (r.loss[k] - best < level) return r.ev[k]; return Infinity; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const same = (a, b) => a.loss.length === b.loss.length && a.loss.every((f, k) => Object.is(f, b.loss[k]));
const cell = (v) => (Number.isFinite(v) ? String(v) : '—');

const header = ['problem', 'objective', ...LEVELS.flatMap((l) => METHODS.slice(0, 3).map((m) => `${m} ${l.toExponential(0)}`)), 'auto runs'];
const rows = [];
for (const p of await problems()) {
  const objective = await p.objective();
  const runs = Object.fromEntries(METHODS.map((m) => [m, []]));
  for (const start of p.starts) for (const m of METHODS) runs[m].push(await run(objective, start, m, p.options));
  objective.dispose?.();
  const best = p.starts.map((_, s) => Math.min(...METHODS.map((m) => runs[m][s].final)));
  const med = (m, level) => median(runs[m].map((r, s) => firstBelow(r, best[s], level)));
  rows.push([p.id, p.kind, ...LEVELS.flatMap((l) => METHODS.slice(0, 3).map((m) => cell(med(m, l)))), [...new Set(runs.auto.map((r, s) => METHODS.find((m) => m !== 'auto' && same(runs[m][s], r)) ?? '?'))].join(',')]);
  console.error(`${p.id}: done`);
}
const md = [
  `# 'auto' with only the means learned: anderson vs squarem vs em`, '',
  `Median evaluations over ${nStarts} seeded starts (the same for every method) until the best-so-far loss is within the gap of the lowest loss any method reached from that start; budget ${BUDGET}; — : not reached by most starts. 'auto runs': the method whose run 'auto' (as built) repeated exactly.`, '',
  ...markdownTable(header, rows), '',
  'Rerun: `npm run build && node bench/solvers-auto.mjs`.',
];
writeFileSync(join(here, 'out', 'solvers-auto.md'), md.join('\n') + '\n');
console.log(md.join('\n'));
