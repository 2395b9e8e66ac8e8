// The raw exp/log kernels against Math.exp / Math.log, through the kernel ABI (pointers from the
// instance's own `alloc`), for both WASM builds. Distances are measured in ulps as the difference of the
// IEEE bit patterns, which is exact for same-sign finite doubles.
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/model/rng.js';
import { loadKernels } from '../src/runtime/kernels.js';
import { hasWasmRelaxedSimd } from '../src/runtime/probe.js';
import type { KernelExports } from '../src/kernel/workspace.js';

const bits = new BigInt64Array(2);
const asF = new Float64Array(bits.buffer);
function ulpDistance(a: number, b: number): number {
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b) || Math.sign(a) !== Math.sign(b)) return Infinity;
  asF[0] = a; asF[1] = b;
  const diff = bits[0] - bits[1];
  return Number(diff < 0n ? -diff : diff);
}

/** Runs `fn` ('expArray' | 'logArray') over xs inside a fresh raw instance. */
function runRaw(raw: KernelExports, fn: 'expArray' | 'logArray', xs: Float64Array): Float64Array {
  const xp = raw.alloc(xs.length * 8), yp = raw.alloc(xs.length * 8);
  expect(xp).toBeGreaterThan(0);
  expect(yp).toBeGreaterThan(0);
  new Float64Array(raw.memory.buffer, xp, xs.length).set(xs);
  raw[fn](xp, yp, xs.length);
  const out = new Float64Array(raw.memory.buffer, yp, xs.length).slice();
  raw.resetArena();
  return out;
}

function maxUlp(xs: Float64Array, ys: Float64Array, ref: (x: number) => number): { ulp: number; at: number } {
  let worst = 0, at = NaN;
  for (let k = 0; k < xs.length; k++) {
    const u = ulpDistance(ys[k], ref(xs[k]));
    if (u > worst) { worst = u; at = xs[k]; }
  }
  return { ulp: worst, at };
}

// The FMA build (its polynomial uses fused multiply-adds) wherever the runtime validates relaxed SIMD.
for (const variant of [...(hasWasmRelaxedSimd() ? ['relaxed'] as const : []), 'simd', 'scalar'] as const) {
  describe(`exp/log kernels (${variant})`, async () => {
    const kernels = await loadKernels({ kernel: variant });
    const raw = kernels.instantiateRaw!();

    it('exp is within 2 ulp of Math.exp on seeded random points over [−708, 709]', () => {
      const rng = new Rng(20260601);
      // An odd count exercises the SIMD body and the scalar tail; a third of the points sit in [−2, 2]
      // where the polynomial alone decides the result.
      const xs = new Float64Array(300_001);
      for (let k = 0; k < xs.length; k++)
        xs[k] = k % 3 === 0 ? -2 + 4 * rng.uniform() : -708 + 1417 * rng.uniform();
      const { ulp, at } = maxUlp(xs, runRaw(raw, 'expArray', xs), Math.exp);
      expect(ulp, `worst at x = ${at}`).toBeLessThanOrEqual(2);
    });

    it('exp handles the edges: 0, ±tiny, −708, 709, underflow to 0, overflow to +Inf', () => {
      const xs = new Float64Array([0, -0, 5e-324, -5e-324, 1e-300, -1e-300, 2 ** -53, -(2 ** -53), -708, 709,
        709.78, -708.0000001, -745, -1e5, -Number.MAX_VALUE, 709.79, 710, 1e5, Number.MAX_VALUE]);
      const ys = runRaw(raw, 'expArray', xs);
      for (let k = 0; k < 10; k++) expect(ulpDistance(ys[k], Math.exp(xs[k])), `x = ${xs[k]}`).toBeLessThanOrEqual(2);
      expect(ys[0]).toBe(1);
      expect(ulpDistance(ys[10], Math.exp(709.78))).toBeLessThanOrEqual(2);
      for (let k = 11; k < 15; k++) expect(ys[k], `x = ${xs[k]}`).toBe(0);
      for (let k = 15; k < 19; k++) expect(ys[k], `x = ${xs[k]}`).toBe(Infinity);
    });

    it('exp never returns NaN for a finite input (random bit patterns over the whole double range)', () => {
      const rng = new Rng(7);
      const u32 = new Uint32Array(2 * 100_001);
      for (let k = 0; k < u32.length; k++) u32[k] = rng.nextUint32();
      const xs = new Float64Array(u32.buffer).filter(Number.isFinite);
      const ys = runRaw(raw, 'expArray', xs);
      for (let k = 0; k < xs.length; k++) {
        if (Number.isNaN(ys[k]) || ys[k] < 0) throw new Error(`exp(${xs[k]}) = ${ys[k]}`);
        if (xs[k] < -708) expect(ys[k]).toBe(0);
        if (xs[k] > 709.79) expect(ys[k]).toBe(Infinity);
      }
    });

    it('log is within 2 ulp of Math.log for s ≥ 1 (the log-sum-exp range) up to 2^60', () => {
      const rng = new Rng(31337);
      const xs = new Float64Array(200_001);
      for (let k = 0; k < xs.length; k++) {
        const u = rng.uniform();
        xs[k] = k % 4 === 0 ? 1 + u : k % 4 === 1 ? 1 + 49 * u : k % 4 === 2 ? 2 ** (60 * u) : 1 + 1e-6 * u;
      }
      const { ulp, at } = maxUlp(xs, runRaw(raw, 'logArray', xs), Math.log);
      expect(ulp, `worst at s = ${at}`).toBeLessThanOrEqual(2);
      const edges = new Float64Array([1, 1 + 2 ** -52, Math.SQRT2, Math.SQRT2 * (1 + 2 ** -52), 2, 20, 2 ** 60]);
      const ye = runRaw(raw, 'logArray', edges);
      expect(ye[0]).toBe(0);
      for (let k = 0; k < edges.length; k++) expect(ulpDistance(ye[k], Math.log(edges[k])), `s = ${edges[k]}`).toBeLessThanOrEqual(2);
    });
  });
}
