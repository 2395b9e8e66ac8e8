/**
 * Model selection by an information criterion (mclust's BIC sweep, scikit-learn's BIC example): one
 * GaussianMixture per (covariance layout, component count), every candidate fitted from the same seed, the
 * lowest criterion kept.
 *
 * Candidates run one after another. Each candidate's passes already use the worker pool when the data is
 * large enough to pay (GaussianMixture's `threads: 'auto'` rule); fitting candidates side by side would need a
 * whole fit per worker, which the pool (row shards of one objective) does not offer, and on the kernels' cost
 * model two concurrent fits on the same cores finish no sooner than one after the other.
 */
import { MixfitError } from './errors.js';
import { GaussianMixture, type GaussianMixtureOptions } from './estimator.js';
import { aic, bic } from './model/criteria.js';
import { fn, resolveTable, type Check } from './optionTable.js';
import { COVARIANCES, type Covariance, type MatrixInput } from './types.js';
import { readMatrix } from './validate.js';

/** The criteria {@link selectModel} ranks by (lower is better for both, scikit-learn's sign). */
export const CRITERIA = ['bic', 'aic'] as const;
export type Criterion = (typeof CRITERIA)[number];

/** An inclusive range of component counts. */
export interface ComponentRange { from: number; to: number }

/** Options of {@link selectModel}: the sweep, plus any GaussianMixture option (applied to every candidate). */
export interface SelectModelOptions extends Omit<GaussianMixtureOptions, 'nComponents' | 'covariance' | 'onIteration' | 'init' | 'variance'> {
  /** Component counts to try: a list of distinct integers ≥ 1, or an inclusive range `{ from, to }`. */
  nComponents: readonly number[] | ComponentRange;
  /** Layouts to try, distinct [every learned layout of COVARIANCES, i.e. all but 'fixed']. */
  covariance?: readonly Covariance[];
  /** ['bic'] the criterion that ranks the candidates. */
  criterion?: Criterion;
  /** Called after each candidate's fit with its row, its 0-based index and the number of candidates. */
  onCandidate?: (row: SelectModelRow, index: number, total: number) => void;
}

/** One candidate's line in {@link SelectModelResult.table}. */
export interface SelectModelRow {
  nComponents: number;
  covariance: Covariance;
  /** The chosen criterion's value (lower is better). */
  value: number;
  bic: number;
  aic: number;
  /** Total log-likelihood of X in nats (scikit-learn's score(X)·N). */
  logLikelihood: number;
  /** Learned parameters (scikit-learn's `_n_parameters`). */
  parameterCount: number;
  converged: boolean;
}

/** What {@link selectModel} resolves with. */
export interface SelectModelResult {
  criterion: Criterion;
  /** Every candidate, covariance-major in the order given, then component counts ascending. */
  table: SelectModelRow[];
  /** The fitted candidate with the lowest criterion (the first one on a tie). */
  best: GaussianMixture;
}

/** The largest sweep: a typo such as 1..10000 should fail at once, not after hours. */
const MAX_CANDIDATES = 1000;

const SWEEP_KEYS = ['nComponents', 'covariance', 'criterion', 'onCandidate'] as const;

const countsCheck: Check = (v) => {
  const bad = 'must be a non-empty list of distinct integers ≥ 1 or a range { from, to } with integers 1 ≤ from ≤ to';
  if (Array.isArray(v)) {
    if (v.length === 0 || v.some((k) => !Number.isInteger(k) || k < 1) || new Set(v).size !== v.length) return bad;
    return null;
  }
  if (v === null || typeof v !== 'object') return bad;
  const r = v as Record<string, unknown>;
  if (Object.keys(r).some((k) => k !== 'from' && k !== 'to')) return bad;
  const { from, to } = r;
  return Number.isInteger(from) && Number.isInteger(to) && (from as number) >= 1 && (from as number) <= (to as number) ? null : bad;
};
const covariancesCheck: Check = (v) =>
  (Array.isArray(v) && v.length > 0 && v.every((c) => (COVARIANCES as readonly unknown[]).includes(c)) && new Set(v).size === v.length
    ? null : `must be a non-empty list of distinct layouts out of ${COVARIANCES.map((c) => `'${c}'`).join(', ')}`);
const criterionCheck: Check = (v) => ((CRITERIA as readonly unknown[]).includes(v) ? null : `must be one of ${CRITERIA.map((c) => `'${c}'`).join(', ')}`);

/** The component counts of a validated `nComponents` option, ascending. */
function counts(v: readonly number[] | ComponentRange): number[] {
  if (Array.isArray(v)) return [...v].sort((a, b) => a - b);
  const { from, to } = v as ComponentRange;
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * Fits one GaussianMixture per (covariance, nComponents) on X (N × d) and ranks them by BIC or AIC.
 * Every option is checked (and every candidate estimator constructed) before the first fit.
 * @throws MixfitError naming `options.<name>` for a bad sweep or estimator option, or `X` for bad data or a
 *   component count above the number of rows.
 */
export async function selectModel(X: MatrixInput, options: SelectModelOptions): Promise<SelectModelResult> {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new MixfitError('options', 'must be an object with at least nComponents', options);
  if (!Object.hasOwn(options, 'nComponents') || options.nComponents === undefined)
    throw new MixfitError('options.nComponents', 'is required (a list of integers ≥ 1 or a range { from, to })');
  const sweepOptions: Record<string, unknown> = {}, rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) ((SWEEP_KEYS as readonly string[]).includes(k) ? sweepOptions : rest)[k] = v;
  const sweep = resolveTable<Pick<SelectModelOptions, (typeof SWEEP_KEYS)[number]>>({
    nComponents: [countsCheck, undefined],
    covariance: [covariancesCheck, COVARIANCES.filter((c) => c !== 'fixed')],
    criterion: [criterionCheck, 'bic'],
    onCandidate: [fn, undefined],
  }, sweepOptions) as Required<Pick<SelectModelOptions, 'nComponents' | 'criterion'>> & { covariance: Covariance[] } & Pick<SelectModelOptions, 'onCandidate'>;
  const ks = counts(sweep.nComponents);
  if (ks.length * sweep.covariance.length > MAX_CANDIDATES)
    throw new MixfitError('options.nComponents', `must give at most ${MAX_CANDIDATES} candidates together with options.covariance`, `${ks.length * sweep.covariance.length} candidates`);
  // These are the sweep's to set, per candidate.
  for (const k of ['init', 'variance', 'onIteration'] as const)
    if (Object.hasOwn(rest, k)) throw new MixfitError(`options.${k}`, 'is not an option of selectModel (every candidate starts from kmeans++ or random rows)', rest[k]);
  const M = readMatrix(X, 'X', undefined, true);
  if (ks[ks.length - 1]! > M.rows)
    throw new MixfitError('options.nComponents', `must not exceed the number of rows of X (${M.rows})`, ks[ks.length - 1]);
  // Learned weights unless the caller fixes them: a criterion compares models, and fixed uniform weights are
  // rarely the model anyone means to compare.
  const base = { weights: 'learned', ...rest } as Omit<GaussianMixtureOptions, 'nComponents'>;
  // Constructed up front: a bad estimator option fails here, before any fit.
  const candidates = sweep.covariance.flatMap((covariance) => ks.map((nComponents) => ({
    nComponents, covariance, gm: new GaussianMixture({ ...base, nComponents, covariance }),
  })));
  const table: SelectModelRow[] = [];
  let best: { gm: GaussianMixture; value: number } | undefined;
  for (const c of candidates) {
    const r = await c.gm.fit(M);
    const logLikelihood = c.gm.score(M) * M.rows;
    const p = c.gm.parameterCount();
    const mean = logLikelihood / M.rows;
    const row: SelectModelRow = {
      nComponents: c.nComponents, covariance: c.covariance, value: 0, bic: bic(mean, M.rows, p), aic: aic(mean, M.rows, p),
      logLikelihood, parameterCount: p, converged: r.converged,
    };
    row.value = row[sweep.criterion];
    table.push(row);
    sweep.onCandidate?.(row, table.length - 1, candidates.length);
    if (!best || row.value < best.value) best = { gm: c.gm, value: row.value };
  }
  return { criterion: sweep.criterion, table, best: best!.gm };
}
