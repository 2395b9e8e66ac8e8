/**
 * `minimize(objective, start, options)`: fits a mixture to any {@link Objective} with one of the solvers
 * (ALGORITHM.md §3, §8) and returns a result that never aliases internal buffers.
 */
import { MixfitError } from '../errors.js';
import { floorTolerances } from '../kernel/precision.js';
import type { Objective } from '../objective/objective.js';
import type { MixtureParams } from '../types.js';
import { readParams, toPublicParams } from '../validate.js';
import { runSteps, type HistoryRecord } from './driver.js';
import { MixtureProblem } from './mixtureProblem.js';
import { aitken } from './optimum/aitken.js';
import type { EstimatorFactory } from './optimum/estimator.js';
import { hazanKakade } from './optimum/hazanKakade.js';
import { knownOptimum } from './optimum/known.js';
import { targetLevel } from './optimum/targetLevel.js';
import { resolveOptions, type MinimizeOptions, type ResolvedOptions } from './options.js';
import { Parameterization } from './parameterization.js';
import { buildStep } from './registry.js';
import { autoSolver } from './auto.js';
import { STATUS_TABLE, type MinimizeStatus } from './status.js';

export type { HistoryRecord } from './driver.js';
export type { MinimizeOptions } from './options.js';
export type { MinimizeStatus } from './status.js';

/** What {@link minimize} returns (fresh arrays; safe to keep and mutate). */
export interface MinimizeResult {
  /** The parameters with the lowest finite loss seen: means n × d, weights n, variances as modelled. */
  params: Required<MixtureParams>;
  /** Loss at `params` (nats; KL for population objectives). */
  loss: number;
  /** True when a tolerance was met (status 'gradient-tolerance', 'loss-tolerance' or 'loss-change'). */
  converged: boolean;
  status: MinimizeStatus;
  statusCode: number;
  message: string;
  nIter: number;
  /** Kernel passes used, the initial one and rejected trials included. */
  nEvaluations: number;
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
  // Under float32 passes a tolerance below the pass's rounding noise would never be met reliably.
  const o = floorTolerances(resolveOptions(options), objective.precision);
  const p0 = readParams(start, 'start', objective.dim);
  const variance = o.variance ?? (typeof start.variances === 'number' ? start.variances : 1);
  const param = new Parameterization({
    n: p0.n, d: p0.d, weights: o.weights, covariance: o.covariance, regCovar: o.regCovar, logWeights: p0.logWeights, variance,
  });
  const x0 = param.toTheta(p0.means, p0.logWeights, startVariances(p0, o.covariance));
  const estimator = resolveEstimator(objective, o, param, variance);
  const problem = new MixtureProblem(objective, param, o.metric);
  const solver = o.solver === 'auto' ? autoSolver(objective, o, estimator.known) : o.solver;
  const step = buildStep(solver, o, estimator.factory);
  const onIteration = o.onIteration;
  const run = await runSteps(problem, x0, step, {
    maxIter: o.maxIter, maxEvaluations: o.maxEvaluations, tol: o.tol, optimum: estimator.known, lossTol: o.lossTol,
    lossChangeTol: o.lossChangeTol,
    maxRejections: o.maxRejections, signal: o.signal,
    onIteration: onIteration && ((rec, x) => onIteration({ ...rec, params: toPublicParams(param.toFlat(x)) })),
  });
  const entry = STATUS_TABLE[run.status];
  return {
    params: toPublicParams(param.toFlat(run.x)),
    loss: run.loss,
    converged: entry.converged,
    status: run.status,
    statusCode: entry.code,
    message: entry.message,
    nIter: run.nIter,
    nEvaluations: run.nEvaluations,
    history: run.history,
  };
}

/** Start variances in the learned layout (n for spherical, n·d for diagonal), broadcast from what was given. */
function startVariances(p: ReturnType<typeof readParams>, covariance: ResolvedOptions['covariance']): Float64Array {
  const { n, d } = p;
  const at = (i: number, j: number) =>
    p.layout === 'shared' ? p.variances[0] : p.layout === 'component' ? p.variances[i] : p.variances[i * d + j];
  if (covariance === 'spherical') {
    return Float64Array.from({ length: n }, (_, i) => { let s = 0; for (let j = 0; j < d; j++) s += at(i, j); return s / d; });
  }
  if (covariance === 'diagonal') return Float64Array.from({ length: n * d }, (_, k) => at(Math.floor(k / d), k % d));
  return new Float64Array(0);
}

/** The f* source: a number (given or the objective's known optimum) or an estimator. */
function resolveEstimator(objective: Objective, o: ResolvedOptions, param: Parameterization, variance: number): { factory: EstimatorFactory; known?: number } {
  const opt = o.optimum ?? objective.knownOptimum ?? 'target-level';
  if (typeof opt === 'number') return { factory: knownOptimum(opt), known: opt };
  if (opt === 'target-level') return { factory: targetLevel };
  if (opt === 'aitken') return { factory: aitken };
  // Hazan–Kakade needs a valid lower bound: 0 for a quadrature KL; otherwise the loss is
  // offset − mean ℓ with ℓ ≤ −(d/2) log(2π σ²_min).
  if (objective.kind === 'population' && objective.knownOptimum !== undefined) return { factory: hazanKakade(objective.knownOptimum) };
  const vmin = param.learnVariances ? o.regCovar : variance;
  if (!(vmin > 0))
    throw new MixfitError('options.optimum', "'hazan-kakade' needs a lower bound on the loss: set regCovar > 0 when variances are learned", opt);
  return { factory: hazanKakade(objective.offset + 0.5 * objective.dim * Math.log(2 * Math.PI * vmin)) };
}
