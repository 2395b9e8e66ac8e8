// Dense d×d per-block math of the full/tied parameterization (src/model/fullCovariance.ts is the float64 JS
// reference and the `kernel: 'js'` fallback; src/kernel/matrixMath.ts is the bridge): Cholesky with the
// pivot-failure index, the floored Cholesky of the θ coordinates, U = L⁻ᵀ, A·Aᵀ + regCovar·I and the
// triangular/symmetric product chain of the factor gradient. Matrices are row-major d×d f64 blocks.
//
// Why WASM: in V8's scalar JS these ran at about 2.5 ns per multiply-add (≈ 8 ms of every EM iteration at
// n = 10, d = 64, as much as the pass itself). Every loop here is the reference's loop with the same
// summation order, vectorised across the independent index (two lanes of f64x2 hold two output entries or
// two of the reference's four partial sums), so the plain SIMD and scalar builds give the reference's
// numbers bit for bit; the relaxed-SIMD build fuses the multiply-adds (`madd`), which changes last bits only.
// Kernels trust their inputs (d ≥ 1, blocks allocated by the bridge with 16 bytes of slack).

import { madd } from './exp';

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 3);
}

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

/**
 * Σ_{k < len} X[k]·Y[k] as the reference's `dot`: four partial sums by k mod 4 (two f64x2 accumulators),
 * the tail into the first, combined as (s0 + s1) + (s2 + s3).
 */
// @ts-ignore: decorator
@inline function dot(x: usize, y: usize, len: i32): f64 {
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    let va = f64x2.splat(0), vb = f64x2.splat(0);
    for (; k + 3 < len; k += 4) {
      va = madd(v128.load(at(x, k)), v128.load(at(y, k)), va);
      vb = madd(v128.load(at(x, k + 2)), v128.load(at(y, k + 2)), vb);
    }
    s0 = f64x2.extract_lane(va, 0); s1 = f64x2.extract_lane(va, 1);
    s2 = f64x2.extract_lane(vb, 0); s3 = f64x2.extract_lane(vb, 1);
  } else {
    for (; k + 3 < len; k += 4) {
      s0 += ld(x, k) * ld(y, k); s1 += ld(x, k + 1) * ld(y, k + 1);
      s2 += ld(x, k + 2) * ld(y, k + 2); s3 += ld(x, k + 3) * ld(y, k + 3);
    }
  }
  for (; k < len; k++) s0 += ld(x, k) * ld(y, k);
  return (s0 + s1) + (s2 + s3);
}

// @ts-ignore: decorator
@lazy let dotSecond: f64 = 0;

/**
 * {@link dot} of two rows x0, x1 with the same y at once (returns x0·y; x1·y in `dotSecond`): four independent
 * chains and one load of y for both, each sum in {@link dot}'s order.
 */
// @ts-ignore: decorator
@inline function dot2(x0: usize, x1: usize, y: usize, len: i32): f64 {
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  let t0: f64 = 0, t1: f64 = 0, t2: f64 = 0, t3: f64 = 0;
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    let va = f64x2.splat(0), vb = f64x2.splat(0), wa = f64x2.splat(0), wb = f64x2.splat(0);
    for (; k + 3 < len; k += 4) {
      const ya = v128.load(at(y, k)), yb = v128.load(at(y, k + 2));
      va = madd(v128.load(at(x0, k)), ya, va);
      vb = madd(v128.load(at(x0, k + 2)), yb, vb);
      wa = madd(v128.load(at(x1, k)), ya, wa);
      wb = madd(v128.load(at(x1, k + 2)), yb, wb);
    }
    s0 = f64x2.extract_lane(va, 0); s1 = f64x2.extract_lane(va, 1);
    s2 = f64x2.extract_lane(vb, 0); s3 = f64x2.extract_lane(vb, 1);
    t0 = f64x2.extract_lane(wa, 0); t1 = f64x2.extract_lane(wa, 1);
    t2 = f64x2.extract_lane(wb, 0); t3 = f64x2.extract_lane(wb, 1);
  } else {
    for (; k + 3 < len; k += 4) {
      const y0 = ld(y, k), y1 = ld(y, k + 1), y2 = ld(y, k + 2), y3 = ld(y, k + 3);
      s0 += ld(x0, k) * y0; s1 += ld(x0, k + 1) * y1; s2 += ld(x0, k + 2) * y2; s3 += ld(x0, k + 3) * y3;
      t0 += ld(x1, k) * y0; t1 += ld(x1, k + 1) * y1; t2 += ld(x1, k + 2) * y2; t3 += ld(x1, k + 3) * y3;
    }
  }
  for (; k < len; k++) { const yk = ld(y, k); s0 += ld(x0, k) * yk; t0 += ld(x1, k) * yk; }
  dotSecond = (t0 + t1) + (t2 + t3);
  return (s0 + s1) + (s2 + s3);
}

/** Column j of L below the pivot: L[i, j] = (A[i, j] − L[i, 0..j)·L[j, 0..j)) / ljj for i > j, two rows at a time. */
// @ts-ignore: decorator
@inline function column(a: usize, rj: usize, j: i32, d: i32, ljj: f64): void {
  let i = j + 1;
  for (; i + 1 < d; i += 2) {
    const ri = at(a, i * d), rn = ri + (<usize>d << 3);
    const s = dot2(ri, rn, rj, j);
    st(ri, j, (ld(ri, j) - s) / ljj);
    st(rn, j, (ld(rn, j) - dotSecond) / ljj);
  }
  if (i < d) {
    const ri = at(a, i * d);
    st(ri, j, (ld(ri, j) - dot(ri, rj, j)) / ljj);
  }
}

/** Pivots at or below this fraction of their diagonal entry are zero (the reference's SINGULAR_PIVOT). */
const SINGULAR_PIVOT: f64 = 1e-14;
/** A zero pivot's conditional variance (the reference's PIVOT_FLOOR). */
const PIVOT_FLOOR: f64 = 1e-300;

/**
 * In-place Cholesky of the d×d block at `a` (lower triangle read, L written there, the strict upper triangle
 * untouched). Returns −1, or the 0-based index of the first pivot that is not positive (NaN included).
 */
export function cholesky(a: usize, d: i32): i32 {
  for (let j = 0; j < d; j++) {
    const rj = at(a, j * d);
    const s = ld(rj, j) - dot(rj, rj, j);
    if (!(s > 0)) return j;
    const ljj = Math.sqrt(s);
    st(rj, j, ljj);
    column(a, rj, j, d, ljj);
  }
  return -1;
}

/**
 * The floored Cholesky of floorCoordinates in place: the block at `a` (a covariance Σ, lower triangle read)
 * becomes A with A·Aᵀ = Σ − regCovar·I; a pivot s ≤ 1e-14·|Σ_jj − regCovar| (or NaN) becomes √1e-300 with the
 * column below it set to 0. The strict upper triangle is set to 0. Returns 1 when a pivot was floored, else 0.
 */
export function floorCholesky(a: usize, d: i32, regCovar: f64): i32 {
  let floored = 0;
  for (let j = 0; j < d; j++) {
    const rj = at(a, j * d);
    for (let l = j + 1; l < d; l++) st(rj, l, 0);
    const diag = ld(rj, j) - regCovar;
    const s = diag - dot(rj, rj, j);
    const singular = !(s > SINGULAR_PIVOT * Math.abs(diag));
    const ljj = Math.sqrt(singular ? PIVOT_FLOOR : s);
    st(rj, j, ljj);
    if (singular) {
      floored = 1;
      for (let i = j + 1; i < d; i++) st(at(a, i * d), j, 0);
      continue;
    }
    column(a, rj, j, d, ljj);
  }
  return floored;
}

/**
 * Precision factor of the covariance block at `a`: Cholesky Σ = L·Lᵀ in place, then U = L⁻ᵀ written to `u`
 * (d×d, upper triangular, zeros below). `x` (d×d) and `acc` (d) are scratch. Returns −1, or the index of the
 * first non-positive pivot (then `u` is not written).
 */
export function precisionFactor(a: usize, u: usize, x: usize, acc: usize, d: i32): i32 {
  const bad = cholesky(a, d);
  if (bad >= 0) return bad;
  memory.fill(x, 0, <usize>(d * d) << 3);
  // X = L⁻¹ by rows of forward substitution, acc[l] += Σ_k L[j, k]·X[k, l] four rows of X at a time (as the
  // reference's inverseLowerTransposed; X's zero upper triangle absorbs a block's overhang onto l = k + 4).
  for (let j = 0; j < d; j++) {
    const lj = at(a, j * d);
    memory.fill(acc, 0, <usize>j << 3);
    let k = 0;
    for (; k + 3 < j; k += 4) {
      const c0 = ld(lj, k), c1 = ld(lj, k + 1), c2 = ld(lj, k + 2), c3 = ld(lj, k + 3);
      const x0 = at(x, k * d), x1 = at(x, (k + 1) * d), x2 = at(x, (k + 2) * d), x3 = at(x, (k + 3) * d);
      rowUpdate4(acc, x0, x1, x2, x3, c0, c1, c2, c3, 0, k + 4);
    }
    for (; k < j; k++) {
      const c = ld(lj, k), xk = at(x, k * d);
      for (let l = 0; l <= k; l++) st(acc, l, ld(acc, l) + c * ld(xk, l));
    }
    const ljj = ld(lj, j), xj = at(x, j * d);
    for (let l = 0; l < j; l++) st(xj, l, -ld(acc, l) / ljj);
    st(xj, j, 1 / ljj);
  }
  for (let l = 0; l < d; l++) {
    const ul = at(u, l * d);
    for (let j = 0; j < l; j++) st(ul, j, 0);
    for (let j = l; j < d; j++) st(ul, j, ld(x, j * d + l));
  }
  return -1;
}

/** C[l] += ((a0·Y0[l] + a1·Y1[l]) + a2·Y2[l]) + a3·Y3[l] for l ∈ [lo, hi): the reference's four-term update. */
// @ts-ignore: decorator
@inline function rowUpdate4(c: usize, y0: usize, y1: usize, y2: usize, y3: usize,
  a0: f64, a1: f64, a2: f64, a3: f64, lo: i32, hi: i32): void {
  let l = lo;
  if (ASC_FEATURE_SIMD) {
    const A0 = f64x2.splat(a0), A1 = f64x2.splat(a1), A2 = f64x2.splat(a2), A3 = f64x2.splat(a3);
    for (; l + 1 < hi; l += 2) {
      const s = sum4(A0, v128.load(at(y0, l)), A1, v128.load(at(y1, l)), A2, v128.load(at(y2, l)), A3, v128.load(at(y3, l)));
      v128.store(at(c, l), f64x2.add(v128.load(at(c, l)), s));
    }
  }
  for (; l < hi; l++) st(c, l, ld(c, l) + (a0 * ld(y0, l) + a1 * ld(y1, l) + a2 * ld(y2, l) + a3 * ld(y3, l)));
}

/**
 * {@link rowUpdate4} for four rows of C over the same four rows of Y (coefficients a, b, e, f), in one l loop:
 * each Y vector is loaded once for the four rows (the 4×4 register tile of the reference's loop).
 */
// @ts-ignore: decorator
@inline function rowsUpdate4(c0: usize, c1: usize, c2: usize, c3: usize, y0: usize, y1: usize, y2: usize, y3: usize,
  a0: f64, a1: f64, a2: f64, a3: f64, b0: f64, b1: f64, b2: f64, b3: f64,
  e0: f64, e1: f64, e2: f64, e3: f64, f0: f64, f1: f64, f2: f64, f3: f64, lo: i32, hi: i32): void {
  let l = lo;
  if (ASC_FEATURE_SIMD) {
    const A0 = f64x2.splat(a0), A1 = f64x2.splat(a1), A2 = f64x2.splat(a2), A3 = f64x2.splat(a3);
    const B0 = f64x2.splat(b0), B1 = f64x2.splat(b1), B2 = f64x2.splat(b2), B3 = f64x2.splat(b3);
    const E0 = f64x2.splat(e0), E1 = f64x2.splat(e1), E2 = f64x2.splat(e2), E3 = f64x2.splat(e3);
    const F0 = f64x2.splat(f0), F1 = f64x2.splat(f1), F2 = f64x2.splat(f2), F3 = f64x2.splat(f3);
    for (; l + 1 < hi; l += 2) {
      const v0 = v128.load(at(y0, l)), v1 = v128.load(at(y1, l)), v2 = v128.load(at(y2, l)), v3 = v128.load(at(y3, l));
      v128.store(at(c0, l), f64x2.add(v128.load(at(c0, l)), sum4(A0, v0, A1, v1, A2, v2, A3, v3)));
      v128.store(at(c1, l), f64x2.add(v128.load(at(c1, l)), sum4(B0, v0, B1, v1, B2, v2, B3, v3)));
      v128.store(at(c2, l), f64x2.add(v128.load(at(c2, l)), sum4(E0, v0, E1, v1, E2, v2, E3, v3)));
      v128.store(at(c3, l), f64x2.add(v128.load(at(c3, l)), sum4(F0, v0, F1, v1, F2, v2, F3, v3)));
    }
  }
  for (; l < hi; l++) {
    const v0 = ld(y0, l), v1 = ld(y1, l), v2 = ld(y2, l), v3 = ld(y3, l);
    st(c0, l, ld(c0, l) + (a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3));
    st(c1, l, ld(c1, l) + (b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3));
    st(c2, l, ld(c2, l) + (e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3));
    st(c3, l, ld(c3, l) + (f0 * v0 + f1 * v1 + f2 * v2 + f3 * v3));
  }
}

/** ((a0·v0 + a1·v1) + a2·v2) + a3·v3, the reference's left-to-right order (chained `madd` in the FMA build). */
// @ts-ignore: decorator
@inline function sum4(a0: v128, v0: v128, a1: v128, v1: v128, a2: v128, v2: v128, a3: v128, v3: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return madd(a3, v3, madd(a2, v2, madd(a1, v1, f64x2.mul(a0, v0))));
  return f64x2.add(f64x2.add(f64x2.add(f64x2.mul(a0, v0), f64x2.mul(a1, v1)), f64x2.mul(a2, v2)), f64x2.mul(a3, v3));
}

/** C[l] += a·Y[l] for l ∈ [lo, hi). */
// @ts-ignore: decorator
@inline function rowUpdate1(c: usize, y: usize, a: f64, lo: i32, hi: i32): void {
  let l = lo;
  if (ASC_FEATURE_SIMD) {
    const A = f64x2.splat(a);
    for (; l + 1 < hi; l += 2) v128.store(at(c, l), madd(A, v128.load(at(y, l)), v128.load(at(c, l))));
  }
  for (; l < hi; l++) st(c, l, ld(c, l) + a * ld(y, l));
}

// The triangular shapes of the reference's accumulateProduct (same numbering as its `Shape`).
const FULL_TIMES_UPPER = 0;
const UPPER_HALF_OF_LOWER_TIMES_FULL = 1;
const LOWER_TIMES_LOWER = 2;
const FULL_TIMES_LOWER = 3;
const LOWER_HALF_OF_UPPER_TIMES_FULL = 4;
const LOWER_HALF_OF_LOWER_TIMES_UPPER = 5;

// @ts-ignore: decorator
@inline function lFrom(shape: i32, j: i32, k: i32): i32 {
  return shape == FULL_TIMES_UPPER || shape == LOWER_HALF_OF_LOWER_TIMES_UPPER ? k : shape == UPPER_HALF_OF_LOWER_TIMES_FULL ? j : 0;
}

// @ts-ignore: decorator
@inline function lTo(shape: i32, j: i32, kLast: i32, d: i32): i32 {
  return shape == LOWER_TIMES_LOWER || shape == FULL_TIMES_LOWER ? kLast + 1
    : shape == LOWER_HALF_OF_UPPER_TIMES_FULL || shape == LOWER_HALF_OF_LOWER_TIMES_UPPER ? j + 1 : d;
}

/**
 * C += X·Y over the triangular ranges of `shape` (X read transposed when `xT`), the reference's
 * accumulateProduct loop for loop: rows of C in groups of four, two, one; k in blocks of four, then single;
 * each C entry updated by the same expressions in the same order, the l loop two entries per f64x2.
 */
function accumulate(c: usize, x: usize, xT: bool, y: usize, d: i32, shape: i32): void {
  const sj = xT ? 1 : d, sk = xT ? d : 1;
  const xLower = shape == UPPER_HALF_OF_LOWER_TIMES_FULL || shape == LOWER_TIMES_LOWER || shape == LOWER_HALF_OF_LOWER_TIMES_UPPER;
  const kFromDiag = shape == LOWER_HALF_OF_UPPER_TIMES_FULL;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    const c0 = at(c, j * d), c1 = at(c, (j + 1) * d), c2 = at(c, (j + 2) * d), c3 = at(c, (j + 3) * d);
    const xa = j * sj, xb = xa + sj, xc = xb + sj, xd = xc + sj;
    const kHi = xLower ? j + 4 : d;
    let k = kFromDiag ? j : 0;
    for (; k < kHi && k + 3 < d; k += 4) {
      const ka = xa + k * sk, kb = xb + k * sk, kc = xc + k * sk, kd = xd + k * sk;
      const y0 = at(y, k * d), y1 = at(y, (k + 1) * d), y2 = at(y, (k + 2) * d), y3 = at(y, (k + 3) * d);
      const lo = lFrom(shape, j, k), hi = lTo(shape, j + 3, k + 3, d);
      rowsUpdate4(c0, c1, c2, c3, y0, y1, y2, y3,
        ld(x, ka), ld(x, ka + sk), ld(x, ka + 2 * sk), ld(x, ka + 3 * sk), ld(x, kb), ld(x, kb + sk), ld(x, kb + 2 * sk), ld(x, kb + 3 * sk),
        ld(x, kc), ld(x, kc + sk), ld(x, kc + 2 * sk), ld(x, kc + 3 * sk), ld(x, kd), ld(x, kd + sk), ld(x, kd + 2 * sk), ld(x, kd + 3 * sk),
        lo, hi);
    }
    for (; k < kHi; k++) {
      const yk = at(y, k * d);
      const lo = lFrom(shape, j, k), hi = lTo(shape, j + 3, k, d);
      rowUpdate1(c0, yk, ld(x, xa + k * sk), lo, hi);
      rowUpdate1(c1, yk, ld(x, xb + k * sk), lo, hi);
      rowUpdate1(c2, yk, ld(x, xc + k * sk), lo, hi);
      rowUpdate1(c3, yk, ld(x, xd + k * sk), lo, hi);
    }
  }
  for (; j + 1 < d; j += 2) {
    const c0 = at(c, j * d), c1 = at(c, (j + 1) * d), xa = j * sj, xb = xa + sj;
    const kHi = xLower ? j + 2 : d;
    let k = kFromDiag ? j : 0;
    for (; k < kHi && k + 3 < d; k += 4) {
      const ka = xa + k * sk, kb = xb + k * sk;
      const y0 = at(y, k * d), y1 = at(y, (k + 1) * d), y2 = at(y, (k + 2) * d), y3 = at(y, (k + 3) * d);
      const lo = lFrom(shape, j, k), hi = lTo(shape, j + 1, k + 3, d);
      rowUpdate4(c0, y0, y1, y2, y3, ld(x, ka), ld(x, ka + sk), ld(x, ka + 2 * sk), ld(x, ka + 3 * sk), lo, hi);
      rowUpdate4(c1, y0, y1, y2, y3, ld(x, kb), ld(x, kb + sk), ld(x, kb + 2 * sk), ld(x, kb + 3 * sk), lo, hi);
    }
    for (; k < kHi; k++) {
      const yk = at(y, k * d);
      const lo = lFrom(shape, j, k), hi = lTo(shape, j + 1, k, d);
      rowUpdate1(c0, yk, ld(x, xa + k * sk), lo, hi);
      rowUpdate1(c1, yk, ld(x, xb + k * sk), lo, hi);
    }
  }
  for (; j < d; j++) {
    const cj = at(c, j * d), xj = j * sj;
    const kHi = xLower ? j + 1 : d;
    let k = kFromDiag ? j : 0;
    for (; k < kHi && k + 3 < d; k += 4) {
      const xk = xj + k * sk;
      const y0 = at(y, k * d), y1 = at(y, (k + 1) * d), y2 = at(y, (k + 2) * d), y3 = at(y, (k + 3) * d);
      const lo = lFrom(shape, j, k), hi = lTo(shape, j, k + 3, d);
      rowUpdate4(cj, y0, y1, y2, y3, ld(x, xk), ld(x, xk + sk), ld(x, xk + 2 * sk), ld(x, xk + 3 * sk), lo, hi);
    }
    for (; k < kHi; k++) {
      const lo = lFrom(shape, j, k), hi = lTo(shape, j, k, d);
      rowUpdate1(cj, at(y, k * d), ld(x, xj + k * sk), lo, hi);
    }
  }
}

/**
 * Σ = A·Aᵀ + regCovar·I from the lower factor A at `a` (d×d, zeros above the diagonal), written to `c` as a
 * full, exactly symmetric d×d block; `at_` (d×d) is scratch for Aᵀ.
 */
export function factorProduct(a: usize, at_: usize, c: usize, d: i32, regCovar: f64): void {
  for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) st(at_, l * d + j, ld(a, j * d + l));
  memory.fill(c, 0, <usize>(d * d) << 3);
  accumulate(c, a, false, at_, d, LOWER_HALF_OF_LOWER_TIMES_UPPER);
  for (let j = 0; j < d; j++) {
    st(c, j * d + j, ld(c, j * d + j) + regCovar);
    for (let l = 0; l < j; l++) st(c, l * d + j, ld(c, j * d + l));
  }
}

/**
 * One block's ∂L/∂θ of the factor coordinates (the reference's fullGradient chain): with U at `u` (upper),
 * the centred scatter M at `m` (symmetric) and A at `a` (lower), ∂L/∂A = U·(R·I − Uᵀ·M·U)·(Uᵀ·A)/W on the lower
 * triangle, times A_jj on the diagonal; written packed by rows of the lower triangle (d(d+1)/2) to `out`.
 * `t`, `k`, `b` (d×d each) are scratch.
 */
export function gradientFactor(m: usize, u: usize, a: usize, t: usize, k: usize, b: usize, d: i32,
  r: f64, w: f64, out: usize): void {
  const bytes = <usize>(d * d) << 3;
  memory.fill(t, 0, bytes);
  accumulate(t, m, false, u, d, FULL_TIMES_UPPER);
  memory.fill(k, 0, bytes);
  accumulate(k, u, true, t, d, UPPER_HALF_OF_LOWER_TIMES_FULL);
  for (let j = 0; j < d; j++) {
    st(k, j * d + j, r - ld(k, j * d + j));
    for (let l = j + 1; l < d; l++) { const v = -ld(k, j * d + l); st(k, j * d + l, v); st(k, l * d + j, v); }
  }
  memory.fill(b, 0, bytes);
  accumulate(b, u, true, a, d, LOWER_TIMES_LOWER);
  memory.fill(t, 0, bytes);
  accumulate(t, k, false, b, d, FULL_TIMES_LOWER);
  memory.fill(k, 0, bytes);
  accumulate(k, u, false, t, d, LOWER_HALF_OF_UPPER_TIMES_FULL);
  for (let j = 0; j < d; j++) {
    const fj = (j * (j + 1)) >> 1;
    for (let l = 0; l < j; l++) st(out, fj + l, ld(k, j * d + l) / w);
    st(out, fj + j, (ld(k, j * d + j) / w) * ld(a, j * d + j));
  }
}

/** scikit-learn's `10 * eps` count floor (src/model/fullCovariance.ts COUNT_FLOOR). */
const COUNT_FLOOR: f64 = 10 * f64.EPSILON;

/**
 * One component's share of the M-step covariance (the reference's mStepFull loop, same expressions, no fused
 * multiply-adds in any build so every build gives its numbers): with g = S_i − R_iμ_i, e = μ_i − μ'_i at
 * `g`, `e` (d each), v = g_j·e_l + e_j·g_l + (R_i·e_j)·e_l. Full (`tied` 0): out = (M + v)/nk + 0 for the scatter
 * block M at `m`; tied: out += v + (10ε·μ'_j)·μ'_l (μ' at `mu`), summed over the components by repeated calls.
 */
export function scatterUpdate(m: usize, g: usize, e: usize, mu: usize, d: i32, r: f64, nk: f64, tied: i32, out: usize): void {
  for (let j = 0; j < d; j++) {
    const gj = ld(g, j), ej = ld(e, j), rej = r * ej, row = at(out, j * d), mj = at(m, j * d);
    const cj = COUNT_FLOOR * ld(mu, j);
    let l = 0;
    if (ASC_FEATURE_SIMD) {
      const G = f64x2.splat(gj), E = f64x2.splat(ej), RE = f64x2.splat(rej), N = f64x2.splat(nk), C = f64x2.splat(cj), Z = f64x2.splat(0);
      for (; l + 1 < d; l += 2) {
        const el = v128.load(at(e, l));
        const v = f64x2.add(f64x2.add(f64x2.mul(G, el), f64x2.mul(E, v128.load(at(g, l)))), f64x2.mul(RE, el));
        const o = at(row, l);
        if (tied) v128.store(o, f64x2.add(v128.load(o), f64x2.add(v, f64x2.mul(C, v128.load(at(mu, l))))));
        else v128.store(o, f64x2.add(Z, f64x2.div(f64x2.add(v128.load(at(mj, l)), v), N)));
      }
    }
    for (; l < d; l++) {
      const v = gj * ld(e, l) + ej * ld(g, l) + rej * ld(e, l);
      if (tied) st(row, l, ld(row, l) + (v + cj * ld(mu, l)));
      else st(row, l, 0 + (ld(mj, l) + v) / nk);
    }
  }
}
