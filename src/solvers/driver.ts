/**
 * The iteration loop shared by every solver and every problem: stopping rules (ALGORITHM.md §4),
 * evaluation counting, history, the onIteration callback, AbortSignal and the NaN guard. `minimize` is
 * this loop over a mixture problem; tests run it directly on quadratics and U1.
 */
import type { Point, Problem } from './problem.js';
import { STATUS_TABLE, type MinimizeStatus } from './status.js';
import type { AnyStep, StepKind } from './step.js';

/** One iteration as recorded in `history`. */
export interface HistoryRecord {
  /** 1-based iteration number. */
  iteration: number;
  /** Evaluations (kernel passes) used so far, the initial one and rejected trials included. */
  evaluations: number;
  /** Loss at the current point after this iteration. */
  loss: number;
  /** ‖∇θ L‖₂ at the current point. */
  gradNorm: number;
  kind: StepKind;
  /** η, the Polyak γ, or 1 for EM. */
  stepSize: number;
  /** The f* estimate in use, if the solver keeps one. */
  optimumEstimate: number | undefined;
}

/** Settings of {@link runSteps} (already validated). */
export interface RunSettings {
  maxIter: number;
  maxEvaluations: number;
  tol: number;
  /** Known optimum and tolerance for the loss-gap rule (rule off when optimum is undefined). */
  optimum?: number;
  lossTol: number;
  /** Stop (converged) when an EM step changes the loss by ≤ lossChangeTol · max(1, |loss|); 0 = off. */
  lossChangeTol?: number;
  maxRejections: number;
  /** Called after every iteration with the record and the current θ (a copy); false stops. */
  onIteration?: (record: HistoryRecord, x: Float64Array) => boolean | void;
  signal?: AbortSignal;
}

/** The outcome of {@link runSteps}, in θ space. */
export interface RunResult {
  /** θ of the best finite loss seen (a copy). */
  x: Float64Array;
  loss: number;
  status: MinimizeStatus;
  nIter: number;
  nEvaluations: number;
  history: HistoryRecord[];
}

/** How a run ended, in the public result's words (every result type of the package extends it). */
export interface RunOutcome {
  /** The loss at the returned point. */
  loss: number;
  /** True when a tolerance was met (status 'gradient-tolerance', 'loss-tolerance' or 'loss-change'). */
  converged: boolean;
  status: MinimizeStatus;
  statusCode: number;
  message: string;
  nIter: number;
  /** Evaluations used, the initial one and rejected trials included. */
  nEvaluations: number;
  history: HistoryRecord[];
}

/** The one result builder: a run's outcome with its status table entry. */
export function outcomeOf(run: RunResult): RunOutcome {
  const entry = STATUS_TABLE[run.status];
  return {
    loss: run.loss, converged: entry.converged, status: run.status, statusCode: entry.code, message: entry.message,
    nIter: run.nIter, nEvaluations: run.nEvaluations, history: run.history,
  };
}

/** Steps after which the loss-change rule (lossChangeTol) applies: EM and the EM accelerators' accepted points. */
const FIXED_POINT_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(['em', 'squarem', 'anderson']);

/** Relative loss difference treated as a tie (64 ulps of 1). */
const TIE = 64 * Number.EPSILON;

/** Yield to the event loop this often (ms) when a signal is given, so timers can abort a running fit. */
const YIELD_EVERY_MS = 16;

/** Runs `step` from `x0` on `problem` until a stopping rule fires. Evaluations are counted from 0. */
export async function runSteps(problem: Problem, x0: Float64Array, step: AnyStep, s: RunSettings): Promise<RunResult> {
  const startEvals = problem.evaluations;
  const evals = () => problem.evaluations - startEvals;
  const history: HistoryRecord[] = [];
  let pt: Point = await problem.evaluate(x0.slice());
  let bestX = pt.x.slice();
  let bestF = Number.isFinite(pt.f) ? pt.f : Infinity;
  const finish = (status: MinimizeStatus, nIter: number): RunResult => {
    // A converged stop returns the point that met the tolerance when its loss ties the best to rounding:
    // near a minimum the loss changes by ~‖∇‖², far below float64 resolution, so "lowest loss" alone would
    // pick an earlier iterate whose gradient does not meet tol.
    if (STATUS_TABLE[status].converged && Number.isFinite(pt.f) && pt.f <= bestF + TIE * Math.max(1, Math.abs(bestF)))
      return { x: pt.x.slice(), loss: pt.f, status, nIter, nEvaluations: evals(), history };
    return { x: bestX.slice(), loss: Number.isFinite(bestF) ? bestF : pt.f, status, nIter, nEvaluations: evals(), history };
  };
  if (!Number.isFinite(pt.f) || !Number.isFinite(pt.gnorm)) return finish('non-finite', 0);
  const state = step.init(problem, pt);
  let rejections = 0;
  /** The best loss when the rejection count last restarted. */
  let stallF = pt.f;
  let lastYield = Date.now();
  for (let iter = 0; ; ) {
    if (pt.gnorm <= s.tol) return finish('gradient-tolerance', iter);
    if (s.optimum !== undefined && s.lossTol > 0 && pt.f - s.optimum <= s.lossTol) return finish('loss-tolerance', iter);
    if (s.signal) {
      if (Date.now() - lastYield >= YIELD_EVERY_MS) {
        await new Promise((r) => setTimeout(r, 0));
        lastYield = Date.now();
      }
      if (s.signal.aborted) return finish('aborted', iter);
    }
    if (iter >= s.maxIter) return finish('max-iter', iter);
    if (evals() >= s.maxEvaluations) return finish('max-evaluations', iter);
    const prevF = pt.f;
    const out = await step.update(problem, pt, state);
    iter++;
    pt = out.point;
    const rec: HistoryRecord = {
      iteration: iter, evaluations: evals(), loss: pt.f, gradNorm: pt.gnorm, kind: out.kind,
      stepSize: out.stepSize, optimumEstimate: out.optimumEstimate,
    };
    history.push(rec);
    if (!Number.isFinite(pt.f) || !Number.isFinite(pt.gnorm)) return finish('non-finite', iter);
    if (pt.f < bestF) { bestF = pt.f; bestX = pt.x.slice(); }
    // With learned variances, EM's fixed point (σ² = spread + regCovar) is not a zero of the gradient, so
    // EM and its accelerators need scikit-learn's rule: stop when a step no longer changes the loss.
    if (FIXED_POINT_KINDS.has(out.kind) && s.lossChangeTol && Math.abs(prevF - pt.f) <= s.lossChangeTol * Math.max(1, Math.abs(pt.f))) {
      if (s.onIteration) s.onIteration({ ...rec }, pt.x.slice());
      return finish('loss-change', iter);
    }
    // Rejected long steps stop the fit only when nothing else lowers the loss either (a real stall): any
    // step that improves the best loss beyond rounding resets the count.
    if (out.kind === 'polyak' || pt.f < stallF - TIE * Math.max(1, Math.abs(stallF))) { rejections = 0; stallF = pt.f; }
    else if (out.kind === 'polyak-rejected' && !out.probe && ++rejections >= s.maxRejections) return finish('rejections', iter);
    if (pt.f < stallF) stallF = pt.f;
    if (s.onIteration && s.onIteration({ ...rec }, pt.x.slice()) === false) return finish('callback', iter);
  }
}

export { STATUS_TABLE };
