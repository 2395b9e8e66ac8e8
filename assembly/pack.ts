// The data layout step of the fused pass (assembly/pass.ts): rows → interleaved row pairs, and the GEMM
// form's centring. Pure data movement and the same sums, in the same order, as the bridge's former JS loops,
// so packed data and centres are bit-identical to them; here they run at memory speed instead of costing
// as much as a pass (a streamed pass packs every chunk it reads).
import { usesGemm } from './pass';

/** Whether a pass of this shape may run the GEMM form, so the data need {@link centrePairs} first. */
export function needsCentring(n: i32, d: i32, diag: i32): bool {
  return usesGemm(n, d, diag);
}

/**
 * Packs `rows` rows of `d` f64 at `src` (row-major) as ⌈rows/2⌉ interleaved pairs at `dst`: pair p holds
 * x[2p][j], x[2p+1][j] at dst + (2pd + 2j)·8 and + 8; an odd last row is paired with a copy of itself.
 */
export function packPairs(src: usize, rows: i32, d: i32, dst: usize): void {
  const pairs = (rows + 1) >> 1;
  const rowBytes = <usize>d << 3;
  for (let p = 0; p < pairs; p++) {
    const a = src + <usize>(2 * p) * rowBytes;
    const b = 2 * p + 1 < rows ? a + rowBytes : a;
    const o = dst + <usize>p * 2 * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 1 < d; j += 2) {
        const off = <usize>j << 3;
        const va = v128.load(a + off), vb = v128.load(b + off);
        v128.store(o + (off << 1), v128.shuffle<i64>(va, vb, 0, 2));
        v128.store(o + (off << 1), v128.shuffle<i64>(va, vb, 1, 3), 16);
      }
    }
    for (; j < d; j++) {
      const off = <usize>j << 3;
      store<f64>(o + (off << 1), load<f64>(a + off));
      store<f64>(o + (off << 1), load<f64>(b + off), 8);
    }
  }
}

/**
 * The centring of the GEMM form over packed pairs at `x` (`rows` real rows, d columns): the column means s
 * at shift[0…d) (each column summed row after row), max_k ‖x_k − s‖² at shift[d], and ‖x_k − s‖² at
 * norms[k] for every padded row (the odd last row's copy repeats its norm). The SIMD build keeps those
 * orders: two columns per lane pair for the sums, the two rows of a pair per lane pair for the norms.
 * `shift` needs room for d + 2 values (16-byte aligned).
 */
export function centrePairs(x: usize, rows: i32, d: i32, shift: usize, norms: usize): void {
  const full = rows >> 1, pairBytes = <usize>d << 4;
  for (let j = 0; j <= d; j++) store<f64>(shift + (<usize>j << 3), 0.0);
  // Pairs in the outer loop (one sweep over the data); each column still sums its rows in order.
  const j0 = ASC_FEATURE_SIMD ? d & ~1 : 0;
  for (let p = 0; p < full; p++) {
    const row = x + <usize>p * pairBytes;
    if (ASC_FEATURE_SIMD) {
      for (let j = 0; j < j0; j += 2) {
        const o = row + (<usize>j << 4), s = shift + (<usize>j << 3);
        const v0 = v128.load(o), v1 = v128.load(o, 16); // (a_j, b_j), (a_j+1, b_j+1)
        const acc = f64x2.add(v128.load(s), v128.shuffle<i64>(v0, v1, 0, 2));
        v128.store(s, f64x2.add(acc, v128.shuffle<i64>(v0, v1, 1, 3)));
      }
    }
    for (let j = j0; j < d; j++) {
      const o = row + (<usize>j << 4), s = shift + (<usize>j << 3);
      store<f64>(s, load<f64>(s) + load<f64>(o) + load<f64>(o, 8));
    }
  }
  if (rows & 1) {
    const o = x + <usize>full * pairBytes;
    for (let j = 0; j < d; j++) {
      const s = shift + (<usize>j << 3);
      store<f64>(s, load<f64>(s) + load<f64>(o + (<usize>j << 4)));
    }
  }
  for (let j = 0; j < d; j++) {
    const s = shift + (<usize>j << 3);
    store<f64>(s, load<f64>(s) / <f64>rows);
  }
  const pairs = (rows + 1) >> 1;
  let most = 0.0;
  for (let p = 0; p < pairs; p++) {
    const o = x + <usize>p * pairBytes;
    let ta = 0.0, tb = 0.0;
    if (ASC_FEATURE_SIMD) {
      let t = f64x2.splat(0.0);
      for (let j = 0; j < d; j++) {
        const u = f64x2.sub(v128.load(o + (<usize>j << 4)), v128.load64_splat(shift + (<usize>j << 3)));
        t = f64x2.add(t, f64x2.mul(u, u));
      }
      ta = f64x2.extract_lane(t, 0);
      tb = f64x2.extract_lane(t, 1);
    } else {
      for (let j = 0; j < d; j++) {
        const ua = load<f64>(o + (<usize>j << 4)) - load<f64>(shift + (<usize>j << 3));
        const ub = load<f64>(o + (<usize>j << 4), 8) - load<f64>(shift + (<usize>j << 3));
        ta += ua * ua;
        tb += ub * ub;
      }
    }
    store<f64>(norms + (<usize>(2 * p) << 3), ta);
    store<f64>(norms + (<usize>(2 * p + 1) << 3), tb);
    most = Math.max(most, ta);
    if (2 * p + 1 < rows) most = Math.max(most, tb);
  }
  store<f64>(shift + (<usize>d << 3), most);
}

/**
 * The float32 layout (assembly/passF32.ts): `rows` rows of `d` f64 at `src` (row-major), minus `center` (d f64)
 * and rounded to f32 (round to nearest, as a JS Float32Array store), as ⌈rows/4⌉ quads at `dst`: quad q holds
 * x[4q + lane][j] − center[j] at dst + (4qd + 4j + lane)·4; the last quad is filled with copies of the last row.
 */
export function packQuadsF32(src: usize, rows: i32, d: i32, center: usize, dst: usize): void {
  const quads = (rows + 3) >> 2;
  const rowBytes = <usize>d << 3;
  for (let q = 0; q < quads; q++) {
    const o = dst + <usize>q * (<usize>d << 4);
    for (let lane = 0; lane < 4; lane++) {
      const r = min(4 * q + lane, rows - 1);
      const a = src + <usize>r * rowBytes;
      for (let j = 0; j < d; j++) {
        const v = load<f64>(a + (<usize>j << 3)) - load<f64>(center + (<usize>j << 3));
        store<f32>(o + (<usize>j << 4) + (<usize>lane << 2), <f32>v);
      }
    }
  }
}
