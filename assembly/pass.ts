// The fused pass of ALGORITHM.md §8: for every data point, the log-normaliser ℓ (max-shifted log-sum-exp),
// the responsibilities, and their accumulation into the sufficient statistics R, S, Q and Σ c·ℓ.
//
// Data layout (written by the bridge): rows are packed in pairs, each pair stored dimension-major with the
// two points interleaved, x[2p][0], x[2p+1][0], x[2p][1], x[2p+1][1], … so that one f64x2 holds the same
// coordinate of two different points. Everything per point (distances, log-sum-exp, exp, log and the
// accumulation) then vectorises across points, with no horizontal sum in the inner loop. An odd N is padded
// by the bridge with a copy of the last row carrying weight 0. `c` holds one weight per (padded) row.
//
// Parameters: means n·d, logNorm n (log w_i − ½Σ_j log 2πσ_ij²), prec n·d (1/σ², expanded by the bridge;
// for non-diagonal layouts every row of prec is constant). Output: R (n), S (n·d), Q (n, or n·d when diag),
// and the return value Σ c·ℓ. Flop count per point and component: 5d + 15 (d for the distance's sub,
// mul, add; 2d for S; ~15 for the log-sum-exp, exp and R/Q updates).

import { expvNonPos, exps, logv, logs, fk, K_HALF, K_ONE, K_EXP_BIAS, ik, IK_EXP_BITS, IK_MANT_MASK, LN2 } from './exp';

/** Bytes of scratch the pass needs for n components in d dimensions. */
export function passScratchBytes(n: i32, d: i32, diag: i32): usize {
  const q = diag ? n * d : n;
  return <usize>(n * 3 + n * d + q + 1) << 4;
}

/**
 * Runs the pass over pairs [pairStart, pairEnd) and returns Σ c·ℓ; statistics go to `out`. `unit` = 1 promises
 * every c is 0 or 1 (no user weights), which lets the SIMD build replace per-point logs by one at the end.
 */
export function pass(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, unit: i32, out: usize, scratch: usize,
): f64 {
  if (ASC_FEATURE_SIMD) return passSimd(x, c, pairStart, pairEnd, d, n, means, logNorm, prec, diag, unit, out, scratch);
  return passScalar(x, c, pairStart, pairEnd, d, n, means, logNorm, prec, diag, out, scratch);
}

// @ts-ignore: decorator
@inline
function distanceSimd(xp: usize, mu: usize, pr: usize, d: i32, diag: i32): v128 {
  // Two accumulators break the add dependency chain for larger d.
  let acc0 = f64x2.splat(0.0);
  let acc1 = f64x2.splat(0.0);
  let j = 0;
  if (diag) {
    for (; j + 2 <= d; j += 2) {
      const off = <usize>j;
      const t0 = f64x2.sub(v128.load(xp + (off << 4)), v128.load64_splat(mu + (off << 3)));
      const t1 = f64x2.sub(v128.load(xp + (off << 4), 16), v128.load64_splat(mu + (off << 3), 8));
      acc0 = f64x2.add(acc0, f64x2.mul(f64x2.mul(t0, t0), v128.load64_splat(pr + (off << 3))));
      acc1 = f64x2.add(acc1, f64x2.mul(f64x2.mul(t1, t1), v128.load64_splat(pr + (off << 3), 8)));
    }
    if (j < d) {
      const off = <usize>j;
      const t0 = f64x2.sub(v128.load(xp + (off << 4)), v128.load64_splat(mu + (off << 3)));
      acc0 = f64x2.add(acc0, f64x2.mul(f64x2.mul(t0, t0), v128.load64_splat(pr + (off << 3))));
    }
    return f64x2.add(acc0, acc1);
  }
  for (; j + 2 <= d; j += 2) {
    const off = <usize>j;
    const t0 = f64x2.sub(v128.load(xp + (off << 4)), v128.load64_splat(mu + (off << 3)));
    const t1 = f64x2.sub(v128.load(xp + (off << 4), 16), v128.load64_splat(mu + (off << 3), 8));
    acc0 = f64x2.add(acc0, f64x2.mul(t0, t0));
    acc1 = f64x2.add(acc1, f64x2.mul(t1, t1));
  }
  if (j < d) {
    const off = <usize>j;
    const t0 = f64x2.sub(v128.load(xp + (off << 4)), v128.load64_splat(mu + (off << 3)));
    acc0 = f64x2.add(acc0, f64x2.mul(t0, t0));
  }
  return f64x2.mul(f64x2.add(acc0, acc1), v128.load64_splat(pr));
}

/**
 * Log-sum-exp over the n component scores of one pair of points, without the final log: on return A
 * holds exp(a_i − max), A[n] holds Σ exp and D the scaled distances; the result is the max, so that
 * ℓ = max + log Σ. Shared by the pass and the scoring kernel.
 */
// @ts-ignore: decorator
@inline
export function scorePairSimd(
  xp: usize, d: i32, n: i32, means: usize, logNorm: usize, prec: usize, diag: i32, A: usize, D: usize,
): v128 {
  let mx = f64x2.splat(-Infinity);
  const rowBytes = <usize>d << 3;
  for (let i = 0; i < n; i++) {
    const off = <usize>i * rowBytes;
    const dist = distanceSimd(xp, means + off, prec + off, d, diag);
    const a = f64x2.sub(v128.load64_splat(logNorm + (<usize>i << 3)), f64x2.mul(fk(K_HALF), dist));
    v128.store(D + (<usize>i << 4), dist);
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

function passSimd(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, unit: i32, out: usize, scratch: usize,
): f64 {
  // The body is inlined with d and diag as literals where it pays (small d): the optimizer then drops the
  // dimension loops and layout branches, which dominate the work per component at d ≤ 2.
  if (diag) {
    if (d == 1) return passSimdBody(x, c, pairStart, pairEnd, 1, n, means, logNorm, prec, 1, unit, out, scratch);
    if (d == 2) return passSimdBody(x, c, pairStart, pairEnd, 2, n, means, logNorm, prec, 1, unit, out, scratch);
    return passSimdBody(x, c, pairStart, pairEnd, d, n, means, logNorm, prec, 1, unit, out, scratch);
  }
  if (d == 1) return passSimdBody(x, c, pairStart, pairEnd, 1, n, means, logNorm, prec, 0, unit, out, scratch);
  if (d == 2) return passSimdBody(x, c, pairStart, pairEnd, 2, n, means, logNorm, prec, 0, unit, out, scratch);
  return passSimdBody(x, c, pairStart, pairEnd, d, n, means, logNorm, prec, 0, unit, out, scratch);
}

// @ts-ignore: decorator
@inline
function passSimdBody(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, unit: i32, out: usize, scratch: usize,
): f64 {
  const A = scratch;                            // n + 1 vectors (the extra one holds Σ exp)
  const D = A + ((<usize>n + 1) << 4);          // n vectors
  const R2 = D + (<usize>n << 4);               // n vectors
  const S2 = R2 + (<usize>n << 4);              // n·d vectors
  const Q2 = S2 + (<usize>(n * d) << 4);        // n or n·d vectors
  const qLen = diag ? n * d : n;
  memory.fill(R2, 0, <usize>(n + n * d + qLen) << 4);
  let ll = f64x2.splat(0.0);
  // Unit weights (c ∈ {0, 1}): Σ c·log Σexp is the log of a running product, kept as a mantissa in [1, 2)
  // and an exponent sum, so the pass needs one log at the end instead of one per point.
  let prod = fk(K_ONE);
  let prodExp = f64x2.splat(0.0);
  const pairBytes = <usize>d << 4;
  const rowBytes = <usize>d << 3;
  for (let p = pairStart; p < pairEnd; p++) {
    const xp = x + <usize>p * pairBytes;
    const cv = v128.load(c + (<usize>p << 4));
    const mx = scorePairSimd(xp, d, n, means, logNorm, prec, diag, A, D);
    const s = v128.load(A + (<usize>n << 4));
    if (unit) {
      ll = f64x2.add(ll, f64x2.mul(cv, mx));
      // s ≥ 1, and a padding row (c = 0) contributes the factor 1.
      prod = f64x2.mul(prod, f64x2.pmax(f64x2.mul(s, cv), fk(K_ONE)));
      prodExp = f64x2.add(prodExp, exponentOf(prod));
      prod = mantissaOf(prod);
    } else {
      ll = f64x2.add(ll, f64x2.mul(cv, f64x2.add(mx, logv(s))));
    }
    const inv = f64x2.div(cv, s);
    for (let i = 0; i < n; i++) {
      const ii = <usize>i;
      const cr = f64x2.mul(v128.load(A + (ii << 4)), inv);
      v128.store(R2 + (ii << 4), f64x2.add(v128.load(R2 + (ii << 4)), cr));
      // Both points' responsibilities underflowed to exactly 0 (common with separated clusters or small
      // variances): the S and Q updates would add +0, so skipping them changes no bit and saves n·d work.
      if (!v128.any_true(cr)) continue;
      const Si = S2 + ii * pairBytes;
      if (diag) {
        // Centred accumulation: u = cr·(x − μ) feeds S' = Σ u (S = S' + μ·R, restored at the reduction) and
        // Q' = Σ u·(x − μ) (Q = σ⁻²·Q', also at the reduction): 5 flops and no precision load per dimension.
        const mu = means + ii * rowBytes;
        const Qi = Q2 + ii * pairBytes;
        let j = 0;
        for (; j + 2 <= d; j += 2) {
          const jv = <usize>j << 4;
          const js = <usize>j << 3;
          const t0 = f64x2.sub(v128.load(xp + jv), v128.load64_splat(mu + js));
          const t1 = f64x2.sub(v128.load(xp + jv, 16), v128.load64_splat(mu + js, 8));
          const u0 = f64x2.mul(cr, t0);
          const u1 = f64x2.mul(cr, t1);
          v128.store(Si + jv, f64x2.add(v128.load(Si + jv), u0));
          v128.store(Si + jv, f64x2.add(v128.load(Si + jv, 16), u1), 16);
          v128.store(Qi + jv, f64x2.add(v128.load(Qi + jv), f64x2.mul(u0, t0)));
          v128.store(Qi + jv, f64x2.add(v128.load(Qi + jv, 16), f64x2.mul(u1, t1)), 16);
        }
        if (j < d) {
          const jv = <usize>j << 4;
          const t0 = f64x2.sub(v128.load(xp + jv), v128.load64_splat(mu + (<usize>j << 3)));
          const u0 = f64x2.mul(cr, t0);
          v128.store(Si + jv, f64x2.add(v128.load(Si + jv), u0));
          v128.store(Qi + jv, f64x2.add(v128.load(Qi + jv), f64x2.mul(u0, t0)));
        }
      } else {
        // A lane with r = 0 adds 0 even when its distance overflowed (0·∞ would be NaN): data of 1e160
        // put every far component at an infinite distance.
        const rq = v128.and(f64x2.mul(cr, v128.load(D + (ii << 4))), f64x2.ne(cr, f64x2.splat(0.0)));
        v128.store(Q2 + (ii << 4), f64x2.add(v128.load(Q2 + (ii << 4)), rq));
        let j = 0;
        for (; j + 2 <= d; j += 2) {
          const jj = <usize>j << 4;
          v128.store(Si + jj, f64x2.add(v128.load(Si + jj), f64x2.mul(cr, v128.load(xp + jj))));
          v128.store(Si + jj, f64x2.add(v128.load(Si + jj, 16), f64x2.mul(cr, v128.load(xp + jj, 16))), 16);
        }
        if (j < d) {
          const jj = <usize>j << 4;
          v128.store(Si + jj, f64x2.add(v128.load(Si + jj), f64x2.mul(cr, v128.load(xp + jj))));
        }
      }
    }
  }
  // Horizontal reduction, once per pass.
  const Rout = out;
  const Sout = Rout + (<usize>n << 3);
  const Qout = Sout + (<usize>(n * d) << 3);
  for (let i = 0; i < n; i++) store<f64>(Rout + (<usize>i << 3), hsum(v128.load(R2 + (<usize>i << 4))));
  if (diag) {
    for (let i = 0; i < n; i++) {
      const r = load<f64>(Rout + (<usize>i << 3));
      for (let j = 0; j < d; j++) {
        const k = <usize>(i * d + j);
        store<f64>(Sout + (k << 3), hsum(v128.load(S2 + (k << 4))) + load<f64>(means + (k << 3)) * r);
        store<f64>(Qout + (k << 3), hsum(v128.load(Q2 + (k << 4))) * load<f64>(prec + (k << 3)));
      }
    }
  } else {
    for (let k = 0; k < n * d; k++) store<f64>(Sout + (<usize>k << 3), hsum(v128.load(S2 + (<usize>k << 4))));
    for (let k = 0; k < qLen; k++) store<f64>(Qout + (<usize>k << 3), hsum(v128.load(Q2 + (<usize>k << 4))));
  }
  if (!unit) return hsum(ll);
  const logProd = logv(prod);
  return hsum(ll) + (hsum(logProd) + hsum(prodExp) * LN2);
}

// @ts-ignore: decorator
@inline
function exponentOf(v: v128): v128 {
  // Unbiased exponent as a double: biased exponent in the low mantissa bits of 2^52, minus 2^52 + 1023.
  const eb = v128.or(i64x2.shr_u(v, 52), ik(IK_EXP_BITS));
  return f64x2.sub(eb, fk(K_EXP_BIAS));
}

// @ts-ignore: decorator
@inline
function mantissaOf(v: v128): v128 {
  return v128.or(v128.and(v, ik(IK_MANT_MASK)), fk(K_ONE));
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * Scalar log-sum-exp for one row (lane `lane` of pair `xp`): fills A (exp(a_i − max)) and D (scaled
 * distances), returns ℓ and leaves Σ exp in A[n]. Shared by the scalar pass and scoring.
 */
// @ts-ignore: decorator
@inline
export function scoreRowScalar(
  xp: usize, lane: usize, d: i32, n: i32, means: usize, logNorm: usize, prec: usize, diag: i32, A: usize, D: usize,
): f64 {
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    const mu = means + (<usize>(i * d) << 3);
    const pr = prec + (<usize>(i * d) << 3);
    let q = 0.0;
    for (let j = 0; j < d; j++) {
      const t = load<f64>(xp + (<usize>j << 4) + (lane << 3)) - load<f64>(mu + (<usize>j << 3));
      q += diag ? t * t * load<f64>(pr + (<usize>j << 3)) : t * t;
    }
    if (!diag) q *= load<f64>(pr);
    const a = load<f64>(logNorm + (<usize>i << 3)) - 0.5 * q;
    store<f64>(D + (<usize>i << 3), q);
    store<f64>(A + (<usize>i << 3), a);
    if (a > mx) mx = a;
  }
  let s = 0.0;
  for (let i = 0; i < n; i++) {
    const e = exps(load<f64>(A + (<usize>i << 3)) - mx);
    store<f64>(A + (<usize>i << 3), e);
    s += e;
  }
  store<f64>(A + (<usize>n << 3), s);
  return mx + logs(s);
}

function passScalar(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, out: usize, scratch: usize,
): f64 {
  const Rout = out;
  const Sout = Rout + (<usize>n << 3);
  const Qout = Sout + (<usize>(n * d) << 3);
  const qLen = diag ? n * d : n;
  memory.fill(Rout, 0, <usize>(n + n * d + qLen) << 3);
  const A = scratch;
  const D = A + ((<usize>n + 1) << 3);
  let ll = 0.0;
  const pairBytes = <usize>d << 4;
  for (let p = pairStart; p < pairEnd; p++) {
    const xp = x + <usize>p * pairBytes;
    for (let lane: usize = 0; lane < 2; lane++) {
      const ck = load<f64>(c + (<usize>p << 4) + (lane << 3));
      const l = scoreRowScalar(xp, lane, d, n, means, logNorm, prec, diag, A, D);
      ll += ck * l;
      const inv = ck / load<f64>(A + (<usize>n << 3));
      for (let i = 0; i < n; i++) {
        const cr = load<f64>(A + (<usize>i << 3)) * inv;
        store<f64>(Rout + (<usize>i << 3), load<f64>(Rout + (<usize>i << 3)) + cr);
        const row = <usize>(i * d) << 3;
        for (let j = 0; j < d; j++) {
          const xj = load<f64>(xp + (<usize>j << 4) + (lane << 3));
          const sp = Sout + row + (<usize>j << 3);
          store<f64>(sp, load<f64>(sp) + cr * xj);
          if (diag) {
            const t = xj - load<f64>(means + row + (<usize>j << 3));
            const qp = Qout + row + (<usize>j << 3);
            store<f64>(qp, load<f64>(qp) + cr * t * t * load<f64>(prec + row + (<usize>j << 3)));
          }
        }
        if (!diag) {
          const qp = Qout + (<usize>i << 3);
          // r = 0 adds 0 even when the distance overflowed (0·∞ would be NaN).
          if (cr != 0) store<f64>(qp, load<f64>(qp) + cr * load<f64>(D + (<usize>i << 3)));
        }
      }
    }
  }
  return ll;
}
