// The solver tournament (issue 11): `npm run bench:solvers [-- --quick] [--starts=N] [--only=id,id] [--no-r]`.
// Every solver of mixfit's SOLVERS list (from the built dist/, so new solvers join by themselves) and R's SQUAREM
// on the same EM map run from the same seeded starts on every problem of bench/lib/tournamentProblems.mjs.
// Per problem and method: evaluations (kernel passes, from the history records) and wall ms until the
// best-so-far loss is within 1e-4 … 1e-10 of the best non-degenerate loss any method reached from that start,
// the final gap, and how many starts ended degenerate (a variance on the regCovar floor) or in a worse optimum.
// Markdown table to stdout and bench/out/solvers.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mf from '../dist/index.js';
import { R_CONTROL, rSquaremAvailable, runRSquarem } from './lib/rSquarem.mjs';
import { markdownTable } from './lib/tables.mjs';
import { PROBLEMS, QUICK } from './lib/tournamentProblems.mjs';
import { LEVELS, WORSE_GAP, FLOOR_FACTOR, bestOfStart, gapCell, levelCell, onFloor, summarize } from './lib/tournamentScore.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, 'out');
const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.split('=')[1] ?? (args.includes(`--${name}`) ? true : undefined);
const quick = flag('quick') === true || process.env.MIXFIT_BENCH_QUICK === '1';
const nStarts = Number(flag('starts') ?? (quick ? 2 : 5));
const only = typeof flag('only') === 'string' ? flag('only').split(',') : quick ? QUICK : null;
const budgetScale = quick ? 1 / 3 : 1;
const R_NAME = "R SQUAREM";

if (!Array.isArray(mf.SOLVERS)) {
  console.error('dist/index.js does not export SOLVERS: run `npm run build` first');
  process.exit(2);
}
const unknown = (only ?? []).filter((id) => !PROBLEMS.some((p) => p.id === id));
if (unknown.length) { console.error(`unknown problem ${unknown.join(', ')}; known: ${PROBLEMS.map((p) => p.id).join(', ')}`); process.exit(2); }

function cpuModel() {
  try { return execFileSync('lscpu', { encoding: 'utf8' }).match(/^Model name:\s*(.+)$/m)[1].trim(); } catch { return cpus()[0]?.model ?? 'unknown CPU'; }
}

/**
 * A run stops early once its best loss has not dropped by more than STALL_TOL·|loss| over STALL_EVALUATIONS
 * passes (it sits at its floor: nothing later could change a cell, and it keeps the full run near 15 minutes).
 */
const STALL_EVALUATIONS = 200, STALL_TOL = 1e-13;
const WARMUP_EVALUATIONS = 30;

/** One solver from one start: its curve (the start, then one point per history record) and end state. */
async function runSolver(objective, start, solver, options, budget) {
  const ms = [0];
  let low = Infinity, lastDrop = 0;
  const t0 = performance.now();
  let r;
  try {
    r = await mf.minimize(objective, start, {
      ...options, solver, metric: 'em', backtrack: true, maxEvaluations: budget, maxIter: 1e9, maxRejections: 1e9, tol: 0,
      onIteration: ({ loss, evaluations }) => {
        ms.push(performance.now() - t0);
        if (!(loss >= low - STALL_TOL * Math.abs(low))) { low = Math.min(low, loss); lastDrop = evaluations; }
        return evaluations - lastDrop < STALL_EVALUATIONS;
      },
    });
  } catch (e) {
    console.error(`  ${solver}: failed: ${e.message}`);
    return null;
  }
  const f0 = objective.value(start);
  return {
    ev: [1, ...r.history.map((h) => h.evaluations)], loss: [f0, ...r.history.map((h) => h.loss)], ms,
    final: r.loss, status: r.status,
    degenerate: options.covariance !== 'fixed' && onFloor(r.params.variances, options.regCovar),
  };
}

const cpu = cpuModel();
const peer = args.includes('--no-r') ? { ok: false, reason: '--no-r given' } : await rSquaremAvailable();
const methods = [...mf.SOLVERS, ...(peer.ok ? [R_NAME] : [])];
console.log(`# mixfit solver tournament${quick ? ' (quick mode)' : ''}\n`);
console.log(`${cpu}, ${cpus().length} cores, Node ${process.version}; ${nStarts} seeded starts per problem; solvers: ${mf.SOLVERS.join(', ')}` +
  (peer.ok ? `; R SQUAREM ${peer.version} (squarem1, S3) on the same EM map` : `; R SQUAREM skipped: ${peer.reason}`) + '\n');

const header = ['problem', 'method', ...LEVELS.map((l) => `gap<${l.toExponential(0)}`), 'final gap', 'degenerate', 'worse'];
const rows = [], summaryRows = [], notes = [];
const tStart = performance.now();
for (const problem of PROBLEMS.filter((p) => !only || only.includes(p.id))) {
  const built = await problem.build();
  if (built.missing) { const m = `${problem.id}: skipped: ${built.missing}`; console.log(m); notes.push(m); continue; }
  const { objective } = built;
  const starts = problem.starts(Array.from({ length: nStarts }, (_, s) => s + 1));
  const budget = Math.round(problem.budget * budgetScale);
  const options = { ...problem.options };
  if (options.covariance !== 'fixed') options.regCovar ??= 1e-6;
  const runs = new Map(methods.map((m) => [m, []]));
  const t0 = performance.now();
  // R runs in its own process while the mixfit solvers run (2 cores: it would otherwise double the wall time).
  const rPeer = peer.ok ? runRSquarem({ id: problem.id, peer: built.peer, starts, options, d: objective.dim, budget, workDir: OUT }) : null;
  // Warm-up (untimed): without it the first solver of each problem pays for compiling the code paths they share.
  for (const solver of mf.SOLVERS) await runSolver(objective, starts[0], solver, options, WARMUP_EVALUATIONS);
  for (const start of starts) for (const solver of mf.SOLVERS) runs.get(solver).push(await runSolver(objective, start, solver, options, budget));
  if (rPeer) {
    const r = await rPeer;
    if (r.skipped) { runs.delete(R_NAME); notes.push(`${problem.id}: R SQUAREM skipped: ${r.skipped}`); } else {
      // R's loss leaves out the objective's constant offset (population KL): align it on the shared start.
      runs.set(R_NAME, r.runs.map((run, s) => {
        if (run.error || run.loss.length === 0) return null;
        const shift = objective.value(starts[s]) - run.loss[0];
        const loss = run.loss.map((f) => f + shift);
        return { ...run, loss, final: Math.min(...loss), degenerate: options.covariance !== 'fixed' && run.minVariance <= FLOOR_FACTOR * options.regCovar };
      }));
    }
  }
  objective.dispose();
  const best = starts.map((_, s) => bestOfStart([...runs.values()].map((rs) => rs[s])));
  const allDegenerate = best.filter((b) => !Number.isFinite(b)).length;
  if (allDegenerate) notes.push(`${problem.id}: ${allDegenerate} start(s) where every method ended degenerate (left out of the medians)`);
  const summary = {};
  for (const [m, rs] of runs) {
    const s = summarize(rs, best);
    summary[m] = s;
    rows.push([problem.id, m, ...s.levels.map((l) => levelCell(l, s.clean)), gapCell(s.finalGap), `${s.degenerate}/${s.starts}`, `${s.worse}/${s.clean}`]);
  }
  summaryRows.push([problem.id, ...methods.map((m) => {
    const s = summary[m];
    if (!s) return 'skipped';
    const l = s.levels[2];
    const cell = Number.isFinite(l.ev) ? String(Math.round(l.ev)) : `— (${gapCell(s.finalGap)})`;
    return cell + (s.degenerate ? ` d${s.degenerate}` : '') + (s.worse ? ` w${s.worse}` : '');
  })]);
  console.error(`${problem.id}: ${((performance.now() - t0) / 1000).toFixed(1)} s (budget ${budget} evaluations per run)`);
}

const md = [
  `# mixfit solver tournament${quick ? ' (quick mode)' : ''}`, '',
  `Machine: ${cpu}, ${cpus().length} cores (shared), Node ${process.version}. ${nStarts} seeded starts per problem, the same start for every method; ` +
    `every mixfit solver through \`minimize\` with GaussianMixture's settings (metric 'em', backtracking) and tol 0; a run ends at its budget or once its best loss has dropped by less than ${STALL_TOL}·|loss| over ${STALL_EVALUATIONS} evaluations. ` +
    (peer.ok ? `R SQUAREM ${peer.version} (\`squarem1\`, scheme S3, objfn.inc = ${R_CONTROL.objfnInc}, tol = ${R_CONTROL.tol}) runs the same EM map in the same parameterization (bench/squarem_em.R), in its own process alongside the mixfit runs; its evaluations are fpevals + objfevals, its ms R's own clock.` : `R SQUAREM skipped: ${peer.reason}.`),
  '',
  'Evaluations to 1e-8 below the best non-degenerate loss reached from each start (median over starts; `— (g)`: most starts never got there, g = median final gap; `dK`: K starts ended degenerate, `wK`: K ended in a worse optimum):', '',
  ...markdownTable(['problem', ...methods], summaryRows), '',
  `Full table: cells are median evaluations (wall ms) until the best-so-far loss is within the gap of that start's best non-degenerate loss, over the starts where the method ended non-degenerate; ` +
    `[k/n]: only k of n got there; degenerate: some learned variance ≤ ${FLOOR_FACTOR}·regCovar at the end; worse: ended more than ${WORSE_GAP} above the best.`, '',
  ...markdownTable(header, rows), '',
  ...(notes.length ? ['Notes:', ...notes.map((n) => `- ${n}`), ''] : []),
  `Total wall time ${((performance.now() - tStart) / 60000).toFixed(1)} min. Rerun: \`npm run bench:solvers\` (\`-- --quick\` for the ${QUICK.length}-problem subset with 2 starts and a third of the budget).`,
];
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'solvers.md'), md.join('\n') + '\n');
console.log(md.slice(2).join('\n'));
console.log('\nwrote bench/out/solvers.md');
