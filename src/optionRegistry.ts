/**
 * The one registry of the public options: per option its check and default (the option tables of `minimize`
 * and `GaussianMixture` are read from it), the words it allows, a one-line doc, and how the CLI spells and
 * reads it (src/cli/flags.ts builds the flags, the parsing and `--help` from it). Adding a solver, a layout or
 * a kernel is one edit to its name list; adding an option is one entry here.
 */
import type { GaussianMixtureOptions } from './estimator.js';
import { PRECISIONS } from './kernel/precision.js';
import {
  bool, finite, fn, intAtLeast, intOrInf, nonNegative, oneOf, positive, positiveOrInf, signalLike, threadsOption, wasmSource,
  type Check, type OptionTable,
} from './optionTable.js';
import type { MinimizeOptions } from './solvers/options.js';
import { COVARIANCES, KERNEL_CHOICES, type CovarianceType } from './types.js';

/** Solver names (ALGORITHM.md §8). */
export const SOLVERS = ['auto', 'squarem', 'anderson', 'em-polyak', 'gd-polyak', 'gradient-em', 'em', 'gd', 'polyak'] as const;
/** A solver name of {@link SOLVERS}. */
export type SolverName = (typeof SOLVERS)[number];
/** f* estimator names (ALGORITHM.md §3.2). */
export const OPTIMUM_ESTIMATORS = ['target-level', 'aitken', 'hazan-kakade'] as const;
/** An f* estimator of {@link OPTIMUM_ESTIMATORS}. */
export type OptimumEstimator = (typeof OPTIMUM_ESTIMATORS)[number];
/** The start recipes of GaussianMixture's `init` (besides a start model). */
export const INIT_METHODS = ['kmeans++', 'random'] as const;
/** Fixed or learned mixing weights. */
export const WEIGHT_MODES = ['fixed', 'learned'] as const;
/** A mode of {@link WEIGHT_MODES}. */
export type WeightMode = (typeof WEIGHT_MODES)[number];
/** Geometry of the gradient steps. */
export const METRICS = ['euclidean', 'em'] as const;
/** A metric of {@link METRICS}. */
export type Metric = (typeof METRICS)[number];
/** The short steps of em-polyak. */
export const EM_POLYAK_SHORT_STEPS = ['em', 'squarem'] as const;
/** A short step of {@link EM_POLYAK_SHORT_STEPS}. */
export type EmPolyakShortStep = (typeof EM_POLYAK_SHORT_STEPS)[number];

/**
 * The estimator's default layout: 'full', scikit-learn's default, now that full runs wherever the other layouts
 * do (every solver, workers, the pool, file sources, SQL tables, float32 passes, partialFit); README "Defaults"
 * says when 'diagonal' is the better choice.
 */
export const DEFAULT_COVARIANCE: CovarianceType = 'full';

/** How a command-line flag spells an option and turns its string into the option's value. */
export interface CliSpelling {
  /** The long name without dashes. */
  flag: string;
  /** The value's placeholder in `--help`. */
  arg: string;
  alias?: string;
  /**
   * 'word': the string as given; 'number': a numeric literal becomes a number, anything else stays a string,
   * so the option's check rejects it naming what was received.
   */
  read: 'word' | 'number';
  /** Words the flag takes besides {@link OptionEntry.values} (read by the command, e.g. `w1,w2,..`). */
  more?: string;
  /** What `--help` prints as the default when the option has none of its own (e.g. variance's 1). */
  defaultText?: string;
  /** Said after the default in `--help`. */
  note?: string;
}

/** One option: its check and default, the words it allows, its doc and its command-line spelling. */
export interface OptionEntry {
  readonly check: Check;
  /** undefined: none. */
  readonly default: unknown;
  /** The words it allows when its value is one of a list (also a number for `optimum`). */
  readonly values?: readonly string[];
  readonly doc: string;
  readonly cli?: CliSpelling;
}

/** A registry: one entry per option of T. */
export type OptionRegistry<T> = { readonly [K in keyof T]-?: OptionEntry };

/** The check-and-default table of `registry`, for resolveTable. */
export function tableOf<T>(registry: OptionRegistry<T>): OptionTable<T> {
  const out: Record<string, readonly [Check, unknown]> = {};
  for (const [key, e] of Object.entries(registry) as [string, OptionEntry][]) out[key] = [e.check, e.default];
  return out as OptionTable<T>;
}

const choice = (values: readonly string[], def: unknown, doc: string, cli?: Omit<CliSpelling, 'read'>): OptionEntry =>
  ({ check: oneOf(values), default: def, values, doc, ...(cli ? { cli: { ...cli, read: 'word' } } : {}) });
const num = (check: Check, def: unknown, doc: string, cli?: Omit<CliSpelling, 'read'>): OptionEntry =>
  ({ check, default: def, doc, ...(cli ? { cli: { ...cli, read: 'number' } } : {}) });

/** f*: a finite number or an estimator name. */
export const optimumCheck: Check = (v) =>
  (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && (OPTIMUM_ESTIMATORS as readonly string[]).includes(v))
    ? null : `must be a finite number or one of ${OPTIMUM_ESTIMATORS.map((s) => `'${s}'`).join(', ')}`;

/** The options of `minimize` (src/solvers/options.ts documents each in MinimizeOptions). */
export const SOLVER_OPTIONS: OptionRegistry<MinimizeOptions> = {
  solver: choice(SOLVERS, 'gd-polyak', 'solver', { flag: 'solver', arg: 'S' }),
  weights: choice(WEIGHT_MODES, 'fixed', 'mixing weights', { flag: 'weights', arg: 'W', more: 'w1,w2,..', note: 'fixed alone is uniform; w1,w2,.. fixes them at those values' }),
  covariance: choice(COVARIANCES, 'fixed', 'covariance layout'),
  variance: num(positive, undefined, 'shared variance σ² for covariance fixed', { flag: 'variance', arg: 'V', defaultText: '1' }),
  regCovar: num(nonNegative, 1e-6, 'floor of learned variances'),
  optimum: { check: optimumCheck, default: undefined, values: OPTIMUM_ESTIMATORS, doc: 'f* for Polyak steps', cli: { flag: 'optimum', arg: 'F', read: 'number', more: 'a number' } },
  shortSteps: num(intAtLeast(1), undefined, 'K short steps per epoch'),
  emPolyakShort: choice(EM_POLYAK_SHORT_STEPS, 'em', "the short steps of em-polyak"),
  andersonOrder: num(intAtLeast(1), 5, "m, the past differences of 'anderson'"),
  shortStepSize: num(positive, 1, 'η of the short steps'),
  maxPolyakStep: num(positiveOrInf, 1e12, 'γ_max of the Polyak steps'),
  adaptive: { check: bool, default: false, doc: 'probe the long step early' },
  monotone: { check: bool, default: true, doc: 'reject long steps that raise the loss' },
  backtrack: { check: bool, default: false, doc: 'halve gradient steps that raise the loss' },
  metric: choice(METRICS, 'euclidean', 'geometry of the gradient steps'),
  learningRate: num(positive, undefined, "step of 'gd', η of 'gradient-em'"),
  maxIter: num(intAtLeast(0), 1000, 'iteration limit', { flag: 'max-iter', arg: 'M', note: '0 keeps the start' }),
  maxEvaluations: num(intOrInf(1), Infinity, 'kernel-pass limit', { flag: 'max-evaluations', arg: 'E' }),
  tol: num(nonNegative, 1e-10, 'gradient-norm tolerance; for the EM-map solvers also the loss-change tolerance', { flag: 'tol', arg: 'T' }),
  lossTol: num(nonNegative, 0, 'stop when loss − f* ≤ lossTol'),
  lossChangeTol: num(nonNegative, 0, 'stop when an EM-map step changes the loss by ≤ lossChangeTol·max(1, |loss|)'),
  maxRejections: num(intAtLeast(1), 10, 'consecutive rejected Polyak trials before stopping'),
  onIteration: { check: fn, default: undefined, doc: 'called after every iteration' },
  signal: { check: signalLike, default: undefined, doc: 'aborts the run' },
};

const arrayCheck: Check = (v) => (Array.isArray(v) || ArrayBuffer.isView(v) ? null : 'must be an array of numbers');
const initCheck: Check = (v) =>
  ((INIT_METHODS as readonly unknown[]).includes(v) || (v !== null && typeof v === 'object' && !Array.isArray(v))
    ? null : `must be ${INIT_METHODS.map((m) => `'${m}'`).join(', ')} or a model { means, weights?, variances? } (or { means, weights?, covariances? })`);

const { lossTol: _lossTol, ...solverOnly } = SOLVER_OPTIONS;
const withDefault = (e: OptionEntry, d: unknown): OptionEntry => ({ ...e, default: d });

/** The options of `GaussianMixture`: the solver options of `minimize` (its own defaults) plus the estimator's own. */
export const ESTIMATOR_OPTIONS: OptionRegistry<GaussianMixtureOptions> = {
  ...solverOnly,
  lossChangeTol: withDefault(SOLVER_OPTIONS.lossChangeTol, undefined),
  // Data in its own units: steps scaled as gradient EM scales them, and backtracked, so the fixed-step
  // solvers neither crawl (large variances) nor diverge (collapsing ones). Identical to the paper's
  // steps when σ² = 1 and η ≤ 1/L.
  backtrack: withDefault(SOLVER_OPTIONS.backtrack, true),
  solver: withDefault(SOLVER_OPTIONS.solver, 'auto'),
  metric: withDefault(SOLVER_OPTIONS.metric, 'em'),
  optimum: withDefault(SOLVER_OPTIONS.optimum, 'target-level'),
  // A data scientist's defaults (README "Defaults"): learned weights and full covariances (scikit-learn's), so
  // raw data in its own units fits without tuning. The paper's setting is `weights: 'fixed', covariance: 'fixed'`.
  weights: withDefault(SOLVER_OPTIONS.weights, 'learned'),
  covariance: choice(COVARIANCES, DEFAULT_COVARIANCE, 'covariance layout', {
    flag: 'covariance', arg: 'C', note: "fixed: one shared --variance, the paper's setting with --weights fixed",
  }),
  nComponents: num(intAtLeast(1), undefined, 'number of components (1 ≤ N ≤ rows)', { flag: 'components', alias: '-k', arg: 'N' }),
  weightsInit: { check: arrayCheck, default: undefined, doc: 'fixed weights, or the start of learned ones' },
  init: { check: initCheck, default: 'kmeans++', values: INIT_METHODS, doc: 'start', cli: { flag: 'init', arg: 'I', read: 'word', more: 'MODEL.json', note: 'MODEL.json: start from a saved model' } },
  nInit: num(intAtLeast(1), 1, 'seeded restarts'),
  seed: num(finite, 0, 'random seed for initialisation', { flag: 'seed', arg: 'S' }),
  threads: num(threadsOption, 'auto', "worker threads: an integer ≥ 1 or auto", {
    flag: 'threads', arg: 'T', note: 'auto: 1 below ~52 000 rows at d = 2 or 20 000 at d = 10, else all cores',
  }),
  kernel: choice(KERNEL_CHOICES, 'auto', 'kernel build', { flag: 'kernel', arg: 'K' }),
  wasm: { check: wasmSource, default: undefined, doc: 'your own copy of the kernel build' },
  precision: choice(PRECISIONS, 'float64', 'precision of the fitting passes', { flag: 'precision', arg: 'P', note: 'float32 is faster, ~1e-6 relative error' }),
  onIteration: SOLVER_OPTIONS.onIteration,
  signal: SOLVER_OPTIONS.signal,
};

/** The estimator's option table (checks and defaults of {@link ESTIMATOR_OPTIONS}). */
export const ESTIMATOR_TABLE: OptionTable<GaussianMixtureOptions> = tableOf(ESTIMATOR_OPTIONS);
