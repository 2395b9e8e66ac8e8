// The float32 variant of the full/tied pass (`precision: 'float32'` with covariance 'full' | 'tied'): the
// differences t = x − μ, the triangular products y = Uᵀt, the Mahalanobis sums ‖y‖², the log-sum-exp scores
// and the exp in f32x4 (four points per vector, the float32 Workspace's quads: see assembly/passF32.ts), the
// statistics R, S' and the scatter in float64.
//
// Data: the float32 Workspace's centred f32 quads (dimension-major, four points interleaved) and one f32
// weight per padded row. Parameters (f32, written by the bridge, src/kernel/workspace.ts): means n·d (centred
// the same way), logNorm n (log w − (d/2)·log 2π + log det U, computed in float64, shifted by a common constant
// the bridge adds back in float64), chol: L = Uᵀ packed by rows of the lower triangle as in assembly/passFull.ts
// (n·d(d+1)/2 numbers, or d(d+1)/2 when tied).
// Output (f64): R (n), the centred first moment S' = Σ c·r·(x − μ) (n·d; the bridge restores S = S' + μ·R),
// then the scatter M_i = Σ c·r_i (x − μ_i)(x − μ_i)ᵀ as n symmetric d×d blocks, or their sum when tied.
// Returns Σ c·ℓ' (ℓ' with the bridge's shift).
// Both are summed in whitened coordinates y = L·(x − μ_i) (L the f32 factor the pass used): S_y = Σ c·r·y and
// M_y = Σ c·r·y·yᵀ, mapped back at the end in float64 by forward substitution (x − μ = L⁻¹y, so
// S' = L⁻¹S_y and M = L⁻¹·M_y·L⁻ᵀ; d³·2/3 per block per pass, nothing beside the pass's N·n·d²). Why: an f32
// sum has an error relative to its terms' magnitude; summed as x − μ, the scatter's error is ~1e-7 of its
// largest variance, which is all of its thinnest direction's variance near condition number 1e7 (measured:
// 2e-2 relative at 1e8); summed as y (≈ isotropic), the error is ~1e-7 of Σ in every direction.
//
// One SIMD form: blocks of F32_FULL_BLOCK quads (64 points) with register tiles, as the float64 blocked form,
// but four points per vector: the triangular product as 2 rows of L × 4 quads (6 loads per 8 multiply-adds,
// the float64 GEMM form's density), its y kept per component for the statistics, the scatter as 2 rows × 4
// columns of M_y summed over the block's quads in registers. The interleaved quads already give the GEMM
// form's arithmetic density (each f32x4 multiply-add serves four points), so no point-major copy (the
// float64 GEMM form's reason: its pairs would keep two-lane scatter accumulators) is needed.
//
// Accumulation: every f32 accumulator (a scatter tile entry, a lane of R and S_y) sums at most one block's
// F32_FULL_BLOCK quads (≤ 16 terms per lane, then the 4 lanes of a scatter entry in f32) before it is added
// into float64: relative rounding of a statistic ≤ ~20·2⁻²⁴ ≈ 1.2e-6 worst case, ~1e-7 typical, on top of the
// scores' own error (a d-term triangular product per row: ≲ (1 + d)·2⁻²⁴·√κ relative in ‖y‖², see
// test/passFullF32.test.ts).
// Σ c·ℓ is accumulated in float64 per quad.
// Scores are clamped below at SCORE_LO: a point so far from every component that ‖y‖² overflows f32 (or
// becomes NaN as inf − inf) scores −1e38 instead of −∞/NaN, so the log-sum-exp and every statistic stay
// finite (float64 would give a different, also astronomically negative, value there).
// Every multiply-add of the tiles is `madd4` (assembly/exp.ts): fused in the relaxed-SIMD (FMA) build.

import { hsum, madd4 } from './exp';
import { expf4NonPos, logLikStep, promoteHalf } from './passF32';

/** Quads per block (64 points): Tb and Ub (F32_FULL_BLOCK·d vectors each) stay in L1/L2 up to d = 64 (32 KiB together there). */
const F32_FULL_BLOCK: i32 = 16;

/** The lowest score: finite, and a − max stays finite for every pair of clamped scores (max ≤ 0). */
const SCORE_LO: f32 = -1e38;

/** Bytes of scratch {@link passFullF32} needs for n components in d dimensions. */
export function passFullF32ScratchBytes(n: i32, d: i32, tied: i32): usize {
  const B = F32_FULL_BLOCK;
  // Both: the back-substitution's d·d f64 first (16-byte padded). SIMD: A (n·B), Q (B), Tb and Ub (B·d each),
  // Yb (n·B·d), R32 and S32 (n + n·d) f32x4; FR and FS (n + n·d) f64x2. Scalar: A (n), T (d) and Y (n·d) f32.
  const simd = workBytes(d) + (<usize>(n * B + B + 2 * B * d + n * B * d + 2 * (n + n * d)) << 4);
  const scalar = workBytes(d) + (<usize>(n + d + n * d) << 2);
  return ASC_FEATURE_SIMD ? simd : scalar;
}

/** Runs the float32 full (tied = 0) or tied (tied = 1) pass over quads [quadStart, quadEnd); returns Σ c·ℓ'. */
export function passFullF32(
  x: usize, c: usize, quadStart: i32, quadEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, out: usize, scratch: usize,
): f64 {
  // Both forms leave R, S_y and the upper triangle of each whitened scatter block M_y in `out`; the block is
  // mirrored and mapped back to the data's coordinates here, once.
  const work = scratch;
  const body = scratch + workBytes(d);
  let ll: f64;
  if (ASC_FEATURE_SIMD) {
    // d as a literal for the smallest dimensions: the triangular loops unroll (their overhead dominates there).
    if (d == 1) ll = passFullF32Simd(x, c, quadStart, quadEnd, 1, n, means, logNorm, chol, tied, out, body);
    else if (d == 2) ll = passFullF32Simd(x, c, quadStart, quadEnd, 2, n, means, logNorm, chol, tied, out, body);
    else if (d == 3) ll = passFullF32Simd(x, c, quadStart, quadEnd, 3, n, means, logNorm, chol, tied, out, body);
    else ll = passFullF32Simd(x, c, quadStart, quadEnd, d, n, means, logNorm, chol, tied, out, body);
  } else {
    ll = passFullF32Scalar(x, c, quadStart, quadEnd, d, n, means, logNorm, chol, tied, out, body);
  }
  const M = out + (<usize>(n + n * d) << 3);
  const blocks = tied ? 1 : n;
  for (let b = 0; b < blocks; b++) mirrorUpper(M + (<usize>(b * d * d) << 3), d);
  unwhiten(chol, n, d, tied, out, work);
  return ll;
}

/** Bytes of the back-substitution's d·d f64 work block at the start of the scratch (16-byte padded). */
// @ts-ignore: decorator
@inline
function workBytes(d: i32): usize {
  return ((<usize>(d * d) << 3) + 15) & ~(<usize>15);
}

/** Copies the upper triangle of the d×d f64 block M onto its lower triangle. */
// @ts-ignore: decorator
@inline
function mirrorUpper(M: usize, d: i32): void {
  for (let j = 0; j < d; j++) {
    for (let l = 0; l < j; l++) store<f64>(M + (<usize>(j * d + l) << 3), load<f64>(M + (<usize>(l * d + j) << 3)));
  }
}

// @ts-ignore: decorator
@inline
function passFullF32Simd(
  x: usize, c: usize, quadStart: i32, quadEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, out: usize, scratch: usize,
): f64 {
  const tri = (d * (d + 1)) >> 1;
  const mBlocks = tied ? 1 : n;
  const B = F32_FULL_BLOCK;
  const quadBytes = <usize>d << 4;
  const rowBytes = <usize>d << 2;                      // one f32 mean row
  const A = scratch;                                   // n·B vectors: scores, then c·r
  const Q = A + (<usize>(n * B) << 4);                 // B vectors: ‖y‖²
  const Tb = Q + (<usize>B << 4);                      // B·d vectors: t = x − μ_i per quad
  const Ub = Tb + <usize>B * quadBytes;                // B·d vectors: u = c·r·y
  const Yb = Ub + <usize>B * quadBytes;                // n·B·d vectors: y = L·t per component and quad
  const R32 = Yb + <usize>(n * B) * quadBytes;         // n vectors, then S32 (n·d): one block's f32 sums
  const S32 = R32 + (<usize>n << 4);
  const FR = S32 + (<usize>(n * d) << 4);              // n f64x2, then FS (n·d f64x2): float64 sums per lane pair
  const FS = FR + (<usize>n << 4);
  const Mout = out + (<usize>(n + n * d) << 3);        // mBlocks·d·d f64: the scatter, summed straight into `out`
  memory.fill(FR, 0, <usize>(n + n * d) << 4);
  memory.fill(Mout, 0, <usize>(mBlocks * d * d) << 3);
  let ll = f64x2.splat(0.0);
  const lo = f32x4.splat(SCORE_LO);
  const half = f32x4.splat(0.5);
  for (let q0 = quadStart; q0 < quadEnd; q0 += B) {
    const pb = quadEnd - q0 < B ? quadEnd - q0 : B;
    const xb = x + <usize>q0 * quadBytes;
    // Scores a_i for every quad of the block.
    for (let i = 0; i < n; i++) {
      fillDifferencesF32(xb, means + <usize>i * rowBytes, pb, d, Tb);
      memory.fill(Q, 0, <usize>pb << 4);
      triangularF32(Tb, chol + (tied ? 0 : <usize>(i * tri) << 2), pb, d, Q, Yb + <usize>(i * B) * quadBytes);
      const ln = v128.load32_splat(logNorm + (<usize>i << 2));
      for (let p = 0; p < pb; p++) {
        // pmax(lo, a): lo where a is −∞ or NaN (overflowed ‖y‖²), see the header.
        const a = f32x4.sub(ln, f32x4.mul(half, v128.load(Q + (<usize>p << 4))));
        v128.store(A + (<usize>(i * B + p) << 4), f32x4.pmax(lo, a));
      }
    }
    // Log-sum-exp and responsibilities per quad; R in f32 over the block.
    memory.fill(R32, 0, <usize>(n + n * d) << 4);
    for (let p = 0; p < pb; p++) {
      let mx = f32x4.splat(SCORE_LO);
      for (let i = 0; i < n; i++) mx = f32x4.pmax(mx, v128.load(A + (<usize>(i * B + p) << 4)));
      let s = f32x4.splat(0);
      for (let i = 0; i < n; i++) {
        const ap = A + (<usize>(i * B + p) << 4);
        const e = expf4NonPos(f32x4.sub(v128.load(ap), mx));
        v128.store(ap, e);
        s = f32x4.add(s, e);
      }
      const cv = v128.load(c + (<usize>(q0 + p) << 4));
      // s ≥ 1 (the maximum's own term is exactly 1): the log is finite.
      ll = logLikStep(logLikStep(ll, cv, mx, s, 0, 0), cv, mx, s, 1, 0);
      const inv = f32x4.div(cv, s);
      for (let i = 0; i < n; i++) {
        const ap = A + (<usize>(i * B + p) << 4);
        const cr = f32x4.mul(v128.load(ap), inv);
        v128.store(ap, cr);
        v128.store(R32 + (<usize>i << 4), f32x4.add(v128.load(R32 + (<usize>i << 4)), cr));
      }
    }
    // S_y and the scatter M_y, one component at a time.
    for (let i = 0; i < n; i++) {
      const crs = A + (<usize>(i * B) << 4);
      let any = f32x4.splat(0);
      for (let p = 0; p < pb; p++) any = v128.or(any, v128.load(crs + (<usize>p << 4)));
      // Every responsibility of the block exactly 0: the updates would add +0 (no bit changes).
      if (!v128.any_true(any)) continue;
      const Yi = Yb + <usize>(i * B) * quadBytes;
      const Si = S32 + <usize>i * quadBytes;
      for (let p = 0; p < pb; p++) {
        const cr = v128.load(crs + (<usize>p << 4));
        const tp = Yi + <usize>p * quadBytes;
        const up = Ub + <usize>p * quadBytes;
        for (let j = 0; j < d; j++) {
          const jv = <usize>j << 4;
          const u = f32x4.mul(cr, v128.load(tp + jv));
          v128.store(up + jv, u);
          v128.store(Si + jv, f32x4.add(v128.load(Si + jv), u));
        }
      }
      scatterF32(Mout + (tied ? 0 : <usize>(i * d * d) << 3), Ub, Yi, pb, d);
    }
    // End of block: R and S_y into float64.
    for (let k = 0; k < n + n * d; k++) flushPairs(FR + (<usize>k << 4), v128.load(R32 + (<usize>k << 4)));
  }
  for (let k = 0; k < n + n * d; k++) {
    const v = v128.load(FR + (<usize>k << 4));
    store<f64>(out + (<usize>k << 3), hsum(v));
  }
  return hsum(ll);
}

/**
 * In place on `out`: S_y → S' = L⁻¹S_y per component and M_y → M = L⁻¹·M_y·L⁻ᵀ per block (float64, L the f32
 * factors at `chol`); `work` holds d·d f64.
 */
function unwhiten(chol: usize, n: i32, d: i32, tied: i32, out: usize, work: usize): void {
  const tri = (d * (d + 1)) >> 1;
  const row = <usize>d << 3;
  const S = out + (<usize>n << 3);
  for (let i = 0; i < n; i++) solveLower(chol + (tied ? 0 : <usize>(i * tri) << 2), d, S + <usize>i * row, 8, 1, false);
  const M = S + <usize>n * row;
  const blocks = tied ? 1 : n;
  for (let b = 0; b < blocks; b++) {
    const L = chol + (<usize>(b * tri) << 2);
    const Mb = M + <usize>(b * d) * row;
    // X = L⁻¹·M_y, then L⁻¹·Xᵀ = L⁻¹·M_y·L⁻ᵀ (M_y symmetric), of which only the upper triangle is formed.
    solveLower(L, d, Mb, row, d, false);
    for (let j = 0; j < d; j++) {
      for (let l = 0; l < d; l++) store<f64>(work + <usize>l * row + (<usize>j << 3), load<f64>(Mb + <usize>j * row + (<usize>l << 3)));
    }
    solveLower(L, d, work, row, d, true);
    for (let j = 0; j < d; j++) {
      for (let l = j; l < d; l++) {
        const v = load<f64>(work + <usize>j * row + (<usize>l << 3));
        store<f64>(Mb + <usize>j * row + (<usize>l << 3), v);
        store<f64>(Mb + <usize>l * row + (<usize>j << 3), v);
      }
    }
  }
}

/**
 * Solves L·Z = B in place for `cols` right-hand sides (row j of B at a + j·stride, f64, overwritten by Z's
 * row j), L lower triangular packed by rows in f32: forward substitution, row-oriented so the inner loop is
 * contiguous. With `upper`, only the entries with column ≥ row are needed (each column c depends on rows
 * ≤ c only): from the even column at or below the row on.
 */
function solveLower(L: usize, d: i32, a: usize, stride: usize, cols: i32, upper: bool): void {
  for (let j = 0; j < d; j++) {
    const lr = L + (<usize>((j * (j + 1)) >> 1) << 2);
    const rj = a + <usize>j * stride;
    const c0 = upper ? j & ~1 : 0;
    for (let k = 0; k < j; k++) {
      const l = <f64>load<f32>(lr + (<usize>k << 2));
      if (l == 0) continue;
      const rk = a + <usize>k * stride;
      let c = c0;
      if (ASC_FEATURE_SIMD) {
        const lv = f64x2.splat(l);
        for (; c + 2 <= cols; c += 2) {
          const o = <usize>c << 3;
          v128.store(rj + o, f64x2.sub(v128.load(rj + o), f64x2.mul(lv, v128.load(rk + o))));
        }
      }
      for (; c < cols; c++) store<f64>(rj + (<usize>c << 3), load<f64>(rj + (<usize>c << 3)) - l * load<f64>(rk + (<usize>c << 3)));
    }
    const inv = 1.0 / <f64>load<f32>(lr + (<usize>j << 2));
    for (let c = c0; c < cols; c++) store<f64>(rj + (<usize>c << 3), load<f64>(rj + (<usize>c << 3)) * inv);
  }
}


/** f[0..1] += lanes (0 + 2, 1 + 3) of the f32x4 `v`, in float64. */
// @ts-ignore: decorator
@inline
function flushPairs(f: usize, v: v128): void {
  v128.store(f, f64x2.add(v128.load(f), f64x2.add(promoteHalf(v, 0), promoteHalf(v, 1))));
}

/** [Σ lanes c0, Σ lanes c1, Σ lanes c2, Σ lanes c3] (f32x4): a 4×4 transpose-add. */
// @ts-ignore: decorator
@inline
function laneSums(c0: v128, c1: v128, c2: v128, c3: v128): v128 {
  const s01 = f32x4.add(v128.shuffle<f32>(c0, c1, 0, 1, 4, 5), v128.shuffle<f32>(c0, c1, 2, 3, 6, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(c2, c3, 0, 1, 4, 5), v128.shuffle<f32>(c2, c3, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 2, 4, 6), v128.shuffle<f32>(s01, s23, 1, 3, 5, 7));
}

/** m[0..3] (f64) += the four f32 lanes of v. */
// @ts-ignore: decorator
@inline
function addRow4(m: usize, v: v128): void {
  v128.store(m, f64x2.add(v128.load(m), promoteHalf(v, 0)));
  v128.store(m, f64x2.add(v128.load(m, 16), promoteHalf(v, 1)), 16);
}

/** The four lanes of an f32x4 summed, in float64. */
// @ts-ignore: decorator
@inline
function sum4(v: v128): f64 {
  const h = f64x2.add(promoteHalf(v, 0), promoteHalf(v, 1));
  return f64x2.extract_lane(h, 0) + f64x2.extract_lane(h, 1);
}

/** Tb[p][j] = x_j − μ_j for the pb quads of a block (quads stored d vectors apart; μ f32). */
// @ts-ignore: decorator
@inline
function fillDifferencesF32(xb: usize, mu: usize, pb: i32, d: i32, Tb: usize): void {
  const bytes = <usize>(pb * d) << 4;
  const quadBytes = <usize>d << 4;
  for (let o: usize = 0; o < bytes; o += quadBytes) {
    for (let j = 0; j < d; j++) {
      const jv = <usize>j << 4;
      v128.store(Tb + o + jv, f32x4.sub(v128.load(xb + o + jv), v128.load32_splat(mu + (<usize>j << 2))));
    }
  }
}

/**
 * Q[p] += Σ_j y_j² with y = L·t for the pb quads of Tb (L packed lower-triangular rows, f32), y stored to Y
 * (pb·d vectors): tiles of rows
 * (j, j + 1) × 4 quads, one splat of L[j,k] and L[j+1,k] per 4 loads of t (row j + 1's last term k = j + 1
 * added after the shared part), then 2 rows × 1 quad and a last single row for odd d.
 */
// @ts-ignore: decorator
@inline
function triangularF32(Tb: usize, L: usize, pb: i32, d: i32, Q: usize, Y: usize): void {
  const quadBytes = <usize>d << 4;
  let j = 0;
  for (; j + 2 <= d; j += 2) {
    const Lj = L + (<usize>((j * (j + 1)) >> 1) << 2);
    const Lj1 = Lj + (<usize>(j + 1) << 2);
    const lLast = v128.load32_splat(Lj1 + (<usize>(j + 1) << 2));
    const jv1 = <usize>(j + 1) << 4;
    let p = 0;
    for (; p + 4 <= pb; p += 4) {
      const t0 = Tb + <usize>p * quadBytes;
      const t1 = t0 + quadBytes, t2 = t1 + quadBytes, t3 = t2 + quadBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
      for (let k = 0; k <= j; k++) {
        const l0 = v128.load32_splat(Lj + (<usize>k << 2)), l1 = v128.load32_splat(Lj1 + (<usize>k << 2));
        const kv = <usize>k << 4;
        const s0 = v128.load(t0 + kv), s1 = v128.load(t1 + kv), s2 = v128.load(t2 + kv), s3 = v128.load(t3 + kv);
        a0 = madd4(l0, s0, a0); a1 = madd4(l0, s1, a1); a2 = madd4(l0, s2, a2); a3 = madd4(l0, s3, a3);
        b0 = madd4(l1, s0, b0); b1 = madd4(l1, s1, b1); b2 = madd4(l1, s2, b2); b3 = madd4(l1, s3, b3);
      }
      b0 = madd4(lLast, v128.load(t0 + jv1), b0); b1 = madd4(lLast, v128.load(t1 + jv1), b1);
      b2 = madd4(lLast, v128.load(t2 + jv1), b2); b3 = madd4(lLast, v128.load(t3 + jv1), b3);
      const y0 = Y + <usize>p * quadBytes + (<usize>j << 4), y1 = y0 + quadBytes, y2 = y1 + quadBytes, y3 = y2 + quadBytes;
      v128.store(y0, a0); v128.store(y0, b0, 16); v128.store(y1, a1); v128.store(y1, b1, 16);
      v128.store(y2, a2); v128.store(y2, b2, 16); v128.store(y3, a3); v128.store(y3, b3, 16);
      const q = Q + (<usize>p << 4);
      v128.store(q, madd4(b0, b0, madd4(a0, a0, v128.load(q))));
      v128.store(q, madd4(b1, b1, madd4(a1, a1, v128.load(q, 16))), 16);
      v128.store(q, madd4(b2, b2, madd4(a2, a2, v128.load(q, 32))), 32);
      v128.store(q, madd4(b3, b3, madd4(a3, a3, v128.load(q, 48))), 48);
    }
    for (; p < pb; p++) {
      const t0 = Tb + <usize>p * quadBytes;
      let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
      for (let k = 0; k <= j; k++) {
        const s0 = v128.load(t0 + (<usize>k << 4));
        a0 = madd4(v128.load32_splat(Lj + (<usize>k << 2)), s0, a0);
        b0 = madd4(v128.load32_splat(Lj1 + (<usize>k << 2)), s0, b0);
      }
      b0 = madd4(lLast, v128.load(t0 + jv1), b0);
      const y0 = Y + <usize>p * quadBytes + (<usize>j << 4);
      v128.store(y0, a0); v128.store(y0, b0, 16);
      const q = Q + (<usize>p << 4);
      v128.store(q, madd4(b0, b0, madd4(a0, a0, v128.load(q))));
    }
  }
  if (j < d) {
    const Lj = L + (<usize>((j * (j + 1)) >> 1) << 2);
    for (let p = 0; p < pb; p++) {
      const t0 = Tb + <usize>p * quadBytes;
      let a0 = f32x4.splat(0);
      for (let k = 0; k <= j; k++) a0 = madd4(v128.load32_splat(Lj + (<usize>k << 2)), v128.load(t0 + (<usize>k << 4)), a0);
      v128.store(Y + <usize>p * quadBytes + (<usize>j << 4), a0);
      const q = Q + (<usize>p << 4);
      v128.store(q, madd4(a0, a0, v128.load(q)));
    }
  }
}

/**
 * M[j][l] += Σ_p Σ_lanes U[p][j]·T[p][l] for l ≥ j (and the entries below the diagonal inside the diagonal
 * tiles, which the reduction ignores); M d×d f64, U and T pb·d f32x4. Tiles of 2 rows × 4 columns summed over
 * the block's quads in registers, then their lanes in f32 and the result added into float64 once per block.
 */
// @ts-ignore: decorator
@inline
function scatterF32(M: usize, U: usize, T: usize, pb: i32, d: i32): void {
  const quadBytes = <usize>d << 4;
  const mRow = <usize>d << 3;
  let j = 0;
  for (; j + 2 <= d; j += 2) {
    const m0 = M + <usize>j * mRow;
    const m1 = m0 + mRow;
    let l = j;
    for (; l + 4 <= d; l += 4) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
      let up = U + (<usize>j << 4);
      let tp = T + (<usize>l << 4);
      for (let p = 0; p < pb; p++) {
        const u0 = v128.load(up), u1 = v128.load(up, 16);
        const t0 = v128.load(tp), t1 = v128.load(tp, 16), t2 = v128.load(tp, 32), t3 = v128.load(tp, 48);
        c00 = madd4(u0, t0, c00); c01 = madd4(u0, t1, c01); c02 = madd4(u0, t2, c02); c03 = madd4(u0, t3, c03);
        c10 = madd4(u1, t0, c10); c11 = madd4(u1, t1, c11); c12 = madd4(u1, t2, c12); c13 = madd4(u1, t3, c13);
        up += quadBytes;
        tp += quadBytes;
      }
      addRow4(m0 + (<usize>l << 3), laneSums(c00, c01, c02, c03));
      addRow4(m1 + (<usize>l << 3), laneSums(c10, c11, c12, c13));
    }
    for (; l < d; l++) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
      for (let p = 0; p < pb; p++) {
        const off = <usize>p * quadBytes;
        const t = v128.load(T + off + (<usize>l << 4));
        c0 = madd4(v128.load(U + off + (<usize>j << 4)), t, c0);
        c1 = madd4(v128.load(U + off + (<usize>j << 4), 16), t, c1);
      }
      const a0 = m0 + (<usize>l << 3), a1 = m1 + (<usize>l << 3);
      store<f64>(a0, load<f64>(a0) + sum4(c0));
      store<f64>(a1, load<f64>(a1) + sum4(c1));
    }
  }
  if (j < d) {
    let c0 = f32x4.splat(0);
    for (let p = 0; p < pb; p++) {
      const off = <usize>p * quadBytes + (<usize>j << 4);
      c0 = madd4(v128.load(U + off), v128.load(T + off), c0);
    }
    const a0 = M + <usize>j * mRow + (<usize>j << 3);
    store<f64>(a0, load<f64>(a0) + sum4(c0));
  }
}

// The scalar build's twin: the same f32 differences, triangular products, scores and responsibilities per
// point (exp by Mathf), the whitened statistics summed straight into float64 (no f32 blocks: nothing to
// vectorise).
function passFullF32Scalar(
  x: usize, c: usize, quadStart: i32, quadEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, out: usize, scratch: usize,
): f64 {
  const tri = (d * (d + 1)) >> 1;
  const mBlocks = tied ? 1 : n;
  const A = scratch;                               // n f32
  const T = A + (<usize>n << 2);                   // d f32: t = x − μ_i
  const Y = T + (<usize>d << 2);                   // n·d f32: y = L·t per component
  const R = out;
  const S = R + (<usize>n << 3);
  const M = S + (<usize>(n * d) << 3);
  memory.fill(out, 0, <usize>(n + n * d + mBlocks * d * d) << 3);
  const quadBytes = <usize>d << 4;
  let ll = 0.0;
  for (let q = quadStart; q < quadEnd; q++) {
    const xp = x + <usize>q * quadBytes;
    for (let lane: usize = 0; lane < 4; lane++) {
      const ck = load<f32>(c + (<usize>q << 4) + (lane << 2));
      let mx: f32 = SCORE_LO;
      for (let i = 0; i < n; i++) {
        const mu = means + (<usize>(i * d) << 2);
        const Yi = Y + (<usize>(i * d) << 2);
        for (let j = 0; j < d; j++) {
          store<f32>(T + (<usize>j << 2), load<f32>(xp + (<usize>j << 4) + (lane << 2)) - load<f32>(mu + (<usize>j << 2)));
        }
        let Lrow = chol + (tied ? 0 : <usize>(i * tri) << 2);
        let qs: f32 = 0;
        for (let j = 0; j < d; j++) {
          let y: f32 = 0;
          for (let k = 0; k <= j; k++) y += load<f32>(Lrow + (<usize>k << 2)) * load<f32>(T + (<usize>k << 2));
          store<f32>(Yi + (<usize>j << 2), y);
          qs += y * y;
          Lrow += <usize>(j + 1) << 2;
        }
        let a = load<f32>(logNorm + (<usize>i << 2)) - <f32>0.5 * qs;
        if (!(a >= SCORE_LO)) a = SCORE_LO; // −∞ or NaN: see the header
        store<f32>(A + (<usize>i << 2), a);
        if (a > mx) mx = a;
      }
      let s: f32 = 0;
      for (let i = 0; i < n; i++) {
        const e = Mathf.exp(load<f32>(A + (<usize>i << 2)) - mx);
        store<f32>(A + (<usize>i << 2), e);
        s += e;
      }
      ll += <f64>ck * (<f64>mx + Math.log(<f64>s));
      const inv = ck / s;
      for (let i = 0; i < n; i++) {
        const cr = load<f32>(A + (<usize>i << 2)) * inv;
        store<f64>(R + (<usize>i << 3), load<f64>(R + (<usize>i << 3)) + <f64>cr);
        if (cr == 0) continue;
        const Ti = Y + (<usize>(i * d) << 2);
        const Si = S + (<usize>(i * d) << 3);
        const Mi = M + (tied ? 0 : <usize>(i * d * d) << 3);
        for (let j = 0; j < d; j++) {
          const u = cr * load<f32>(Ti + (<usize>j << 2));
          store<f64>(Si + (<usize>j << 3), load<f64>(Si + (<usize>j << 3)) + <f64>u);
          const mj = Mi + (<usize>(j * d) << 3);
          for (let l = j; l < d; l++) {
            store<f64>(mj + (<usize>l << 3), load<f64>(mj + (<usize>l << 3)) + <f64>(u * load<f32>(Ti + (<usize>l << 2))));
          }
        }
      }
    }
  }
  return ll;
}
