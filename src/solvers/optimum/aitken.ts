/**
 * Aitken extrapolation [INF] (ALGORITHM.md §3.2 option 6): from the last three long-step-decision losses
 * f₁, f₂, f₃, f̂ = f₃ − (f₃−f₂)²/((f₃−f₂)−(f₂−f₁)) — the limit of a geometric sequence, which is what the
 * short/long method produces. Used only when the sequence is decreasing and decelerating and f̂ < f_best;
 * otherwise (and right after an Aitken-based trial was rejected) the target level answers.
 */
import type { EstimatorFactory, OptimumEstimator } from './estimator.js';
import { TargetLevel } from './targetLevel.js';

class Aitken implements OptimumEstimator {
  readonly name = 'aitken';
  private readonly fallback: TargetLevel;
  private readonly recent: number[] = [];
  private usedAitken = false;
  private distrust = false;
  private last: number | undefined;

  constructor(f0: number) {
    this.fallback = new TargetLevel(f0);
  }

  estimate(f: number, gnorm: number): number {
    const tl = this.fallback.estimate(f, gnorm);
    this.recent.push(f);
    if (this.recent.length > 3) this.recent.shift();
    this.usedAitken = false;
    if (this.recent.length === 3 && !this.distrust) {
      const [f1, f2, f3] = this.recent;
      const denom = (f3 - f2) - (f2 - f1);
      if (f3 < f2 && f2 < f1 && denom > 0) {
        const a = f3 - (f3 - f2) ** 2 / denom;
        if (Number.isFinite(a) && a < this.fallback.fBest) { this.usedAitken = true; this.last = a; return a; }
      }
    }
    this.distrust = false;
    this.last = tl;
    return tl;
  }

  report(accepted: boolean, fBefore: number, fTrial: number): void {
    this.fallback.report(accepted, fBefore, fTrial);
    if (!accepted && this.usedAitken) this.distrust = true;
  }

  current(): number | undefined { return this.last; }
}

/** Aitken estimator factory. */
export const aitken: EstimatorFactory = (f0) => new Aitken(f0);
