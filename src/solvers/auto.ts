/**
 * The rule of `solver: 'auto'`, the one place it is written (README "Choosing a solver" and ALGORITHM.md
 * §3.3 quote it with the measurements behind it, from bench/em-polyak.mjs and the tournament
 * bench/solvers.mjs):
 *
 *   only the means are learned (weights and variances fixed) → 'anderson'
 *   weights or variances are learned                         → 'squarem'
 *
 * Why: with the means alone the EM map is smooth and nearly linear near the optimum, and DAAREM's
 * history of differences reaches the float64 floor of every population setting E1–E3 in 27–41
 * evaluations (SQUAREM 73–222, EM not within 1000). Once weights and variances move, the EM map has
 * stiff directions (a weight or variance running to its boundary) on which Anderson's proposals are
 * rejected again and again (3142 evaluations to 1e-8 on an overparameterized fit where SQUAREM needs 271),
 * while SQUAREM's one-parameter extrapolation with its monotone fallback stays robust. 'squarem' here
 * includes its floor guard (squarem.ts): the monotone check cannot reject a spike on the regCovar floor
 * (its loss is lower), and without the guard SQUAREM, like R's squarem1, ended on one from 2 of 5 starts
 * of the tournament's 3 → 6 row where EM ends on none; with it 0 of 5, at 347 evaluations to 1e-8 (R 477).
 */
import type { Objective } from '../objective/objective.js';
import type { ConcreteSolver, ResolvedOptions } from './options.js';

/** What the rule reads: which parameters are learned. */
export type AutoInputs = Pick<ResolvedOptions, 'weights' | 'covariance'>;

/** The concrete solver 'auto' runs for these options (the objective and f* do not enter the rule). */
export function autoSolver(_objective: Objective, o: AutoInputs, _knownOptimum?: number): ConcreteSolver {
  return o.weights === 'fixed' && o.covariance === 'fixed' ? 'anderson' : 'squarem';
}
