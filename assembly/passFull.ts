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
//
// Forms (SIMD builds; the scalar build goes one point at a time), chosen by shape in usesFullGemm:
// - per pair (d ≤ 3, d a literal so the triangular loops unroll);
// - blocked (d ≥ 4): blocks of 8 pairs in the interleaved layout, register tiles over pairs;
// - GEMM (d ≥ 32, or 16 and 24): point-major blocks of 32 points, Y = T·U_i and M_i += Wᵀ·T as the small
//   matrix products scikit-learn does with BLAS, in 8-accumulator 4×4 tiles; only points with c·r_i ≠ 0
//   enter the scatter (exactly equal results: the others add +0).
// Every multiply-add is `madd` (assembly/exp.ts): fused in the relaxed-SIMD (FMA) build, which is this same
// source compiled with relaxed-simd enabled; results differ from the plain build in the last bits only.

import { expvNonPos, logv, fk, K_HALF, madd, hsum } from './exp';
import { expSumInPlace, storePairResponsibilities } from './pass';

/** Bytes of scratch the full/tied pass and scoring need for n components in d dimensions. */
export function passFullScratchBytes(n: i32, d: i32, tied: i32): usize {
  const tri = (d * (d + 1)) >> 1;
  const m = tied ? tri : n * tri;
  // Per-pair path: A (n + 1), T (n·d), u (d), R (n), S (n·d), M (packed): one 16-byte vector each (the
  // scalar build uses less). Blocked path: A (n·B), Q (B), Tb and Ub (B·d each), R, S, M (square d×d).
  const perPair = n + 1 + n * d + d + n + n * d + m;
  const blocked = n * BLOCK + BLOCK + 2 * BLOCK * d + n + n * d + (tied ? 1 : n) * d * d;
  const direct = <usize>(perPair > blocked ? perPair : blocked) << 4;
  const gemm = gemmScratchBytes(n, d, tied);
  // Sized for both forms, so setFullPassForm may switch forms after the blocks are allocated.
  return direct > gemm ? direct : gemm;
}

/**
 * The shape rule, the one place it is written (SIMD builds): the GEMM form at d ≥ 32, and at d = 16 and 24
 * where the padding to 8 columns costs nothing. Measured against the blocked form (AMD EPYC, Node 20,
 * N = 2e4, overlapping components so no responsibility is 0, CPU time, medians of 7 interleaved, machine
 * shared): GEMM / blocked speed 1.03–1.11 at d = 16, 1.10–1.13 at d = 24, 1.04–1.18 at d = 32, 1.24–1.25 at
 * d = 33 and 40, 1.05–1.17 at d = 50 and 64 with n = 3, 1.10–1.39 at n = 10, d = 64; but 0.91–1.00 at
 * d = 8, 0.76–0.80 at d = 12 and 17, 0.94 at d = 20 (padding), 0.73 at n = 50, d = 10.
 */
export function usesFullGemm(n: i32, d: i32): bool {
  if (!ASC_FEATURE_SIMD) return false;
  if (fullForm != 0) return fullForm == 2;
  return d >= 2 * GEMM_FROM_D || (d >= GEMM_FROM_D && (d & 7) == 0);
}

/** The smallest d of the GEMM form (a multiple of 8); from twice it on, any d (see {@link usesFullGemm}). */
const GEMM_FROM_D: i32 = 16;

// @ts-ignore: decorator
@lazy let fullForm: i32 = 0;

/** Test and benchmark hook: 0 = the shape rule, 1 = always the per-pair/blocked forms, 2 = always the GEMM form. */
export function setFullPassForm(form: i32): void {
  fullForm = form;
}

// @ts-ignore: decorator
@lazy let lastForm: i32 = 0;

/** Test hook: the form the last SIMD pass ran, 1 = per-pair/blocked, 2 = GEMM (0: none yet, or scalar). */
export function lastFullPassForm(): i32 {
  return lastForm;
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
    lastForm = 1;
    if (usesFullGemm(n, d)) {
      lastForm = 2;
      return passFullGemm(x, c, pairStart, pairEnd, d, n, means, logNorm, chol, tied, out, scratch);
    }
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
        a0 = madd(v128.load(Ti + (<usize>k << 4)), v128.load64_splat(Lrow + (<usize>k << 3)), a0);
        a1 = madd(v128.load(Ti + (<usize>k << 4), 16), v128.load64_splat(Lrow + (<usize>k << 3), 8), a1);
      }
      if (k <= j) a0 = madd(v128.load(Ti + (<usize>k << 4)), v128.load64_splat(Lrow + (<usize>k << 3)), a0);
      const y = f64x2.add(a0, a1);
      if (j & 1) q1 = madd(y, y, q1);
      else q0 = madd(y, y, q0);
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
          v128.store(mp, madd(uj, v128.load(tv), v128.load(mp)));
          v128.store(mp, madd(uj, v128.load(tv, 16), v128.load(mp, 16)), 16);
          mp += 32;
        }
        if (l < d) {
          v128.store(mp, madd(uj, v128.load(Ti + (<usize>l << 4)), v128.load(mp)));
          mp += 16;
        }
      }
    }
  }
  // Horizontal reduction, once per pass.
  reducePairSums(out, n, d, R2, S2, means);
  const Mout = out + (<usize>(n + n * d) << 3);
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
            a0 = madd(lk, v128.load(t0 + kv), a0);
            a1 = madd(lk, v128.load(t1 + kv), a1);
            a2 = madd(lk, v128.load(t2 + kv), a2);
            a3 = madd(lk, v128.load(t3 + kv), a3);
          }
          const q = Q + (<usize>p << 4);
          v128.store(q, madd(a0, a0, v128.load(q)));
          v128.store(q, madd(a1, a1, v128.load(q, 16)), 16);
          v128.store(q, madd(a2, a2, v128.load(q, 32)), 32);
          v128.store(q, madd(a3, a3, v128.load(q, 48)), 48);
        }
        for (; p < pb; p++) {
          const t0 = Tb + <usize>p * pairBytes;
          let a0 = f64x2.splat(0.0);
          for (let k = 0; k <= j; k++) a0 = madd(v128.load64_splat(Lrow + (<usize>k << 3)), v128.load(t0 + (<usize>k << 4)), a0);
          const q = Q + (<usize>p << 4);
          v128.store(q, madd(a0, a0, v128.load(q)));
        }
        Lrow += <usize>(j + 1) << 3;
      }
      const ln = v128.load64_splat(logNorm + (<usize>i << 3));
      for (let p = 0; p < pb; p++) {
        v128.store(A + (<usize>(i * BLOCK + p) << 4), f64x2.sub(ln, f64x2.mul(fk(K_HALF), v128.load(Q + (<usize>p << 4)))));
      }
    }
    ll = f64x2.add(ll, blockResponsibilities(A, BLOCK, n, pb, c + (<usize>p0 << 4), R2));
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
  reducePairSums(out, n, d, R2, S2, means);
  const Mout = out + (<usize>(n + n * d) << 3);
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

/**
 * Log-sum-exp of a block's scores: A holds a_i for pb pairs (component i, pair p at A[i·stride + p]) and
 * becomes c·r; R2 (n vectors) accumulates c·r; cb = the block's weights. Returns Σ_p c·ℓ of the block.
 */
// @ts-ignore: decorator
@inline
function blockResponsibilities(A: usize, stride: i32, n: i32, pb: i32, cb: usize, R2: usize): v128 {
  let ll = f64x2.splat(0.0);
  for (let p = 0; p < pb; p++) {
    let mx = f64x2.splat(-Infinity);
    for (let i = 0; i < n; i++) mx = f64x2.pmax(mx, v128.load(A + (<usize>(i * stride + p) << 4)));
    let s = f64x2.splat(0.0);
    for (let i = 0; i < n; i++) {
      const ap = A + (<usize>(i * stride + p) << 4);
      const e = expvNonPos(f64x2.sub(v128.load(ap), mx));
      v128.store(ap, e);
      s = f64x2.add(s, e);
    }
    const cv = v128.load(cb + (<usize>p << 4));
    ll = madd(cv, f64x2.add(mx, logv(s)), ll);
    const inv = f64x2.div(cv, s);
    for (let i = 0; i < n; i++) {
      const ap = A + (<usize>(i * stride + p) << 4);
      const cr = f64x2.mul(v128.load(ap), inv);
      v128.store(ap, cr);
      v128.store(R2 + (<usize>i << 4), f64x2.add(v128.load(R2 + (<usize>i << 4)), cr));
    }
  }
  return ll;
}

// The GEMM form (large d). The two d² parts of the pass are what scikit-learn does as BLAS GEMMs, per
// component i over a block of points: Y = T·U_i with T = X − μ_i (n_pts × d) and U_i the upper-triangular
// precision factor, and the scatter M_i += Wᵀ·T with W = c·r_i·T. Here both run in register tiles on a
// point-major copy of the block (the packed data interleave two points per vector, which suits the
// log-sum-exp but would keep the scatter's accumulators two lanes wide, i.e. twice the memory):
// - Y: 4 points × 4 columns (8 f64x2 accumulators), U_i's rows read as vectors, a splat of t_k per point:
//   6 loads per 8 multiply-adds; U_i is expanded once per pass to a zero-padded dp × dp square, so a tile
//   runs k up to its last column and the zeros below the diagonal stand in for the triangle's edge;
// - M_i: 4 rows × 4 columns, the sum over the block's points kept in registers (6 loads per 8
//   multiply-adds), M_i read and written once per block; only tiles reaching the upper triangle are formed
//   (entries below the diagonal inside them are discarded at the reduction; the M-step reads the full
//   matrix, mirrored once per pass at the end).
// Measured (AMD EPYC Zen 3, Node 20, N = 1e5, n = 10, process CPU time, the two builds alternating pass by
// pass in one process, paired medians; single passes spread ±25% on this shared VM):
// - 4×4 tiles against the earlier 2 × 8 (Y: one pair × 8 columns; M: 2 rows × 8 columns): 1.02–1.03× at
//   d = 64, 1.05–1.09× at d = 32, bit-identical results (same summation order). The gain is the finer
//   triangle edge (per point and component 2176 instead of 2304 multiply-adds per product at d = 64, 576
//   instead of 640 at d = 32), not registers (the 4×4 Y loop's TurboFan code has no spills, but neither
//   speed-up exceeds the flop count saved);
// - tried, not kept: T interleaved by 4 points for Y (the 4 splats at fixed offsets of one pointer instead
//   of an address add each): 0.97×; GEMM_POINTS 64 and 128 instead of 32: 0.93× each.
// dp = d rounded up to a multiple of 8 (zero columns: tiles need no edge code; the shape rule keeps this form
// to dimensions where the padding costs little). Accuracy: the same centred quantities as the other forms
// (x − μ_i, never raw second moments) summed in another order, so the same error bounds hold.

/** Points per block of the GEMM form (even: the Y tile is one pair). */
const GEMM_POINTS: i32 = 32;

/** Bytes of scratch of the GEMM form. */
// @ts-ignore: decorator
@inline
function gemmScratchBytes(n: i32, d: i32, tied: i32): usize {
  const dp = (d + 7) & ~7;
  const blocks = tied ? 1 : n;
  // Usq and M (blocks·dp² each), means (n·dp), Xp, T, W (GEMM_POINTS·dp each), S (n·dp): f64;
  // Q (GEMM_POINTS), A (n·GEMM_POINTS/2), R (n): f64x2.
  const f64s = 2 * blocks * dp * dp + 2 * n * dp + 3 * GEMM_POINTS * dp;
  const vecs = GEMM_POINTS + n * (GEMM_POINTS >> 1) + n;
  return (<usize>f64s << 3) + (<usize>vecs << 4);
}

function passFullGemm(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, out: usize, scratch: usize,
): f64 {
  const dp = (d + 7) & ~7;
  const tri = (d * (d + 1)) >> 1;
  const blocks = tied ? 1 : n;
  const BP = GEMM_POINTS >> 1;
  const row = <usize>dp << 3;                      // bytes of one dp-row of f64
  const sq = <usize>dp * row;                      // bytes of one dp × dp block
  const Usq = scratch;                             // blocks·dp²: U_i row-major, zero below the diagonal and in the padding
  const M = Usq + <usize>blocks * sq;              // blocks·dp²: scatter tiles
  const MU = M + <usize>blocks * sq;               // n·dp: means, zero padded
  const S1 = MU + <usize>n * row;                  // n·dp: Σ c·r·t
  const Xp = S1 + <usize>n * row;                  // GEMM_POINTS·dp: the block, point-major, zero padded
  const T = Xp + <usize>GEMM_POINTS * row;         // GEMM_POINTS·dp: t = x − μ_i
  const W = T + <usize>GEMM_POINTS * row;          // GEMM_POINTS·dp: c·r·t
  const Q = W + <usize>GEMM_POINTS * row;          // GEMM_POINTS vectors: ‖y‖² partial sums per point
  const A = Q + (<usize>GEMM_POINTS << 4);         // n·BP vectors: scores, then c·r
  const R2 = A + (<usize>(n * BP) << 4);           // n vectors
  memory.fill(Usq, 0, <usize>(2 * blocks) * sq + <usize>(2 * n + GEMM_POINTS) * row);
  memory.fill(R2, 0, <usize>n << 4);
  for (let b = 0; b < blocks; b++) {
    const src = chol + (<usize>(b * tri) << 3);
    const dst = Usq + <usize>b * sq;
    for (let j = 0; j < d; j++) {
      const lj = src + (<usize>((j * (j + 1)) >> 1) << 3);
      for (let k = 0; k <= j; k++) store<f64>(dst + <usize>k * row + (<usize>j << 3), load<f64>(lj + (<usize>k << 3)));
    }
  }
  for (let i = 0; i < n; i++) memory.copy(MU + <usize>i * row, means + (<usize>(i * d) << 3), <usize>d << 3);
  let ll = f64x2.splat(0.0);
  const pairBytes = <usize>d << 4;
  for (let p0 = pairStart; p0 < pairEnd; p0 += BP) {
    const pb = pairEnd - p0 < BP ? pairEnd - p0 : BP;
    const pts = pb << 1;
    transposeBlock(x + <usize>p0 * pairBytes, pb, d, row, Xp);
    const pts4 = (pts + 3) & ~3;
    for (let i = 0; i < n; i++) {
      centreBlock(Xp, MU + <usize>i * row, pts4, dp, T);
      memory.fill(Q, 0, <usize>pts4 << 4);
      triangularTiles(T, Usq + (tied ? 0 : <usize>i * sq), pts4, d, dp, Q);
      const ln = v128.load64_splat(logNorm + (<usize>i << 3));
      for (let p = 0; p < pb; p++) {
        const qa = v128.load(Q + (<usize>(2 * p) << 4)), qb = v128.load(Q + (<usize>(2 * p + 1) << 4));
        const q = f64x2.add(v128.shuffle<f64>(qa, qb, 0, 2), v128.shuffle<f64>(qa, qb, 1, 3));
        v128.store(A + (<usize>(i * BP + p) << 4), f64x2.sub(ln, f64x2.mul(fk(K_HALF), q)));
      }
    }
    ll = f64x2.add(ll, blockResponsibilities(A, BP, n, pb, c + (<usize>p0 << 4), R2));
    for (let i = 0; i < n; i++) {
      // Only the points whose c·r_i is not exactly 0 enter S_i and M_i, packed into the first `m` rows of T
      // and W: the others would add +0 to every accumulator (no bit changes). Well-separated components
      // (digits: 30–50% of all responsibilities underflow to 0) skip that share of the scatter.
      const crs = A + (<usize>(i * BP) << 4);  // point pt = 2p + lane at crs + 8·pt
      const mu = MU + <usize>i * row;
      const Si = S1 + <usize>i * row;
      let m = 0;
      for (let pt = 0; pt < pts; pt++) {
        const cr = load<f64>(crs + (<usize>pt << 3));
        if (cr == 0) continue;
        weightedRow(Xp + <usize>pt * row, mu, f64x2.splat(cr), dp, T + <usize>m * row, W + <usize>m * row, Si);
        m++;
      }
      if (m > 0) scatterTiles(M + (tied ? 0 : <usize>i * sq), W, T, m, d, dp);
    }
  }
  const Rout = out;
  const Sout = Rout + (<usize>n << 3);
  const Mout = Sout + (<usize>(n * d) << 3);
  for (let i = 0; i < n; i++) {
    const r = hsum(v128.load(R2 + (<usize>i << 4)));
    store<f64>(Rout + (<usize>i << 3), r);
    for (let j = 0; j < d; j++) {
      const k = <usize>(i * d + j);
      store<f64>(Sout + (k << 3), load<f64>(S1 + <usize>i * row + (<usize>j << 3)) + load<f64>(means + (k << 3)) * r);
    }
  }
  for (let b = 0; b < blocks; b++) {
    const src = M + <usize>b * sq;
    const dst = Mout + (<usize>(b * d * d) << 3);
    for (let j = 0; j < d; j++) {
      for (let l = j; l < d; l++) {
        const v = load<f64>(src + <usize>j * row + (<usize>l << 3));
        store<f64>(dst + (<usize>(j * d + l) << 3), v);
        store<f64>(dst + (<usize>(l * d + j) << 3), v);
      }
    }
  }
  return hsum(ll);
}

/**
 * The SIMD forms' R and S from their per-lane sums: R_i = Σ lanes of R2, S_i = Σ lanes of S2 + μ_i·R_i (the
 * forms accumulate c·r·(x − μ_i), so the mean is added back once here). Writes out[0, n) and out[n, n + n·d).
 */
// @ts-ignore: decorator
@inline
function reducePairSums(out: usize, n: i32, d: i32, R2: usize, S2: usize, means: usize): void {
  const Sout = out + (<usize>n << 3);
  for (let i = 0; i < n; i++) {
    const r = hsum(v128.load(R2 + (<usize>i << 4)));
    store<f64>(out + (<usize>i << 3), r);
    for (let j = 0; j < d; j++) {
      const k = <usize>(i * d + j);
      store<f64>(Sout + (k << 3), hsum(v128.load(S2 + (k << 4))) + load<f64>(means + (k << 3)) * r);
    }
  }
}

/** Xp[2p + lane][j] = x of pair p (pb pairs from xb), lane 0/1, for j < d (rows `row` bytes apart). */
// @ts-ignore: decorator
@inline
function transposeBlock(xb: usize, pb: i32, d: i32, row: usize, Xp: usize): void {
  for (let p = 0; p < pb; p++) {
    const xp = xb + (<usize>(p * d) << 4);
    const r0 = Xp + <usize>(2 * p) * row, r1 = r0 + row;
    let j = 0;
    for (; j + 2 <= d; j += 2) {
      const a = v128.load(xp + (<usize>j << 4)), b = v128.load(xp + (<usize>j << 4), 16);
      v128.store(r0 + (<usize>j << 3), v128.shuffle<f64>(a, b, 0, 2));
      v128.store(r1 + (<usize>j << 3), v128.shuffle<f64>(a, b, 1, 3));
    }
    if (j < d) {
      store<f64>(r0 + (<usize>j << 3), load<f64>(xp + (<usize>j << 4)));
      store<f64>(r1 + (<usize>j << 3), load<f64>(xp + (<usize>j << 4), 8));
    }
  }
}

/** T[pt] = Xp[pt] − μ over the padded width dp (μ and Xp are zero in the padding). */
// @ts-ignore: decorator
@inline
function centreBlock(Xp: usize, mu: usize, pts: i32, dp: i32, T: usize): void {
  const bytes = <usize>(pts * dp) << 3;
  const rowBytes = <usize>dp << 3;
  for (let o: usize = 0; o < bytes; o += rowBytes) {
    for (let j: usize = 0; j < rowBytes; j += 16) v128.store(T + o + j, f64x2.sub(v128.load(Xp + o + j), v128.load(mu + j)));
  }
}

/** For one point x (dp columns): t = x − μ, w = cr·t, S += w. */
// @ts-ignore: decorator
@inline
function weightedRow(x: usize, mu: usize, cr: v128, dp: i32, t: usize, w: usize, S: usize): void {
  for (let j: usize = 0; j < (<usize>dp << 3); j += 16) {
    const tv = f64x2.sub(v128.load(x + j), v128.load(mu + j));
    const u = f64x2.mul(cr, tv);
    v128.store(t + j, tv);
    v128.store(w + j, u);
    v128.store(S + j, f64x2.add(v128.load(S + j), u));
  }
}

/**
 * Q[pt] += (y_j² summed lane-wise over the tile's columns) with y = t·U for the first `pts` points of T (a
 * multiple of 4; rows past the block's points hold finite values whose Q is never read): tiles of 4 points ×
 * 4 columns, k up to the tile's last column (U's zeros below the diagonal end the triangle).
 */
// @ts-ignore: decorator
@inline
function triangularTiles(T: usize, U: usize, pts: i32, d: i32, dp: i32, Q: usize): void {
  const row = <usize>dp << 3;
  for (let jt = 0; jt < dp; jt += 4) {
    const kEnd = jt + 4 < d ? jt + 4 : d;
    const uCol = U + (<usize>jt << 3);
    for (let pt = 0; pt < pts; pt += 4) {
      const t0 = T + <usize>pt * row, t1 = t0 + row, t2 = t1 + row, t3 = t2 + row;
      let a0 = f64x2.splat(0.0), a1 = f64x2.splat(0.0), b0 = f64x2.splat(0.0), b1 = f64x2.splat(0.0);
      let c0 = f64x2.splat(0.0), c1 = f64x2.splat(0.0), e0 = f64x2.splat(0.0), e1 = f64x2.splat(0.0);
      let uk = uCol;
      for (let k = 0; k < kEnd; k++) {
        const u0 = v128.load(uk), u1 = v128.load(uk, 16);
        const ko = <usize>k << 3;
        const s0 = v128.load64_splat(t0 + ko);
        a0 = madd(s0, u0, a0); a1 = madd(s0, u1, a1);
        const s1 = v128.load64_splat(t1 + ko);
        b0 = madd(s1, u0, b0); b1 = madd(s1, u1, b1);
        const s2 = v128.load64_splat(t2 + ko);
        c0 = madd(s2, u0, c0); c1 = madd(s2, u1, c1);
        const s3 = v128.load64_splat(t3 + ko);
        e0 = madd(s3, u0, e0); e1 = madd(s3, u1, e1);
        uk += row;
      }
      const q = Q + (<usize>pt << 4);
      v128.store(q, madd(a1, a1, madd(a0, a0, v128.load(q))));
      v128.store(q, madd(b1, b1, madd(b0, b0, v128.load(q, 16))), 16);
      v128.store(q, madd(c1, c1, madd(c0, c0, v128.load(q, 32))), 32);
      v128.store(q, madd(e1, e1, madd(e0, e0, v128.load(q, 48))), 48);
    }
  }
}

/**
 * M[j][l] += Σ_pt W[pt][j]·T[pt][l] over the tiles of 4 rows × 4 columns that reach the upper triangle
 * (rows j < d; M, W and T dp wide, dp a multiple of 8 with zeros in the padding).
 */
// @ts-ignore: decorator
@inline
function scatterTiles(M: usize, W: usize, T: usize, pts: i32, d: i32, dp: i32): void {
  const row = <usize>dp << 3;
  for (let j = 0; j < d; j += 4) {
    const m0 = M + <usize>j * row;
    for (let lt = j; lt < d; lt += 4) {
      let c00 = f64x2.splat(0.0), c01 = f64x2.splat(0.0), c10 = f64x2.splat(0.0), c11 = f64x2.splat(0.0);
      let c20 = f64x2.splat(0.0), c21 = f64x2.splat(0.0), c30 = f64x2.splat(0.0), c31 = f64x2.splat(0.0);
      let wp = W + (<usize>j << 3);
      let tp = T + (<usize>lt << 3);
      for (let pt = 0; pt < pts; pt++) {
        const t0 = v128.load(tp), t1 = v128.load(tp, 16);
        const w0 = v128.load64_splat(wp);
        c00 = madd(w0, t0, c00); c01 = madd(w0, t1, c01);
        const w1 = v128.load64_splat(wp, 8);
        c10 = madd(w1, t0, c10); c11 = madd(w1, t1, c11);
        const w2 = v128.load64_splat(wp, 16);
        c20 = madd(w2, t0, c20); c21 = madd(w2, t1, c21);
        const w3 = v128.load64_splat(wp, 24);
        c30 = madd(w3, t0, c30); c31 = madd(w3, t1, c31);
        wp += row;
        tp += row;
      }
      const a0 = m0 + (<usize>lt << 3), a1 = a0 + row, a2 = a1 + row, a3 = a2 + row;
      v128.store(a0, f64x2.add(v128.load(a0), c00)); v128.store(a0, f64x2.add(v128.load(a0, 16), c01), 16);
      v128.store(a1, f64x2.add(v128.load(a1), c10)); v128.store(a1, f64x2.add(v128.load(a1, 16), c11), 16);
      v128.store(a2, f64x2.add(v128.load(a2), c20)); v128.store(a2, f64x2.add(v128.load(a2, 16), c21), 16);
      v128.store(a3, f64x2.add(v128.load(a3), c30)); v128.store(a3, f64x2.add(v128.load(a3, 16), c31), 16);
    }
  }
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
        c00 = madd(u0, t0, c00); c01 = madd(u0, t1, c01);
        c02 = madd(u0, t2, c02); c03 = madd(u0, t3, c03);
        c10 = madd(u1, t0, c10); c11 = madd(u1, t1, c11);
        c12 = madd(u1, t2, c12); c13 = madd(u1, t3, c13);
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
        c0 = madd(v128.load(U + off + (<usize>j << 4)), t, c0);
        c1 = madd(v128.load(U + off + (<usize>j << 4), 16), t, c1);
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
      c0 = madd(v128.load(U + off), v128.load(T + off), c0);
    }
    const a0 = M + <usize>j * rowBytes + (<usize>j << 4);
    v128.store(a0, f64x2.add(v128.load(a0), c0));
  }
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
