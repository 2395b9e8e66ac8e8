/**
 * The f* estimator contract used by Polyak steps (ALGORITHM.md §3.2). One estimator lives per run: it
 * sees the loss at every long-step decision and the outcome of every trial.
 */

/** A stateful source of f̂, the optimum estimate for the Polyak step γ = (f − f̂)/‖∇f‖². */
export interface OptimumEstimator {
  readonly name: string;
  /** f̂ for a long step from a point with loss `f` and gradient norm `gnorm`. */
  estimate(f: number, gnorm: number): number;
  /** Outcome of the trial made with the last estimate: loss before and at the trial point. */
  report(accepted: boolean, fBefore: number, fTrial: number): void;
  /** The estimate currently in use (for history records), or undefined before the first long step. */
  current(): number | undefined;
}

/** Creates a fresh estimator for a run starting at loss `f0`. */
export type EstimatorFactory = (f0: number) => OptimumEstimator;
