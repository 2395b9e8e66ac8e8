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

import { logv } from './exp';

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
  return <usize>(2 * n + 1 + acc + 2 * acc) << 4;
}

/**
 * Runs the float32 pass over quads [quadStart, quadEnd) and returns Σ c·ℓ' (ℓ' with the bridge's logNorm
 * shift); the float64 statistics go to `out` as described in the header.
 */
export function passF32(
  x: usize, c: usize, quadStart: i32, quadEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, prec: usize, diag: i32, out: usize, scratch: usize,
): f64 {
  if (ASC_FEATURE_SIMD) {
    // d and diag as literals where the dimension loop dominates (small d), as in pass.ts.
    if (diag) {
      if (d == 1) return passF32Simd(x, c, quadStart, quadEnd, 1, n, means, logNorm, prec, 1, out, scratch);
      if (d == 2) return passF32Simd(x, c, quadStart, quadEnd, 2, n, means, logNorm, prec, 1, out, scratch);
      return passF32Simd(x, c, quadStart, quadEnd, d, n, means, logNorm, prec, 1, out, scratch);
    }
    if (d == 1) return passF32Simd(x, c, quadStart, quadEnd, 1, n, means, logNorm, prec, 0, out, scratch);
    if (d == 2) return passF32Simd(x, c, quadStart, quadEnd, 2, n, means, logNorm, prec, 0, out, scratch);
    return passF32Simd(x, c, quadStart, quadEnd, d, n, means, logNorm, prec, 0, out, scratch);
  }
  return passF32Scalar(x, c, quadStart, quadEnd, d, n, means, logNorm, prec, diag, out);
}

// @ts-ignore: decorator
@inline
function distF32(xp: usize, mu: usize, pr: usize, d: i32, diag: i32): v128 {
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
  means: usize, logNorm: usize, prec: usize, diag: i32, out: usize, scratch: usize,
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
  let ll0 = f64x2.splat(0.0);
  let ll1 = f64x2.splat(0.0);
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
      // ℓ = max + log Σ in float64 (s ≥ 1: the maximum's own term is exactly 1).
      const sHi = v128.shuffle<f32>(s, s, 2, 3, 2, 3);
      const mHi = v128.shuffle<f32>(mx, mx, 2, 3, 2, 3);
      const cHi = v128.shuffle<f32>(cv, cv, 2, 3, 2, 3);
      ll0 = f64x2.add(ll0, f64x2.mul(f64x2.promote_low_f32x4(cv),
        f64x2.add(f64x2.promote_low_f32x4(mx), logv(f64x2.promote_low_f32x4(s)))));
      ll1 = f64x2.add(ll1, f64x2.mul(f64x2.promote_low_f32x4(cHi),
        f64x2.add(f64x2.promote_low_f32x4(mHi), logv(f64x2.promote_low_f32x4(sHi)))));
      const inv = f32x4.div(cv, s);
      for (let i = 0; i < n; i++) {
        const ii = <usize>i;
        const cr = f32x4.mul(v128.load(A + (ii << 4)), inv);
        v128.store(R32 + (ii << 4), f32x4.add(v128.load(R32 + (ii << 4)), cr));
        // All four responsibilities underflowed to 0: the S and Q updates would add +0.
        if (!v128.any_true(cr)) continue;
        const mu = means + ii * rowBytes;
        const Si = S32 + ii * quadBytes;
        if (!diag) v128.store(Q32 + (ii << 4), f32x4.add(v128.load(Q32 + (ii << 4)), f32x4.mul(cr, v128.load(D + (ii << 4)))));
        const Qi = Q32 + ii * quadBytes;
        let j = 0;
        for (; j + 2 <= d; j += 2) {
          const jv = <usize>j << 4;
          const t0 = f32x4.sub(v128.load(xp + jv), v128.load32_splat(mu + (<usize>j << 2)));
          const t1 = f32x4.sub(v128.load(xp + jv, 16), v128.load32_splat(mu + (<usize>j << 2), 4));
          const u0 = f32x4.mul(cr, t0);
          const u1 = f32x4.mul(cr, t1);
          v128.store(Si + jv, f32x4.add(v128.load(Si + jv), u0));
          v128.store(Si + jv, f32x4.add(v128.load(Si + jv, 16), u1), 16);
          if (diag) {
            v128.store(Qi + jv, f32x4.add(v128.load(Qi + jv), f32x4.mul(u0, t0)));
            v128.store(Qi + jv, f32x4.add(v128.load(Qi + jv, 16), f32x4.mul(u1, t1)), 16);
          }
        }
        if (j < d) {
          const jv = <usize>j << 4;
          const t = f32x4.sub(v128.load(xp + jv), v128.load32_splat(mu + (<usize>j << 2)));
          const u = f32x4.mul(cr, t);
          v128.store(Si + jv, f32x4.add(v128.load(Si + jv), u));
          if (diag) v128.store(Qi + jv, f32x4.add(v128.load(Qi + jv), f32x4.mul(u, t)));
        }
      }
    }
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
  const ll = f64x2.add(ll0, ll1);
  return f64x2.extract_lane(ll, 0) + f64x2.extract_lane(ll, 1);
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
