/**
 * Adaptive Polyak after Hazan–Kakade [HK] (ALGORITHM.md §3.2 option 3): f̂ starts at a valid lower bound
 * f̃₀ ≤ f* and is only raised, shrinking the gap f_best − f̂ by RAISE (8×) when progress stalls: a rejected trial,
 * or an accepted one that closed less than a tenth of the estimated gap (f − f̂). If f_best drops to f̂ or
 * below (f̂ was raised past f*), f̂ is reset below f_best by the last accepted decrease. [INF] for the
 * stall test, which [HK] states for convex problems via a fixed-horizon certificate.
 */
import type { EstimatorFactory, OptimumEstimator } from './estimator.js';

const STALL_FRACTION = 0.1;
/** [HK] bisects the gap; with ~10 consecutive rejections allowed, bisection would need too many trials to
 * go from a loose bound (e.g. the KL's 0) to a gap of 1e-8, so the gap shrinks 8× per stall instead. */
const RAISE = 8;

class HazanKakade implements OptimumEstimator {
  readonly name = 'hazan-kakade';
  private lb: number;
  private best: number;
  private lastDecrease: number;
  private last: number | undefined;

  constructor(f0: number, lowerBound: number) {
    this.best = f0;
    this.lb = Math.min(lowerBound, f0);
    this.lastDecrease = Math.max(f0 - this.lb, 0) * 1e-3;
  }

  estimate(f: number): number {
    if (f < this.best) this.best = f;
    if (this.lb >= this.best) this.lb = this.best - Math.max(this.lastDecrease, Math.abs(this.best) * 1e-15, 1e-300);
    this.last = this.lb;
    return this.lb;
  }

  report(accepted: boolean, fBefore: number, fTrial: number): void {
    if (accepted) {
      if (fTrial < this.best) this.best = fTrial;
      const dec = fBefore - fTrial;
      if (dec > 0) this.lastDecrease = dec;
      if (dec >= STALL_FRACTION * (fBefore - this.lb)) return;
    }
    this.lb = this.best - (this.best - this.lb) / RAISE;
  }

  current(): number | undefined { return this.last; }
}

/** Hazan–Kakade estimator factory starting from the lower bound `lowerBound` (≤ f*). */
export function hazanKakade(lowerBound: number): EstimatorFactory {
  return (f0) => new HazanKakade(f0, lowerBound);
}
