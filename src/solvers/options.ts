/**
 * The option table of {@link minimize}: one declarative list of checks and defaults, so every bad option
 * throws the same kind of MixfitError (option, rule, received) before any work.
 */
import {
  bool, fn, intAtLeast, intOrInf, nonNegative, oneOf, positive, positiveOrInf, resolveTable, signalLike, type Check, type OptionTable,
} from '../optionTable.js';
import type { HistoryRecord } from './driver.js';
import { DIAGONAL_COVARIANCES, type Covariance, type CovarianceType, type MixtureParams } from '../types.js';

/** Solver names (ALGORITHM.md §8): the one list the option tables, the CLI and its help read. */
export const SOLVERS = ['auto', 'squarem', 'anderson', 'em-polyak', 'gd-polyak', 'gradient-em', 'em', 'gd', 'polyak'] as const;
export type SolverName = (typeof SOLVERS)[number];
/** The solvers that move by the EM map ('auto' picks one of them), so GaussianMixture stops them by lossChangeTol. */
export const EM_MAP_SOLVERS: ReadonlySet<SolverName> = new Set<SolverName>(['auto', 'em', 'squarem', 'anderson', 'em-polyak']);
/** A solver that builds a step directly ('auto' resolves to one of these). */
export type ConcreteSolver = Exclude<SolverName, 'auto'>;
/** f* estimator names. */
export const OPTIMUM_ESTIMATORS = ['target-level', 'aitken', 'hazan-kakade'] as const;

/** Options of {@link minimize} (all optional; defaults in brackets). */
export interface MinimizeOptions {
  /** ['gd-polyak'; GaussianMixture: 'auto'] 'auto' picks by the rule of auto.ts (README "Choosing a solver"). */
  solver?: SolverName;
  /** ['fixed'; GaussianMixture: 'learned']: start.weights (or uniform) kept fixed; 'learned' through softmax logits. */
  weights?: 'fixed' | 'learned';
  /** ['fixed'; GaussianMixture: 'diagonal']: one shared σ² (`variance`); 'spherical' σ_i²; 'diagonal' σ_ij², learned through log-variances. */
  covariance?: Covariance;
  /** σ² for covariance 'fixed' [start.variances if a number, else 1]. */
  variance?: number;
  /** Floor of learned variances, σ² = regCovar + e^s [1e-6]. */
  regCovar?: number;
  /** f* or its estimator [objective.knownOptimum ?? 'target-level']. */
  optimum?: number | 'target-level' | 'aitken' | 'hazan-kakade';
  /** K short steps per epoch: gradient steps of gd-polyak [50], EM steps or SQUAREM cycles of em-polyak [10]. */
  shortSteps?: number;
  /** The short steps of em-polyak: plain EM steps or SQUAREM cycles ['em']. */
  emPolyakShort?: 'em' | 'squarem';
  /** m, the number of past differences Anderson acceleration ('anderson') uses [5]. */
  andersonOrder?: number;
  /** η of the short steps [1]. */
  shortStepSize?: number;
  /** γ_max > 0 (Infinity disables the cap) [1e12]. */
  maxPolyakStep?: number;
  /** Probe the long step early [false]. */
  adaptive?: boolean;
  /** Reject long steps that increase the loss [true]. */
  monotone?: boolean;
  /** Halve a gradient/short step while it increases the loss or is not finite ('gd', 'gradient-em', gd-polyak's short steps) [false; GaussianMixture: true]. */
  backtrack?: boolean;
  /**
   * Geometry of the gradient steps: 'euclidean' (plain ∇θ, the paper's) or 'em' (the diagonal metric of
   * gradient EM: σ² on the means, 1/w_i on learned logits, 2/(w_i·d_i) on learned log-variances, so a unit
   * step is to first order the EM update and steps are scale-free in the data's units). The Polyak length
   * and the gradient-norm tolerance are measured in the same metric. Identical to 'euclidean' when σ² = 1
   * and weights and variances are fixed. ['euclidean'; GaussianMixture: 'em']
   */
  metric?: 'euclidean' | 'em';
  /** Step of 'gd' and η of 'gradient-em' [shortStepSize, i.e. 1]. */
  learningRate?: number;
  /** Iterations (short step, long step or EM step each count one) [1000]. */
  maxIter?: number;
  /** Kernel passes, trials and the initial one included [Infinity]. */
  maxEvaluations?: number;
  /** Gradient-norm tolerance [1e-10]. */
  tol?: number;
  /** Stop when loss − f* ≤ lossTol; only with a numeric optimum [0 = off]. */
  lossTol?: number;
  /** EM-map steps only ('em' steps, accepted SQUAREM/Anderson points): stop (status 'loss-change', converged) when one changes the loss by ≤ lossChangeTol·max(1, |loss|) [0 = off; GaussianMixture: tol for the EM-map solvers]. */
  lossChangeTol?: number;
  /** Consecutive rejected Polyak trials before stopping [10]. */
  maxRejections?: number;
  /** Called after every iteration with a copy; returning false stops. */
  onIteration?: (info: HistoryRecord & { params: Required<MixtureParams> }) => boolean | void;
  /** Aborting resolves with status 'aborted' and the best parameters so far. */
  signal?: AbortSignal;
}

/** Options after validation, with defaults filled in (variance is resolved against the start later). */
export interface ResolvedOptions {
  solver: SolverName;
  weights: 'fixed' | 'learned';
  /** The layout; 'full' | 'tied' only from GaussianMixture (minimize's table takes the diagonal ones). */
  covariance: CovarianceType;
  variance: number | undefined;
  regCovar: number;
  optimum: number | 'target-level' | 'aitken' | 'hazan-kakade' | undefined;
  /** undefined until the solver is known: see {@link shortStepsFor}. */
  shortSteps: number | undefined;
  emPolyakShort: 'em' | 'squarem';
  andersonOrder: number;
  shortStepSize: number;
  maxPolyakStep: number;
  adaptive: boolean;
  monotone: boolean;
  backtrack: boolean;
  metric: 'euclidean' | 'em';
  learningRate: number;
  maxIter: number;
  maxEvaluations: number;
  tol: number;
  lossTol: number;
  lossChangeTol: number;
  maxRejections: number;
  onIteration: MinimizeOptions['onIteration'];
  signal: AbortSignal | undefined;
}

const optimumCheck: Check = (v) =>
  (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && (OPTIMUM_ESTIMATORS as readonly string[]).includes(v))
    ? null : `must be a finite number or one of ${OPTIMUM_ESTIMATORS.map((s) => `'${s}'`).join(', ')}`;

/** The option checks shared with the estimator's table. */
export { optimumCheck };

/** The option table: check and default per option. */
export const MINIMIZE_TABLE: OptionTable<MinimizeOptions> = {
  solver: [oneOf(SOLVERS), 'gd-polyak'],
  weights: [oneOf(['fixed', 'learned']), 'fixed'],
  covariance: [oneOf(DIAGONAL_COVARIANCES), 'fixed'],
  variance: [positive, undefined],
  regCovar: [nonNegative, 1e-6],
  optimum: [optimumCheck, undefined],
  shortSteps: [intAtLeast(1), undefined],
  emPolyakShort: [oneOf(['em', 'squarem']), 'em'],
  andersonOrder: [intAtLeast(1), 5],
  shortStepSize: [positive, 1],
  maxPolyakStep: [positiveOrInf, 1e12],
  adaptive: [bool, false],
  monotone: [bool, true],
  backtrack: [bool, false],
  metric: [oneOf(['euclidean', 'em']), 'euclidean'],
  learningRate: [positive, undefined],
  maxIter: [intAtLeast(0), 1000],
  maxEvaluations: [intOrInf(1), Infinity],
  tol: [nonNegative, 1e-10],
  lossTol: [nonNegative, 0],
  lossChangeTol: [nonNegative, 0],
  maxRejections: [intAtLeast(1), 10],
  onIteration: [fn, undefined],
  signal: [signalLike, undefined],
};

/** Validates `options` against the table and fills defaults. @throws MixfitError naming `options.<name>`. */
export function resolveOptions(options: MinimizeOptions | undefined): ResolvedOptions {
  const out = resolveTable(MINIMIZE_TABLE, options);
  if (out.learningRate === undefined) out.learningRate = out.shortStepSize;
  return out as unknown as ResolvedOptions;
}

/** Default K per solver: gd-polyak's 50 gradient steps (the paper's), em-polyak's 10 EM steps (ALGORITHM.md §3.3). */
const SHORT_STEPS: Partial<Record<SolverName, number>> = { 'em-polyak': 10 };

/** K for `solver` when `shortSteps` was not given. */
export function shortStepsFor(solver: SolverName, shortSteps: number | undefined): number {
  return shortSteps ?? SHORT_STEPS[solver] ?? 50;
}
