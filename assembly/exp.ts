// Vector exp and log for the log-sum-exp of the fused pass, with a scalar twin of each that runs the same
// algorithm (so the scalar build differs from the SIMD build only in summation order).
//
// exp(x): Cody–Waite reduction x = k·ln2 + r, |r| ≤ ln2/2, k = round(x/ln2) by the 1.5·2^52 magic-number
// rounding; e^r by a degree-11 polynomial 1 + r + r²·q(r) evaluated with Estrin's scheme, q a Chebyshev
// (near-minimax) fit of (e^r − 1 − r)/r² made with mpmath at 40 digits (approximation error < 1.6e-17
// relative on |r| ≤ 0.347 with the coefficients rounded to double; degree-13 Taylor needs two more terms). The polynomial carries an extra factor 2 (every coefficient doubled,
// which is exact) and the result is scaled by 2^(k−1) built directly in the exponent bits, so k = 1024
// (x up to 709.78) does not overflow the scale. Error bound (tested against Math.exp over [−708, 709]):
// ≤ 2 ulp. Arguments below −708 return exactly 0 (the log-sum-exp only needs e^(a−max) ≤ 1, and
// subnormals would break the exponent-bit scaling); arguments above 709.78 return +Inf; NaN never appears
// for finite input.
//
// log(s) for s ≥ 1 (the log-sum-exp sum lies in [1, n]): s = 2^e·m with m in [√½, √2), f = m − 1 (exact),
// and fdlibm's arrangement log m = f − f²/2 + u(f²/2 + R), u = f/(2+f), R = 2u²/3 + 2u⁴/5 + … + 2u²⁶/27
// (Estrin in u², |u| ≤ 0.1716, remainder < 1e-19), which keeps the leading term f exact.
// Error ≤ 2 ulp for s in [1, 2^60].

const LOG2E: f64 = 1.4426950408889634;
const LN2HI: f64 = 6.93147180369123816490e-01; // 32 significant bits: k·LN2HI is exact for |k| < 2^21
const LN2LO: f64 = 1.90821492927058770002e-10;
const MAGIC: f64 = 6755399441055744.0; // 1.5·2^52
const EXP_LO: f64 = -708.0;
const EXP_HI: f64 = 709.782712893384;
const SQRT1_2: f64 = 0.7071067811865476;

// Twice the polynomial's coefficients, k = 0..11 (the factor 2 pairs with the 2^(k−1) scale; doubling
// is exact).
const C0: f64 = 2.0;
const C1: f64 = 2.0;
const C2: f64 = 2.0 * 0.5000000000000001;
const C3: f64 = 2.0 * 0.16666666666666669;
const C4: f64 = 2.0 * 0.041666666666624164;
const C5: f64 = 2.0 * 0.008333333333330065;
const C6: f64 = 2.0 * 0.0013888888917197209;
const C7: f64 = 2.0 * 0.00019841269863040922;
const C8: f64 = 2.0 * 2.4801521321606647e-05;
const C9: f64 = 2.0 * 2.7557268479724004e-06;
const C10: f64 = 2.0 * 2.7620076242527254e-07;
const C11: f64 = 2.0 * 2.510037611136142e-08;

// @ts-ignore: decorator
@inline
function expPoly(r: f64): f64 {
  // Estrin: pairs (1 + r), (C2 + C3 r), ... combined with r², r⁴, r⁸.
  const r2 = r * r;
  const r4 = r2 * r2;
  const r8 = r4 * r4;
  const p01 = C0 + C1 * r;
  const p23 = C2 + C3 * r;
  const p45 = C4 + C5 * r;
  const p67 = C6 + C7 * r;
  const p89 = C8 + C9 * r;
  const p1011 = C10 + C11 * r;
  const q0 = p01 + p23 * r2;
  const q1 = p45 + p67 * r2;
  const q2 = p89 + p1011 * r2;
  return (q0 + q1 * r4) + q2 * r8;
}

/** Scalar twin of {@link expv}: same reduction and polynomial. */
// @ts-ignore: decorator
@inline
export function exps(x: f64): f64 {
  if (x < EXP_LO) return 0.0;
  if (x > EXP_HI) return Infinity;
  const t = x * LOG2E + MAGIC;
  const kf = t - MAGIC;
  const r = (x - kf * LN2HI) - kf * LN2LO;
  const scale = reinterpret<f64>((reinterpret<i64>(t) + 1022) << 52);
  return expPoly(r) * scale;
}

/** Scalar twin of {@link logv} for s ≥ 1. */
// @ts-ignore: decorator
@inline
export function logs(s: f64): f64 {
  const bits = reinterpret<i64>(s);
  let e = <f64>((bits >>> 52) - 1023);
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > 2.0 * SQRT1_2) { m *= 0.5; e += 1.0; }
  const f = m - 1.0;
  const u = f / (2.0 + f);
  const z = u * u;
  const hfsq = 0.5 * f * f;
  const R = z * logPoly(z);
  return e * LN2HI - ((hfsq - (u * (hfsq + R) + e * LN2LO)) - f);
}

// 2/3 + 2z/5 + … + 2z¹¹/25 by Estrin in z.
// @ts-ignore: decorator
@inline
function logPoly(z: f64): f64 {
  const z2 = z * z;
  const z4 = z2 * z2;
  const z8 = z4 * z4;
  const a = (L1 + z * L3) + z2 * (L5 + z * L7);
  const b = (L9 + z * L11) + z2 * (L13 + z * L15);
  const c = (L17 + z * L19) + z2 * (L21 + z * L23);
  return a + z4 * b + z8 * (c + z4 * L25);
}

// 2/(2j+1), the atanh series coefficients in the fdlibm arrangement.
const L1: f64 = 2.0 / 3.0;
const L3: f64 = 2.0 / 5.0;
const L5: f64 = 2.0 / 7.0;
const L7: f64 = 2.0 / 9.0;
const L9: f64 = 2.0 / 11.0;
const L11: f64 = 2.0 / 13.0;
const L13: f64 = 2.0 / 15.0;
const L15: f64 = 2.0 / 17.0;
const L17: f64 = 2.0 / 19.0;
const L19: f64 = 2.0 / 21.0;
const L21: f64 = 2.0 / 23.0;
const L23: f64 = 2.0 / 25.0;
const L25: f64 = 2.0 / 27.0;

// V8 11 (Node 20) rebuilds every v128 constant inside loops (about three instructions each); loading the
// constants from a small 16-byte aligned table in memory is one instruction and measured faster. Each
// entry is stored twice (both lanes) so a plain v128.load yields the splatted vector.
// @ts-ignore: decorator
@lazy const FK: usize = memory.data<f64>([
  EXP_LO, EXP_LO,
  EXP_HI, EXP_HI,
  LOG2E, LOG2E,
  MAGIC, MAGIC,
  LN2HI, LN2HI,
  LN2LO, LN2LO,
  C0, C0,
  C1, C1,
  C2, C2,
  C3, C3,
  C4, C4,
  C5, C5,
  C6, C6,
  C7, C7,
  C8, C8,
  C9, C9,
  C10, C10,
  C11, C11,
  Infinity, Infinity,
  4503599627370496.0, 4503599627370496.0,
  1023.0, 1023.0,
  2.0 * SQRT1_2, 2.0 * SQRT1_2,
  0.5, 0.5,
  1.0, 1.0,
  2.0, 2.0,
  L1, L1,
  L3, L3,
  L5, L5,
  L7, L7,
  L9, L9,
  L11, L11,
  L13, L13,
  L15, L15,
  L17, L17,
  L19, L19,
  L21, L21,
  L23, L23,
  L25, L25,
  4503599627371519.0, 4503599627371519.0,
  1.7976931348623157e308, 1.7976931348623157e308,
], 16);
// @ts-ignore: decorator
@lazy const IK: usize = memory.data<i64>([
  1022, 1022,
  0x4330000000000000, 0x4330000000000000,
  0x000fffffffffffff, 0x000fffffffffffff,
  0x3ff0000000000000, 0x3ff0000000000000,
], 16);

/** The splatted f64 constant number `i` of the table above. */
// @ts-ignore: decorator
@inline
export function fk(i: i32): v128 {
  return v128.load(FK + (<usize>i << 4));
}

/** The splatted i64 constant number `i` of the table above. */
// @ts-ignore: decorator
@inline
export function ik(i: i32): v128 {
  return v128.load(IK + (<usize>i << 4));
}

/** f64x2 exp with the bound stated above. */
// @ts-ignore: decorator
@inline
export function expv(x: v128): v128 {
  // pmin/pmax are single instructions on x64, unlike min/max with their NaN rules; a NaN input still
  // comes out NaN.
  const hi = f64x2.gt(x, fk(1));
  return v128.bitselect(fk(18), expvNonPos(f64x2.pmin(x, fk(1))), hi);
}

/**
 * f64x2 exp for arguments ≤ 709.78 (the log-sum-exp only sees a − max ≤ 0): {@link expv} without the
 * overflow branch, same bound.
 */
// @ts-ignore: decorator
@inline
export function expvNonPos(x: v128): v128 {
  const lo = f64x2.lt(x, fk(0));
  const xc = f64x2.pmax(x, fk(0));
  const t = madd(xc, fk(2), fk(3));
  const kf = f64x2.sub(t, fk(3));
  const r = nmadd(kf, fk(5), nmadd(kf, fk(4), xc));
  const scale = i64x2.shl(i64x2.add(t, ik(0)), 52);
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const p01 = madd(fk(7), r, fk(6));
  const p23 = madd(fk(9), r, fk(8));
  const p45 = madd(fk(11), r, fk(10));
  const p67 = madd(fk(13), r, fk(12));
  const p89 = madd(fk(15), r, fk(14));
  const p1011 = madd(fk(17), r, fk(16));
  const q0 = madd(p23, r2, p01);
  const q1 = madd(p67, r2, p45);
  const q2 = madd(p1011, r2, p89);
  const lo4 = madd(q1, r4, q0);
  const y = f64x2.mul(madd(q2, r8, lo4), scale);
  return v128.andnot(y, lo);
}

/**
 * a·b + c: one fused instruction in the relaxed-SIMD (FMA) build, a multiply and an add otherwise. Relaxed
 * madd may round once or twice depending on the CPU, so the FMA build's results differ from the plain
 * build's in the last bits (the tests compare them with tolerances).
 */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/** f32x4 a·b + c, fused in the relaxed-SIMD build (see {@link madd}); the float32 pass's tiles use it. */
// @ts-ignore: decorator
@inline
export function madd4(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c − a·b, fused in the relaxed-SIMD build (see {@link madd}). */
// @ts-ignore: decorator
@inline
export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_nmadd(a, b, c);
  return f64x2.sub(c, f64x2.mul(a, b));
}

/** Lane 0 + lane 1 of an f64x2 (the passes' horizontal reductions, once per pass). */
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** f64x2 log for lanes ≥ 1 (bound above). */
// @ts-ignore: decorator
@inline
export function logv(s: v128): v128 {
  // Exponent as a double without an i64→f64 conversion: put the biased exponent in the low mantissa bits
  // of 2^52 and subtract 2^52.
  const eb = v128.or(i64x2.shr_u(s, 52), ik(1));
  let e = f64x2.sub(f64x2.sub(eb, fk(19)), fk(20));
  let m = v128.or(v128.and(s, ik(2)), ik(3));
  const big = f64x2.gt(m, fk(21));
  m = v128.bitselect(f64x2.mul(m, fk(22)), m, big);
  e = f64x2.add(e, v128.and(big, fk(23)));
  const f = f64x2.sub(m, fk(23));
  const u = f64x2.div(f, f64x2.add(fk(24), f));
  const z = f64x2.mul(u, u);
  const z2 = f64x2.mul(z, z);
  const z4 = f64x2.mul(z2, z2);
  const z8 = f64x2.mul(z4, z4);
  const a = f64x2.add(
    f64x2.add(fk(25), f64x2.mul(z, fk(26))),
    f64x2.mul(z2, f64x2.add(fk(27), f64x2.mul(z, fk(28)))));
  const b = f64x2.add(
    f64x2.add(fk(29), f64x2.mul(z, fk(30))),
    f64x2.mul(z2, f64x2.add(fk(31), f64x2.mul(z, fk(32)))));
  const c = f64x2.add(
    f64x2.add(fk(33), f64x2.mul(z, fk(34))),
    f64x2.mul(z2, f64x2.add(fk(35), f64x2.mul(z, fk(36)))));
  const p = f64x2.add(f64x2.add(a, f64x2.mul(z4, b)),
    f64x2.mul(z8, f64x2.add(c, f64x2.mul(z4, fk(37)))));
  const R = f64x2.mul(z, p);
  const hfsq = f64x2.mul(f64x2.mul(fk(22), f), f);
  const inner = f64x2.add(f64x2.mul(u, f64x2.add(hfsq, R)), f64x2.mul(e, fk(5)));
  return f64x2.sub(f64x2.mul(e, fk(4)), f64x2.sub(f64x2.sub(hfsq, inner), f));
}

/** Test hook: y[k] = exp(x[k]) for k < count, two at a time with the SIMD build. */
export function expArray(x: usize, y: usize, count: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 2 <= count; k += 2) v128.store(y + (<usize>k << 3), expv(v128.load(x + (<usize>k << 3))));
  }
  for (; k < count; k++) store<f64>(y + (<usize>k << 3), exps(load<f64>(x + (<usize>k << 3))));
}

/** Test hook: y[k] = log(x[k]) for x[k] ≥ 1. */
export function logArray(x: usize, y: usize, count: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 2 <= count; k += 2) v128.store(y + (<usize>k << 3), logv(v128.load(x + (<usize>k << 3))));
  }
  for (; k < count; k++) store<f64>(y + (<usize>k << 3), logs(load<f64>(x + (<usize>k << 3))));
}

// Table indices used by the pass.
export const K_HALF: i32 = 22;
export const K_ONE: i32 = 23;
/** 2^52 + 1023: subtracting it from (2^52 bits | biased exponent) gives the unbiased exponent. */
export const K_EXP_BIAS: i32 = 38;
/** The largest finite double. */
export const K_MAX_FINITE: i32 = 39;
/** In the i64 table: 0x4330000000000000 (the bits of 2^52) and the mantissa mask. */
export const IK_EXP_BITS: i32 = 1;
export const IK_MANT_MASK: i32 = 2;
export const LN2: f64 = 0.6931471805599453;
