/**
 * Composition of steps: `alternate` cycles through phases (K short steps, then one long step), `chain`
 * runs phases in sequence with the last one kept forever (e.g. a few EM steps, then gd-polyak). Each child
 * keeps its own state across phases.
 */
import type { Point, Problem } from './problem.js';
import type { AnyStep, Step, StepOutcome } from './step.js';

/** A step and how many consecutive iterations it runs in its phase (integer ≥ 1). */
export type Phase = readonly [step: AnyStep, iterations: number];

interface ScheduleState {
  phase: number;
  done: number;
  states: unknown[];
}

function schedule(name: string, phases: readonly Phase[], cyclic: boolean): Step<ScheduleState> {
  if (phases.length === 0) throw new RangeError(`${name}: needs at least one phase`);
  for (const [, k] of phases)
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`${name}: phase lengths must be integers ≥ 1, got ${k}`);
  const estimate = (state: ScheduleState): number | undefined => {
    for (let i = 0; i < phases.length; i++) {
      const e = phases[i][0].estimate?.(state.states[i]);
      if (e !== undefined) return e;
    }
    return undefined;
  };
  return {
    name,
    init(problem: Problem, start: Point): ScheduleState {
      return { phase: 0, done: 0, states: phases.map(([s]) => s.init(problem, start)) };
    },
    async update(problem: Problem, point: Point, state: ScheduleState): Promise<StepOutcome> {
      const [step, k] = phases[state.phase];
      const out = await step.update(problem, point, state.states[state.phase]);
      const last = state.phase === phases.length - 1;
      if (++state.done >= k && (cyclic || !last)) {
        state.done = 0;
        state.phase = last ? 0 : state.phase + 1;
      }
      if (out.optimumEstimate === undefined) out.optimumEstimate = estimate(state);
      return out;
    },
    estimate,
  };
}

/** Cycles through `phases` forever: e.g. `alternate([gd, 50], [polyak, 1])`. */
export function alternate(...phases: Phase[]): Step<ScheduleState> {
  return schedule('alternate', phases, true);
}

/** Runs `phases` once in order; the last phase then runs forever (its count is ignored). */
export function chain(...phases: Phase[]): Step<ScheduleState> {
  return schedule('chain', phases, false);
}
