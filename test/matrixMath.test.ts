// The WASM dense math of full/tied fits (assembly/linalg.ts through src/kernel/matrixMath.ts, every build)
// against the float64 JS reference (src/model/fullCovariance.ts jsMatrixMath) on fresh seeded random SPD
// matrices Σ = Q·diag(λ)·Qᵀ with condition numbers 1, 1e4 and 1e8, d ∈ {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 64, 65}.
//
// Tolerance: the plain SIMD and scalar builds run the reference's loops in the reference's summation order, so
// they must agree bit for bit (asserted exactly). The FMA (relaxed-SIMD) build rounds each multiply-add once, so
// it is held to the normwise bound max|got − ref| ≤ 1e-12·max(1, κ/1e4)·max|ref| per output, κ the condition
// number: 1e-12 up to κ = 1e4; at κ = 1e8 a Cholesky factor and its inverse are determined only to about κ·ε
// in any summation order (measured, n = 10, d = 64, Node 20 --experimental-wasm-relaxed-simd: U 6e-14 at
// κ = 1e4 and 5e-10 at 1e8, θ 1e-14 and 4e-11, A·Aᵀ ≤ 2e-16, the gradient 7e-15 and 8e-13).
// The M-step's covariance sums use no fused multiply-add in any build: exact in all three.
// Failure indices (pivot of a non-positive-definite block) must equal the reference's in every build.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/model/rng.js';
import { loadKernels, matrixMathOf } from '../src/runtime/kernels.js';
import { withPrecision } from '../src/kernel/precision.js';
import { SqlObjective } from '../src/sql/objective.js';
import { hasWasmRelaxedSimd } from '../src/runtime/probe.js';
import { hasLinalg, WasmMatrixMath, type MatrixMath } from '../src/kernel/matrixMath.js';
import { jsMatrixMath } from '../src/model/fullCovariance.js';
import { randomCovariance } from './fixtures/fullCovariance.js';

const BUILDS = [...(hasWasmRelaxedSimd() ? ['relaxed'] as const : []), 'simd', 'scalar'] as const;
const DIMS = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 64, 65];
const CONDS = [1, 1e4, 1e8];
const TOL = 1e-12;

async function wasmMath(build: typeof BUILDS[number]): Promise<MatrixMath> {
  const raw = (await loadKernels({ kernel: build })).instantiateRaw!();
  if (!hasLinalg(raw)) throw new Error('build without assembly/linalg.ts');
  return new WasmMatrixMath(raw);
}

/** got against ref: exactly for the plain builds, normwise within tol·max|ref| for the FMA build. */
function agree(build: string, got: Float64Array, ref: Float64Array, cond = 1): void {
  const tol = TOL * Math.max(1, cond / 1e4);
  expect(got.length).toBe(ref.length);
  if (build !== 'relaxed') { expect(Array.from(got)).toEqual(Array.from(ref)); return; }
  let scale = 0, err = 0;
  for (let k = 0; k < ref.length; k++) { scale = Math.max(scale, Math.abs(ref[k])); err = Math.max(err, Math.abs(got[k] - ref[k])); }
  expect(err).toBeLessThanOrEqual(tol * scale);
}

/** `blocks` random covariances of dimension d and condition `cond`, concatenated. */
function covariances(rng: Rng, d: number, blocks: number, cond: number): Float64Array {
  const out = new Float64Array(blocks * d * d);
  for (let b = 0; b < blocks; b++) out.set(randomCovariance(rng, d, cond, 0.3 + 2 * rng.uniform()).cov, b * d * d);
  return out;
}

describe.each(BUILDS)('assembly/linalg.ts (%s build) equals the JS reference', (build) => {
  it('precision factors U = L⁻ᵀ, Cholesky checks, θ coordinates, A·Aᵀ + regCovar·I and the factor gradient', async () => {
    const wasm = await wasmMath(build);
    const rng = new Rng(1201);
    for (const d of DIMS) for (const cond of CONDS) {
      const blocks = 3, dd = d * d, t = (d * (d + 1)) / 2, reg = 1e-6;
      const cov = covariances(rng, d, blocks, cond);
      const Uj = new Float64Array(blocks * dd), Uw = new Float64Array(blocks * dd);
      expect(wasm.precisionFactors(cov, d, blocks, Uw)).toBe(jsMatrixMath.precisionFactors(cov, d, blocks, Uj));
      agree(build, Uw, Uj, cond);
      expect(wasm.choleskyFailure(cov, d, blocks)).toBe(-1);
      // Σ + regCovar·I has coordinates with no floored pivot; A·Aᵀ + regCovar·I of them is Σ + regCovar·I again.
      const shifted = cov.map((v, k) => (Math.floor(k / d) % d === k % d ? v + reg : v));
      const thj = new Float64Array(blocks * t), thw = new Float64Array(blocks * t);
      expect(wasm.floorCoordinates(shifted, d, blocks, reg, thw)).toBe(jsMatrixMath.floorCoordinates(shifted, d, blocks, reg, thj));
      agree(build, thw, thj, cond);
      const theta = new Float64Array(5 + blocks * t);
      theta.set(thj.map((v) => v + 0.1 * rng.normal()), 5);
      const Aj = new Float64Array(blocks * dd), Cj = new Float64Array(blocks * dd);
      const Aw = new Float64Array(blocks * dd), Cw = new Float64Array(blocks * dd);
      jsMatrixMath.factorsFromCoordinates(theta, 5, d, blocks, reg, Aj, Cj);
      wasm.factorsFromCoordinates(theta, 5, d, blocks, reg, Aw, Cw);
      agree(build, Aw, Aj, cond);
      agree(build, Cw, Cj, cond);
      // Gradient chain at U of Σ, a random scatter M (SPD) and counts.
      const M = covariances(rng, d, blocks, 10).map((v) => 40 * v);
      const counts = Float64Array.from({ length: blocks }, () => 5 + 30 * rng.uniform());
      const gj = new Float64Array(blocks * t), gw = new Float64Array(blocks * t);
      jsMatrixMath.gradientFactor(Uj, M, Aj, counts, 123.5, d, blocks, gj);
      wasm.gradientFactor(Uj, M, Aj, counts, 123.5, d, blocks, gw);
      agree(build, gw, gj, cond);
      // The M-step's covariance sums (full and tied) from statistics at perturbed means.
      for (const tied of [false, true]) {
        const n = blocks, S = Float64Array.from({ length: n * d }, () => 20 * rng.normal());
        const R = Float64Array.from({ length: n }, () => 5 + 30 * rng.uniform());
        const stats = { totalWeight: 0, sumLogLik: 0, R, S, scatter: tied ? M.subarray(0, dd) : M };
        const meansUsed = Float64Array.from({ length: n * d }, () => rng.normal());
        const nk = R.map((r) => r + 1e-14), means = S.map((v, k) => v / nk[Math.floor(k / d)]);
        const sj = new Float64Array((tied ? 1 : n) * dd), sw = new Float64Array((tied ? 1 : n) * dd);
        jsMatrixMath.mStepCovariances(stats, meansUsed, means, nk, n, d, tied, sj);
        wasm.mStepCovariances(stats, meansUsed, means, nk, n, d, tied, sw);
        expect(Array.from(sw)).toEqual(Array.from(sj)); // no fused multiply-adds here in any build
      }
    }
  });

  it('floors the pivots of a singular Σ − regCovar·I as the reference (same coordinates, same flag)', async () => {
    const wasm = await wasmMath(build);
    const rng = new Rng(1202);
    for (const d of DIMS.filter((x) => x > 1)) {
      // Rank r < d: Σ = B·Bᵀ + regCovar·I with B d×r, so Σ − regCovar·I is singular.
      const r = Math.max(1, Math.floor(d / 2)), reg = 1e-3;
      const B = Float64Array.from({ length: d * r }, () => rng.normal());
      const cov = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
        let s = i === j ? reg : 0;
        for (let k = 0; k < r; k++) s += B[i * r + k] * B[j * r + k];
        cov[i * d + j] = s;
      }
      const t = (d * (d + 1)) / 2;
      const thj = new Float64Array(t), thw = new Float64Array(t);
      const fj = jsMatrixMath.floorCoordinates(cov, d, 1, reg, thj);
      expect(fj).toBe(true);
      expect(wasm.floorCoordinates(cov, d, 1, reg, thw)).toBe(fj);
      if (build !== 'relaxed') { agree(build, thw, thj); continue; }
      // FMA build: past the rank r the pivots are rounding residue (≈ d·ε·|Σ_jj|, against the 1e-14·|Σ_jj| floor
      // rule), so whether and how they are floored is decided by rounding in any summation order (measured: entries
      // there differ by up to 0.03). The determined part, the first r columns of the factor, is held to 1e-12.
      const lead = (th: Float64Array): Float64Array => Float64Array.from(
        Array.from({ length: d }, (_, j) => Array.from({ length: Math.min(j + 1, r) }, (_, l) => th[(j * (j + 1)) / 2 + l])).flat());
      agree(build, lead(thw), lead(thj));
    }
  });

  it('reports the first non-positive pivot (block·d + j) of a non-positive-definite block as the reference', async () => {
    const wasm = await wasmMath(build);
    const rng = new Rng(1203);
    for (const d of DIMS) for (let trial = 0; trial < 4; trial++) {
      const blocks = 3;
      const cov = covariances(rng, d, blocks, 100);
      // Break one block: a negative direction at pivot p (or a NaN), found at or after p by both.
      const b = Math.floor(rng.uniform() * blocks), p = Math.floor(rng.uniform() * d);
      const o = b * d * d;
      if (trial === 3) cov[o + p * d + p] = NaN;
      else for (let i = 0; i < d; i++) cov[o + p * d + i] = cov[o + i * d + p] = i === p ? -1 - trial : cov[o + p * d + i];
      const want = jsMatrixMath.choleskyFailure(cov, d, blocks);
      expect(want).toBeGreaterThanOrEqual(0);
      expect(wasm.choleskyFailure(cov, d, blocks)).toBe(want);
      expect(wasm.precisionFactors(cov, d, blocks, new Float64Array(blocks * d * d))).toBe(want);
    }
  });

  it('property: covariances from the coordinates of Σ ⪰ regCovar·I give Σ back (1e-12 of the scale)', async () => {
    const wasm = await wasmMath(build);
    fc.assert(fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 1e6 }),
      (d, logCond, seed) => {
        const rng = new Rng(seed), reg = 1e-6, t = (d * (d + 1)) / 2;
        const cov = covariances(rng, d, 2, 10 ** logCond).map((v, k) => (Math.floor(k / d) % d === k % d ? v + reg : v));
        const theta = new Float64Array(2 * t);
        wasm.floorCoordinates(cov, d, 2, reg, theta);
        const A = new Float64Array(2 * d * d), back = new Float64Array(2 * d * d);
        wasm.factorsFromCoordinates(theta, 0, d, 2, reg, A, back);
        let scale = 0, err = 0;
        for (let k = 0; k < cov.length; k++) { scale = Math.max(scale, Math.abs(cov[k])); err = Math.max(err, Math.abs(back[k] - cov[k])); }
        return err <= TOL * scale * d;
      }), { seed: 12, numRuns: 60 });
  });
});

describe('matrixMath of the kernels a fit runs on (the one choice per fit)', () => {
  it('is the WASM bridge for a compiled build and the JS reference for js and SQL', async () => {
    const simd = await loadKernels({ kernel: 'simd' });
    const X = new Float64Array([0, 1, 2, 3]);
    const mathOf = (o: object) => (o as { matrixMath?: unknown }).matrixMath ?? jsMatrixMath;
    expect((simd.matrixMath as { kind: string }).kind).toBe('wasm');
    expect(simd.matrixMath).toBe(matrixMathOf(simd.module!));
    // The backends (and so the objectives) built from these kernels carry it, at either precision.
    expect(simd.createBackend(X, 2, 2).matrixMath).toBe(simd.matrixMath);
    expect(withPrecision(simd, 'float32').createBackend(X, 2, 2).matrixMath).toBe(simd.matrixMath);
    const js = await loadKernels({ kernel: 'js' });
    expect(mathOf(js.createBackend(X, 2, 2))).toBe(jsMatrixMath);
    const sql = new SqlObjective({ kind: 'sql', adapter: { query: async () => [] }, dialect: 'duckdb', from: 't', columns: ['a', 'b'], rows: 2 });
    expect(mathOf(sql)).toBe(jsMatrixMath);
  });
});
