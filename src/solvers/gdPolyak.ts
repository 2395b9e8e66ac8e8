/**
 * The short/long-step method (ALGORITHM.md §3, the core of arXiv 2605.30936): K short gradient steps of
 * size η pull the iterate onto the ravine (the manifold of slow growth), then one long Polyak step moves
 * along it. With `adaptive`, the trigger of shortLong.ts probes the long step early.
 */
import { alternate } from './compose.js';
import { gd } from './gd.js';
import { polyak, polyakState, polyakTrial, type PolyakOptions, type PolyakState } from './polyak.js';
import type { Point, Problem } from './problem.js';
import { shortLong, type LongStep } from './shortLong.js';
import type { Step } from './step.js';

/** Options of {@link gdPolyak}. */
export interface GdPolyakOptions extends Omit<PolyakOptions, 'fallbackStep' | 'halveOnReject' | 'backtrackFallback'> {
  /** K ≥ 1 short steps per epoch. */
  shortSteps: number;
  /** η > 0. */
  shortStepSize: number;
  /** Probe the long step early (default false). */
  adaptive?: boolean;
  /** Backtrack short steps (and the gradient step taken when f̂ ≥ f) that increase the loss (default false). */
  backtrack?: boolean;
}

/** The gd-polyak step. */
export function gdPolyak(options: GdPolyakOptions): Step {
  const K = options.shortSteps, eta = options.shortStepSize;
  const pOpts: PolyakOptions = { ...options, fallbackStep: eta, halveOnReject: false, backtrackFallback: options.backtrack };
  const short = gd({ stepSize: eta, kind: 'short', backtrack: options.backtrack });
  if (!options.adaptive) {
    const s = alternate([short, K], [polyak(pOpts), 1]);
    return { ...s, name: 'gd-polyak' } as Step;
  }
  const long: LongStep<PolyakState> = {
    init: (_p: Problem, start: Point) => polyakState(pOpts, start.f),
    trial: (problem: Problem, pt: Point, st: PolyakState, probe: boolean) => polyakTrial(problem, pt, st, pOpts, probe),
    estimate: (st: PolyakState) => st.estimator.current(),
  };
  return shortLong('gd-polyak', short, long, K, true);
}
