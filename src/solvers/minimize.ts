/**
 * `minimize(objective, start, options)`: the public door of the solver core (solve.ts): validates the
 * objective, the start and the options once, then runs {@link solve}; the result never aliases internal
 * buffers.
 */
import { MixfitError } from '../errors.js';
import { readFullStart } from '../model/fullModel.js';
import { diagonalMixture, fromPublic, toPublic, type Mixture } from '../model/mixture.js';
import type { Objective } from '../objective/objective.js';
import { isMatrixCovariance, type FittedParams, type FullMixtureParams, type MatrixCovariance, type MixtureParams } from '../types.js';
import { readParams } from '../validate.js';
import type { HistoryRecord } from './driver.js';
import { resolveOptions, type MinimizeOptions } from './options.js';
import { solve, type SolveResult } from './solve.js';

export type { HistoryRecord } from './driver.js';
export type { MinimizeOptions } from './options.js';
export type { MinimizeStatus } from './status.js';

/** What {@link minimize} returns (fresh arrays; safe to keep and mutate). */
export interface MinimizeResult extends Omit<SolveResult, 'model'> {
  /**
   * The parameters with the lowest finite loss seen: means n × d, weights n, variances as modelled; with
   * covariance 'full' | 'tied' also `covariances` (n × d × d or d × d), `variances` holding their diagonals.
   */
  params: FittedParams;
  history: HistoryRecord[];
}

/**
 * Minimises `objective` over the mixture parameters starting from `start`: for the diagonal layouts means
 * n × d with weights and variances as in {@link MixtureParams}; for covariance 'full' | 'tied' means n × d,
 * weights and covariances as in {@link FullMixtureParams} (n × d × d or d × d, symmetric positive definite;
 * default the identity). Each evaluation is one kernel pass through the objective.
 * @throws MixfitError for an invalid start (e.g. means not d columns, covariances not SPD) or option, or an
 *   objective that cannot run the full/tied pass (float32 or SQL passes), before any evaluation.
 * @example
 * const kl = await populationObjective({ means: [[-2.5, 0], [2.5, 0]] });
 * const r = await minimize(kl, { means: start4x2 }, { solver: 'gd-polyak', optimum: 0, maxEvaluations: 1500 });
 * const f = await minimize(await empiricalObjective(X), { means: m, covariances: [I, I] }, { solver: 'em', covariance: 'full', weights: 'learned' });
 */
export async function minimize(objective: Objective, start: MixtureParams | FullMixtureParams, options?: MinimizeOptions): Promise<MinimizeResult> {
  if (!objective || typeof (objective as Objective).statsAsync !== 'function')
    throw new MixfitError('objective', 'must be an Objective (from empiricalObjective, populationObjective or sampleObjective)', objective);
  const o = resolveOptions(options);
  const p0 = isMatrixCovariance(o.covariance) ? matrixStart(objective, start as FullMixtureParams, o.covariance) : diagonalStart(objective, start);
  const user = o.onIteration;
  const { model, ...run } = await solve(objective, p0, o, user && ((rec, m) => user({ ...rec, params: toPublic(m) })));
  return { ...run, params: toPublic(model) };
}

/** A diagonal start of the objective's dimension. @throws MixfitError naming `start.<field>`. */
function diagonalStart(objective: Objective, start: MixtureParams | FullMixtureParams): Mixture {
  const covariances = (start as FullMixtureParams | null)?.covariances;
  if (covariances !== undefined) throw new MixfitError('start.covariances', "must be given with covariance 'full' or 'tied' only", covariances);
  return diagonalMixture(readParams(start as MixtureParams, 'start', objective.dim));
}

/**
 * A full/tied start of the objective's dimension (weights default uniform, covariances the identity), after
 * checking that the objective runs the full/tied pass. @throws MixfitError naming `objective` or `start.<field>`.
 */
function matrixStart(objective: Objective, start: FullMixtureParams, covariance: MatrixCovariance): Mixture {
  if (typeof objective.fullStatsAsync !== 'function')
    throw new MixfitError('objective', `cannot run the full/tied pass of covariance '${covariance}' (its '${objective.variant}' passes cover the diagonal layouts only)`);
  if (start === null || typeof start !== 'object') throw new MixfitError('start', 'must be an object { means, weights?, covariances? }', start);
  const n = Array.isArray(start.means) ? start.means.length : 0;
  const tied = covariance === 'tied', d = objective.dim;
  const s = readFullStart(start, n, tied, 'start', d);
  const identity = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, l) => (j === l ? 1 : 0)));
  const covariances = s.covariances ?? (tied ? identity : Array.from({ length: n }, () => identity));
  return fromPublic({ means: s.means, weights: s.weights ?? new Array<number>(n).fill(1 / n), variances: 1, covariances }, covariance);
}
