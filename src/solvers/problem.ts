/**
 * The generic problem every step works on: a function of a flat vector θ (length `size`) with value and
 * gradient from one evaluation. Mixture fits are one such problem (see mixtureProblem.ts); test functions
 * (quadratics, the ravine U1) are others, so the same gd / polyak / gd-polyak steps serve both.
 */
import type { AnyPassStats } from './thetaMap.js';

/** A point with its value and gradient, all from one evaluation. Arrays are owned by the point. */
export interface Point {
  /** θ (length `size`). */
  x: Float64Array;
  /** The loss at x. */
  f: number;
  /** ∇f at x (length `size`). */
  g: Float64Array;
  /** ‖∇f(x)‖ in the problem's metric (‖∇f(x)‖₂ unless a metric scales g). */
  gnorm: number;
  /** The plain ∇θ f when `g` is scaled by a metric (mixture problems under metric 'em'); else absent and g is it. */
  gEuclid?: Float64Array;
  /** A copy of the kernel statistics at x (mixture problems only; what the EM step needs). */
  stats?: AnyPassStats;
}

/** A function of a flat vector; each `evaluate` is one evaluation and is counted. */
export interface Problem {
  /** Length of θ. */
  readonly size: number;
  /** Evaluations so far. */
  readonly evaluations: number;
  /** Value and gradient at `x` (which the point takes ownership of): one counted evaluation. */
  evaluate(x: Float64Array): Promise<Point>;
}

/** Euclidean norm of a vector. */
export function norm2(v: Float64Array): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k] * v[k];
  return Math.sqrt(s);
}

/** Inner product ⟨u, v⟩. */
export function dot(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let k = 0; k < u.length; k++) s += u[k] * v[k];
  return s;
}

/** Returns u − v as a new array. */
export function sub(u: Float64Array, v: Float64Array): Float64Array {
  const y = new Float64Array(u.length);
  for (let k = 0; k < u.length; k++) y[k] = u[k] - v[k];
  return y;
}

/** Returns x − t·g as a new array. */
export function axpy(x: Float64Array, t: number, g: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) y[k] = x[k] - t * g[k];
  return y;
}

/**
 * Wraps a plain function `fg(x, g) → value` (filling the gradient into g) as a counted {@link Problem}
 * of vectors of length `size`.
 */
export function functionProblem(size: number, fg: (x: Float64Array, g: Float64Array) => number): Problem {
  let evaluations = 0;
  return {
    size,
    get evaluations() { return evaluations; },
    async evaluate(x: Float64Array): Promise<Point> {
      evaluations++;
      const g = new Float64Array(size);
      const f = fg(x, g);
      return { x, f, g, gnorm: norm2(g) };
    },
  };
}
