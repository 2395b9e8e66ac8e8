/**
 * The option table of {@link minimize}: one declarative list of checks and defaults, so every bad option
 * throws the same kind of MixfitError (option, rule, received) before any work.
 */
import { resolveTable, type OptionTable } from '../optionTable.js';
import {
  SOLVER_OPTIONS, tableOf, type EmPolyakShortStep, type Metric, type OptimumEstimator, type SolverName, type WeightMode,
} from '../optionRegistry.js';
import type { HistoryRecord } from './driver.js';
import type { CovarianceType, FittedParams } from '../types.js';

// The solver names live in the option registry (with every option's check, default, doc and CLI flag).
export { SOLVERS, OPTIMUM_ESTIMATORS, optimumCheck, type SolverName } from '../optionRegistry.js';
/** The solvers that move by the EM map ('auto' picks one of them), so GaussianMixture stops them by lossChangeTol. */
export const EM_MAP_SOLVERS: ReadonlySet<SolverName> = new Set<SolverName>(['auto', 'em', 'squarem', 'anderson', 'em-polyak']);
/** A solver that builds a step directly ('auto' resolves to one of these). */
export type ConcreteSolver = Exclude<SolverName, 'auto'>;

/** Options of {@link minimize} (all optional; defaults in brackets). */
export interface MinimizeOptions {
  /** ['gd-polyak'; GaussianMixture: 'auto'] 'auto' picks by the rule of auto.ts (README "Choosing a solver"). */
  solver?: SolverName;
  /** ['fixed'; GaussianMixture: 'learned']: start.weights (or uniform) kept fixed; 'learned' through softmax logits. */
  weights?: WeightMode;
  /**
   * ['fixed'; GaussianMixture: 'diagonal']: one shared σ² (`variance`); 'spherical' σ_i²; 'diagonal' σ_ij², learned
   * through log-variances; 'full' a d × d Σ_i per component, 'tied' one d × d Σ, learned through Σ = regCovar·I + A·Aᵀ
   * (start `{ means, weights?, covariances? }`; data objectives at float64 only).
   */
  covariance?: CovarianceType;
  /** σ² for covariance 'fixed' [start.variances if a number, else 1]. */
  variance?: number;
  /** Floor of learned variances, σ² = regCovar + e^s [1e-6]. */
  regCovar?: number;
  /** f* or its estimator [objective.knownOptimum ?? 'target-level']. */
  optimum?: number | OptimumEstimator;
  /** K short steps per epoch: gradient steps of gd-polyak [50], EM steps or SQUAREM cycles of em-polyak [10]. */
  shortSteps?: number;
  /** The short steps of em-polyak: plain EM steps or SQUAREM cycles ['em']. */
  emPolyakShort?: EmPolyakShortStep;
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
  metric?: Metric;
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
  onIteration?: (info: HistoryRecord & { params: FittedParams }) => boolean | void;
  /** Aborting resolves with status 'aborted' and the best parameters so far. */
  signal?: AbortSignal;
}

/** Options after validation, with defaults filled in (variance is resolved against the start later). */
export interface ResolvedOptions {
  solver: SolverName;
  weights: 'fixed' | 'learned';
  /** The layout. */
  covariance: CovarianceType;
  variance: number | undefined;
  regCovar: number;
  optimum: number | OptimumEstimator | undefined;
  /** undefined until the solver is known: see {@link shortStepsFor}. */
  shortSteps: number | undefined;
  emPolyakShort: EmPolyakShortStep;
  andersonOrder: number;
  shortStepSize: number;
  maxPolyakStep: number;
  adaptive: boolean;
  monotone: boolean;
  backtrack: boolean;
  metric: Metric;
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

/** The option table: check and default per option, from the registry. */
export const MINIMIZE_TABLE: OptionTable<MinimizeOptions> = tableOf(SOLVER_OPTIONS);

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
