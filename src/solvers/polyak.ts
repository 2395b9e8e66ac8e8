/**
 * The Polyak step θ ← θ − γ∇f with γ = min((f − f̂)/‖∇f‖², γ_max), with the safeguards of ALGORITHM.md §3:
 * the step cap γ_max, the monotone check (a trial that increases the loss is rejected and the point is
 * kept), the NaN guard (a non-finite trial is always rejected) and the skip rule (when f̂ ≥ f there is
 * no long step; a plain gradient step of size `fallbackStep` is taken instead, so the iteration still
 * makes progress; with `backtrackFallback` that step is backtracked like the short steps). Used alone, a
 * rejected trial halves the next long step (`halveOnReject`).
 */
import type { EstimatorFactory, OptimumEstimator } from './optimum/estimator.js';
import { descend, type DescendState } from './descend.js';
import { axpy, type Point, type Problem } from './problem.js';
import type { Step, StepOutcome } from './step.js';

/** Options of {@link polyak}. */
export interface PolyakOptions {
  /** Source of f̂ (one estimator per run). */
  optimum: EstimatorFactory;
  /** γ_max > 0. */
  maxStep: number;
  /** Reject trials that increase the loss (default true). */
  monotone?: boolean;
  /** Halve the long step after each rejection until one is accepted (for Polyak alone; default false). */
  halveOnReject?: boolean;
  /** Backtrack the fallback gradient step (see descend.ts) (default false). */
  backtrackFallback?: boolean;
  /** Step size of the gradient step taken when f̂ ≥ f. */
  fallbackStep: number;
}

/** Polyak step state. */
export interface PolyakState {
  estimator: OptimumEstimator;
  scale: number;
  /** Backtracking memory of the fallback gradient step (when `backtrackFallback`). */
  fallback?: DescendState;
}

/** A fresh Polyak state for a run starting at loss `f0`. */
export function polyakState(options: PolyakOptions, f0: number): PolyakState {
  return { estimator: options.optimum(f0), scale: 1, fallback: options.backtrackFallback ? { eta: options.fallbackStep } : undefined };
}

/**
 * One long-step trial from `pt` (one evaluation). With `probe`, a rejection is not reported to the
 * estimator (the adaptive trigger's intermediate trials).
 */
export async function polyakTrial(problem: Problem, pt: Point, state: PolyakState, options: PolyakOptions, probe = false): Promise<StepOutcome> {
  const est = state.estimator;
  const fhat = est.estimate(pt.f, pt.gnorm);
  if (!(fhat < pt.f) || !(pt.gnorm > 0)) {
    const { point, stepSize } = await descend(problem, pt, pt.g, options.fallbackStep, state.fallback);
    return { point, kind: 'short', stepSize, optimumEstimate: fhat };
  }
  const gamma = Math.min((pt.f - fhat) / (pt.gnorm * pt.gnorm), options.maxStep) * state.scale;
  const trial = await problem.evaluate(axpy(pt.x, gamma, pt.g));
  const monotone = options.monotone ?? true;
  const accepted = Number.isFinite(trial.f) && trial.gnorm < Infinity && (!monotone || trial.f <= pt.f);
  if (accepted || !probe) est.report(accepted, pt.f, trial.f);
  if (accepted) {
    state.scale = 1;
    return { point: trial, kind: 'polyak', stepSize: gamma, optimumEstimate: fhat, probe };
  }
  if (options.halveOnReject && !probe) state.scale *= 0.5;
  return { point: pt, kind: 'polyak-rejected', stepSize: gamma, optimumEstimate: fhat, probe };
}

/** A Polyak step over any problem. */
export function polyak(options: PolyakOptions): Step<PolyakState> {
  return {
    name: 'polyak',
    init: (_problem: Problem, start: Point): PolyakState => polyakState(options, start.f),
    update: (problem: Problem, pt: Point, state: PolyakState) => polyakTrial(problem, pt, state, options),
    estimate: (state: PolyakState) => state.estimator.current(),
  };
}
