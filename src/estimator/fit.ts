/**
 * The fit loop of GaussianMixture: seeded restarts of one solver over one objective (the solver core,
 * solvers/solve.ts, on validated inputs), the kept restart, and the public {@link FitResult} with its
 * convergence and degenerate-component warnings, built in one place ({@link describeFit}).
 */
import { AbortError, FitError } from '../errors.js';
import { columnVariances, regCovarWarning } from '../model/dataScale.js';
import { floorCoordinates } from '../model/fullCovariance.js';
import { cloneFitted, isMatrixMixture, toPublic, type Mixture } from '../model/mixture.js';
import { Rng } from '../model/rng.js';
import { BackendObjective, type Objective } from '../objective/objective.js';
import { residentBackend } from '../parallel/backend.js';
import { resolveThreads, threadsCapNote } from '../parallel/threads.js';
import { loadKernels, type Kernels } from '../runtime/kernels.js';
import { solve, type SolveResult } from '../solvers/solve.js';
import type { OutOfCoreData } from '../stream/fitSource.js';
import type { FlatParams, Matrix } from '../types.js';
import { coreOptions, type FitResult, type Resolved } from './options.js';
import { diagonalStart, matrixStart } from './start.js';

/** A finished fit: the public result, the model to commit and the kernels it ran on. */
export interface FitRun {
  result: FitResult;
  model: Mixture;
  kernels: Kernels;
}

/** What one fit reads besides the options: the data (in memory, or a source's seeded sample), weights, signal. */
export interface FitInputs {
  M: Matrix;
  w: Float64Array | undefined;
  signal: AbortSignal | undefined;
  /** An out-of-core source (a file or an SQL table): passes stream over it; M is its sample. */
  source?: OutOfCoreData;
  /** The init model validated at construction (diagonal layouts), and whether it gave variances. */
  init?: { flat: FlatParams; hasVariances: boolean };
  /** Under precision 'float32' (the range checked): the centre of all rows, for every shard or chunk's f32 layout. */
  float32?: { center: Float64Array };
}

/**
 * Fits a diagonal layout: restarts of the solver core over one objective (worker pool, stream or SQL as
 * the data say). @throws AbortError (with `.result`) when aborted, FitError when no restart ended finite.
 */
export function fitDiagonal(o: Readonly<Resolved>, x: FitInputs): Promise<FitRun> {
  return fitRestarts(o, x, (rng) => {
    const start = diagonalStart(o, x.init?.flat, x.init?.hasVariances ?? false, x.M, x.w, rng);
    return { start, variance: o.covariance === 'fixed' ? start.flat.variances[0] : o.variance };
  });
}

/**
 * Fits 'full'/'tied': seeded restarts of the solver core over one objective (in memory, on `threads` workers,
 * streamed from a file source, or queries to an SQL engine, as the data say). Throws as {@link fitDiagonal}.
 */
export function fitMatrix(o: Readonly<Resolved>, x: FitInputs): Promise<FitRun> {
  return fitRestarts(o, x, (rng) => ({ start: matrixStart(o, x.M, x.w, rng), variance: undefined }));
}

/**
 * The fit of every layout: kernels, threads and one objective for all restarts (a source's own, or the data
 * resident on `threads` workers), the data-scale warnings, then restart r from `startOf(rng.fork(r))`
 * through the solver core, the best kept ({@link keepBest}). The objective is disposed however it ends.
 */
async function fitRestarts(o: Readonly<Resolved>, x: FitInputs,
  startOf: (rng: Rng) => { start: Mixture; variance: number | undefined }): Promise<FitRun> {
  const { M, w, signal, source } = x;
  const kernels = await loadKernels({ kernel: o.kernel, wasm: o.wasm });
  const threads = await resolveThreads(o.threads, source?.rows ?? M.rows, M.cols);
  const objective = source ? source.objective(kernels, threads, x.float32)
    : new BackendObjective(residentBackend(kernels, M.data, M.rows, M.cols, w, { threads, signal, precision: o.precision, center: x.float32?.center }), 'empirical');
  const warnings = [threadsCapNote(o.threads, threads, source?.rows ?? M.rows),
    o.covariance === 'fixed' ? undefined : regCovarWarning(columnVariances(M, w), o.regCovar)].filter((s): s is string => s !== undefined);
  const rng = new Rng(o.seed);
  try {
    return await keepBest(o, kernels, warnings, (restart) => {
      const { start, variance } = startOf(rng.fork(restart));
      return runCore(o, objective, start, variance, restart, signal);
    });
  } finally {
    objective.dispose();
  }
}

/** One restart through the solver core, with the user's progress callback in the public shapes. */
function runCore(o: Readonly<Resolved>, objective: Objective, start: Mixture, variance: number | undefined, restart: number,
  signal: AbortSignal | undefined): Promise<SolveResult> {
  const user = o.onIteration;
  return solve(objective, start, coreOptions(o, variance, signal), user && ((rec, m) => user({ ...rec, params: toPublic(m), restart })));
}

/** Runs the restarts, keeps the best and describes it. @throws AbortError (with `.result`) when one was aborted. */
async function keepBest(o: Readonly<Resolved>, kernels: Kernels, warnings: string[],
  runOne: (restart: number) => SolveResult | Promise<SolveResult>): Promise<FitRun> {
  const runs = typeof o.init === 'object' ? 1 : o.nInit;
  const { best, total, aborted } = await runRestarts(runs, warnings, runOne);
  const result = describeFit(o, best.r, best.restart, total, warnings);
  // An abort in any restart aborts the fit, even when an earlier, finished restart is the best.
  if (aborted) throw Object.assign(new AbortError('the fit was aborted; the previous model is unchanged'), { result });
  return { result, model: best.r.model, kernels };
}

/** The public result of the kept restart, with warnings about convergence and degenerate components. */
export function describeFit(o: Readonly<Resolved>, r: SolveResult, restart: number, total: number, warnings: string[]): FitResult {
  const out = [...warnings];
  if (!r.converged && r.status !== 'aborted')
    out.push(`did not converge: ${r.message} after ${r.nIter} iterations (${r.nEvaluations} evaluations); raise maxIter/maxEvaluations or tol`);
  const p = toPublic(r.model);
  const degenerate: string[] = [];
  if (isMatrixMixture(r.model)) {
    // Σ = regCovar·I + A·Aᵀ: a negligible pivot A_jj² means Σ sits on the floor in some direction (the
    // component spans a lower-dimensional set), whether or not that direction is an axis.
    const { n, d, tied } = r.model.pass;
    const theta = floorCoordinates(r.model.covariances, d, tied ? 1 : n, o.regCovar);
    const tri = (d * (d + 1)) / 2;
    for (let b = 0; b < (tied ? 1 : n); b++) {
      let hit = false;
      for (let j = 0; j < d; j++) hit ||= Math.exp(2 * theta[b * tri + (j * (j + 3)) / 2]) <= 1e-6 * o.regCovar + 1e-300;
      if (hit) degenerate.push(`${tied ? 'the tied covariance' : `component ${b}`} collapsed: its covariance was floored at regCovar = ${o.regCovar} in some direction; use fewer components or a larger regCovar`);
    }
  } else if (o.covariance !== 'fixed') {
    // σ² = regCovar + e^s: a component whose e^s is negligible has collapsed onto (nearly) one point.
    const floorHit = (v: number) => v <= o.regCovar * (1 + 1e-6) + 1e-300;
    p.means.forEach((_, i) => {
      const v = p.variances as number[] | number[][];
      const hit = Array.isArray(v[i]) ? (v[i] as number[]).some(floorHit) : floorHit(v[i] as number);
      if (hit) degenerate.push(`component ${i} collapsed: its variance was floored at regCovar = ${o.regCovar}; use fewer components or a larger regCovar`);
    });
  }
  if (o.weights === 'learned') {
    p.weights.forEach((wi, i) => {
      if (wi < 1e-12) degenerate.push(`component ${i} is empty (weight ${wi.toExponential(2)}); use fewer components`);
    });
  }
  out.push(...degenerate);
  return {
    converged: r.converged, status: r.status, statusCode: r.statusCode, warnings: out,
    // scikit-learn's advice, kept with the status: a collapsed or empty component is worth knowing about.
    message: degenerate.length ? `${r.message}; ${degenerate.join('; ')}` : r.message,
    nIter: r.nIter, nEvaluations: r.nEvaluations, totalEvaluations: total, loss: r.loss, lowerBound: -r.loss,
    history: r.history, params: p, restart,
  };
}

/** A deep copy of a fit result. */
export function copyResult(r: FitResult): FitResult {
  return { ...r, warnings: r.warnings.slice(), history: r.history.map((h) => ({ ...h })), params: cloneFitted(r.params) };
}

/** A signal that aborts when either given signal does (AbortSignal.any is not in every runtime we support). */
export function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a || !b) return a ?? b;
  const c = new AbortController();
  const stop = () => c.abort();
  if (a.aborted || b.aborted) c.abort();
  else { a.addEventListener('abort', stop, { once: true }); b.addEventListener('abort', stop, { once: true }); }
  return c.signal;
}

/** What {@link runRestarts} returns: the best finite restart, the evaluations of all, and whether one was aborted. */
interface Restarts<R> {
  best: { r: R; restart: number };
  total: number;
  aborted: boolean;
}

/**
 * The restart loop of every fit: runs restarts 0..runs−1 in order, keeps the lowest finite loss, discards
 * non-finite restarts with a warning (appended to `warnings`) and stops at the first aborted one.
 * @throws FitError when no restart ended finite.
 */
async function runRestarts<R extends { status: string; loss: number; nIter: number; nEvaluations: number }>(
  runs: number, warnings: string[], runOne: (restart: number) => R | Promise<R>): Promise<Restarts<R>> {
  let best: { r: R; restart: number } | undefined;
  let total = 0, aborted = false;
  for (let restart = 0; restart < runs; restart++) {
    const r = await runOne(restart);
    total += r.nEvaluations;
    if (r.status === 'non-finite') {
      warnings.push(`restart ${restart}: the loss became NaN or infinite (${r.nIter} iterations); restart discarded`);
    } else if (!best || r.loss < best.r.loss) best = { r, restart };
    if (r.status === 'aborted') { aborted = true; break; }
  }
  if (!best) throw new FitError('every restart produced a NaN or infinite loss: check the scale of X (squared distances must stay finite in float64)', undefined);
  return { best, total, aborted };
}
