import type { FlatParams, KernelVariant, PassStats } from '../types.js';
import type { Precision } from './precision.js';

/**
 * A data set resident in one kernel implementation. Created once per data matrix (per fit); every
 * evaluation then sends only parameters in and statistics out.
 */
export interface DataBackend {
  readonly variant: KernelVariant;
  /** N, the number of data rows held. */
  readonly rows: number;
  /** d, the dimension. */
  readonly cols: number;
  /** Σ c_k over all rows. */
  readonly totalWeight: number;
  /** Precision of `pass` (undefined: float64). */
  readonly precision?: Precision;
  /**
   * One fused pass over rows [start, end) (default all): fills and returns `out`
   * (R: n, S: n·d, Q: n or n·d). Unweighted data use c_k = 1.
   */
  pass(p: FlatParams, out: PassStats, start?: number, end?: number): PassStats;
  /**
   * Per-row log-density ℓ(x_k) into `logDensity` (N) and, when given, responsibilities into `resp`
   * (N × n row-major).
   */
  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void;
  /** Frees everything this backend holds; later calls throw. */
  dispose(): void;
}

/** Allocates a {@link PassStats} sized for `p`. */
export function newPassStats(n: number, d: number, diagonal: boolean): PassStats {
  return {
    totalWeight: 0,
    sumLogLik: 0,
    R: new Float64Array(n),
    S: new Float64Array(n * d),
    Q: new Float64Array(diagonal ? n * d : n),
  };
}

/**
 * Per-component constants shared by every implementation of the pass:
 * logNorm_i = log w_i − ½ Σ_j log(2π σ_ij²) and precision 1/σ² expanded to n·d.
 */
export function componentConstants(p: FlatParams, logNorm: Float64Array, precision: Float64Array): void {
  const { n, d, logWeights, variances, layout } = p;
  const LOG_2PI = Math.log(2 * Math.PI);
  for (let i = 0; i < n; i++) {
    let ln = logWeights[i];
    for (let j = 0; j < d; j++) {
      const v = layout === 'shared' ? variances[0] : layout === 'component' ? variances[i] : variances[i * d + j];
      ln -= 0.5 * (LOG_2PI + Math.log(v));
      precision[i * d + j] = 1 / v;
    }
    logNorm[i] = ln;
  }
}
