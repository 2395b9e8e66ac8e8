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

import { expvNonPos, exps, logv, logs, fk, K_HALF, K_ONE, K_EXP_BIAS, ik, IK_EXP_BITS, IK_MANT_MASK, LN2, madd, madd4, nmadd, K_MAX_FINITE, hsum } from './exp';

/**
 * The scalar log-sum-exp tail shared by every scalar row kernel: replaces the n log-terms a_i in A by
 * e^(a_i − mx), stores their sum s at A[n] (the responsibilities are A[i] / s) and returns mx + log s.
 */
// @ts-ignore: decorator
@inline
export function expSumInPlace(A: usize, n: i32, mx: f64): f64 {
  let s = 0.0;
  for (let i = 0; i < n; i++) {
    const e = exps(load<f64>(A + (<usize>i << 3)) - mx);
    store<f64>(A + (<usize>i << 3), e);
    s += e;
  }
  store<f64>(A + (<usize>n << 3), s);
  return mx + logs(s);
}

/**
 * Writes the responsibilities of point pair p (rows 2p and 2p+1) to resp (N × n row-major): the pair's
 * exponentiated terms A[i] (f64x2, one lane per point) times 1/s, s = A[n].
 */
// @ts-ignore: decorator
@inline
export function storePairResponsibilities(A: usize, n: i32, resp: usize, p: i32): void {
  const inv = f64x2.div(f64x2.splat(1.0), v128.load(A + (<usize>n << 4)));
  const r0 = resp + (<usize>(2 * p * n) << 3);
  const r1 = r0 + (<usize>n << 3);
  for (let i = 0; i < n; i++) {
    const r = f64x2.mul(v128.load(A + (<usize>i << 4)), inv);
    store<f64>(r0 + (<usize>i << 3), f64x2.extract_lane(r, 0));
    store<f64>(r1 + (<usize>i << 3), f64x2.extract_lane(r, 1));
  }
}

/** Bytes of scratch the pass needs for n components in d dimensions. */
export function passScratchBytes(n: i32, d: i32, diag: i32): usize {
  const q = diag ? n * d : n;
  const direct = <usize>(n * 3 + n * d + q + 1) << 4;
  // Sized for either form whenever the GEMM form can apply, so setPassForm may switch forms afterwards.
  return ASC_FEATURE_SIMD ? max(direct, gemmScratchBytes(n, d, diag)) : direct;
}

/**
 * Runs the pass over pairs [pairStart, pairEnd) and returns Σ c·ℓ; statistics go to `out`. `unit` = 1 promises
 * every c is 0 or 1 (no user weights), which lets the SIMD build replace per-point logs by one at the end.
 * `shift` (d) holds the data's column means and `norms` (2 per pair) ‖x − shift‖², both written once per
 * data set by the pack step; only the GEMM form reads them.
 */
export function pass(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, unit: i32, out: usize, scratch: usize,
  shift: usize, norms: usize,
): f64 {
  if (ASC_FEATURE_SIMD) {
    lastForm = 1;
    if (usesGemm(n, d, diag) && (diag != 0 || expansionConditioned(d, n, means, prec, shift))) {
      lastForm = 2;
      return passGemm(x, c, pairStart, pairEnd, d, n, means, logNorm, prec, diag, unit, out, scratch, shift, norms);
    }
    return passSimd(x, c, pairStart, pairEnd, d, n, means, logNorm, prec, diag, unit, out, scratch);
  }
  return passScalar(x, c, pairStart, pairEnd, d, n, means, logNorm, prec, diag, out, scratch);
}

// @ts-ignore: decorator
@inline
function distanceSimd(xp: usize, mu: usize, pr: usize, d: i32, diag: i32): v128 {
  if (d <= 2) {
    // Straight-line code for the literal d of passSimd's specialisations: the dimension loop, even with
    // constant bounds, stays a loop that V8 enters, checks and spills around; without it the pass runs
    // 1.1–1.2× faster at d ≤ 2 (paired runs, Node 20 and Chromium 156, AMD EPYC), and the same sums.
    return distanceSmallD<f64>(xp, mu, pr, d, diag);
  }
  // Two accumulators break the add dependency chain for larger d.
  let acc0 = f64x2.splat(0.0);
  let acc1 = f64x2.splat(0.0);
  let j = 0;
  if (diag) {
    for (; j + 2 <= d; j += 2) {
      const off = <usize>j;
      const t0 = f64x2.sub(v128.load(xp + (off << 4)), v128.load64_splat(mu + (off << 3)));
      const t1 = f64x2.sub(v128.load(xp + (off << 4), 16), v128.load64_splat(mu + (off << 3), 8));
      acc0 = madd(f64x2.mul(t0, t0), v128.load64_splat(pr + (off << 3)), acc0);
      acc1 = madd(f64x2.mul(t1, t1), v128.load64_splat(pr + (off << 3), 8), acc1);
    }
    if (j < d) {
      const off = <usize>j;
      const t0 = f64x2.sub(v128.load(xp + (off << 4)), v128.load64_splat(mu + (off << 3)));
      acc0 = madd(f64x2.mul(t0, t0), v128.load64_splat(pr + (off << 3)), acc0);
    }
    return f64x2.add(acc0, acc1);
  }
  // Pointers bumped per step rather than recomputed from j: V8 keeps no induction pointers for wasm
  // addresses, and the index arithmetic (four integer ops per step) outnumbered the arithmetic
  // (1.09× at N = 1e4, n = 2, d = 50 in Node).
  let xo = xp, mo = mu;
  const mEnd = mu + (<usize>(d & ~1) << 3);
  for (; mo < mEnd; xo += 32, mo += 16) {
    const t0 = f64x2.sub(v128.load(xo), v128.load64_splat(mo));
    const t1 = f64x2.sub(v128.load(xo, 16), v128.load64_splat(mo, 8));
    acc0 = madd(t0, t0, acc0);
    acc1 = madd(t1, t1, acc1);
  }
  if (d & 1) {
    const t0 = f64x2.sub(v128.load(xo), v128.load64_splat(mo));
    acc0 = madd(t0, t0, acc0);
  }
  return f64x2.mul(f64x2.add(acc0, acc1), v128.load64_splat(pr));
}

/**
 * Scaled distances of one pair of points to components i and i + 1 (means at mu and mu + rowBytes), stored
 * at D and D + 16: each point coordinate is loaded once for both components.
 */
// @ts-ignore: decorator
@inline
function distanceTwoSimd(xp: usize, mu: usize, pr: usize, rowBytes: usize, d: i32, diag: i32, D: usize): void {
  let a0 = f64x2.splat(0.0), a1 = f64x2.splat(0.0), b0 = f64x2.splat(0.0), b1 = f64x2.splat(0.0);
  let xo = xp, mo = mu, po = pr;
  const mEnd = mu + (<usize>(d & ~1) << 3);
  for (; mo < mEnd; xo += 32, mo += 16, po += 16) {
    const x0 = v128.load(xo);
    const x1 = v128.load(xo, 16);
    const s0 = f64x2.sub(x0, v128.load64_splat(mo));
    const s1 = f64x2.sub(x1, v128.load64_splat(mo, 8));
    const t0 = f64x2.sub(x0, v128.load64_splat(mo + rowBytes));
    const t1 = f64x2.sub(x1, v128.load64_splat(mo + rowBytes, 8));
    if (diag) {
      a0 = madd(f64x2.mul(s0, s0), v128.load64_splat(po), a0);
      a1 = madd(f64x2.mul(s1, s1), v128.load64_splat(po, 8), a1);
      b0 = madd(f64x2.mul(t0, t0), v128.load64_splat(po + rowBytes), b0);
      b1 = madd(f64x2.mul(t1, t1), v128.load64_splat(po + rowBytes, 8), b1);
    } else {
      a0 = madd(s0, s0, a0);
      a1 = madd(s1, s1, a1);
      b0 = madd(t0, t0, b0);
      b1 = madd(t1, t1, b1);
    }
  }
  if (d & 1) {
    const x0 = v128.load(xo);
    const s0 = f64x2.sub(x0, v128.load64_splat(mo));
    const t0 = f64x2.sub(x0, v128.load64_splat(mo + rowBytes));
    if (diag) {
      a0 = madd(f64x2.mul(s0, s0), v128.load64_splat(po), a0);
      b0 = madd(f64x2.mul(t0, t0), v128.load64_splat(po + rowBytes), b0);
    } else {
      a0 = madd(s0, s0, a0);
      b0 = madd(t0, t0, b0);
    }
  }
  if (diag) {
    v128.store(D, f64x2.add(a0, a1));
    v128.store(D, f64x2.add(b0, b1), 16);
  } else {
    v128.store(D, f64x2.mul(f64x2.add(a0, a1), v128.load64_splat(pr)));
    v128.store(D, f64x2.mul(f64x2.add(b0, b1), v128.load64_splat(pr + rowBytes)), 16);
  }
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
  let i = 0;
  if (d > 2) {
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i * rowBytes;
      distanceTwoSimd(xp, means + off, prec + off, rowBytes, d, diag, D + (<usize>i << 4));
      const a0 = nmadd(fk(K_HALF), v128.load(D + (<usize>i << 4)), v128.load64_splat(logNorm + (<usize>i << 3)));
      const a1 = nmadd(fk(K_HALF), v128.load(D + (<usize>i << 4), 16), v128.load64_splat(logNorm + (<usize>i << 3), 8));
      v128.store(A + (<usize>i << 4), a0);
      v128.store(A + (<usize>i << 4), a1, 16);
      mx = f64x2.pmax(f64x2.pmax(mx, a0), a1);
    }
  }
  for (; i < n; i++) {
    const off = <usize>i * rowBytes;
    const dist = distanceSimd(xp, means + off, prec + off, d, diag);
    const a = nmadd(fk(K_HALF), dist, v128.load64_splat(logNorm + (<usize>i << 3)));
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
      ll = madd(cv, mx, ll);
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
        if (d <= 2) {
          // Straight-line for the literal d ≤ 2 (see distanceSimd): another 1.1× at d ≤ 2.
          centredSmallD<f64>(xp, mu, Si, Qi, cr, d);
          continue;
        }
        // Pointer-bumped, as distanceSimd's spherical loop.
        let xo = xp, mo = mu, so = Si, qo = Qi;
        const mEnd = mu + (<usize>(d & ~1) << 3);
        for (; mo < mEnd; xo += 32, mo += 16, so += 32, qo += 32) {
          const t0 = f64x2.sub(v128.load(xo), v128.load64_splat(mo));
          const t1 = f64x2.sub(v128.load(xo, 16), v128.load64_splat(mo, 8));
          const u0 = f64x2.mul(cr, t0);
          const u1 = f64x2.mul(cr, t1);
          v128.store(so, f64x2.add(v128.load(so), u0));
          v128.store(so, f64x2.add(v128.load(so, 16), u1), 16);
          v128.store(qo, madd(u0, t0, v128.load(qo)));
          v128.store(qo, madd(u1, t1, v128.load(qo, 16)), 16);
        }
        if (d & 1) {
          const t0 = f64x2.sub(v128.load(xo), v128.load64_splat(mo));
          const u0 = f64x2.mul(cr, t0);
          v128.store(so, f64x2.add(v128.load(so), u0));
          v128.store(qo, madd(u0, t0, v128.load(qo)));
        }
      } else {
        // A lane with r = 0 adds 0 even when its distance overflowed (0·∞ would be NaN): data of 1e160
        // put every far component at an infinite distance. Capping the distance at the largest double does
        // it in one operation (r ≠ 0 implies a finite distance), and leaves a multiply-add to fuse.
        const dq = f64x2.pmin(v128.load(D + (ii << 4)), fk(K_MAX_FINITE));
        v128.store(Q2 + (ii << 4), madd(cr, dq, v128.load(Q2 + (ii << 4))));
        if (d <= 2) {
          weightedSmallD<f64>(xp, Si, cr, d);
          continue;
        }
        let xo = xp, so = Si;
        const sEnd = Si + (<usize>(d & ~1) << 4);
        for (; so < sEnd; xo += 32, so += 32) {
          v128.store(so, madd(cr, v128.load(xo), v128.load(so)));
          v128.store(so, madd(cr, v128.load(xo, 16), v128.load(so, 16)), 16);
        }
        if (d & 1) v128.store(so, madd(cr, v128.load(xo), v128.load(so)));
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

/**
 * Scaled distance of one pair (f64) or quad (f32) of points to one component for a literal d ≤ 2,
 * straight-line: Σ_j σ_j⁻²(x_j − μ_j)² (diagonal) or σ⁻²·Σ_j (x_j − μ_j)², in the lanes of T (see centredSmallD).
 */
// @ts-ignore: decorator
@inline
export function distanceSmallD<T>(xp: usize, mu: usize, pr: usize, d: i32, diag: i32): v128 {
  const t0 = vsub<T>(v128.load(xp), vsplat<T>(mu));
  if (diag) {
    const q0 = vmul<T>(vmul<T>(t0, t0), vsplat<T>(pr));
    if (d == 1) return q0;
    const t1 = vsub<T>(v128.load(xp, 16), vsplat<T>(mu + sizeof<T>()));
    return vmadd<T>(vmul<T>(t1, t1), vsplat<T>(pr + sizeof<T>()), q0);
  }
  if (d == 1) return vmul<T>(vmul<T>(t0, t0), vsplat<T>(pr));
  const t1 = vsub<T>(v128.load(xp, 16), vsplat<T>(mu + sizeof<T>()));
  return vmul<T>(vmadd<T>(t1, t1, vmul<T>(t0, t0)), vsplat<T>(pr));
}

/** Spherical S += r·x over the d ≤ 2 (literal) coordinates of one pair (f64) or quad (f32), straight-line. */
// @ts-ignore: decorator
@inline
export function weightedSmallD<T>(xp: usize, Si: usize, cr: v128, d: i32): void {
  v128.store(Si, vmadd<T>(cr, v128.load(xp), v128.load(Si)));
  if (d == 2) v128.store(Si, vmadd<T>(cr, v128.load(xp, 16), v128.load(Si, 16)), 16);
}

/**
 * The diagonal pass's centred statistics of one component for a literal d ≤ 2, straight-line: S' += r·t and
 * Q' += r·t² per coordinate, t = x − μ, in the lanes of T (f64: the float64 pass's f64x2 pairs, f32: the
 * float32 pass's f32x4 quads; the type folds away at compile time).
 */
// @ts-ignore: decorator
@inline
export function centredSmallD<T>(xp: usize, mu: usize, Si: usize, Qi: usize, cr: v128, d: i32): void {
  const t0 = vsub<T>(v128.load(xp), vsplat<T>(mu));
  const u0 = vmul<T>(cr, t0);
  v128.store(Si, vadd<T>(v128.load(Si), u0));
  v128.store(Qi, vmadd<T>(u0, t0, v128.load(Qi)));
  if (d == 1) return;
  const t1 = vsub<T>(v128.load(xp, 16), vsplat<T>(mu + sizeof<T>()));
  const u1 = vmul<T>(cr, t1);
  v128.store(Si, vadd<T>(v128.load(Si, 16), u1), 16);
  v128.store(Qi, vmadd<T>(u1, t1, v128.load(Qi, 16)), 16);
}

// Lane-type dispatch for the code the float64 and float32 passes share (T = f64 or f32).
// @ts-ignore: decorator
@inline function vsub<T>(a: v128, b: v128): v128 { return sizeof<T>() == 8 ? f64x2.sub(a, b) : f32x4.sub(a, b); }
// @ts-ignore: decorator
@inline function vadd<T>(a: v128, b: v128): v128 { return sizeof<T>() == 8 ? f64x2.add(a, b) : f32x4.add(a, b); }
// @ts-ignore: decorator
@inline function vmul<T>(a: v128, b: v128): v128 { return sizeof<T>() == 8 ? f64x2.mul(a, b) : f32x4.mul(a, b); }
// @ts-ignore: decorator
@inline function vmadd<T>(a: v128, b: v128, c: v128): v128 { return sizeof<T>() == 8 ? madd(a, b, c) : madd4(a, b, c); }
// @ts-ignore: decorator
@inline function vsplat<T>(p: usize): v128 { return sizeof<T>() == 8 ? v128.load64_splat(p) : v128.load32_splat(p); }

// @ts-ignore: decorator
@inline
export function exponentOf(v: v128): v128 {
  // Unbiased exponent as a double: biased exponent in the low mantissa bits of 2^52, minus 2^52 + 1023.
  const eb = v128.or(i64x2.shr_u(v, 52), ik(IK_EXP_BITS));
  return f64x2.sub(eb, fk(K_EXP_BIAS));
}

// @ts-ignore: decorator
@inline
export function mantissaOf(v: v128): v128 {
  return v128.or(v128.and(v, ik(IK_MANT_MASK)), fk(K_ONE));
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
  return expSumInPlace(A, n, mx);
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

// ---------------------------------------------------------------------------------------------------------
// GEMM form (SIMD builds; spherical and fixed layouts here, the diagonal one below passGemm): the distances as ‖x‖² − 2xᵀμ + ‖μ‖² and S as RᵀX,
// both in register tiles of 2 pairs (4 points) × 4 components, over blocks of GEMM_PAIRS pairs whose centred
// rows, scores and responsibilities stay in cache. Per point, component and dimension this costs one
// multiply-add for the distance and one for S (the direct form: sub, mul, add and a load/store of S), and
// the means block is read once per 4 points instead of once per 2.
//
// Centring: x and μ enter as x − s and μ − s, with s the column means of the data (the pack step computes s
// and ‖x − s‖² once per data set); S is un-centred at the reduction (S = S' + s·R), R, Q and ℓ do not
// depend on s. Error bound (γ_m = mε/(1 − mε), ε = 2⁻⁵³): the computed scaled distance D̂ satisfies
//   |D̂ − D| ≤ γ_{d+5} · (‖x − s‖ + ‖μ − s‖)² · σ⁻²,
// against γ_{d+2} · D for the direct form; the log-density ℓ and each responsibility's exponent move by
// half that. Centring makes ‖x − s‖ the spread of the data rather than its distance from the origin, so far
// from the origin the bound is what it is at the origin; it grows where a component sits far (in σ) from
// the data's centre, hence the shape rule below picks this form only for large n·d, where its speed pays.

/** Pairs per block of the GEMM form: 16 pairs keep the block's rows, scores and responsibilities in L1/L2. */
const GEMM_PAIRS: i32 = 16;

/**
 * The shape rule, the one place it is written. Spherical/fixed: the GEMM form when n ≥ 8 and d ≥ 8 (and
 * expansionConditioned); measured against the direct form on AMD EPYC, Node 20, N = 5e4, interleaved
 * medians: 1.15–1.8× at n, d ∈ {8, 10, 50}, 0.89–1.39× at d = 4, 0.57–0.75× at n = 2 (the 4-component tile
 * half empty). Diagonal: n ≥ 16 and d ≥ 10 (since the statistics tile keeps its 4 means in registers):
 * 1.18–1.34× at n ∈ {16, 20, 32, 50}, d ≥ 10 (bench/grid.mjs's data, N = 5e4, CPU time), but 0.93–0.98× at
 * n = 10, d ∈ {10, 50}, 1.0× at n = 50, d = 4, 0.50× at n = 2, and 0.61× at n = 10, d = 64 on separated
 * clusters, where the direct form skips zero responsibilities per component and the tiles only per block
 * of 4. README "Kernels" has the tables.
 * Float32 (`f32` = 1, passF32.ts's tile form), tiles/direct measured the same way (N = 5e4, CPU time):
 * spherical n ≥ 4 and d ≥ 4: 1.09–1.58× at n ∈ {4, 8, 10, 16, 50}, but 0.66–0.89× at n = 2; diagonal
 * n ≥ 16 and d ≥ 10: 1.16–1.18× at n, d ∈ {16, 50}, 0.94–1.08× at n ≤ 10, 0.62–0.68× at n = 2; the bound
 * was d ≥ 16 until paired runs (N = 1e4 and 1e5, CPU time, 7 repetitions) gave 1.11–1.20× at n ∈ {16, 20, 50},
 * d ∈ {10, 11, 12, 14}, against 0.65× at n = 16, d = 8.
 */
export function usesGemm(n: i32, d: i32, diag: i32, f32: i32 = 0): bool {
  if (!ASC_FEATURE_SIMD) return false;
  if (passForm != 0) return passForm == 2;
  if (f32) return diag ? n >= 16 && d >= 10 : n >= 4 && d >= 4;
  return diag ? n >= 16 && d >= 10 : n >= 8 && d >= 8;
}

// @ts-ignore: decorator
@lazy let passForm: i32 = 0;

/** Test and benchmark hook: 0 = the shape rule, 1 = always the direct form, 2 = the GEMM form where it applies. */
export function setPassForm(form: i32): void {
  passForm = form;
}

// @ts-ignore: decorator
@lazy let lastForm: i32 = 0;

/** Test hook: the form the last pass ran, 1 = direct, 2 = GEMM. */
export function lastPassForm(): i32 {
  return lastForm;
}

/** Records the form a pass runs (1 = direct, 2 = GEMM or tiles) for {@link lastPassForm}; passF32 uses it too. */
export function recordForm(form: i32): void {
  lastForm = form;
}

/**
 * Largest worst-case exponent error (hence relative error of a responsibility) the expansion may have before
 * the pass falls back to the direct form. The bound is worst-case (every rounding aligned); the kernel tests
 * measure the realised errors below 1e-12 relative on data that pass it, while tight clusters 60σ apart
 * (bound ~1e-8) fail it.
 */
const GEMM_MAX_EXP_ERR: f64 = 1e-10;

/**
 * The spherical expansion's guard: its worst-case error in a responsibility's exponent, ½γ_{d+5}·(√M +
 * ‖μ_i − s‖)²·σ_i⁻² with M = max_k ‖x_k − s‖² (stored by the pack step after the d shifts), must stay below
 * GEMM_MAX_EXP_ERR for every component; components far (in σ) from the data's centre — separated tight
 * clusters — fail it and the pass takes the direct form, whose error is relative to the distance itself.
 */
function expansionConditioned(d: i32, n: i32, means: usize, prec: usize, shift: usize): bool {
  const rootM = Math.sqrt(load<f64>(shift + (<usize>d << 3)));
  const gamma = 0.5 * <f64>(d + 5) * 1.1102230246251565e-16;
  for (let i = 0; i < n; i++) {
    let m2 = 0.0;
    for (let j = 0; j < d; j++) {
      const v = load<f64>(means + (<usize>(i * d + j) << 3)) - load<f64>(shift + (<usize>j << 3));
      m2 += v * v;
    }
    const r = rootM + Math.sqrt(m2);
    if (gamma * r * r * load<f64>(prec + (<usize>(i * d) << 3)) > GEMM_MAX_EXP_ERR) return false;
  }
  return true;
}

// @ts-ignore: decorator
@inline
export function padTo4(n: i32): i32 {
  return (n + 3) & ~3;
}

/** Scratch bytes of the GEMM form. */
function gemmScratchBytes(n: i32, d: i32, diag: i32): usize {
  const np = <usize>padTo4(n);
  const dd = <usize>d;
  const B = <usize>GEMM_PAIRS;
  const mc: usize = diag ? (np * dd) << 1 : np * dd;
  // MC (f64), MN, PR, LN (np f64 each), XC (B·d v128), AB and DB (B·np v128 each), R2, Q2 (np v128), S2 and
  // the diagonal Q' (np·d v128 each), ZB (B·np/4 bytes).
  return (mc << 3) + (np * 24) + ((B * dd + ((B * np + np + np * dd) << 1)) << 4) + B * np + 64;
}

function passGemm(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, unit: i32, out: usize, scratch: usize, shift: usize, norms: usize,
): f64 {
  if (diag) return passGemmBody(x, c, pairStart, pairEnd, d, n, means, logNorm, prec, 1, unit, out, scratch, shift, norms);
  return passGemmBody(x, c, pairStart, pairEnd, d, n, means, logNorm, prec, 0, unit, out, scratch, shift, norms);
}

// Diagonal layout: the same tiles and blocks, but no expansion. Q_ij = σ⁻²_ij Σ r (x_j − μ_ij)² is needed per
// dimension, and its expanded form σ⁻²(Σ r x² − 2μ Σ r x + μ² R) cancels whenever x_j ≈ μ_ij for the points
// that carry the component (measured: 5e-11 relative errors on the kernel tests' random data). So the distance
// tile forms t = x − μ and accumulates σ⁻²·t² (σ⁻² folded into the tile as a weight: sub, mul, mul-add, the
// operation count of the expansion without FMA), and the statistics tile accumulates u = r·t into S' and u·t
// into Q' (S = S' + μR, Q = σ⁻²Q' at the reduction), as the direct form does, but over register tiles of
// 4 components summed across the block's pairs. Its rounding is the direct form's: γ_{d+2}·D.

// @ts-ignore: decorator
@inline
function passGemmBody(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, unit: i32, out: usize, scratch: usize, shift: usize, norms: usize,
): f64 {
  const np = padTo4(n);
  const dd = <usize>d;
  const B = <usize>GEMM_PAIRS;
  // Tile weights, per block of 4 components and dimension j: spherical μ − s (4 lanes); diagonal μ then σ⁻²
  // (8 lanes).
  const MC = scratch;
  const mcStride: usize = diag ? 64 : 32;         // bytes per (block, j)
  const MN = MC + <usize>(np >> 2) * dd * mcStride; // Σ_j w_j (μ_j − s_j)², w = σ⁻² (diagonal) or 1
  const PR = MN + (<usize>np << 3);               // 1/σ² per component (1 when folded into the tile)
  const LN = PR + (<usize>np << 3);               // log-normaliser per component
  const XC = (LN + (<usize>np << 3) + 15) & ~(<usize>15); // centred rows of the block, pair layout
  const AB = XC + (B * dd << 4);                  // scores → exps → responsibilities, [pair][component]
  const DB = AB + (B * <usize>np << 4);           // scaled distances, [pair][component]
  const R2 = DB + (B * <usize>np << 4);
  const Q2 = R2 + (<usize>np << 4);
  const S2 = Q2 + (<usize>np << 4);               // Σ r (x − s), diagonal Σ r (x − μ), [component][dimension]
  const Q2d = S2 + (<usize>np * dd << 4);         // diagonal: Σ r (x − μ)², [component][dimension]
  const ZB = Q2d + (<usize>np * dd << 4);         // per pair and block of 4 components: any responsibility ≠ 0
  // Parameters into the tile layout; padding components get zero weights and responsibility 0.
  for (let i = 0; i < np; i++) {
    const blk = MC + <usize>(i >> 2) * dd * mcStride + (<usize>(i & 3) << 3);
    let m2 = 0.0;
    for (let j = 0; j < d; j++) {
      const k = <usize>(i * d + j) << 3;
      if (diag) {
        store<f64>(blk + <usize>j * mcStride, i < n ? load<f64>(means + k) : 0.0);
        store<f64>(blk + <usize>j * mcStride + 32, i < n ? load<f64>(prec + k) : 0.0);
      } else {
        const v = i < n ? load<f64>(means + k) - load<f64>(shift + (<usize>j << 3)) : 0.0;
        store<f64>(blk + <usize>j * mcStride, v);
        m2 += v * v;
      }
    }
    store<f64>(MN + (<usize>i << 3), m2);
    store<f64>(PR + (<usize>i << 3), diag ? 1.0 : i < n ? load<f64>(prec + (<usize>(i * d) << 3)) : 0.0);
    store<f64>(LN + (<usize>i << 3), i < n ? load<f64>(logNorm + (<usize>i << 3)) : 0.0);
  }
  memory.fill(R2, 0, (<usize>(2 * np) + 2 * <usize>np * dd) << 4);
  let ll = f64x2.splat(0.0);
  let prod = fk(K_ONE);
  let prodExp = f64x2.splat(0.0);
  const pairBytes = dd << 4;
  for (let p0 = pairStart; p0 < pairEnd; p0 += GEMM_PAIRS) {
    const nb = min(GEMM_PAIRS, pairEnd - p0);
    // Spherical: centre the block's rows once; both products read them from here. Diagonal: the raw rows.
    const xb = x + <usize>p0 * pairBytes;
    const XB = diag ? xb : XC;
    if (!diag) {
      for (let q = 0; q < nb; q++) {
        const o = <usize>q * pairBytes;
        for (let j = 0; j < d; j++) {
          const jv = o + (<usize>j << 4);
          v128.store(XC + jv, f64x2.sub(v128.load(xb + jv), v128.load64_splat(shift + (<usize>j << 3))));
        }
      }
    }
    // Distances, 2 pairs × 4 components per tile.
    for (let b = 0; b < np; b += 4) {
      const mb = MC + <usize>(b >> 2) * dd * mcStride;
      const nq = norms + (<usize>p0 << 4);
      let q = 0;
      for (; q + 2 <= nb; q += 2) distanceTile(XB, q, pairBytes, mb, d, b, np, nq, MN, PR, LN, AB, DB, 2, diag);
      if (q < nb) distanceTile(XB, q, pairBytes, mb, d, b, np, nq, MN, PR, LN, AB, DB, 1, diag);
    }
    // Log-sum-exp, responsibilities, R, Q and ℓ per pair (as in the direct form).
    for (let q = 0; q < nb; q++) {
      const Aq = AB + (<usize>(q * np) << 4);
      const Dq = DB + (<usize>(q * np) << 4);
      let mx = f64x2.splat(-Infinity);
      for (let i = 0; i < n; i++) mx = f64x2.pmax(mx, v128.load(Aq + (<usize>i << 4)));
      let s = f64x2.splat(0.0);
      for (let i = 0; i < n; i++) {
        const e = expvNonPos(f64x2.sub(v128.load(Aq + (<usize>i << 4)), mx));
        v128.store(Aq + (<usize>i << 4), e);
        s = f64x2.add(s, e);
      }
      const cv = v128.load(c + (<usize>(p0 + q) << 4));
      if (unit) {
        ll = f64x2.add(ll, f64x2.mul(cv, mx));
        prod = f64x2.mul(prod, f64x2.pmax(f64x2.mul(s, cv), fk(K_ONE)));
        prodExp = f64x2.add(prodExp, exponentOf(prod));
        prod = mantissaOf(prod);
      } else {
        ll = f64x2.add(ll, f64x2.mul(cv, f64x2.add(mx, logv(s))));
      }
      const inv = f64x2.div(cv, s);
      for (let i = 0; i < n; i++) {
        const ii = <usize>i << 4;
        const r = f64x2.mul(v128.load(Aq + ii), inv);
        v128.store(Aq + ii, r);
        v128.store(R2 + ii, f64x2.add(v128.load(R2 + ii), r));
        if (!diag) v128.store(Q2 + ii, madd(r, v128.load(Dq + ii), v128.load(Q2 + ii)));
      }
      for (let i = n; i < np; i++) v128.store(Aq + (<usize>i << 4), f64x2.splat(0.0));
      // Hard assignments: where all 8 responsibilities of a (pair, block) underflowed to exactly 0, the
      // statistics tiles skip the pair (they would add +0: bit-identical).
      for (let b = 0; b < np; b += 4) {
        const a = Aq + (<usize>b << 4);
        const any = v128.or(v128.or(v128.load(a), v128.load(a, 16)), v128.or(v128.load(a, 32), v128.load(a, 48)));
        store<u8>(ZB + <usize>(q * (np >> 2) + (b >> 2)), v128.any_true(any) ? 1 : 0);
      }
    }
    // S' += Rᵀ·(X − s) for the block, 4 components × 2 dimensions per tile; diagonal: S' and Q' together,
    // 4 components × 1 dimension per tile.
    for (let b = 0; b < np; b += 4) {
      if (diag) {
        const mb = MC + <usize>(b >> 2) * dd * mcStride;
        for (let j = 0; j < d; j++) sqTile(S2, Q2d, xb, AB, ZB, mb, pairBytes, d, b, j, nb, np);
      } else {
        let j = 0;
        for (; j + 2 <= d; j += 2) sTile(S2, XC, AB, ZB, pairBytes, d, b, j, nb, np, 2);
        if (j < d) sTile(S2, XC, AB, ZB, pairBytes, d, b, j, nb, np, 1);
      }
    }
  }
  const Rout = out;
  const Sout = Rout + (<usize>n << 3);
  const Qout = Sout + (<usize>n * dd << 3);
  for (let i = 0; i < n; i++) {
    const r = hsum(v128.load(R2 + (<usize>i << 4)));
    store<f64>(Rout + (<usize>i << 3), r);
    if (!diag) store<f64>(Qout + (<usize>i << 3), hsum(v128.load(Q2 + (<usize>i << 4))));
    for (let j = 0; j < d; j++) {
      const k = <usize>(i * d + j);
      const sc = hsum(v128.load(S2 + (k << 4)));
      if (diag) {
        store<f64>(Sout + (k << 3), sc + load<f64>(means + (k << 3)) * r);
        store<f64>(Qout + (k << 3), hsum(v128.load(Q2d + (k << 4))) * load<f64>(prec + (k << 3)));
      } else {
        store<f64>(Sout + (k << 3), sc + load<f64>(shift + (<usize>j << 3)) * r);
      }
    }
  }
  if (!unit) return hsum(ll);
  return hsum(ll) + (hsum(logv(prod)) + hsum(prodExp) * LN2);
}

/**
 * One distance tile: `pairs` (1 or 2, a literal) pairs from pair q of the block × the 4 components of block
 * b. Writes the scores a = log-normaliser − ½D and the distances D into AB/DB.
 */
// @ts-ignore: decorator
@inline
function distanceTile(
  XB: usize, q: i32, pairBytes: usize, mb: usize, d: i32, b: i32, np: i32, nq: usize,
  MN: usize, PR: usize, LN: usize, AB: usize, DB: usize, pairs: i32, diag: i32,
): void {
  let a00 = f64x2.splat(0.0), a01 = f64x2.splat(0.0), a02 = f64x2.splat(0.0), a03 = f64x2.splat(0.0);
  let a10 = f64x2.splat(0.0), a11 = f64x2.splat(0.0), a12 = f64x2.splat(0.0), a13 = f64x2.splat(0.0);
  const xq = XB + <usize>q * pairBytes;
  for (let j = 0; j < d; j++) {
    const jv = <usize>j << 4;
    if (diag) {
      const m = mb + (<usize>j << 6);
      const x0 = v128.load(xq + jv);
      const x1 = pairs == 2 ? v128.load(xq + pairBytes + jv) : x0;
      a00 = diagTerm(x0, m, 0, a00); a01 = diagTerm(x0, m, 8, a01); a02 = diagTerm(x0, m, 16, a02); a03 = diagTerm(x0, m, 24, a03);
      if (pairs == 2) {
        a10 = diagTerm(x1, m, 0, a10); a11 = diagTerm(x1, m, 8, a11); a12 = diagTerm(x1, m, 16, a12); a13 = diagTerm(x1, m, 24, a13);
      }
    } else {
      const m = mb + (<usize>j << 5);
      const m0 = v128.load64_splat(m), m1 = v128.load64_splat(m, 8), m2 = v128.load64_splat(m, 16), m3 = v128.load64_splat(m, 24);
      const x0 = v128.load(xq + jv);
      a00 = madd(x0, m0, a00); a01 = madd(x0, m1, a01); a02 = madd(x0, m2, a02); a03 = madd(x0, m3, a03);
      if (pairs == 2) {
        const x1 = v128.load(xq + pairBytes + jv);
        a10 = madd(x1, m0, a10); a11 = madd(x1, m1, a11); a12 = madd(x1, m2, a12); a13 = madd(x1, m3, a13);
      }
    }
  }
  const at = AB + (<usize>(q * np + b) << 4);
  const dt = DB + (<usize>(q * np + b) << 4);
  const nqq = nq + (<usize>q << 4);
  storeScores(at, dt, diag ? f64x2.splat(0.0) : v128.load(nqq), a00, a01, a02, a03, b, MN, PR, LN, diag);
  if (pairs == 2) storeScores(at + (<usize>np << 4), dt + (<usize>np << 4), diag ? f64x2.splat(0.0) : v128.load(nqq, 16), a10, a11, a12, a13, b, MN, PR, LN, diag);
}

/** acc + σ⁻²(x − μ)² for the component in lane `o` (bytes) of the diagonal tile weights at m. */
// @ts-ignore: decorator
@inline
function diagTerm(x: v128, m: usize, o: usize, acc: v128): v128 {
  const t = f64x2.sub(x, v128.load64_splat(m + o));
  return madd(f64x2.mul(t, t), v128.load64_splat(m + o + 32), acc);
}

// @ts-ignore: decorator
@inline
function storeScores(
  at: usize, dt: usize, xn: v128, d0: v128, d1: v128, d2: v128, d3: v128, b: i32, MN: usize, PR: usize, LN: usize, diag: i32,
): void {
  const o = <usize>b << 3;
  storeScore(at, dt, xn, d0, MN + o, PR + o, LN + o, diag);
  storeScore(at + 16, dt + 16, xn, d1, MN + o + 8, PR + o + 8, LN + o + 8, diag);
  storeScore(at + 32, dt + 32, xn, d2, MN + o + 16, PR + o + 16, LN + o + 16, diag);
  storeScore(at + 48, dt + 48, xn, d3, MN + o + 24, PR + o + 24, LN + o + 24, diag);
}

// @ts-ignore: decorator
@inline
function storeScore(at: usize, dt: usize, xn: v128, dot: v128, mn: usize, pr: usize, ln: usize, diag: i32): void {
  // Spherical: dot = xᵀμ, and the expansion ‖x‖² + ‖μ‖² − 2 dot (≥ 0 in exact arithmetic: the rounding is
  // clamped) is scaled by σ⁻²; diagonal: dot already is D.
  let dist = dot;
  if (!diag) {
    const sq = f64x2.pmax(f64x2.sub(f64x2.add(xn, v128.load64_splat(mn)), f64x2.add(dot, dot)), f64x2.splat(0.0));
    dist = f64x2.mul(sq, v128.load64_splat(pr));
  }
  v128.store(dt, dist);
  v128.store(at, f64x2.sub(v128.load64_splat(ln), f64x2.mul(fk(K_HALF), dist)));
}

/** S' rows b..b+3, dimensions j.. (`dims` = 1 or 2, a literal), accumulated over the block's nb pairs. */
// @ts-ignore: decorator
@inline
function sTile(S2: usize, XC: usize, AB: usize, ZB: usize, pairBytes: usize, d: i32, b: i32, j: i32, nb: i32, np: i32, dims: i32): void {
  const dd = <usize>d;
  const s0 = S2 + ((<usize>b * dd + <usize>j) << 4);
  const s1 = s0 + (dd << 4), s2 = s1 + (dd << 4), s3 = s2 + (dd << 4);
  let c00 = v128.load(s0), c10 = v128.load(s1), c20 = v128.load(s2), c30 = v128.load(s3);
  let c01 = f64x2.splat(0.0), c11 = f64x2.splat(0.0), c21 = f64x2.splat(0.0), c31 = f64x2.splat(0.0);
  if (dims == 2) { c01 = v128.load(s0, 16); c11 = v128.load(s1, 16); c21 = v128.load(s2, 16); c31 = v128.load(s3, 16); }
  let xp = XC + (<usize>j << 4);
  let rp = AB + (<usize>b << 4);
  const rStep = <usize>np << 4;
  let zp = ZB + <usize>(b >> 2);
  const zStep = <usize>(np >> 2);
  for (let q = 0; q < nb; q++, xp += pairBytes, rp += rStep, zp += zStep) {
    if (load<u8>(zp) == 0) continue;
    const r0 = v128.load(rp), r1 = v128.load(rp, 16), r2 = v128.load(rp, 32), r3 = v128.load(rp, 48);
    const x0 = v128.load(xp);
    c00 = madd(r0, x0, c00); c10 = madd(r1, x0, c10); c20 = madd(r2, x0, c20); c30 = madd(r3, x0, c30);
    if (dims == 2) {
      const x1 = v128.load(xp, 16);
      c01 = madd(r0, x1, c01); c11 = madd(r1, x1, c11); c21 = madd(r2, x1, c21); c31 = madd(r3, x1, c31);
    }
  }
  v128.store(s0, c00); v128.store(s1, c10); v128.store(s2, c20); v128.store(s3, c30);
  if (dims == 2) { v128.store(s0, c01, 16); v128.store(s1, c11, 16); v128.store(s2, c21, 16); v128.store(s3, c31, 16); }
}

/**
 * Diagonal statistics tile: for components b..b+3 and dimension j, u = r·(x − μ) into S' and u·(x − μ) into
 * Q', summed over the block's nb pairs (raw rows at xb).
 */
// @ts-ignore: decorator
@inline
function sqTile(S2: usize, Q2: usize, xb: usize, AB: usize, ZB: usize, mb: usize, pairBytes: usize, d: i32, b: i32, j: i32, nb: i32, np: i32): void {
  const dd = <usize>d;
  const s0 = S2 + ((<usize>b * dd + <usize>j) << 4);
  const q0 = Q2 + ((<usize>b * dd + <usize>j) << 4);
  const step = dd << 4;
  let c0 = v128.load(s0), c1 = v128.load(s0 + step), c2 = v128.load(s0 + 2 * step), c3 = v128.load(s0 + 3 * step);
  let e0 = v128.load(q0), e1 = v128.load(q0 + step), e2 = v128.load(q0 + 2 * step), e3 = v128.load(q0 + 3 * step);
  const m = mb + (<usize>j << 6);
  let xp = xb + (<usize>j << 4);
  let rp = AB + (<usize>b << 4);
  const rStep = <usize>np << 4;
  let zp = ZB + <usize>(b >> 2);
  const zStep = <usize>(np >> 2);
  // The 4 means in registers for the whole block: V8 reloads a splat in the loop every time (1.31× at
  // n = d = 50 from this line alone, bit-identical).
  const m0 = v128.load64_splat(m), m1 = v128.load64_splat(m, 8), m2 = v128.load64_splat(m, 16), m3 = v128.load64_splat(m, 24);
  for (let q = 0; q < nb; q++, xp += pairBytes, rp += rStep, zp += zStep) {
    if (load<u8>(zp) == 0) continue;
    const x = v128.load(xp);
    let t = f64x2.sub(x, m0);
    let u = f64x2.mul(v128.load(rp), t);
    c0 = f64x2.add(c0, u); e0 = madd(u, t, e0);
    t = f64x2.sub(x, m1);
    u = f64x2.mul(v128.load(rp, 16), t);
    c1 = f64x2.add(c1, u); e1 = madd(u, t, e1);
    t = f64x2.sub(x, m2);
    u = f64x2.mul(v128.load(rp, 32), t);
    c2 = f64x2.add(c2, u); e2 = madd(u, t, e2);
    t = f64x2.sub(x, m3);
    u = f64x2.mul(v128.load(rp, 48), t);
    c3 = f64x2.add(c3, u); e3 = madd(u, t, e3);
  }
  v128.store(s0, c0); v128.store(s0 + step, c1); v128.store(s0 + 2 * step, c2); v128.store(s0 + 3 * step, c3);
  v128.store(q0, e0); v128.store(q0 + step, e1); v128.store(q0 + 2 * step, e2); v128.store(q0 + 3 * step, e3);
}
