/**
 * A mixture fit as a {@link Problem}: θ ↦ FlatParams through a {@link Parameterization}, one kernel pass
 * per evaluation (through `objective.statsAsync`), and the mixture-only operations that EM and gradient EM
 * need (closed-form M-step, the σ²-scaled mean step).
 */
import { gradientFromStats, newFlatGradient, type FlatGradient } from '../objective/gradient.js';
import { varianceAt } from '../model/mixture.js';
import type { Objective } from '../objective/objective.js';
import type { FlatParams, PassStats } from '../types.js';
import type { Parameterization } from './parameterization.js';
import { norm2, type Point, type Problem } from './problem.js';

function copyStats(s: PassStats): PassStats {
  return { totalWeight: s.totalWeight, sumLogLik: s.sumLogLik, R: s.R.slice(), S: s.S.slice(), Q: s.Q.slice() };
}

/** The mixture problem over one objective. */
export class MixtureProblem implements Problem {
  readonly objective: Objective;
  readonly param: Parameterization;
  evaluations = 0;
  private readonly flat: FlatParams;
  private readonly fgrad: FlatGradient;

  /** 'em': the point's gradient is the one scaled by gradient EM's metric (see MinimizeOptions.metric). */
  readonly metric: 'euclidean' | 'em';

  constructor(objective: Objective, param: Parameterization, metric: 'euclidean' | 'em' = 'euclidean') {
    this.objective = objective;
    this.param = param;
    this.metric = metric;
    this.flat = param.newParams();
    this.fgrad = newFlatGradient(this.flat);
  }

  get size(): number { return this.param.size; }

  async evaluate(x: Float64Array): Promise<Point> {
    const p = this.param.toFlat(x, this.flat);
    this.evaluations++;
    const s = await this.objective.statsAsync(p);
    const f = this.objective.lossFromStats(s);
    gradientFromStats(p, s, this.fgrad);
    const g = this.param.gradient(x, this.fgrad, new Float64Array(this.size));
    if (this.metric === 'euclidean') return { x, f, g, gnorm: norm2(g), stats: copyStats(s) };
    const gEuclid = g.slice();
    const q = this.applyMetric(p, g);
    return { x, f, g, gnorm: Math.sqrt(q), gEuclid, stats: copyStats(s) };
  }

  /**
   * Scales ∇θ in place by the metric P of gradient EM, diagonal per block — σ² on the means, 1/w_i on learned
   * logits, 2/(w_i·d_i) on learned log-variances (d_i = d for a spherical σ_i², 1 per diagonal entry) — and
   * returns ∇ᵀP∇. To first order a step of 1 along −P∇ is the EM update of each block, and x − γ·(P∇) with
   * γ = (f − f̂)/(∇ᵀP∇) is the Polyak step measured in that metric. All factors are 1 in the paper's setting
   * (σ² = 1, weights and variances fixed).
   */
  private applyMetric(p: FlatParams, g: Float64Array): number {
    // Every entry of θ is in exactly one scaled block, so q sums c·g² over all of them.
    let q = 0;
    const scale = (k: number, c: number) => { q += c * g[k] * g[k]; g[k] *= c; };
    this.scaleMeans(p, g, scale);
    const { n, d, learnWeights, logitOffset, varOffset, varCount, layout } = this.param;
    if (!learnWeights && varCount === 0) return q;
    // Weights are floored so an emptied component cannot get an unbounded step (backtracking guards the rest).
    const w = Array.from(p.logWeights, (a) => Math.max(Math.exp(a), 1e-6));
    if (learnWeights) for (let i = 0; i < n; i++) scale(logitOffset + i, 1 / w[i]);
    for (let k = 0; k < varCount; k++) {
      scale(varOffset + k, 2 / (w[this.param.varianceComponent(k)] * (layout === 'component' ? d : 1)));
    }
    return q;
  }

  /** Multiplies the mean block of a θ-vector by σ²_ij: the one place both gradient EM and the 'em' metric scale means. */
  private scaleMeans(p: FlatParams, v: Float64Array, scale: (k: number, c: number) => void = (k, c) => { v[k] *= c; }): void {
    const { n, d } = this.param;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale(i * d + j, varianceAt(p, i, j));
  }

  /** The mixture problem behind `problem`, for the steps that need the EM map. @throws TypeError otherwise. */
  static of(problem: Problem, solver: string): MixtureProblem {
    if (!(problem instanceof MixtureProblem)) throw new TypeError(`${solver} needs a mixture problem`);
    return problem;
  }

  /** FlatParams at θ (a fresh copy). */
  params(x: Float64Array): FlatParams {
    return this.param.toFlat(x);
  }

  /**
   * The gradient-EM direction at `pt`: the mean block of the plain ∇θ scaled by σ² (so a step η gives
   * μ_i ← μ_i + η (S_i − R_i μ_i)/Σc, the [XFD] update), logits and log-variances unscaled, whatever the
   * metric (under metric 'em', 'gd' is the one that scales every block).
   */
  emDirection(pt: Point): Float64Array {
    const out = (pt.gEuclid ?? pt.g).slice();
    this.scaleMeans(this.param.toFlat(pt.x, this.flat), out);
    return out;
  }

  /** The EM map as a displacement in θ: F(θ) − θ at `pt` (free: from the point's statistics). */
  emStep(pt: Point): Float64Array {
    const next = this.emUpdate(pt);
    for (let k = 0; k < next.length; k++) next[k] -= pt.x[k];
    return next;
  }

  /**
   * The closed-form EM update from the statistics at `pt` (ALGORITHM.md §3): μ_i = S_i/R_i; when learned,
   * w_i = R_i/Σc and σ² = (weighted squared deviation about the NEW mean) + regCovar. A component with no
   * responsibility mass keeps its parameters. Returns the new θ.
   */
  emUpdate(pt: Point): Float64Array {
    const s = pt.stats!;
    const { n, d } = this.param;
    const old = this.param.toFlat(pt.x);
    const means = old.means.slice();
    const logW = old.logWeights.slice();
    const vars = old.variances.slice();
    const C = s.totalWeight;
    // Below this mass a component's ratios are numerically meaningless.
    const tiny = 1e-300 * C;
    for (let i = 0; i < n; i++) {
      const R = s.R[i];
      if (!(R > tiny)) continue;
      for (let j = 0; j < d; j++) means[i * d + j] = s.S[i * d + j] / R;
      if (this.param.learnWeights) logW[i] = Math.log(R / C);
      if (old.layout === 'component') {
        // Σ c r ‖x − μ_new‖² = σ_old² Q_i − R_i ‖μ_new − μ_old‖².
        let shift = 0;
        for (let j = 0; j < d; j++) shift += (means[i * d + j] - old.means[i * d + j]) ** 2;
        const v = (old.variances[i] * s.Q[i] - R * shift) / (d * R);
        vars[i] = Math.max(v, 0) + this.param.regCovar;
      } else if (old.layout === 'diagonal') {
        for (let j = 0; j < d; j++) {
          const k = i * d + j;
          const v = (old.variances[k] * s.Q[k] - R * (means[k] - old.means[k]) ** 2) / R;
          vars[k] = Math.max(v, 0) + this.param.regCovar;
        }
      }
    }
    return this.param.toTheta(means, logW, vars);
  }
}
