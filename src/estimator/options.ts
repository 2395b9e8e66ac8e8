/**
 * The estimator's options and result types and its one option table (the solver options of `minimize` plus
 * the estimator's own), and the solver core's options resolved from them once per fit.
 */
import type { Precision } from '../kernel/precision.js';
import { PRECISIONS } from '../kernel/precision.js';
import type { Check, OptionTable } from '../optionTable.js';
import { ESTIMATOR_TABLE } from '../optionRegistry.js';
import type { ThreadsOption } from '../parallel/threads.js';
import type { WasmSource } from '../runtime/kernels.js';
import type { HistoryRecord, MinimizeStatus } from '../solvers/minimize.js';
import { EM_MAP_SOLVERS, MINIMIZE_TABLE, type MinimizeOptions, type ResolvedOptions } from '../solvers/options.js';
import type { StreamFitOptions } from '../stream/fitSource.js';
import {
  COVARIANCES, KERNEL_CHOICES, type CovarianceType, type FittedParams, type FullMixtureParams, type KernelChoice, type MixtureParams,
} from '../types.js';

export type { FittedParams } from '../types.js';

/** What `onIteration` receives: the iteration's record, the current parameters and the restart index. */
export type FitProgress = HistoryRecord & { params: FittedParams; restart: number };

/** Options of {@link GaussianMixture} (all but `nComponents` optional; defaults in brackets). */
export interface GaussianMixtureOptions extends Omit<MinimizeOptions, 'onIteration' | 'lossTol' | 'covariance'> {
  /** n, the number of components (integer ≥ 1). */
  nComponents: number;
  /**
   * The covariance layout: the diagonal ones of `minimize` ('fixed', 'spherical', 'diagonal'), or 'full'
   * (a d × d covariance per component) and 'tied' (one shared d × d covariance), fitted by any solver
   * ('em' is scikit-learn's EM; 'auto' resolves to 'squarem'), on one thread, float64, in-memory data.
   */
  covariance?: CovarianceType;
  /** Fixed weights (or the start of learned ones): n values ≥ 0 summing to 1 [uniform]. */
  weightsInit?: number[];
  /**
   * ['kmeans++'] k-means++ seeding, n random distinct rows, or a start model (warm start): `{ means,
   * weights?, variances? }`, or for 'full'/'tied' `{ means, weights?, covariances? }`.
   */
  init?: 'kmeans++' | 'random' | MixtureParams | FullMixtureParams;
  /** Seeded restarts; the fit with the lowest loss is kept [1]. Ignored (one run) when `init` is a model. */
  nInit?: number;
  /** Seed of every random choice (starts, restarts) [0]. */
  seed?: number;
  /** Worker threads: a positive integer or 'auto' (1 below the measured row threshold, else all cores) ['auto']. */
  threads?: ThreadsOption;
  /** Kernel build ['auto']. */
  kernel?: KernelChoice;
  /** Your own copy of the kernel build (a compiled Module, bytes or a URL), e.g. for a strict CSP. */
  wasm?: WasmSource;
  /**
   * Precision of the fitting passes ['float64']. 'float32' trades digits for speed (README "Precision"):
   * tolerances are floored accordingly; scoring stays float64; the `js` kernel is float64 only. It applies to
   * in-memory data, file sources and partialFit (data outside float32's range are a MixfitError), not to SQL
   * sources (a MixfitError: their passes run in the engine's float64).
   */
  precision?: Precision;
  /** Called after every iteration with a copy; returning false stops the fit (it still commits). */
  onIteration?: (info: FitProgress) => boolean | void;
}

/** Options of the streamed predict/score methods over a RowSource. */
export interface SourceScoreOptions {
  /** Rows per chunk [≈ 4 MiB of float64 rows]; chunk bytes (rows × cols × 8) at most 32 MiB. */
  chunkRows?: number;
}

/** Per-call options of GaussianMixture.fit. */
export interface FitOptions extends StreamFitOptions {
  /** N non-negative row weights, not all zero. */
  sampleWeight?: ArrayLike<number>;
  /** Aborts this fit (in addition to the constructor's `signal`). */
  signal?: AbortSignal;
}

/** What GaussianMixture.fit resolves with (fresh arrays). */
export interface FitResult {
  /** True when a tolerance was met (gradient norm ≤ tol, or for 'em' a loss change ≤ lossChangeTol). */
  converged: boolean;
  status: MinimizeStatus;
  statusCode: number;
  /** Why the fit stopped, followed by any collapsed/empty component notes. */
  message: string;
  /** Non-fatal problems: non-convergence, components collapsed to the variance floor or emptied, failed restarts. */
  warnings: string[];
  nIter: number;
  /** Kernel passes of the kept restart (trials and the initial pass included). */
  nEvaluations: number;
  /** Kernel passes over all restarts. */
  totalEvaluations: number;
  /** Mean negative log-likelihood (nats per row, sample-weighted) of `params`. */
  loss: number;
  /** Mean log-likelihood, −loss (scikit-learn's `lower_bound_` for a fitted model). */
  lowerBound: number;
  history: HistoryRecord[];
  /** The fitted model (with `covariances` for 'full'/'tied'). */
  params: FittedParams;
  /** Which restart was kept (0-based). */
  restart: number;
}

/** Resolved options (defaults filled in). */
export type Resolved = Required<Omit<GaussianMixtureOptions, 'variance' | 'learningRate' | 'optimum' | 'weightsInit' | 'wasm' | 'onIteration' | 'signal'>>
  & Pick<GaussianMixtureOptions, 'variance' | 'learningRate' | 'optimum' | 'weightsInit' | 'wasm' | 'onIteration' | 'signal'>;

/** The check of partialFit's `stepExponent`. */
export const stepExponentCheck: Check = (v) => (typeof v === 'number' && v > 0.5 && v <= 1 ? null : 'must be a number in (0.5, 1]');

// The option table (checks and defaults of every option) and the default layout live in the option registry.
export { DEFAULT_COVARIANCE } from '../optionRegistry.js';
/** The estimator's option table: the solver options of `minimize` plus the estimator's own. */
export const TABLE: OptionTable<GaussianMixtureOptions> = ESTIMATOR_TABLE;

/**
 * The solver core's options for one fit, read from the estimator's resolved options (already checked by
 * {@link TABLE}: no second validation). EM's own convergence rule (scikit-learn's), at the same tolerance
 * unless set explicitly, applies to every solver that moves by the EM map (its fixed point with learned
 * variances is not a zero of the gradient).
 */
export function coreOptions(o: Readonly<Resolved>, variance: number | undefined, signal: AbortSignal | undefined): ResolvedOptions {
  return {
    solver: o.solver, weights: o.weights, covariance: o.covariance, variance, regCovar: o.regCovar,
    optimum: o.optimum, shortSteps: o.shortSteps, emPolyakShort: o.emPolyakShort, andersonOrder: o.andersonOrder,
    shortStepSize: o.shortStepSize, maxPolyakStep: o.maxPolyakStep, adaptive: o.adaptive, monotone: o.monotone,
    backtrack: o.backtrack, metric: o.metric, learningRate: o.learningRate ?? o.shortStepSize, maxIter: o.maxIter,
    maxEvaluations: o.maxEvaluations, tol: o.tol, lossTol: 0,
    lossChangeTol: o.lossChangeTol ?? (EM_MAP_SOLVERS.has(o.solver) ? o.tol : 0),
    maxRejections: o.maxRejections, onIteration: undefined, signal,
  };
}
