// The float32 variant of the fused pass (`precision: 'float32'`): distances, log-sum-exp scores and exp in
// f32x4 (four points per vector instead of two), the statistics in float64.
//
// Data layout (written by the bridge): rows packed in quads, each quad stored dimension-major with its four
// points interleaved (x[4q][j], x[4q+1][j], x[4q+2][j], x[4q+3][j]) as f32, the data centred once per data
// set (column means subtracted in float64 before rounding, so large offsets cost no digits). N is padded to a
// multiple of 4 with copies of the last row carrying weight 0; `c` holds one f32 weight per padded row.
//
// Parameters (f32, written by the bridge): means n·d (centred the same way), logNorm n (shifted by a common
// constant the bridge adds back in float64), prec n·d (1/σ²). Output (f64): R (n), the centred first moment
// S' = Σ c·r·(x − μ) (n·d), Q (n: Σ c·r·dist, or n·d when diag: Σ c·r·(x − μ)², unscaled), and the return
// value Σ c·ℓ'. The bridge restores S = S' + μ·R and scales the diagonal Q by σ⁻² in float64.
//
// Accumulation: per-point terms are summed in f32 lanes over a block of F32_BLOCK quads (so each lane adds at
// most F32_BLOCK terms, relative rounding ≤ F32_BLOCK·2⁻²⁴ ≈ 2e-6 worst case, ~2e-7 typical), then added into
// float64 accumulators; Σ c·ℓ is accumulated in float64 per quad. Error of the exp below: ≤ 3e-7 relative
// (degree-7 Taylor on |r| ≤ ln2/2, truncation < 6e-9, plus f32 rounding of the reduction and polynomial).

import { logv, madd4, fk, K_ONE, LN2 } from './exp';
import { centredSmallD, distanceSmallD, weightedSmallD, exponentOf, mantissaOf, padTo4, recordForm, usesGemm } from './pass';

/** Quads per f32 accumulation block (see the error note above). */
const F32_BLOCK: i32 = 32;

const E_LO: f32 = -87.0; // e^-87 ≈ 1.6e-38 is still a normal f32; below it return exactly 0
const LOG2E_F: f32 = 1.4426950408889634;
const MAGIC_F: f32 = 12582912.0; // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits
const LN2HI_F: f32 = 0.693145751953125; // 15 significant bits: k·LN2HI_F is exact for |k| < 2^9
const LN2LO_F: f32 = 1.4286068203094172e-6;

// Splatted f32 constants in memory: V8 11 rebuilds v128 constants inside loops (see exp.ts).
// @ts-ignore: decorator
@lazy const GK: usize = memory.data<f32>([
  E_LO, E_LO, E_LO, E_LO,
  LOG2E_F, LOG2E_F, LOG2E_F, LOG2E_F,
  MAGIC_F, MAGIC_F, MAGIC_F, MAGIC_F,
  LN2HI_F, LN2HI_F, LN2HI_F, LN2HI_F,
  LN2LO_F, LN2LO_F, LN2LO_F, LN2LO_F,
  1.0, 1.0, 1.0, 1.0,
  0.5, 0.5, 0.5, 0.5,
  <f32>(1.0 / 6.0), <f32>(1.0 / 6.0), <f32>(1.0 / 6.0), <f32>(1.0 / 6.0),
  <f32>(1.0 / 24.0), <f32>(1.0 / 24.0), <f32>(1.0 / 24.0), <f32>(1.0 / 24.0),
  <f32>(1.0 / 120.0), <f32>(1.0 / 120.0), <f32>(1.0 / 120.0), <f32>(1.0 / 120.0),
  <f32>(1.0 / 720.0), <f32>(1.0 / 720.0), <f32>(1.0 / 720.0), <f32>(1.0 / 720.0),
  <f32>(1.0 / 5040.0), <f32>(1.0 / 5040.0), <f32>(1.0 / 5040.0), <f32>(1.0 / 5040.0),
], 16);
// @ts-ignore: decorator
@lazy const GI: usize = memory.data<i32>([127, 127, 127, 127], 16);

// @ts-ignore: decorator
@inline
function gk(i: i32): v128 {
  return v128.load(GK + (<usize>i << 4));
}

/** f32x4 exp for arguments ≤ 0 (bound in the header); below −87 exactly 0. */
// @ts-ignore: decorator
@inline
export function expf4NonPos(x: v128): v128 {
  const lo = f32x4.lt(x, gk(0));
  const xc = f32x4.pmax(x, gk(0));
  const t = f32x4.add(f32x4.mul(xc, gk(1)), gk(2));
  const kf = f32x4.sub(t, gk(2));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(kf, gk(3))), f32x4.mul(kf, gk(4)));
  // 2^k from the integer in t's low bits: (k + 127) << 23; the magic number's own bits shift out.
  const scale = i32x4.shl(i32x4.add(t, v128.load(GI)), 23);
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const p01 = f32x4.add(gk(5), r);
  const p23 = f32x4.add(gk(6), f32x4.mul(gk(7), r));
  const p45 = f32x4.add(gk(8), f32x4.mul(gk(9), r));
  const p67 = f32x4.add(gk(10), f32x4.mul(gk(11), r));
  const q0 = f32x4.add(p01, f32x4.mul(p23, r2));
  const q1 = f32x4.add(p45, f32x4.mul(p67, r2));
  const y = f32x4.mul(f32x4.add(q0, f32x4.mul(q1, r4)), scale);
  return v128.andnot(y, lo);
}

/** Bytes of scratch {@link passF32} needs for n components in d dimensions. */
export function passF32ScratchBytes(n: i32, d: i32, diag: i32): usize {
  const acc = n + n * d + (diag ? n * d : n);
  // A (n + 1) and D (n) f32x4 vectors, the f32 accumulators, and two f64x2 per f32x4 accumulator.
  const direct = <usize>(2 * n + 1 + acc + 2 * acc) << 4;
  // Sized for either form whenever the tiles can apply, so setPassForm may switch forms afterwards.
  return ASC_FEATURE_SIMD ? max(direct, tilesScratchBytes(n, d, diag)) : direct;
}

/**
 * Runs the float32 pass over quads [quadStart, quadEnd) and returns Σ c·ℓ' (ℓ' with the bridge's logNorm
 * shift); the float64 statistics go to `out` as described in the header.
 */
export function passF32(
  x: usize, c: usize, quadStart: i32, quadEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, unit: i32, out: usize, scratch: usize,
): f64 {
  if (ASC_FEATURE_SIMD) {
    const tiles = usesGemm(n, d, diag, 1);
    recordForm(tiles ? 2 : 1);
    if (tiles) {
      if (diag) return passF32Tiles(x, c, quadStart, quadEnd, d, n, means, logNorm, prec, 1, unit, out, scratch);
      return passF32Tiles(x, c, quadStart, quadEnd, d, n, means, logNorm, prec, 0, unit, out, scratch);
    }
    // d and diag as literals where the dimension loop dominates (small d), as in pass.ts.
    if (diag) {
      if (d == 1) return passF32Simd(x, c, quadStart, quadEnd, 1, n, means, logNorm, prec, 1, unit, out, scratch);
      if (d == 2) return passF32Simd(x, c, quadStart, quadEnd, 2, n, means, logNorm, prec, 1, unit, out, scratch);
      return passF32Simd(x, c, quadStart, quadEnd, d, n, means, logNorm, prec, 1, unit, out, scratch);
    }
    if (d == 1) return passF32Simd(x, c, quadStart, quadEnd, 1, n, means, logNorm, prec, 0, unit, out, scratch);
    if (d == 2) return passF32Simd(x, c, quadStart, quadEnd, 2, n, means, logNorm, prec, 0, unit, out, scratch);
    return passF32Simd(x, c, quadStart, quadEnd, d, n, means, logNorm, prec, 0, unit, out, scratch);
  }
  return passF32Scalar(x, c, quadStart, quadEnd, d, n, means, logNorm, prec, diag, out);
}

// @ts-ignore: decorator
@inline
function distF32(xp: usize, mu: usize, pr: usize, d: i32, diag: i32): v128 {
  if (d <= 2) {
    // Straight-line code for the literal d ≤ 2, as distanceSimd in pass.ts (the same measured reason).
    return distanceSmallD<f32>(xp, mu, pr, d, diag);
  }
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let j = 0;
  for (; j + 2 <= d; j += 2) {
    const t0 = f32x4.sub(v128.load(xp + (<usize>j << 4)), v128.load32_splat(mu + (<usize>j << 2)));
    const t1 = f32x4.sub(v128.load(xp + (<usize>j << 4), 16), v128.load32_splat(mu + (<usize>j << 2), 4));
    if (diag) {
      acc0 = f32x4.add(acc0, f32x4.mul(f32x4.mul(t0, t0), v128.load32_splat(pr + (<usize>j << 2))));
      acc1 = f32x4.add(acc1, f32x4.mul(f32x4.mul(t1, t1), v128.load32_splat(pr + (<usize>j << 2), 4)));
    } else {
      acc0 = f32x4.add(acc0, f32x4.mul(t0, t0));
      acc1 = f32x4.add(acc1, f32x4.mul(t1, t1));
    }
  }
  if (j < d) {
    const t0 = f32x4.sub(v128.load(xp + (<usize>j << 4)), v128.load32_splat(mu + (<usize>j << 2)));
    acc0 = diag
      ? f32x4.add(acc0, f32x4.mul(f32x4.mul(t0, t0), v128.load32_splat(pr + (<usize>j << 2))))
      : f32x4.add(acc0, f32x4.mul(t0, t0));
  }
  const acc = f32x4.add(acc0, acc1);
  return diag ? acc : f32x4.mul(acc, v128.load32_splat(pr));
}

/** Adds the f32 lanes of `v` into the two f64x2 accumulators at `f` (lanes 0–1, 2–3). */
// @ts-ignore: decorator
@inline
function flushInto(f: usize, v: v128): void {
  v128.store(f, f64x2.add(v128.load(f), f64x2.promote_low_f32x4(v)));
  v128.store(f, f64x2.add(v128.load(f, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3))), 16);
}

// @ts-ignore: decorator
@inline
function passF32Simd(
  x: usize, c: usize, quadStart: i32, quadEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, unit: i32, out: usize, scratch: usize,
): f64 {
  const qLen = diag ? n * d : n;
  const accLen = n + n * d + qLen;
  const A = scratch;                             // n + 1 vectors (A[n] = Σ exp)
  const D = A + ((<usize>n + 1) << 4);           // n vectors
  const R32 = D + (<usize>n << 4);               // n, then S' (n·d), then Q (qLen): contiguous for the flush
  const S32 = R32 + (<usize>n << 4);
  const Q32 = S32 + (<usize>(n * d) << 4);
  const F64 = R32 + (<usize>accLen << 4);        // 2 f64x2 per f32 accumulator, same order
  memory.fill(R32, 0, <usize>accLen * 48);
  let ll0 = f64x2.splat(0.0), ll1 = f64x2.splat(0.0);
  let p0 = fk(K_ONE), p1 = fk(K_ONE), e0 = f64x2.splat(0.0), e1 = f64x2.splat(0.0);
  const quadBytes = <usize>d << 4;
  const rowBytes = <usize>d << 2;
  let q = quadStart;
  while (q < quadEnd) {
    const blockEnd = min(q + F32_BLOCK, quadEnd);
    for (; q < blockEnd; q++) {
      const xp = x + <usize>q * quadBytes;
      const cv = v128.load(c + (<usize>q << 4));
      let mx = f32x4.splat(-Infinity);
      for (let i = 0; i < n; i++) {
        const ii = <usize>i;
        const dist = distF32(xp, means + ii * rowBytes, prec + ii * rowBytes, d, diag);
        const a = f32x4.sub(v128.load32_splat(logNorm + (ii << 2)), f32x4.mul(gk(6), dist));
        v128.store(D + (ii << 4), dist);
        v128.store(A + (ii << 4), a);
        mx = f32x4.pmax(mx, a);
      }
      let s = f32x4.splat(0);
      for (let i = 0; i < n; i++) {
        const e = expf4NonPos(f32x4.sub(v128.load(A + (<usize>i << 4)), mx));
        v128.store(A + (<usize>i << 4), e);
        s = f32x4.add(s, e);
      }
      ll0 = logLikStep(ll0, cv, mx, s, 0, unit);
      ll1 = logLikStep(ll1, cv, mx, s, 1, unit);
      if (unit) { p0 = prodStep(p0, cv, s, 0); p1 = prodStep(p1, cv, s, 1); }
      const inv = f32x4.div(cv, s);
      for (let i = 0; i < n; i++) {
        const ii = <usize>i;
        const cr = f32x4.mul(v128.load(A + (ii << 4)), inv);
        v128.store(R32 + (ii << 4), f32x4.add(v128.load(R32 + (ii << 4)), cr));
        // All four responsibilities underflowed to 0: the S and Q updates would add +0.
        if (!v128.any_true(cr)) continue;
        const mu = means + ii * rowBytes;
        const Si = S32 + ii * quadBytes;
        if (!diag) {
          v128.store(Q32 + (ii << 4), f32x4.add(v128.load(Q32 + (ii << 4)), f32x4.mul(cr, v128.load(D + (ii << 4)))));
          // Spherical: S'' = Σ r·x on the centred data (one multiply-add); S' = S'' − μR at the end.
          if (d <= 2) {
            weightedSmallD<f32>(xp, Si, cr, d);
            continue;
          }
          let j = 0;
          for (; j + 2 <= d; j += 2) {
            const jv = <usize>j << 4;
            v128.store(Si + jv, madd4(cr, v128.load(xp + jv), v128.load(Si + jv)));
            v128.store(Si + jv, madd4(cr, v128.load(xp + jv, 16), v128.load(Si + jv, 16)), 16);
          }
          if (j < d) v128.store(Si + (<usize>j << 4), madd4(cr, v128.load(xp + (<usize>j << 4)), v128.load(Si + (<usize>j << 4))));
          continue;
        }
        const Qi = Q32 + ii * quadBytes;
        if (d <= 2) {
          centredSmallD<f32>(xp, mu, Si, Qi, cr, d);
          continue;
        }
        let j = 0;
        for (; j + 2 <= d; j += 2) {
          const jv = <usize>j << 4;
          const t0 = f32x4.sub(v128.load(xp + jv), v128.load32_splat(mu + (<usize>j << 2)));
          const t1 = f32x4.sub(v128.load(xp + jv, 16), v128.load32_splat(mu + (<usize>j << 2), 4));
          const u0 = f32x4.mul(cr, t0);
          const u1 = f32x4.mul(cr, t1);
          v128.store(Si + jv, f32x4.add(v128.load(Si + jv), u0));
          v128.store(Si + jv, f32x4.add(v128.load(Si + jv, 16), u1), 16);
          v128.store(Qi + jv, madd4(u0, t0, v128.load(Qi + jv)));
          v128.store(Qi + jv, madd4(u1, t1, v128.load(Qi + jv, 16)), 16);
        }
        if (j < d) {
          const jv = <usize>j << 4;
          const t = f32x4.sub(v128.load(xp + jv), v128.load32_splat(mu + (<usize>j << 2)));
          const u = f32x4.mul(cr, t);
          v128.store(Si + jv, f32x4.add(v128.load(Si + jv), u));
          v128.store(Qi + jv, madd4(u, t, v128.load(Qi + jv)));
        }
      }
    }
    if (unit) { e0 = f64x2.add(e0, exponentOf(p0)); p0 = mantissaOf(p0); e1 = f64x2.add(e1, exponentOf(p1)); p1 = mantissaOf(p1); }
    // End of block: move the f32 partial sums into float64 and restart them from 0.
    for (let k = 0; k < accLen; k++) {
      const p = R32 + (<usize>k << 4);
      flushInto(F64 + (<usize>k << 5), v128.load(p));
      v128.store(p, f32x4.splat(0));
    }
  }
  for (let k = 0; k < accLen; k++) {
    const f = F64 + (<usize>k << 5);
    const v = f64x2.add(v128.load(f), v128.load(f, 16));
    store<f64>(out + (<usize>k << 3), f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1));
  }
  if (!diag) {
    for (let i = 0; i < n; i++) {
      const r = load<f64>(out + (<usize>i << 3));
      for (let j = 0; j < d; j++) {
        const k = <usize>(i * d + j);
        const sp = out + ((<usize>n + k) << 3);
        store<f64>(sp, load<f64>(sp) - <f64>load<f32>(means + (k << 2)) * r);
      }
    }
  }
  return finishLogLik(ll0, ll1, p0, p1, e0, e1, unit);
}

// ---------------------------------------------------------------------------------------------------------
// Tile form (SIMD builds, shapes chosen by usesGemm in pass.ts): the float64 GEMM form's blocks and register
// tiles in f32x4, 2 quads (8 points) × 4 components per distance tile and 4 components × 1–2 dimensions per
// statistics tile, over blocks of TILE_QUADS quads whose scores and responsibilities stay in cache. No
// expansion: in f32 ‖x‖² − 2xᵀμ + ‖μ‖² would cost ~2⁻²⁴·(‖x − s‖ + ‖μ − s‖)²σ⁻² of every exponent, so the
// distance tile forms t = x − μ and accumulates t² (diagonal: σ⁻²t², σ⁻² a tile weight), which keeps the
// direct form's rounding; the means block is read once per 8 points. Statistics: spherical S'' = Σ r·x on the
// centred data (S' = S'' − μR in float64 at the end), diagonal u = r·t into S' and u·t into Q'. Every tile
// accumulator starts at 0 in each block and is added into float64 at the block's end, so each f32 lane sums
// at most TILE_QUADS terms, as in the direct form's F32_BLOCK (the error note in the header holds).

/** Quads per block of the tile form (the direct form's F32_BLOCK bound applies; 16 keeps the block in L1). */
const TILE_QUADS: i32 = 16;

/** Scratch bytes of the tile form. */
function tilesScratchBytes(n: i32, d: i32, diag: i32): usize {
  const np = <usize>padTo4(n);
  const dd = <usize>d;
  const B = <usize>TILE_QUADS;
  const qAcc = diag ? np * dd : np;
  // MC (np·d f32, twice for diagonal), PR and LN (np f32 each), AB and DB (B·np f32x4 each), R32 and Q32 (np
  // f32x4 each), two f64x2 per accumulator of R, Q and S', ZB (B·np/4 bytes), alignment.
  return ((np * dd) << (diag ? 3 : 2)) + (np << 3) + ((B * np) << 5) + (np << 5) + ((np + qAcc + np * dd) << 5) + B * (np >> 2) + 64;
}

function passF32Tiles(
  x: usize, c: usize, quadStart: i32, quadEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, unit: i32, out: usize, scratch: usize,
): f64 {
  const np = padTo4(n);
  const dd = <usize>d;
  const B = <usize>TILE_QUADS;
  // Tile weights per block of 4 components and dimension j: μ (4 lanes), diagonal then σ⁻² (4 more).
  const mcStride: usize = diag ? 32 : 16;
  const MC = scratch;
  const PR = MC + <usize>(np >> 2) * dd * mcStride; // spherical σ⁻² per component (1 when in the tile)
  const LN = PR + (<usize>np << 2);
  const AB = (LN + (<usize>np << 2) + 15) & ~(<usize>15); // scores → exps → responsibilities, [quad][component]
  const DB = AB + (B * <usize>np << 4);                 // scaled distances (spherical Q), [quad][component]
  const R32 = DB + (B * <usize>np << 4);
  const Q32 = R32 + (<usize>np << 4);
  const qAcc = diag ? np * d : np;
  const FR = Q32 + (<usize>np << 4);                    // float64 sums, two f64x2 per f32x4 lane set
  const FQ = FR + (<usize>np << 5);
  const FS = FQ + (<usize>qAcc << 5);
  const ZB = FS + (<usize>(np * d) << 5);               // per quad and block of 4 components: any r ≠ 0
  for (let i = 0; i < np; i++) {
    const blk = MC + <usize>(i >> 2) * dd * mcStride + (<usize>(i & 3) << 2);
    for (let j = 0; j < d; j++) {
      const k = <usize>(i * d + j) << 2;
      store<f32>(blk + <usize>j * mcStride, i < n ? load<f32>(means + k) : 0);
      if (diag) store<f32>(blk + <usize>j * mcStride + 16, i < n ? load<f32>(prec + k) : 0);
    }
    store<f32>(PR + (<usize>i << 2), diag ? 1 : i < n ? load<f32>(prec + (<usize>(i * d) << 2)) : 0);
    store<f32>(LN + (<usize>i << 2), i < n ? load<f32>(logNorm + (<usize>i << 2)) : 0);
  }
  memory.fill(FR, 0, <usize>(np + qAcc + np * d) << 5);
  let ll0 = f64x2.splat(0.0), ll1 = f64x2.splat(0.0);
  let p0 = fk(K_ONE), p1 = fk(K_ONE), e0 = f64x2.splat(0.0), e1 = f64x2.splat(0.0);
  const quadBytes = dd << 4;
  for (let q0 = quadStart; q0 < quadEnd; q0 += TILE_QUADS) {
    const nb = min(TILE_QUADS, quadEnd - q0);
    const xb = x + <usize>q0 * quadBytes;
    for (let b = 0; b < np; b += 4) {
      const mb = MC + <usize>(b >> 2) * dd * mcStride;
      let q = 0;
      for (; q + 2 <= nb; q += 2) distanceTileF32(xb, q, quadBytes, mb, d, b, np, PR, LN, AB, DB, 2, diag);
      if (q < nb) distanceTileF32(xb, q, quadBytes, mb, d, b, np, PR, LN, AB, DB, 1, diag);
    }
    memory.fill(R32, 0, <usize>np << 5);
    for (let q = 0; q < nb; q++) {
      const Aq = AB + (<usize>(q * np) << 4);
      const Dq = DB + (<usize>(q * np) << 4);
      let mx = f32x4.splat(-Infinity);
      for (let i = 0; i < n; i++) mx = f32x4.pmax(mx, v128.load(Aq + (<usize>i << 4)));
      let s = f32x4.splat(0);
      for (let i = 0; i < n; i++) {
        const e = expf4NonPos(f32x4.sub(v128.load(Aq + (<usize>i << 4)), mx));
        v128.store(Aq + (<usize>i << 4), e);
        s = f32x4.add(s, e);
      }
      const cv = v128.load(c + (<usize>(q0 + q) << 4));
      ll0 = logLikStep(ll0, cv, mx, s, 0, unit);
      ll1 = logLikStep(ll1, cv, mx, s, 1, unit);
      if (unit) { p0 = prodStep(p0, cv, s, 0); p1 = prodStep(p1, cv, s, 1); }
      const inv = f32x4.div(cv, s);
      for (let i = 0; i < n; i++) {
        const ii = <usize>i << 4;
        const r = f32x4.mul(v128.load(Aq + ii), inv);
        v128.store(Aq + ii, r);
        v128.store(R32 + ii, f32x4.add(v128.load(R32 + ii), r));
        if (!diag) v128.store(Q32 + ii, madd4(r, v128.load(Dq + ii), v128.load(Q32 + ii)));
      }
      for (let i = n; i < np; i++) v128.store(Aq + (<usize>i << 4), f32x4.splat(0));
      // Hard assignments: the statistics tiles skip a quad whose 16 responsibilities in a block are all 0.
      for (let b = 0; b < np; b += 4) {
        const a = Aq + (<usize>b << 4);
        const any = v128.or(v128.or(v128.load(a), v128.load(a, 16)), v128.or(v128.load(a, 32), v128.load(a, 48)));
        store<u8>(ZB + <usize>(q * (np >> 2) + (b >> 2)), v128.any_true(any) ? 1 : 0);
      }
    }
    for (let b = 0; b < np; b += 4) {
      if (diag) {
        const mb = MC + <usize>(b >> 2) * dd * mcStride;
        for (let j = 0; j < d; j++) sqTileF32(FS, FQ, xb, AB, ZB, mb, quadBytes, d, b, j, nb, np);
      } else {
        let j = 0;
        for (; j + 2 <= d; j += 2) sTileF32(FS, xb, AB, ZB, quadBytes, d, b, j, nb, np, 2);
        if (j < d) sTileF32(FS, xb, AB, ZB, quadBytes, d, b, j, nb, np, 1);
      }
    }
    if (unit) { e0 = f64x2.add(e0, exponentOf(p0)); p0 = mantissaOf(p0); e1 = f64x2.add(e1, exponentOf(p1)); p1 = mantissaOf(p1); }
    for (let i = 0; i < np; i++) {
      flushInto(FR + (<usize>i << 5), v128.load(R32 + (<usize>i << 4)));
      if (!diag) flushInto(FQ + (<usize>i << 5), v128.load(Q32 + (<usize>i << 4)));
    }
  }
  // Output in the direct form's layout: R, S' = Σ r (x − μ), Q.
  const Sout = out + (<usize>n << 3);
  const Qout = Sout + (<usize>(n * d) << 3);
  for (let i = 0; i < n; i++) {
    const r = sum4(FR + (<usize>i << 5));
    store<f64>(out + (<usize>i << 3), r);
    if (!diag) store<f64>(Qout + (<usize>i << 3), sum4(FQ + (<usize>i << 5)));
    for (let j = 0; j < d; j++) {
      const k = <usize>(i * d + j);
      const sc = sum4(FS + (k << 5));
      store<f64>(Sout + (k << 3), diag ? sc : sc - <f64>load<f32>(means + (k << 2)) * r);
      if (diag) store<f64>(Qout + (k << 3), sum4(FQ + (k << 5)));
    }
  }
  return finishLogLik(ll0, ll1, p0, p1, e0, e1, unit);
}

// Σ c·ℓ of a quad, ℓ = max + log Σ, in float64 for lanes 0–1 (`half` 0) and 2–3 (`half` 1); s ≥ 1 (the
// maximum's own term is exactly 1). Unit weights (c ∈ {0, 1}): as in pass.ts, Σ c·log Σ is the log of a
// running product of max(c·s, 1), so ll gets c·max only and one log is taken at the end. The product is
// renormalised (mantissa in [1, 2) plus an exponent sum) once per block: ≤ 32 factors each ≤ n < 2³¹ stay
// below 2⁹⁹³, finite.

/** Lanes 0–1 (`half` 0) or 2–3 (`half` 1) of an f32x4 as f64x2. */
/** Lanes 0–1 (`half` 0) or 2–3 (`half` 1) of an f32x4 as f64x2. */
// @ts-ignore: decorator
@inline
export function promoteHalf(v: v128, half: i32): v128 {
  return f64x2.promote_low_f32x4(half ? v128.shuffle<f32>(v, v, 2, 3, 2, 3) : v);
}

/** ll + c·(max + log Σexp) for half `half` of a quad (`unit`: the running product takes the log instead). */
// @ts-ignore: decorator
@inline
export function logLikStep(ll: v128, cv: v128, mx: v128, s: v128, half: i32, unit: i32): v128 {
  const m = promoteHalf(mx, half);
  return f64x2.add(ll, f64x2.mul(promoteHalf(cv, half), unit ? m : f64x2.add(m, logv(promoteHalf(s, half)))));
}

// @ts-ignore: decorator
@inline
function prodStep(prod: v128, cv: v128, s: v128, half: i32): v128 {
  return f64x2.mul(prod, f64x2.pmax(f64x2.mul(promoteHalf(s, half), promoteHalf(cv, half)), fk(K_ONE)));
}

// @ts-ignore: decorator
@inline
function finishLogLik(ll0: v128, ll1: v128, p0: v128, p1: v128, e0: v128, e1: v128, unit: i32): f64 {
  let ll = f64x2.add(ll0, ll1);
  if (unit) ll = f64x2.add(ll, f64x2.add(f64x2.add(logv(p0), logv(p1)), f64x2.mul(f64x2.add(e0, e1), f64x2.splat(LN2))));
  return f64x2.extract_lane(ll, 0) + f64x2.extract_lane(ll, 1);
}

/** The four lanes of the float64 accumulator pair at f, summed. */
// @ts-ignore: decorator
@inline
function sum4(f: usize): f64 {
  const v = f64x2.add(v128.load(f), v128.load(f, 16));
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * One distance tile: `quads` (1 or 2, a literal) quads from quad q of the block × the 4 components of block b.
 * Writes the scores a = log-normaliser − ½D and (spherical) the distances D into AB/DB.
 */
// @ts-ignore: decorator
@inline
function distanceTileF32(
  xb: usize, q: i32, quadBytes: usize, mb: usize, d: i32, b: i32, np: i32,
  PR: usize, LN: usize, AB: usize, DB: usize, quads: i32, diag: i32,
): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0);
  let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0), a13 = f32x4.splat(0);
  const xq = xb + <usize>q * quadBytes;
  for (let j = 0; j < d; j++) {
    const jv = <usize>j << 4;
    const x0 = v128.load(xq + jv);
    const x1 = quads == 2 ? v128.load(xq + quadBytes + jv) : x0;
    if (diag) {
      const m = mb + (<usize>j << 5);
      a00 = diagTermF32(x0, m, 0, a00); a01 = diagTermF32(x0, m, 4, a01); a02 = diagTermF32(x0, m, 8, a02); a03 = diagTermF32(x0, m, 12, a03);
      if (quads == 2) {
        a10 = diagTermF32(x1, m, 0, a10); a11 = diagTermF32(x1, m, 4, a11); a12 = diagTermF32(x1, m, 8, a12); a13 = diagTermF32(x1, m, 12, a13);
      }
    } else {
      const m = mb + (<usize>j << 4);
      const m0 = v128.load32_splat(m), m1 = v128.load32_splat(m, 4), m2 = v128.load32_splat(m, 8), m3 = v128.load32_splat(m, 12);
      a00 = sqTerm(x0, m0, a00); a01 = sqTerm(x0, m1, a01); a02 = sqTerm(x0, m2, a02); a03 = sqTerm(x0, m3, a03);
      if (quads == 2) {
        a10 = sqTerm(x1, m0, a10); a11 = sqTerm(x1, m1, a11); a12 = sqTerm(x1, m2, a12); a13 = sqTerm(x1, m3, a13);
      }
    }
  }
  const at = AB + (<usize>(q * np + b) << 4);
  const dt = DB + (<usize>(q * np + b) << 4);
  storeScoresF32(at, dt, a00, a01, a02, a03, b, PR, LN, diag);
  if (quads == 2) storeScoresF32(at + (<usize>np << 4), dt + (<usize>np << 4), a10, a11, a12, a13, b, PR, LN, diag);
}

/** acc + (x − m)² (f32x4). */
// @ts-ignore: decorator
@inline
function sqTerm(x: v128, m: v128, acc: v128): v128 {
  const t = f32x4.sub(x, m);
  return madd4(t, t, acc);
}

/** acc + σ⁻²(x − μ)² for the component in lane `o` (bytes) of the diagonal tile weights at m. */
// @ts-ignore: decorator
@inline
function diagTermF32(x: v128, m: usize, o: usize, acc: v128): v128 {
  const t = f32x4.sub(x, v128.load32_splat(m + o));
  return madd4(f32x4.mul(t, t), v128.load32_splat(m + o + 16), acc);
}

// @ts-ignore: decorator
@inline
function storeScoresF32(at: usize, dt: usize, d0: v128, d1: v128, d2: v128, d3: v128, b: i32, PR: usize, LN: usize, diag: i32): void {
  const o = <usize>b << 2;
  storeScoreF32(at, dt, d0, PR + o, LN + o, diag);
  storeScoreF32(at + 16, dt + 16, d1, PR + o + 4, LN + o + 4, diag);
  storeScoreF32(at + 32, dt + 32, d2, PR + o + 8, LN + o + 8, diag);
  storeScoreF32(at + 48, dt + 48, d3, PR + o + 12, LN + o + 12, diag);
}

// @ts-ignore: decorator
@inline
function storeScoreF32(at: usize, dt: usize, acc: v128, pr: usize, ln: usize, diag: i32): void {
  const dist = diag ? acc : f32x4.mul(acc, v128.load32_splat(pr));
  if (!diag) v128.store(dt, dist);
  v128.store(at, f32x4.sub(v128.load32_splat(ln), f32x4.mul(gk(6), dist)));
}

/**
 * Spherical S'' = Σ r·x (centred data) for components b..b+3 and dimensions j.. (`dims` = 1 or 2, a literal)
 * over the block's nb quads, added into the float64 sums at FS.
 */
// @ts-ignore: decorator
@inline
function sTileF32(FS: usize, xb: usize, AB: usize, ZB: usize, quadBytes: usize, d: i32, b: i32, j: i32, nb: i32, np: i32, dims: i32): void {
  let c00 = f32x4.splat(0), c10 = f32x4.splat(0), c20 = f32x4.splat(0), c30 = f32x4.splat(0);
  let c01 = f32x4.splat(0), c11 = f32x4.splat(0), c21 = f32x4.splat(0), c31 = f32x4.splat(0);
  let xp = xb + (<usize>j << 4);
  let rp = AB + (<usize>b << 4);
  const rStep = <usize>np << 4;
  let zp = ZB + <usize>(b >> 2);
  const zStep = <usize>(np >> 2);
  for (let q = 0; q < nb; q++, xp += quadBytes, rp += rStep, zp += zStep) {
    if (load<u8>(zp) == 0) continue;
    const r0 = v128.load(rp), r1 = v128.load(rp, 16), r2 = v128.load(rp, 32), r3 = v128.load(rp, 48);
    const x0 = v128.load(xp);
    c00 = madd4(r0, x0, c00); c10 = madd4(r1, x0, c10); c20 = madd4(r2, x0, c20); c30 = madd4(r3, x0, c30);
    if (dims == 2) {
      const x1 = v128.load(xp, 16);
      c01 = madd4(r0, x1, c01); c11 = madd4(r1, x1, c11); c21 = madd4(r2, x1, c21); c31 = madd4(r3, x1, c31);
    }
  }
  const dd = <usize>d;
  const f0 = FS + ((<usize>b * dd + <usize>j) << 5);
  const step = dd << 5;
  flushInto(f0, c00); flushInto(f0 + step, c10); flushInto(f0 + 2 * step, c20); flushInto(f0 + 3 * step, c30);
  if (dims == 2) { flushInto(f0 + 32, c01); flushInto(f0 + step + 32, c11); flushInto(f0 + 2 * step + 32, c21); flushInto(f0 + 3 * step + 32, c31); }
}

/**
 * Diagonal statistics tile: for components b..b+3 and dimension j, u = r·(x − μ) into S' and u·(x − μ) into
 * Q' over the block's nb quads, added into the float64 sums at FS and FQ.
 */
// @ts-ignore: decorator
@inline
function sqTileF32(FS: usize, FQ: usize, xb: usize, AB: usize, ZB: usize, mb: usize, quadBytes: usize, d: i32, b: i32, j: i32, nb: i32, np: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let e0 = f32x4.splat(0), e1 = f32x4.splat(0), e2 = f32x4.splat(0), e3 = f32x4.splat(0);
  const m = mb + (<usize>j << 5);
  const m0 = v128.load32_splat(m), m1 = v128.load32_splat(m, 4), m2 = v128.load32_splat(m, 8), m3 = v128.load32_splat(m, 12);
  let xp = xb + (<usize>j << 4);
  let rp = AB + (<usize>b << 4);
  const rStep = <usize>np << 4;
  let zp = ZB + <usize>(b >> 2);
  const zStep = <usize>(np >> 2);
  for (let q = 0; q < nb; q++, xp += quadBytes, rp += rStep, zp += zStep) {
    if (load<u8>(zp) == 0) continue;
    const x = v128.load(xp);
    let t = f32x4.sub(x, m0);
    let u = f32x4.mul(v128.load(rp), t);
    c0 = f32x4.add(c0, u); e0 = madd4(u, t, e0);
    t = f32x4.sub(x, m1);
    u = f32x4.mul(v128.load(rp, 16), t);
    c1 = f32x4.add(c1, u); e1 = madd4(u, t, e1);
    t = f32x4.sub(x, m2);
    u = f32x4.mul(v128.load(rp, 32), t);
    c2 = f32x4.add(c2, u); e2 = madd4(u, t, e2);
    t = f32x4.sub(x, m3);
    u = f32x4.mul(v128.load(rp, 48), t);
    c3 = f32x4.add(c3, u); e3 = madd4(u, t, e3);
  }
  const dd = <usize>d;
  const o = (<usize>b * dd + <usize>j) << 5;
  const step = dd << 5;
  flushInto(FS + o, c0); flushInto(FS + o + step, c1); flushInto(FS + o + 2 * step, c2); flushInto(FS + o + 3 * step, c3);
  flushInto(FQ + o, e0); flushInto(FQ + o + step, e1); flushInto(FQ + o + 2 * step, e2); flushInto(FQ + o + 3 * step, e3);
}

// The scalar build's twin: the same f32 distances and scores per point, exp by Mathf, statistics summed
// straight into float64 (no f32 blocks: nothing to vectorise).
function passF32Scalar(
  x: usize, c: usize, quadStart: i32, quadEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, out: usize,
): f64 {
  const qLen = diag ? n * d : n;
  const R = out;
  const S = R + (<usize>n << 3);
  const Q = S + (<usize>(n * d) << 3);
  memory.fill(out, 0, <usize>(n + n * d + qLen) << 3);
  const quadBytes = <usize>d << 4;
  let ll = 0.0;
  // The scalar twin takes no scratch: each point's scores are recomputed per sweep (max, Σ exp, statistics),
  // which triples its distance work but keeps the ABI of both builds identical.
  for (let q = quadStart; q < quadEnd; q++) {
    const xp = x + <usize>q * quadBytes;
    for (let lane: usize = 0; lane < 4; lane++) {
      const ck = <f64>load<f32>(c + (<usize>q << 4) + (lane << 2));
      let mx: f32 = -Infinity;
      for (let i = 0; i < n; i++) {
        const a = scoreF32(xp, lane, i, d, means, logNorm, prec, diag);
        if (a > mx) mx = a;
      }
      let s: f32 = 0;
      for (let i = 0; i < n; i++) s += Mathf.exp(scoreF32(xp, lane, i, d, means, logNorm, prec, diag) - mx);
      ll += ck * (<f64>mx + Math.log(<f64>s));
      const inv = <f32>ck / s;
      for (let i = 0; i < n; i++) {
        const a = scoreF32(xp, lane, i, d, means, logNorm, prec, diag);
        const cr = Mathf.exp(a - mx) * inv;
        store<f64>(R + (<usize>i << 3), load<f64>(R + (<usize>i << 3)) + <f64>cr);
        let qi: f32 = 0;
        for (let j = 0; j < d; j++) {
          const k = <usize>(i * d + j);
          const t = load<f32>(xp + (<usize>j << 4) + (lane << 2)) - load<f32>(means + (k << 2));
          store<f64>(S + (k << 3), load<f64>(S + (k << 3)) + <f64>(cr * t));
          if (diag) store<f64>(Q + (k << 3), load<f64>(Q + (k << 3)) + <f64>(cr * t * t));
          else qi += t * t;
        }
        if (!diag) store<f64>(Q + (<usize>i << 3), load<f64>(Q + (<usize>i << 3)) + <f64>(cr * qi * load<f32>(prec + (<usize>(i * d) << 2))));
      }
    }
  }
  return ll;
}

// @ts-ignore: decorator
@inline
function scoreF32(xp: usize, lane: usize, i: i32, d: i32, means: usize, logNorm: usize, prec: usize, diag: i32): f32 {
  let q: f32 = 0;
  for (let j = 0; j < d; j++) {
    const k = <usize>(i * d + j);
    const t = load<f32>(xp + (<usize>j << 4) + (lane << 2)) - load<f32>(means + (k << 2));
    q += diag ? t * t * load<f32>(prec + (k << 2)) : t * t;
  }
  if (!diag) q *= load<f32>(prec + (<usize>(i * d) << 2));
  return load<f32>(logNorm + (<usize>i << 2)) - 0.5 * q;
}

/** Test hook: y[k] = exp(x[k]) in f32 for x[k] ≤ 0, k < count (four at a time with the SIMD build). */
export function expF32Array(x: usize, y: usize, count: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 4 <= count; k += 4) v128.store(y + (<usize>k << 2), expf4NonPos(v128.load(x + (<usize>k << 2))));
  }
  for (; k < count; k++) store<f32>(y + (<usize>k << 2), Mathf.exp(load<f32>(x + (<usize>k << 2))));
}
