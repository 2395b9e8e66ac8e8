/**
 * The solver core: one fit of a validated start model over an {@link Objective} with resolved options. No
 * validation here (the public `minimize` and the estimator validate at their doors, once); the result is
 * built in one place ({@link solveResult}) in the internal model's form.
 */
import { MixfitError } from '../errors.js';
import { floorTolerances } from '../kernel/precision.js';
import type { Mixture } from '../model/mixture.js';
import type { Objective } from '../objective/objective.js';
import { outcomeOf, runSteps, type HistoryRecord, type RunOutcome, type RunResult } from './driver.js';
import { MixtureProblem } from './mixtureProblem.js';
import { aitken } from './optimum/aitken.js';
import type { EstimatorFactory } from './optimum/estimator.js';
import { hazanKakade } from './optimum/hazanKakade.js';
import { knownOptimum } from './optimum/known.js';
import { targetLevel } from './optimum/targetLevel.js';
import type { ResolvedOptions } from './options.js';
import { parameterizationOf } from './parameterization.js';
import type { ThetaMap } from './thetaMap.js';
import { buildStep } from './registry.js';
import { autoSolver } from './auto.js';

/** What {@link solve} returns: the model with the lowest finite loss seen and how the run ended (fresh arrays). */
export interface SolveResult extends RunOutcome {
  /** The fitted model in the options' covariance layout; `loss` is at it (nats; KL for population objectives). */
  model: Mixture;
}

/** Called after every iteration with the record (a copy) and the current model (fresh); false stops. */
export type SolveProgress = (record: HistoryRecord, model: Mixture) => boolean | void;

/**
 * Minimises `objective` from `start` (validated, of the objective's dimension) with options `o` (resolved,
 * as from resolveOptions). Each evaluation is one kernel pass through the objective.
 * @throws MixfitError only for an option that conflicts with the objective ('hazan-kakade' without a bound).
 */
export async function solve(objective: Objective, start: Mixture, options: ResolvedOptions, onIteration?: SolveProgress): Promise<SolveResult> {
  // Under float32 passes a tolerance below the pass's rounding noise would never be met reliably.
  const o = floorTolerances(options, objective.precision);
  const param = parameterizationOf(start, o, objective.matrixMath);
  const x0 = param.thetaOf(start);
  const estimator = resolveEstimator(objective, o, param);
  const problem = new MixtureProblem(objective, param, o.metric);
  const solver = o.solver === 'auto' ? autoSolver(objective, o, estimator.known) : o.solver;
  const step = buildStep(solver, o, estimator.factory);
  const run = await runSteps(problem, x0, step, {
    maxIter: o.maxIter, maxEvaluations: o.maxEvaluations, tol: o.tol, optimum: estimator.known, lossTol: o.lossTol,
    lossChangeTol: o.lossChangeTol, maxRejections: o.maxRejections, signal: o.signal,
    onIteration: onIteration && ((rec, x) => onIteration(rec, param.mixture(x))),
  });
  return solveResult(run, param.mixture(run.x));
}

/** A run's outcome with the model at its best θ. */
export function solveResult(run: RunResult, model: Mixture): SolveResult {
  return { model, ...outcomeOf(run) };
}

/** The f* source: a number (given or the objective's known optimum) or an estimator. */
function resolveEstimator(objective: Objective, o: ResolvedOptions, param: ThetaMap): { factory: EstimatorFactory; known?: number } {
  const opt = o.optimum ?? objective.knownOptimum ?? 'target-level';
  if (typeof opt === 'number') return { factory: knownOptimum(opt), known: opt };
  if (opt === 'target-level') return { factory: targetLevel };
  if (opt === 'aitken') return { factory: aitken };
  // Hazan–Kakade needs a valid lower bound: 0 for a quadrature KL; otherwise the loss is
  // offset − mean ℓ with ℓ ≤ −(d/2) log(2π σ²_min).
  if (objective.kind === 'population' && objective.knownOptimum !== undefined) return { factory: hazanKakade(objective.knownOptimum) };
  const vmin = param.learnVariances ? o.regCovar : param.fixedVariance;
  if (!(vmin > 0))
    throw new MixfitError('options.optimum', "'hazan-kakade' needs a lower bound on the loss: set regCovar > 0 when variances are learned", opt);
  return { factory: hazanKakade(objective.offset + 0.5 * objective.dim * Math.log(2 * Math.PI * vmin)) };
}
