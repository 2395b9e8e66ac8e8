/**
 * Plain gradient descent: θ ← θ − η ∇f(θ), one evaluation per iteration (more when `backtrack` retries a
 * step that increased the loss).
 */
import { descend, type DescendState } from './descend.js';
import type { Point, Problem } from './problem.js';
import type { Step, StepKind, StepOutcome } from './step.js';

/** Options of {@link gd}. */
export interface GdOptions {
  /** η > 0 (units of θ per unit gradient). */
  stepSize: number;
  /** How iterations are labelled: 'gd' standalone, 'short' inside gd-polyak. */
  kind?: StepKind;
  /** Halve η while a step increases the loss or is not finite (see descend.ts) [false]. */
  backtrack?: boolean;
}

/** A fixed-step gradient step over any problem. */
export function gd(options: GdOptions): Step<DescendState | undefined> {
  const { stepSize } = options;
  const kind = options.kind ?? 'gd';
  return {
    name: 'gd',
    init: () => (options.backtrack ? { eta: stepSize } : undefined),
    async update(problem: Problem, pt: Point, state: DescendState | undefined): Promise<StepOutcome> {
      const { point, stepSize: t } = await descend(problem, pt, pt.g, stepSize, state);
      return { point, kind, stepSize: t };
    },
  };
}
