/**
 * Target level [INF] (ALGORITHM.md §3.2 option 4): f̂ = f_best − δ. δ starts at the decrease achieved
 * before the first long step (½‖∇f‖² if there was none: a half unit gradient step's worth); it doubles
 * after an accepted trial and is quartered after a rejected one, so the long step grows geometrically
 * while it works and backs off fast when it overshoots.
 */
import type { EstimatorFactory, OptimumEstimator } from './estimator.js';

/** The target-level state, exposed so Aitken can fall back on it. */
export class TargetLevel implements OptimumEstimator {
  readonly name = 'target-level';
  private readonly f0: number;
  private best: number;
  private delta: number | undefined;
  private last: number | undefined;

  constructor(f0: number) {
    this.f0 = f0;
    this.best = f0;
  }

  /** Records a loss value seen (keeps f_best). */
  observe(f: number): void {
    if (f < this.best) this.best = f;
  }

  get fBest(): number { return this.best; }

  estimate(f: number, gnorm: number): number {
    this.observe(f);
    if (this.delta === undefined) {
      const dec = this.f0 - f;
      this.delta = dec > 0 && Number.isFinite(dec) ? dec : 0.5 * gnorm * gnorm;
    }
    this.last = this.best - this.delta;
    return this.last;
  }

  report(accepted: boolean, _fBefore: number, fTrial: number): void {
    if (this.delta === undefined) return;
    if (accepted) { this.observe(fTrial); this.delta *= 2; } else this.delta *= 0.25;
  }

  current(): number | undefined { return this.last; }
}

/** Target-level estimator factory. */
export const targetLevel: EstimatorFactory = (f0) => new TargetLevel(f0);
