/**
 * `minimizeFunction`: the same gd / polyak / gd-polyak steps and driver as {@link minimize}, over a plain
 * function of a vector (test functions such as U1 = x⁴ + 10(y − x²)², quadratics). For research and the
 * convergence benchmark; mixture-only solvers (em, gradient-em) are not available here.
 */
import { MixfitError } from '../errors.js';
import { outcomeOf, runSteps, type HistoryRecord, type RunOutcome } from './driver.js';
import { aitken } from './optimum/aitken.js';
import { hazanKakade } from './optimum/hazanKakade.js';
import { knownOptimum } from './optimum/known.js';
import { targetLevel } from './optimum/targetLevel.js';
import { resolveOptions, type MinimizeOptions } from './options.js';
import { functionProblem } from './problem.js';
import { buildStep } from './registry.js';

/** Options of {@link minimizeFunction}: those of `minimize` that apply to a plain vector. */
export type FunctionMinimizeOptions = Omit<MinimizeOptions, 'weights' | 'covariance' | 'variance' | 'regCovar' | 'onIteration' | 'solver' | 'optimum' | 'metric' | 'lossChangeTol'> & {
  solver?: 'gd-polyak' | 'gd' | 'polyak';
  /** f* or an estimator; 'hazan-kakade' needs `lowerBound` [target-level]. */
  optimum?: number | 'target-level' | 'aitken' | 'hazan-kakade';
  /** A valid lower bound on f for 'hazan-kakade'. */
  lowerBound?: number;
  onIteration?: (info: HistoryRecord & { x: number[] }) => boolean | void;
};

/** Result of {@link minimizeFunction}. */
export interface FunctionMinimizeResult extends RunOutcome {
  /** The best point seen (length of x0). */
  x: number[];
}

/**
 * Minimises f from `x0` (length P) where `fg(x, g)` returns f(x) and writes ∇f(x) into g (length P).
 * Each call of `fg` is one counted evaluation.
 * @throws MixfitError for a bad x0 or option.
 * @example
 * const u1 = (v, g) => { const r = v[1] - v[0] ** 2; g[0] = 4 * v[0] ** 3 - 40 * v[0] * r; g[1] = 20 * r; return v[0] ** 4 + 10 * r * r; };
 * await minimizeFunction(u1, [1, 0.5], { optimum: 0, shortSteps: 100, shortStepSize: 0.0125 });
 */
export async function minimizeFunction(
  fg: (x: Float64Array, g: Float64Array) => number, x0: ArrayLike<number>, options: FunctionMinimizeOptions = {},
): Promise<FunctionMinimizeResult> {
  if (typeof fg !== 'function') throw new MixfitError('fg', 'must be a function (x, g) => f(x) that fills g', fg);
  if (options === null || typeof options !== 'object') throw new MixfitError('options', 'must be an object', options);
  if (!x0 || typeof x0.length !== 'number' || x0.length < 1) throw new MixfitError('x0', 'must be a non-empty array of numbers', x0);
  const x = Float64Array.from(x0);
  x.forEach((v, k) => { if (!Number.isFinite(v)) throw new MixfitError('x0', 'entries must be finite numbers', `${v} at index ${k}`); });
  const solver: 'gd-polyak' | 'gd' | 'polyak' = options.solver ?? 'gd-polyak';
  if (!['gd-polyak', 'gd', 'polyak'].includes(solver)) throw new MixfitError('options.solver', "must be one of 'gd-polyak', 'gd', 'polyak'", solver);
  const { onIteration, lowerBound, ...rest } = options;
  const o = resolveOptions({ ...rest, solver } as MinimizeOptions);
  const opt = o.optimum ?? 'target-level';
  let factory;
  if (typeof opt === 'number') factory = knownOptimum(opt);
  else if (opt === 'target-level') factory = targetLevel;
  else if (opt === 'aitken') factory = aitken;
  else {
    if (typeof lowerBound !== 'number' || !Number.isFinite(lowerBound))
      throw new MixfitError('options.lowerBound', "must be a finite number (a lower bound on f) for 'hazan-kakade'", lowerBound);
    factory = hazanKakade(lowerBound);
  }
  const run = await runSteps(functionProblem(x.length, fg), x, buildStep(solver, o, factory), {
    maxIter: o.maxIter, maxEvaluations: o.maxEvaluations, tol: o.tol, optimum: typeof opt === 'number' ? opt : undefined,
    lossTol: o.lossTol, maxRejections: o.maxRejections, signal: o.signal,
    onIteration: onIteration && ((rec, xi) => onIteration({ ...rec, x: Array.from(xi) })),
  });
  return { x: Array.from(run.x), ...outcomeOf(run) };
}
