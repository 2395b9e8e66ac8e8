import { describe, expect, it } from 'vitest';
import { Rng } from '../src/model/rng.js';
import { loadKernels } from '../src/runtime/kernels.js';

/** The JS reference of the pair layout and the GEMM centring (the bridge's loops before assembly/pack.ts). */
function reference(X: Float64Array, rows: number, d: number) {
  const pairs = (rows + 1) >> 1;
  const packed = new Float64Array(pairs * 2 * d);
  for (let p = 0; p < pairs; p++) {
    const a = 2 * p * d, b = Math.min(2 * p + 1, rows - 1) * d;
    for (let j = 0; j < d; j++) { packed[p * 2 * d + 2 * j] = X[a + j]; packed[p * 2 * d + 2 * j + 1] = X[b + j]; }
  }
  const shift = new Float64Array(d + 1);
  for (let k = 0; k < rows; k++) for (let j = 0; j < d; j++) shift[j] += X[k * d + j];
  for (let j = 0; j < d; j++) shift[j] /= rows;
  const norms = new Float64Array(pairs * 2);
  let most = 0;
  for (let k = 0; k < rows; k++) {
    let t = 0;
    for (let j = 0; j < d; j++) { const u = X[k * d + j] - shift[j]; t += u * u; }
    norms[k] = t;
    most = Math.max(most, t);
  }
  if (rows % 2 === 1) norms[rows] = norms[rows - 1];
  shift[d] = most;
  return { packed, shift, norms };
}

describe('packPairs and centrePairs (assembly/pack.ts)', () => {
  for (const kernel of ['simd', 'scalar'] as const) {
    it(`${kernel}: bit-identical to the JS reference for odd and even rows, odd and even d`, async () => {
      const k = (await loadKernels({ kernel })).instantiateRaw!();
      const rng = new Rng(31);
      for (const [rows, d] of [[1, 1], [2, 3], [7, 2], [8, 5], [101, 10], [64, 1], [33, 17]]) {
        const X = new Float64Array(rows * d).map(() => 100 * rng.normal() + 3);
        const pairs = (rows + 1) >> 1;
        const src = k.alloc(rows * d * 8), dst = k.alloc(pairs * 2 * d * 8);
        const shift = k.alloc((d + 2) * 8), norms = k.alloc(pairs * 2 * 8);
        new Float64Array(k.memory.buffer).set(X, src >> 3);
        k.packPairs(src, rows, d, dst);
        k.centrePairs(dst, rows, d, shift, norms);
        const h = new Float64Array(k.memory.buffer);
        const ref = reference(X, rows, d);
        expect(Array.from(h.subarray(dst >> 3, (dst >> 3) + ref.packed.length))).toEqual(Array.from(ref.packed));
        expect(Array.from(h.subarray(shift >> 3, (shift >> 3) + d + 1))).toEqual(Array.from(ref.shift));
        expect(Array.from(h.subarray(norms >> 3, (norms >> 3) + pairs * 2))).toEqual(Array.from(ref.norms));
        k.resetArena();
      }
    });
  }
});

/** The JS reference of the float32 layout (the bridge's loop before packQuadsF32): X − center as f32 quads. */
function referenceQuads(X: Float64Array, rows: number, d: number, center: Float64Array): Float32Array {
  const quads = (rows + 3) >> 2, out = new Float32Array(quads * 4 * d);
  for (let q = 0; q < quads; q++) {
    for (let lane = 0; lane < 4; lane++) {
      const r = Math.min(4 * q + lane, rows - 1);
      for (let j = 0; j < d; j++) out[q * 4 * d + 4 * j + lane] = X[r * d + j] - center[j];
    }
  }
  return out;
}

describe('packQuadsF32 (assembly/pack.ts)', () => {
  for (const kernel of ['simd', 'scalar'] as const) {
    it(`${kernel}: bit-identical to the JS reference (rounding to nearest) for rows not a multiple of 4 and any d`, async () => {
      const k = (await loadKernels({ kernel })).instantiateRaw!();
      const rng = new Rng(32);
      for (const [rows, d] of [[1, 1], [3, 2], [4, 3], [7, 5], [101, 10], [64, 1], [33, 17]]) {
        // Values whose f32 rounding is not a truncation, around an offset the centre removes.
        const X = new Float64Array(rows * d).map(() => 1e3 + 7 * rng.normal() + 1e-9 * rng.uniform());
        const center = new Float64Array(d).map(() => 1e3 + rng.normal());
        const quads = (rows + 3) >> 2;
        const src = k.alloc(rows * d * 8), c = k.alloc(d * 8), dst = k.alloc(quads * 4 * d * 4);
        new Float64Array(k.memory.buffer).set(X, src >> 3);
        new Float64Array(k.memory.buffer).set(center, c >> 3);
        k.packQuadsF32(src, rows, d, c, dst);
        const got = new Float32Array(k.memory.buffer, dst, quads * 4 * d);
        expect(Array.from(got)).toEqual(Array.from(referenceQuads(X, rows, d, center)));
        k.resetArena();
      }
    });
  }
});
