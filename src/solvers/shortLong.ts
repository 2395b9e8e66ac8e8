/**
 * The short/long-step schedule (ALGORITHM.md §3): K short steps, then one long-step trial. With `adaptive`,
 * a trial is also probed every ⌈K/5⌉ short steps and the epoch ends as soon as one is accepted (stand-in
 * for the [DD26] trigger); a full epoch still ends with a real trial. gd-polyak (gradient short steps,
 * Polyak along −∇) and em-polyak (EM short steps, Polyak along the EM direction) are both this schedule.
 */
import type { Point, Problem } from './problem.js';
import type { Step, StepOutcome } from './step.js';

/** A long step with its own per-run state S: `trial` is one evaluation; `probe` trials do not count as failures. */
export interface LongStep<S> {
  init(problem: Problem, start: Point): S;
  trial(problem: Problem, pt: Point, state: S, probe: boolean): Promise<StepOutcome>;
  /** The f* estimate in use. */
  estimate(state: S): number | undefined;
}

interface AdaptiveState<S> {
  count: number;
  /** Whether the probe due at this count has been made (so the next update is a short step). */
  probed: boolean;
  long: S;
  short: unknown;
}

/** `name`: K `short` updates then one `long` trial, with the adaptive trigger when `adaptive`. */
export function shortLong<S>(name: string, short: Step, long: LongStep<S>, K: number, adaptive: boolean): Step {
  // Without the trigger this is alternate([short, K], [long, 1]), except that K counts finished short
  // steps, so a SQUAREM cycle (several passes) is one short step.
  const every = adaptive ? Math.max(1, Math.ceil(K / 5)) : Infinity;
  const step: Step<AdaptiveState<S>> = {
    name,
    init: (p: Problem, start: Point): AdaptiveState<S> => ({ count: 0, probed: false, long: long.init(p, start), short: short.init(p, start) }),
    async update(problem: Problem, pt: Point, st: AdaptiveState<S>): Promise<StepOutcome> {
      if (st.count >= K) {
        st.count = 0;
        return long.trial(problem, pt, st.long, false);
      }
      if (st.count > 0 && st.count % every === 0 && !st.probed) {
        st.probed = true;
        const out = await long.trial(problem, pt, st.long, true);
        if (out.kind === 'polyak') st.count = 0;
        return out;
      }
      st.probed = false;
      const out = await short.update(problem, pt, st.short);
      // A short step that is a state machine (SQUAREM) counts once per finished cycle.
      if (out.kind !== 'trial') st.count++;
      out.optimumEstimate = long.estimate(st.long);
      return out;
    },
    estimate: (st: AdaptiveState<S>) => long.estimate(st.long),
  };
  return step as Step;
}
