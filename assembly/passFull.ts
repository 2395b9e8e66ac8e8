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
// scatter update) + 6d (difference, squares, cr·t, S) + 15 (log-sum-exp, exp, R).

import { expvNonPos, exps, logv, logs, fk, K_HALF } from './exp';

/** Bytes of scratch the full/tied pass and scoring need for n components in d dimensions. */
export function passFullScratchBytes(n: i32, d: i32, tied: i32): usize {
  const tri = (d * (d + 1)) >> 1;
  const m = tied ? tri : n * tri;
  // A (n + 1), T (n·d), u (d), R (n), S (n·d), M: one 16-byte vector each (the scalar build uses less).
  return <usize>(n + 1 + n * d + d + n + n * d + m) << 4;
}

/** Runs the full (tied = 0) or tied (tied = 1) pass over pairs [pairStart, pairEnd); returns Σ c·ℓ. */
export function passFull(
  x: usize, c: usize, pairStart: i32, pairEnd: i32, d: i32, n: i32,
  means: usize, logNorm: usize, chol: usize, tied: i32, out: usize, scratch: usize,
): f64 {
  if (ASC_FEATURE_SIMD) {
    // d as a literal for the smallest dimensions: the optimizer then unrolls the triangular loops, which
    // dominate the per-component overhead there.
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
  let s = 0.0;
  for (let i = 0; i < n; i++) {
    const e = exps(load<f64>(A + (<usize>i << 3)) - mx);
    store<f64>(A + (<usize>i << 3), e);
    s += e;
  }
  store<f64>(A + (<usize>n << 3), s);
  return mx + logs(s);
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
      if (resp != 0) {
        const inv = f64x2.div(f64x2.splat(1.0), s);
        const r0 = resp + (<usize>(2 * p * n) << 3);
        const r1 = r0 + (<usize>n << 3);
        for (let i = 0; i < n; i++) {
          const r = f64x2.mul(v128.load(A + (<usize>i << 4)), inv);
          store<f64>(r0 + (<usize>i << 3), f64x2.extract_lane(r, 0));
          store<f64>(r1 + (<usize>i << 3), f64x2.extract_lane(r, 1));
        }
      }
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
