// Exploration behind em-polyak's and 'auto''s defaults (ALGORITHM.md §3.3): `node bench/em-polyak.mjs [--only=id,id] [--starts=N]`.
// Runs configurations of em / squarem / anderson / gd-polyak / em-polyak (K, SQUAREM short steps, the
// adaptive trigger, every f̂ estimator) from the same seeded starts on the tournament's problems
// (bench/lib/tournamentProblems.mjs) and prints, per problem and configuration, the median evaluations to
// loss gaps 1e-8 and 1e-11 (population: against f* = 0; data: against the best non-degenerate loss of the
// start over all configurations) and the median final gap.
import * as mf from '../dist/index.js';
import { PROBLEMS } from './lib/tournamentProblems.mjs';
import { onFloor } from './lib/tournamentScore.mjs';

const args = process.argv.slice(2);
const arg = (n) => { const a = args.find((s) => s.startsWith(`--${n}=`)); return a && a.slice(n.length + 3); };
// The problems of ALGORITHM.md §3.3's table.
const only = arg('only')?.split(',') ?? ['E1a', 'E1b', 'E1c', 'E2', 'E3', 'iris-diagonal', 'wine-diagonal', 'over-3to6', 'over-2to4'];
const nStarts = Number(arg('starts') ?? 3);
const configs = (arg('configs') ?? '').split(',').filter(Boolean);

const CONFIGS = {
  em: { solver: 'em' },
  squarem: { solver: 'squarem' },
  anderson: { solver: 'anderson' },
  'anderson m=10': { solver: 'anderson', andersonOrder: 10 },
  'gd-polyak': { solver: 'gd-polyak' },
  'em-polyak K=5': { solver: 'em-polyak', shortSteps: 5 },
  'em-polyak K=10': { solver: 'em-polyak', shortSteps: 10 },
  'em-polyak K=20': { solver: 'em-polyak', shortSteps: 20 },
  'em-polyak K=10 adaptive': { solver: 'em-polyak', shortSteps: 10, adaptive: true },
  'em-polyak K=10 aitken': { solver: 'em-polyak', shortSteps: 10, optimum: 'aitken' },
  'em-polyak K=10 target-level': { solver: 'em-polyak', shortSteps: 10, optimum: 'target-level' },
  'em-polyak K=10 hazan-kakade': { solver: 'em-polyak', shortSteps: 10, optimum: 'hazan-kakade' },
  'em-polyak sq K=2': { solver: 'em-polyak', emPolyakShort: 'squarem', shortSteps: 2 },
  'em-polyak sq K=5': { solver: 'em-polyak', emPolyakShort: 'squarem', shortSteps: 5 },
  'em-polyak sq K=10': { solver: 'em-polyak', emPolyakShort: 'squarem', shortSteps: 10 },
  'em-polyak sq K=5 adaptive': { solver: 'em-polyak', emPolyakShort: 'squarem', shortSteps: 5, adaptive: true },
  'em-polyak sq K=5 target-level': { solver: 'em-polyak', emPolyakShort: 'squarem', shortSteps: 5, optimum: 'target-level' },
  'em-polyak sq K=5 aitken': { solver: 'em-polyak', emPolyakShort: 'squarem', shortSteps: 5, optimum: 'aitken' },
  auto: { solver: 'auto' },
};
const use = configs.length ? configs : Object.keys(CONFIGS);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

for (const problem of PROBLEMS.filter((p) => only.includes(p.id))) {
  const built = await problem.build();
  if (built.missing) { console.log(`${problem.id}: skipped: ${built.missing}`); continue; }
  const { objective } = built;
  const starts = problem.starts(Array.from({ length: nStarts }, (_, s) => s + 1));
  const budget = problem.family === 'population' ? 1000 : problem.budget;
  const known = problem.family === 'population' && problem.id !== 'E4';
  const results = {};
  for (const name of use) {
    results[name] = [];
    for (const start of starts) {
      const r = await mf.minimize(objective, start, {
        ...problem.options, metric: 'em', backtrack: true, ...CONFIGS[name], maxEvaluations: budget, maxIter: 1e9, maxRejections: 1e9, tol: 0,
      });
      const deg = problem.options.covariance !== 'fixed' && onFloor(r.params.variances, problem.options.regCovar);
      results[name].push({ ev: r.history.map((h) => h.evaluations), loss: r.history.map((h) => h.loss), final: r.loss, deg });
    }
  }
  const best = starts.map((_, s) => (known ? 0 : Math.min(...use.map((n) => results[n][s]).filter((r) => !r.deg).map((r) => r.final))));
  const to = (run, b, lvl) => { let low = Infinity; for (let k = 0; k < run.loss.length; k++) { low = Math.min(low, run.loss[k]); if (low - b <= lvl) return run.ev[k]; } return Infinity; };
  console.log(`\n## ${problem.id} (budget ${budget}, ${nStarts} starts${known ? ', f* = 0' : ''})\n\n| config | evals to 1e-8 | evals to 1e-11 | final gap | degenerate |\n|---|---|---|---|---|`);
  for (const name of use) {
    const rs = results[name];
    console.log(`| ${name} | ${median(rs.map((r, s) => to(r, best[s], 1e-8)))} | ${median(rs.map((r, s) => to(r, best[s], 1e-11)))} | ${median(rs.map((r, s) => Math.max(r.final - best[s], 0))).toExponential(1)} | ${rs.filter((r) => r.deg).length} |`);
  }
}
