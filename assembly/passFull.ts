// The fused pass for full covariances (one per component) and for one shared (tied) covariance, and its
// scoring twin. Same packed data layout as assembly/pass.ts: row pairs stored dimension-major with the two
// points interleaved, so one f64x2 holds one coordinate of two points and everything per point vectorises
// across the pair.
//
// Parameters (written by the bridge, src/kernel/fullLayout.ts):
// - means n·d;
// - logNorm n: log w_i − (d/2)·log 2π + Σ_j log U_i[j,j] (the log-determinant comes from the factor);
// - chol: the transposed precision Cholesky factor L = Uᵀ (Σ⁻¹ = U·Uᵀ, U upper triangular as scikit-learn's
//   `precisions_cholesky_`), packed by rows of the lower triangle (row j holds L[j,0..j], offset j(j+1)/2):
//   tri = d(d+1)/2 numbers per component, or one block of tri numbers when `tied` = 1.
// Per point and component: t = x − μ, y = Lt (so y_j = Σ_{k≤j} U[k,j]·t_k, the triangular product),
// a_i = logNorm_i − ½‖y‖², then the max-shifted log-sum-exp as in the diagonal pass.
//
// Output (`out`, f64): R (n), S (n·d), then the scatter around the means that were passed in,
// M_i = Σ c r_i (x − μ_i)(x − μ_i)ᵀ as n full symmetric d×d blocks, or their sum over i (one d×d) when tied.
// Returns Σ c·ℓ. Only the upper triangle is accumulated (packed by rows, row j holds l = j..d−1) and it is
// mirrored at the reduction. Nominal flops per point and component: 2d(d+1) (triangular product and rank-1
// scatter update) + 5d (difference, squares, cr·t, S) + 15 (log-sum-exp, exp, R).

import { expvNonPos, logv, fk, K_HALF } from './exp';
import { expSumInPlace, storePairResponsibilities } from './pass';

/** Bytes of scratch the full/tied pass and scoring need for n components in d dimensions. */
export function passFullScratchBytes(n: i32, d: i32, tied: i32): usize {
  const tri = (d * (d + 1)) >> 1;
  const m = tied ? tri : n * tri;
  // Per-pair path: A (n + 1), T (n·d), u (d), R (n), S (n·d), M (packed): one 16-byte vector each (the
  // scalar build uses less). Blocked path: A (n·B), Q (B), Tb and Ub (B·d each), R, S, M (square d×d).
  const perPair = n + 1 + n * d + d + n + n * d + m;
  const blocked = n * BLOCK + BLOCK + 2 * BLOCK * d + n + n * d + (tied ? 1 : n) * d * d;
  return <usize>(perPair > blocked ? perPair : blocked) << 4;
}

/** Pairs per block of the blocked SIMD path (16 points): Tb and Ub stay in L1 up to d = 64. */
const BLOCK: i32 = 8;
/** The blocked SIMD path runs from this dimension up; below it the per-pair path has less overhead. */
const BLOCKED_FROM_D: i32 = 4;

/** Runs the full (tied = 0) or tied (tied = 1) pass over pairs [pairStart, pairEnd); returns Σ c·ℓ. */
export function passFull(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, out: usize, scratch: usize,
): f64 {
  if (ASC_FEATURE_SIMD) {
    if (d >= BLOCKED_FROM_D) return passFullSimdBlocked(x, c, pairStart, pairEnd, d, n, means, logNorm, chol, tied, out, scratch);
    // d as a literal for the smallest dimensions: the optimizer then unrolls the triangular loops, which
    // dominate the per-component overhead there (the generic call serves a BLOCKED_FROM_D raised above 4).
    if (d == 1) return passFullSimd(x, c, pairStart, pairEnd, 1, n, means, logNorm, chol, tied, out, scratch);
    if (d == 2) return passFullSimd(x, c, pairStart, pairEnd, 2, n, means, logNorm, chol, tied, out, scratch);
    if (d == 3) return passFullSimd(x, c, pairStart, pairEnd, 3, n, means, logNorm, chol, tied, out, scratch);
    return passFullSimd(x, c, pairStart, pairEnd, d, n, means, logNorm, chol, tied, out, scratch);
  }
  return passFullScalar(x, c, pairStart, pairEnd, d, n, means, logNorm, chol, tied, out, scratch);
}

/**
 * Log-sum-exp over the n components for one pair of points, without the final log. On return A[i] holds
 * exp(a_i − max), A[n] holds Σ exp, T[i·d + j] holds t_j = x_j − μ_ij for every component; returns the max.
 */
// @ts-ignore: decorator
@inline
function scoreFullPairSimd(
  xp: usize, d: i32, n: i32, means: usize, logNorm: usize, chol: usize, tied: i32, A: usize, T: usize,
): v128 {
  const tri = (d * (d + 1)) >> 1;
  let mx = f64x2.splat(-Infinity);
  for (let i = 0; i < n; i++) {
    const mu = means + (<usize>(i * d) << 3);
    const Ti = T + (<usize>(i * d) << 4);
    for (let j = 0; j < d; j++) {
      v128.store(Ti + (<usize>j << 4), f64x2.sub(v128.load(xp + (<usize>j << 4)), v128.load64_splat(mu + (<usize>j << 3))));
    }
    let Lrow = chol + (tied ? 0 : <usize>(i * tri) << 3);
    let q0 = f64x2.splat(0.0);
    let q1 = f64x2.splat(0.0);
    for (let j = 0; j < d; j++) {
      // y_j = Σ_{k≤j} L[j,k]·t_k with two accumulators to break the add chain.
      let a0 = f64x2.splat(0.0);
      let a1 = f64x2.splat(0.0);
      let k = 0;
      for (; k + 2 <= j + 1; k += 2) {
        a0 = f64x2.add(a0, f64x2.mul(v128.load(Ti + (<usize>k << 4)), v128.load64_splat(Lrow + (<usize>k << 3))));
        a1 = f64x2.add(a1, f64x2.mul(v128.load(Ti + (<usize>k << 4), 16), v128.load64_splat(Lrow + (<usize>k << 3), 8)));
      }
      if (k <= j) a0 = f64x2.add(a0, f64x2.mul(v128.load(Ti + (<usize>k << 4)), v128.load64_splat(Lrow + (<usize>k << 3))));
      const y = f64x2.add(a0, a1);
      if (j & 1) q1 = f64x2.add(q1, f64x2.mul(y, y));
      else q0 = f64x2.add(q0, f64x2.mul(y, y));
      Lrow += <usize>(j + 1) << 3;
    }
    const a = f64x2.sub(v128.load64_splat(logNorm + (<usize>i << 3)), f64x2.mul(fk(K_HALF), f64x2.add(q0, q1)));
    v128.store(A + (<usize>i << 4), a);
    mx = f64x2.pmax(mx, a);
  }
  let s = f64x2.splat(0.0);
  for (let i = 0; i < n; i++) {
    const e = expvNonPos(f64x2.sub(v128.load(A + (<usize>i << 4)), mx));
    v128.store(A + (<usize>i << 4), e);
    s = f64x2.add(s, e);
  }
  v128.store(A + (<usize>n << 4), s);
  return mx;
}

// @ts-ignore: decorator
@inline
function passFullSimd(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, out: usize, scratch: usize,
): f64 {
  const tri = (d * (d + 1)) >> 1;
  const mLen = tied ? tri : n * tri;
  const A = scratch;                               // n + 1 vectors
  const T = A + ((<usize>n + 1) << 4);             // n·d vectors
  const U = T + (<usize>(n * d) << 4);             // d vectors: u = cr·t of the current component
  const R2 = U + (<usize>d << 4);                  // n vectors
  const S2 = R2 + (<usize>n << 4);                 // n·d vectors: Σ cr·t (S − μR, restored at the reduction)
  const M2 = S2 + (<usize>(n * d) << 4);           // mLen vectors: packed upper triangles
  memory.fill(R2, 0, <usize>(n + n * d + mLen) << 4);
  let ll = f64x2.splat(0.0);
  const pairBytes = <usize>d << 4;
  for (let p = pairStart; p < pairEnd; p++) {
    const xp = x + <usize>p * pairBytes;
    const cv = v128.load(c + (<usize>p << 4));
    const mx = scoreFullPairSimd(xp, d, n, means, logNorm, chol, tied, A, T);
    const s = v128.load(A + (<usize>n << 4));
    ll = f64x2.add(ll, f64x2.mul(cv, f64x2.add(mx, logv(s))));
    const inv = f64x2.div(cv, s);
    for (let i = 0; i < n; i++) {
      const ii = <usize>i;
      const cr = f64x2.mul(v128.load(A + (ii << 4)), inv);
      v128.store(R2 + (ii << 4), f64x2.add(v128.load(R2 + (ii << 4)), cr));
      // Both responsibilities exactly 0: every update below would add +0 (no bit changes), so skip them.
      if (!v128.any_true(cr)) continue;
      const Ti = T + (<usize>(i * d) << 4);
      const Si = S2 + (<usize>(i * d) << 4);
      for (let j = 0; j < d; j++) {
        const jv = <usize>j << 4;
        const u = f64x2.mul(cr, v128.load(Ti + jv));
        v128.store(U + jv, u);
        v128.store(Si + jv, f64x2.add(v128.load(Si + jv), u));
      }
      let mp = M2 + (tied ? 0 : <usize>(i * tri) << 4);
      for (let j = 0; j < d; j++) {
        const uj = v128.load(U + (<usize>j << 4));
        let l = j;
        for (; l + 2 <= d; l += 2) {
          const tv = Ti + (<usize>l << 4);
          v128.store(mp, f64x2.add(v128.load(mp), f64x2.mul(uj, v128.load(tv))));
          v128.store(mp, f64x2.add(v128.load(mp, 16), f64x2.mul(uj, v128.load(tv, 16))), 16);
          mp += 32;
        }
        if (l < d) {
          v128.store(mp, f64x2.add(v128.load(mp), f64x2.mul(uj, v128.load(Ti + (<usize>l << 4)))));
          mp += 16;
        }
      }
    }
  }
  // Horizontal reduction, once per pass.
  const Rout = out;
  const Sout = Rout + (<usize>n << 3);
  const Mout = Sout + (<usize>(n * d) << 3);
  for (let i = 0; i < n; i++) {
    const r = hsum(v128.load(R2 + (<usize>i << 4)));
    store<f64>(Rout + (<usize>i << 3), r);
    for (let j = 0; j < d; j++) {
      const k = <usize>(i * d + j);
      store<f64>(Sout + (k << 3), hsum(v128.load(S2 + (k << 4))) + load<f64>(means + (k << 3)) * r);
    }
  }
  const blocks = tied ? 1 : n;
  for (let b = 0; b < blocks; b++) {
    const src = M2 + (<usize>(b * tri) << 4);
    const dst = Mout + (<usize>(b * d * d) << 3);
    let e = 0;
    for (let j = 0; j < d; j++) {
      for (let l = j; l < d; l++) {
        const v = hsum(v128.load(src + (<usize>e << 4)));
        store<f64>(dst + (<usize>(j * d + l) << 3), v);
        store<f64>(dst + (<usize>(l * d + j) << 3), v);
        e++;
      }
    }
  }
  return hsum(ll);
}

/**
 * The SIMD pass over blocks of BLOCK pairs, for larger d. The two d² parts become small matrix products
 * with register tiles: the triangular product y = L·t for 4 pairs at a time (one splat of L[j,k] serves 4
 * pairs), and the scatter update M += Σ_p u_p·t_pᵀ as 2×4 tiles of M held in registers over the block's
 * pairs (6 loads per 8 multiply-adds, and M itself is read and written once per block instead of once per
 * pair). Same statistics and summation of ℓ as the per-pair path; M is kept square (the tiles on the
 * diagonal also fill entries below it, which the reduction ignores).
 */
function passFullSimdBlocked(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, out: usize, scratch: usize,
): f64 {
  const tri = (d * (d + 1)) >> 1;
  const mBlocks = tied ? 1 : n;
  const A = scratch;                                   // n·BLOCK vectors: scores, then c·r
  const Q = A + (<usize>(n * BLOCK) << 4);             // BLOCK vectors
  const Tb = Q + (<usize>BLOCK << 4);                  // BLOCK·d vectors: t = x − μ_i per pair
  const Ub = Tb + (<usize>(BLOCK * d) << 4);           // BLOCK·d vectors: u = c·r·t
  const R2 = Ub + (<usize>(BLOCK * d) << 4);           // n vectors
  const S2 = R2 + (<usize>n << 4);                     // n·d vectors (Σ u; S = that + μR at the reduction)
  const M2 = S2 + (<usize>(n * d) << 4);               // mBlocks·d·d vectors
  memory.fill(R2, 0, <usize>(n + n * d + mBlocks * d * d) << 4);
  let ll = f64x2.splat(0.0);
  const pairBytes = <usize>d << 4;
  const rowBytes = <usize>d << 3;
  for (let p0 = pairStart; p0 < pairEnd; p0 += BLOCK) {
    const pb = pairEnd - p0 < BLOCK ? pairEnd - p0 : BLOCK;
    const xb = x + <usize>p0 * pairBytes;
    // Scores a_i for every pair of the block.
    for (let i = 0; i < n; i++) {
      fillDifferences(xb, means + <usize>i * rowBytes, pb, d, Tb);
      memory.fill(Q, 0, <usize>pb << 4);
      let Lrow = chol + (tied ? 0 : <usize>(i * tri) << 3);
      for (let j = 0; j < d; j++) {
        let p = 0;
        for (; p + 4 <= pb; p += 4) {
          const t0 = Tb + <usize>p * pairBytes;
          const t1 = t0 + pairBytes, t2 = t1 + pairBytes, t3 = t2 + pairBytes;
          let a0 = f64x2.splat(0.0), a1 = f64x2.splat(0.0), a2 = f64x2.splat(0.0), a3 = f64x2.splat(0.0);
          for (let k = 0; k <= j; k++) {
            const lk = v128.load64_splat(Lrow + (<usize>k << 3));
            const kv = <usize>k << 4;
            a0 = f64x2.add(a0, f64x2.mul(lk, v128.load(t0 + kv)));
            a1 = f64x2.add(a1, f64x2.mul(lk, v128.load(t1 + kv)));
            a2 = f64x2.add(a2, f64x2.mul(lk, v128.load(t2 + kv)));
            a3 = f64x2.add(a3, f64x2.mul(lk, v128.load(t3 + kv)));
          }
          const q = Q + (<usize>p << 4);
          v128.store(q, f64x2.add(v128.load(q), f64x2.mul(a0, a0)));
          v128.store(q, f64x2.add(v128.load(q, 16), f64x2.mul(a1, a1)), 16);
          v128.store(q, f64x2.add(v128.load(q, 32), f64x2.mul(a2, a2)), 32);
          v128.store(q, f64x2.add(v128.load(q, 48), f64x2.mul(a3, a3)), 48);
        }
        for (; p < pb; p++) {
          const t0 = Tb + <usize>p * pairBytes;
          let a0 = f64x2.splat(0.0);
          for (let k = 0; k <= j; k++) a0 = f64x2.add(a0, f64x2.mul(v128.load64_splat(Lrow + (<usize>k << 3)), v128.load(t0 + (<usize>k << 4))));
          const q = Q + (<usize>p << 4);
          v128.store(q, f64x2.add(v128.load(q), f64x2.mul(a0, a0)));
        }
        Lrow += <usize>(j + 1) << 3;
      }
      const ln = v128.load64_splat(logNorm + (<usize>i << 3));
      for (let p = 0; p < pb; p++) {
        v128.store(A + (<usize>(i * BLOCK + p) << 4), f64x2.sub(ln, f64x2.mul(fk(K_HALF), v128.load(Q + (<usize>p << 4)))));
      }
    }
    // Log-sum-exp per pair; A becomes c·r.
    for (let p = 0; p < pb; p++) {
      let mx = f64x2.splat(-Infinity);
      for (let i = 0; i < n; i++) mx = f64x2.pmax(mx, v128.load(A + (<usize>(i * BLOCK + p) << 4)));
      let s = f64x2.splat(0.0);
      for (let i = 0; i < n; i++) {
        const ap = A + (<usize>(i * BLOCK + p) << 4);
        const e = expvNonPos(f64x2.sub(v128.load(ap), mx));
        v128.store(ap, e);
        s = f64x2.add(s, e);
      }
      const cv = v128.load(c + (<usize>(p0 + p) << 4));
      ll = f64x2.add(ll, f64x2.mul(cv, f64x2.add(mx, logv(s))));
      const inv = f64x2.div(cv, s);
      for (let i = 0; i < n; i++) {
        const ap = A + (<usize>(i * BLOCK + p) << 4);
        const cr = f64x2.mul(v128.load(ap), inv);
        v128.store(ap, cr);
        v128.store(R2 + (<usize>i << 4), f64x2.add(v128.load(R2 + (<usize>i << 4)), cr));
      }
    }
    // S and the scatter, one component at a time.
    for (let i = 0; i < n; i++) {
      const crs = A + (<usize>(i * BLOCK) << 4);
      let any = f64x2.splat(0.0);
      for (let p = 0; p < pb; p++) any = v128.or(any, v128.load(crs + (<usize>p << 4)));
      // Every responsibility of the block exactly 0: the updates would add +0 (no bit changes).
      if (!v128.any_true(any)) continue;
      fillDifferences(xb, means + <usize>i * rowBytes, pb, d, Tb);
      const Si = S2 + <usize>i * pairBytes;
      for (let p = 0; p < pb; p++) {
        const cr = v128.load(crs + (<usize>p << 4));
        const tp = Tb + <usize>p * pairBytes;
        const up = Ub + <usize>p * pairBytes;
        for (let j = 0; j < d; j++) {
          const jv = <usize>j << 4;
          const u = f64x2.mul(cr, v128.load(tp + jv));
          v128.store(up + jv, u);
          v128.store(Si + jv, f64x2.add(v128.load(Si + jv), u));
        }
      }
      scatterUpdate(M2 + (tied ? 0 : <usize>(i * d * d) << 4), Ub, Tb, pb, d);
    }
  }
  // Horizontal reduction, once per pass.
  const Rout = out;
  const Sout = Rout + (<usize>n << 3);
  const Mout = Sout + (<usize>(n * d) << 3);
  for (let i = 0; i < n; i++) {
    const r = hsum(v128.load(R2 + (<usize>i << 4)));
    store<f64>(Rout + (<usize>i << 3), r);
    for (let j = 0; j < d; j++) {
      const k = <usize>(i * d + j);
      store<f64>(Sout + (k << 3), hsum(v128.load(S2 + (k << 4))) + load<f64>(means + (k << 3)) * r);
    }
  }
  for (let b = 0; b < mBlocks; b++) {
    const src = M2 + (<usize>(b * d * d) << 4);
    const dst = Mout + (<usize>(b * d * d) << 3);
    for (let j = 0; j < d; j++) {
      for (let l = j; l < d; l++) {
        const v = hsum(v128.load(src + (<usize>(j * d + l) << 4)));
        store<f64>(dst + (<usize>(j * d + l) << 3), v);
        store<f64>(dst + (<usize>(l * d + j) << 3), v);
      }
    }
  }
  return hsum(ll);
}

/** Tb[p][j] = x_j − μ_j for the pb pairs of a block (pairs stored d vectors apart). */
// @ts-ignore: decorator
@inline
function fillDifferences(xb: usize, mu: usize, pb: i32, d: i32, Tb: usize): void {
  for (let p = 0; p < pb; p++) {
    const xp = xb + (<usize>(p * d) << 4);
    const tp = Tb + (<usize>(p * d) << 4);
    for (let j = 0; j < d; j++) {
      const jv = <usize>j << 4;
      v128.store(tp + jv, f64x2.sub(v128.load(xp + jv), v128.load64_splat(mu + (<usize>j << 3))));
    }
  }
}

/**
 * M[j][l] += Σ_p U[p][j]·T[p][l] for l ≥ j (and the entries below the diagonal inside diagonal tiles),
 * M square d×d vectors, U and T pb·d vectors: 2×4 register tiles over the pairs, then 2×1 and 1×1 edges.
 */
// @ts-ignore: decorator
@inline
function scatterUpdate(M: usize, U: usize, T: usize, pb: i32, d: i32): void {
  const pairBytes = <usize>d << 4;
  const rowBytes = <usize>d << 4;
  let j = 0;
  for (; j + 2 <= d; j += 2) {
    const m0 = M + <usize>j * rowBytes;
    const m1 = m0 + rowBytes;
    let l = j;
    for (; l + 4 <= d; l += 4) {
      let c00 = f64x2.splat(0.0), c01 = f64x2.splat(0.0), c02 = f64x2.splat(0.0), c03 = f64x2.splat(0.0);
      let c10 = f64x2.splat(0.0), c11 = f64x2.splat(0.0), c12 = f64x2.splat(0.0), c13 = f64x2.splat(0.0);
      let up = U + (<usize>j << 4);
      let tp = T + (<usize>l << 4);
      for (let p = 0; p < pb; p++) {
        const u0 = v128.load(up), u1 = v128.load(up, 16);
        const t0 = v128.load(tp), t1 = v128.load(tp, 16), t2 = v128.load(tp, 32), t3 = v128.load(tp, 48);
        c00 = f64x2.add(c00, f64x2.mul(u0, t0)); c01 = f64x2.add(c01, f64x2.mul(u0, t1));
        c02 = f64x2.add(c02, f64x2.mul(u0, t2)); c03 = f64x2.add(c03, f64x2.mul(u0, t3));
        c10 = f64x2.add(c10, f64x2.mul(u1, t0)); c11 = f64x2.add(c11, f64x2.mul(u1, t1));
        c12 = f64x2.add(c12, f64x2.mul(u1, t2)); c13 = f64x2.add(c13, f64x2.mul(u1, t3));
        up += pairBytes;
        tp += pairBytes;
      }
      const a0 = m0 + (<usize>l << 4), a1 = m1 + (<usize>l << 4);
      v128.store(a0, f64x2.add(v128.load(a0), c00)); v128.store(a0, f64x2.add(v128.load(a0, 16), c01), 16);
      v128.store(a0, f64x2.add(v128.load(a0, 32), c02), 32); v128.store(a0, f64x2.add(v128.load(a0, 48), c03), 48);
      v128.store(a1, f64x2.add(v128.load(a1), c10)); v128.store(a1, f64x2.add(v128.load(a1, 16), c11), 16);
      v128.store(a1, f64x2.add(v128.load(a1, 32), c12), 32); v128.store(a1, f64x2.add(v128.load(a1, 48), c13), 48);
    }
    for (; l < d; l++) {
      let c0 = f64x2.splat(0.0), c1 = f64x2.splat(0.0);
      for (let p = 0; p < pb; p++) {
        const off = <usize>p * pairBytes;
        const t = v128.load(T + off + (<usize>l << 4));
        c0 = f64x2.add(c0, f64x2.mul(v128.load(U + off + (<usize>j << 4)), t));
        c1 = f64x2.add(c1, f64x2.mul(v128.load(U + off + (<usize>j << 4), 16), t));
      }
      const a0 = m0 + (<usize>l << 4), a1 = m1 + (<usize>l << 4);
      v128.store(a0, f64x2.add(v128.load(a0), c0));
      v128.store(a1, f64x2.add(v128.load(a1), c1));
    }
  }
  if (j < d) {
    let c0 = f64x2.splat(0.0);
    for (let p = 0; p < pb; p++) {
      const off = <usize>p * pairBytes + (<usize>j << 4);
      c0 = f64x2.add(c0, f64x2.mul(v128.load(U + off), v128.load(T + off)));
    }
    const a0 = M + <usize>j * rowBytes + (<usize>j << 4);
    v128.store(a0, f64x2.add(v128.load(a0), c0));
  }
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * Scalar log-sum-exp for one row (lane `lane` of pair `xp`): fills A (exp(a_i − max)), A[n] (Σ exp) and
 * T (t = x − μ_i per component), returns ℓ. Shared by the scalar pass and scoring.
 */
// @ts-ignore: decorator
@inline
function scoreFullRowScalar(
  xp: usize, lane: usize, d: i32, n: i32, means: usize, logNorm: usize, chol: usize, tied: i32, A: usize, T: usize,
): f64 {
  const tri = (d * (d + 1)) >> 1;
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    const mu = means + (<usize>(i * d) << 3);
    const Ti = T + (<usize>(i * d) << 3);
    for (let j = 0; j < d; j++) {
      store<f64>(Ti + (<usize>j << 3), load<f64>(xp + (<usize>j << 4) + (lane << 3)) - load<f64>(mu + (<usize>j << 3)));
    }
    let Lrow = chol + (tied ? 0 : <usize>(i * tri) << 3);
    let q = 0.0;
    for (let j = 0; j < d; j++) {
      let y = 0.0;
      for (let k = 0; k <= j; k++) y += load<f64>(Ti + (<usize>k << 3)) * load<f64>(Lrow + (<usize>k << 3));
      q += y * y;
      Lrow += <usize>(j + 1) << 3;
    }
    const a = load<f64>(logNorm + (<usize>i << 3)) - 0.5 * q;
    store<f64>(A + (<usize>i << 3), a);
    if (a > mx) mx = a;
  }
  return expSumInPlace(A, n, mx);
}

function passFullScalar(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, out: usize, scratch: usize,
): f64 {
  const tri = (d * (d + 1)) >> 1;
  const mLen = tied ? tri : n * tri;
  const A = scratch;
  const T = A + ((<usize>n + 1) << 3);
  const M1 = T + (<usize>(n * d) << 3);            // packed upper triangles, f64
  const Rout = out;
  const Sout = Rout + (<usize>n << 3);
  const Mout = Sout + (<usize>(n * d) << 3);
  memory.fill(Rout, 0, <usize>(n + n * d) << 3);
  memory.fill(M1, 0, <usize>mLen << 3);
  let ll = 0.0;
  const pairBytes = <usize>d << 4;
  for (let p = pairStart; p < pairEnd; p++) {
    const xp = x + <usize>p * pairBytes;
    for (let lane: usize = 0; lane < 2; lane++) {
      const ck = load<f64>(c + (<usize>p << 4) + (lane << 3));
      const l = scoreFullRowScalar(xp, lane, d, n, means, logNorm, chol, tied, A, T);
      ll += ck * l;
      const inv = ck / load<f64>(A + (<usize>n << 3));
      for (let i = 0; i < n; i++) {
        const cr = load<f64>(A + (<usize>i << 3)) * inv;
        store<f64>(Rout + (<usize>i << 3), load<f64>(Rout + (<usize>i << 3)) + cr);
        if (cr == 0) continue;
        const Ti = T + (<usize>(i * d) << 3);
        const Si = Sout + (<usize>(i * d) << 3);
        let mp = M1 + (tied ? 0 : <usize>(i * tri) << 3);
        for (let j = 0; j < d; j++) {
          const u = cr * load<f64>(Ti + (<usize>j << 3));
          store<f64>(Si + (<usize>j << 3), load<f64>(Si + (<usize>j << 3)) + u);
          for (let m = j; m < d; m++) {
            store<f64>(mp, load<f64>(mp) + u * load<f64>(Ti + (<usize>m << 3)));
            mp += 8;
          }
        }
      }
    }
  }
  for (let k = 0; k < n * d; k++) {
    const sp = Sout + (<usize>k << 3);
    store<f64>(sp, load<f64>(sp) + load<f64>(means + (<usize>k << 3)) * load<f64>(Rout + (<usize>(k / d) << 3)));
  }
  const blocks = tied ? 1 : n;
  for (let b = 0; b < blocks; b++) {
    const src = M1 + (<usize>(b * tri) << 3);
    const dst = Mout + (<usize>(b * d * d) << 3);
    let e = 0;
    for (let j = 0; j < d; j++) {
      for (let m = j; m < d; m++) {
        const v = load<f64>(src + (<usize>e << 3));
        store<f64>(dst + (<usize>(j * d + m) << 3), v);
        store<f64>(dst + (<usize>(m * d + j) << 3), v);
        e++;
      }
    }
  }
  return ll;
}

/**
 * Per-point log-density ℓ(x_k) into logDens (indexed by row) and, when resp ≠ 0, responsibilities r_ik into
 * resp (row-major rows × n), for pairs [pairStart, pairEnd). Same parameters and scratch as {@link passFull}.
 */
export function scoreFull(
  x: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, logDens: usize, resp: usize, scratch: usize,
): void {
  const pairBytes = <usize>d << 4;
  if (ASC_FEATURE_SIMD) {
    const A = scratch;
    const T = A + ((<usize>n + 1) << 4);
    for (let p = pairStart; p < pairEnd; p++) {
      const mx = scoreFullPairSimd(x + <usize>p * pairBytes, d, n, means, logNorm, chol, tied, A, T);
      const s = v128.load(A + (<usize>n << 4));
      v128.store(logDens + (<usize>p << 4), f64x2.add(mx, logv(s)));
      if (resp != 0) storePairResponsibilities(A, n, resp, p);
    }
    return;
  }
  const A = scratch;
  const T = A + ((<usize>n + 1) << 3);
  for (let p = pairStart; p < pairEnd; p++) {
    for (let lane: usize = 0; lane < 2; lane++) {
      const row = (<usize>p << 1) + lane;
      store<f64>(logDens + (row << 3), scoreFullRowScalar(x + <usize>p * pairBytes, lane, d, n, means, logNorm, chol, tied, A, T));
      if (resp != 0) {
        const inv = 1.0 / load<f64>(A + (<usize>n << 3));
        const rp = resp + ((row * <usize>n) << 3);
        for (let i = 0; i < n; i++) store<f64>(rp + (<usize>i << 3), load<f64>(A + (<usize>i << 3)) * inv);
      }
    }
  }
}
