/**
 * The rule of `solver: 'auto'`, the one place it is written (README "Choosing a solver" and ALGORITHM.md
 * §3.3 quote it with the measurements behind it, from bench/em-polyak.mjs and the tournament
 * bench/solvers.mjs):
 *
 *   covariance 'full' or 'tied'                              → 'squarem'
 *   only the means are learned (weights and variances fixed) → 'anderson'
 *   weights or variances are learned                         → 'squarem'
 *
 * Why, means only: the EM map of the means alone is smooth and nearly linear near the optimum, and DAAREM's
 * history of differences uses that, whatever the objective kind. Measured (bench/solvers-auto.mjs, 5 seeded
 * starts, the same for both, median evaluations to 1e-8 below the lowest loss reached from the start):
 * anderson needs fewer than squarem on 17 of 20 means-only problems — all 7 population settings E1a–E5
 * (24–39 vs 57–136), 6 of 7 sampleObjective draws of them (24–42 vs 27–87; lost: E5's, 45 vs 27) and 4 of 6
 * empirical data sets (the tournament's E5 data 18 vs 42, iris 20 vs 42, z-scored wine and breast cancer
 * 11 vs 12; lost: the tournament's E2 data 35 vs 33 and the demo's 77 vs 42). Anderson's worst ratio is
 * 1.8× (the demo), squarem's 5× (E1b) on population and 2.3× on data. So "anderson for population
 * objectives only", suggested by the demo alone, would lose more rows than it wins: the objective kind does
 * not enter the rule.
 * Weights or variances learned: the EM map has
 * stiff directions (a weight or variance running to its boundary) on which Anderson's proposals are
 * rejected again and again (the tournament's overparameterized 2 → 4 and 3 → 6 fits: not within 1e-8 after 2000
 * evaluations, 3.6e-4 and 1.5e-3 left, where SQUAREM needs 193 and 347),
 * while SQUAREM's one-parameter extrapolation with its monotone fallback stays robust. 'squarem' here
 * includes its floor guard (squarem.ts): the monotone check cannot reject a spike on the regCovar floor
 * (its loss is lower), and without the guard SQUAREM, like R's squarem1, ended on one from 2 of 5 starts
 * of the tournament's 3 → 6 row where EM ends on none; with it 0 of 5, at 347 evaluations to 1e-8 (R 477).
 *
 * Full/tied (bench/solvers-full.mjs, README "Full and tied covariance: solvers"; 5 seeded starts): median
 * passes to a loss gap of 1e-8 — iris full: SQUAREM 15, Anderson 15, EM 23, em-polyak 25, gd-polyak 128;
 * iris tied: 12, 15, 21, 22, 104; wine (z-scored) full: SQUAREM reached the best loss of every start (5/5,
 * 20 passes), EM, Anderson and em-polyak 2/5; a seeded synthetic set: EM 8, SQUAREM 9, Anderson 10. No run
 * ended degenerate. SQUAREM wins or ties on three of four and is the only one that never stalls in a worse
 * fixed point.
 */
import type { Objective } from '../objective/objective.js';
import { isMatrixCovariance } from '../types.js';
import type { ConcreteSolver, ResolvedOptions } from './options.js';

/** What the rule reads: which parameters are learned. */
export type AutoInputs = Pick<ResolvedOptions, 'weights' | 'covariance'>;

/** The concrete solver 'auto' runs for these options (the objective and f* do not enter the rule). */
export function autoSolver(_objective: Objective, o: AutoInputs, _knownOptimum?: number): ConcreteSolver {
  if (isMatrixCovariance(o.covariance)) return 'squarem';
  return o.weights === 'fixed' && o.covariance === 'fixed' ? 'anderson' : 'squarem';
}
