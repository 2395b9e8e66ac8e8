/**
 * The short/long-step method (ALGORITHM.md §3, the core of arXiv 2605.30936): K short gradient steps of
 * size η pull the iterate onto the ravine (the manifold of slow growth), then one long Polyak step moves
 * along it. With `adaptive`, a long-step trial is probed every ⌈K/5⌉ short steps and the epoch ends as
 * soon as one is accepted (stand-in for the [DD26] trigger); a full epoch still ends with a real trial.
 */
import { alternate } from './compose.js';
import { gd } from './gd.js';
import type { DescendState } from './descend.js';
import { polyak, polyakState, polyakTrial, type PolyakOptions, type PolyakState } from './polyak.js';
import type { Point, Problem } from './problem.js';
import type { Step, StepOutcome } from './step.js';

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

interface AdaptiveState {
  count: number;
  /** Whether the probe due at this count has been made (so the next update is a short step). */
  probed: boolean;
  polyak: PolyakState;
  short: DescendState | undefined;
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
  const every = Math.max(1, Math.ceil(K / 5));
  const step: Step<AdaptiveState> = {
    name: 'gd-polyak',
    init: (p: Problem, start: Point): AdaptiveState => ({ count: 0, probed: false, polyak: polyakState(pOpts, start.f), short: short.init(p, start) }),
    async update(problem: Problem, pt: Point, st: AdaptiveState): Promise<StepOutcome> {
      if (st.count >= K) {
        st.count = 0;
        return polyakTrial(problem, pt, st.polyak, pOpts);
      }
      if (st.count > 0 && st.count % every === 0 && !st.probed) {
        st.probed = true;
        const out = await polyakTrial(problem, pt, st.polyak, pOpts, true);
        if (out.kind === 'polyak') st.count = 0;
        return out;
      }
      st.probed = false;
      st.count++;
      const out = await short.update(problem, pt, st.short);
      out.optimumEstimate = st.polyak.estimator.current();
      return out;
    },
    estimate: (st: AdaptiveState) => st.polyak.estimator.current(),
  };
  return step as Step;
}
