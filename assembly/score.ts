// Per-point log-density and responsibilities for scoring and prediction (score_samples, predict_proba).
// Same packed layout and parameters as the pass; writes ℓ(x_k) for the rows of pairs [pairStart, pairEnd)
// into logDens (indexed by row) and, when resp ≠ 0, r_ik into resp (row-major rows × n).

import { logv } from './exp';
import { scorePairSimd, scoreRowScalar, storePairResponsibilities } from './pass';

/** Scores pairs [pairStart, pairEnd); `scratch` is the pass's scratch block. */
export function score(
  x: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, logDens: usize, resp: usize, scratch: usize,
): void {
  const pairBytes = <usize>d << 4;
  if (ASC_FEATURE_SIMD) {
    const A = scratch;
    const D = A + ((<usize>n + 1) << 4);
    for (let p = pairStart; p < pairEnd; p++) {
      const mx = scorePairSimd(x + <usize>p * pairBytes, d, n, means, logNorm, prec, diag, A, D);
      const l = f64x2.add(mx, logv(v128.load(A + (<usize>n << 4))));
      v128.store(logDens + (<usize>p << 4), l);
      if (resp != 0) storePairResponsibilities(A, n, resp, p);
    }
    return;
  }
  const A = scratch;
  const D = A + ((<usize>n + 1) << 3);
  for (let p = pairStart; p < pairEnd; p++) {
    for (let lane: usize = 0; lane < 2; lane++) {
      const row = (<usize>p << 1) + lane;
      const l = scoreRowScalar(x + <usize>p * pairBytes, lane, d, n, means, logNorm, prec, diag, A, D);
      store<f64>(logDens + (row << 3), l);
      if (resp != 0) {
        const inv = 1.0 / load<f64>(A + (<usize>n << 3));
        const rp = resp + ((row * <usize>n) << 3);
        for (let i = 0; i < n; i++) store<f64>(rp + (<usize>i << 3), load<f64>(A + (<usize>i << 3)) * inv);
      }
    }
  }
}
