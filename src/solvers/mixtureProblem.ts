/**
 * A mixture fit as a {@link Problem}: θ ↦ the model through the layout's {@link ThetaMap}, one kernel pass
 * per evaluation, and the mixture-only operations that EM and gradient EM need (the closed-form M-step, the
 * covariance-scaled mean step), whatever the covariance layout.
 */
import type { Mixture } from '../model/mixture.js';
import type { Objective } from '../objective/objective.js';
import { norm2, type Point, type Problem } from './problem.js';
import type { ThetaMap } from './thetaMap.js';

/** The mixture problem over one objective. */
export class MixtureProblem implements Problem {
  readonly objective: Objective;
  readonly param: ThetaMap;
  evaluations = 0;

  /** 'em': the point's gradient is the one scaled by gradient EM's metric (see MinimizeOptions.metric). */
  readonly metric: 'euclidean' | 'em';

  constructor(objective: Objective, param: ThetaMap, metric: 'euclidean' | 'em' = 'euclidean') {
    this.objective = objective;
    this.param = param;
    this.metric = metric;
  }

  get size(): number { return this.param.size; }

  /**
   * One pass at x. Under metric 'em' the point's g is P∇ for the layout's metric P (ThetaMap.applyMetric):
   * to first order a step of 1 along −P∇ is the EM update of each block, and x − γ·(P∇) with
   * γ = (f − f̂)/(∇ᵀP∇) is the Polyak step measured in that metric.
   */
  async evaluate(x: Float64Array): Promise<Point> {
    this.evaluations++;
    const { f, g, stats } = await this.param.evaluate(this.objective, x);
    if (this.metric === 'euclidean') return { x, f, g, gnorm: norm2(g), stats };
    const gEuclid = g.slice();
    const q = this.param.applyMetric(x, g);
    return { x, f, g, gnorm: Math.sqrt(q), gEuclid, stats };
  }

  /** The mixture problem behind `problem`, for the steps that need the EM map. @throws TypeError otherwise. */
  static of(problem: Problem, solver: string): MixtureProblem {
    if (!(problem instanceof MixtureProblem)) throw new TypeError(`${solver} needs a mixture problem`);
    return problem;
  }

  /** The model at θ (fresh arrays). */
  params(x: Float64Array): Mixture {
    return this.param.mixture(x);
  }

  /**
   * The gradient-EM direction at `pt`: the mean block of the plain ∇θ scaled by the covariance (so a step η
   * gives μ_i ← μ_i + η (S_i − R_i μ_i)/Σc, the [XFD] update), logits and covariance coordinates unscaled,
   * whatever the metric (under metric 'em', 'gd' is the one that scales every block).
   */
  emDirection(pt: Point): Float64Array {
    const out = (pt.gEuclid ?? pt.g).slice();
    this.param.scaleMeans(pt.x, out);
    return out;
  }

  /** The EM map as a displacement in θ: F(θ) − θ at `pt` (free: from the point's statistics). */
  emStep(pt: Point): Float64Array {
    const next = this.emUpdate(pt);
    for (let k = 0; k < next.length; k++) next[k] -= pt.x[k];
    return next;
  }

  /** The closed-form EM update from the statistics at `pt` (ALGORITHM.md §3): the new θ. */
  emUpdate(pt: Point): Float64Array {
    return this.param.emUpdate(pt.x, pt.stats!);
  }
}
