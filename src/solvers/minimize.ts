/**
 * `minimize(objective, start, options)`: the public door of the solver core (solve.ts): validates the
 * objective, the start and the options once, then runs {@link solve}; the result never aliases internal
 * buffers.
 */
import { MixfitError } from '../errors.js';
import { diagonalMixture, toPublicParams, type DiagonalMixture } from '../model/mixture.js';
import type { Objective } from '../objective/objective.js';
import type { MixtureParams } from '../types.js';
import { readParams } from '../validate.js';
import type { HistoryRecord } from './driver.js';
import { resolveOptions, type MinimizeOptions } from './options.js';
import { solve, type SolveResult } from './solve.js';

export type { HistoryRecord } from './driver.js';
export type { MinimizeOptions } from './options.js';
export type { MinimizeStatus } from './status.js';

/** What {@link minimize} returns (fresh arrays; safe to keep and mutate). */
export interface MinimizeResult extends Omit<SolveResult, 'model'> {
  /** The parameters with the lowest finite loss seen: means n × d, weights n, variances as modelled. */
  params: Required<MixtureParams>;
  history: HistoryRecord[];
}

/**
 * Minimises `objective` over the mixture parameters starting from `start` (means n × d; weights and
 * variances as in {@link MixtureParams}). Each evaluation is one kernel pass through
 * `objective.statsAsync`.
 * @throws MixfitError for an invalid start (e.g. means not d columns) or option, before any evaluation.
 * @example
 * const kl = await populationObjective({ means: [[-2.5, 0], [2.5, 0]] });
 * const r = await minimize(kl, { means: start4x2 }, { solver: 'gd-polyak', optimum: 0, maxEvaluations: 1500 });
 */
export async function minimize(objective: Objective, start: MixtureParams, options?: MinimizeOptions): Promise<MinimizeResult> {
  if (!objective || typeof (objective as Objective).statsAsync !== 'function')
    throw new MixfitError('objective', 'must be an Objective (from empiricalObjective, populationObjective or sampleObjective)', objective);
  const o = resolveOptions(options);
  const p0 = diagonalMixture(readParams(start, 'start', objective.dim));
  const user = o.onIteration;
  const { model, ...run } = await solve(objective, p0, o, user && ((rec, m) => user({ ...rec, params: toPublicParams((m as DiagonalMixture).flat) })));
  return { ...run, params: toPublicParams((model as DiagonalMixture).flat) };
}
