// The bridge: variant selection, user-supplied modules and bytes, per-backend instances, scoring without
// responsibilities, and the empirical objective's value against a direct float64 computation.
import { afterEach, describe, expect, it, vi } from 'vitest';
import scalarBytes from '../build/kernels.scalar.wasm';
import simdBytes from '../build/kernels.simd.wasm';
import { MixfitError } from '../src/errors.js';
import { Rng } from '../src/model/rng.js';
import { empiricalObjective } from '../src/objective/empirical.js';
import { loadKernels, resolveVariant } from '../src/runtime/kernels.js';
import { hasWasmRelaxedSimd, hasWasmSimd } from '../src/runtime/probe.js';
import type { FlatParams, PassStats } from '../src/types.js';

afterEach(() => { vi.restoreAllMocks(); });

function problem(seed: number, N: number, n: number, d: number): { X: Float64Array; p: FlatParams } {
  const rng = new Rng(seed);
  const X = new Float64Array(N * d).map(() => rng.normal());
  const p: FlatParams = { n, d, means: new Float64Array(n * d).map(() => rng.normal()),
    logWeights: new Float64Array(n).fill(-Math.log(n)), variances: new Float64Array(n).map(() => 0.5 + rng.uniform()), layout: 'component' };
  return { X, p };
}
const stats = (p: FlatParams): PassStats => ({ totalWeight: 0, sumLogLik: 0, R: new Float64Array(p.n), S: new Float64Array(p.n * p.d), Q: new Float64Array(p.n) });

describe('variant selection', () => {
  it('auto picks relaxed where relaxed SIMD validates (Chromium), else simd where SIMD does (Node 20)', async () => {
    expect(hasWasmSimd()).toBe(true);
    const best = hasWasmRelaxedSimd() ? 'relaxed' : 'simd';
    expect(resolveVariant()).toBe(best);
    expect((await loadKernels()).variant).toBe(best);
    expect((await loadKernels({ kernel: 'js' })).instantiateRaw).toBeUndefined();
  });

  it('without SIMD, auto falls back to scalar and an explicit simd request is a MixfitError', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(resolveVariant('auto')).toBe('scalar');
    expect((await loadKernels({ kernel: 'auto' })).variant).toBe('scalar');
    await expect(loadKernels({ kernel: 'simd' })).rejects.toThrow(MixfitError);
    await expect(loadKernels({ kernel: 'simd' })).rejects.toThrow(/options.kernel/);
  });

  it('rejects unknown kernel names', () => {
    expect(() => resolveVariant('wasm' as 'js')).toThrow(/options.kernel: must be one of 'auto', 'relaxed', 'simd', 'scalar', 'js'/);
  });
});

describe('user-supplied builds', () => {
  it('accepts raw bytes and a compiled module, and they compute the same pass as the inlined build', async () => {
    const { X, p } = problem(1, 99, 4, 3);
    const base = (await loadKernels({ kernel: 'scalar' })).createBackend(X, 99, 3).pass(p, stats(p));
    const fromBytes = await loadKernels({ kernel: 'scalar', wasm: scalarBytes });
    const fromModule = await loadKernels({ kernel: 'simd', wasm: await WebAssembly.compile(simdBytes) });
    const a = fromBytes.createBackend(X, 99, 3).pass(p, stats(p));
    const b = fromModule.createBackend(X, 99, 3).pass(p, stats(p));
    expect(a.sumLogLik).toBe(base.sumLogLik);
    expect(Math.abs(b.sumLogLik - base.sumLogLik)).toBeLessThanOrEqual(1e-12 * Math.abs(base.sumLogLik));
  });

  it('rejects bytes that are not a module', async () => {
    await expect(loadKernels({ kernel: 'scalar', wasm: new Uint8Array([1, 2, 3]) })).rejects.toThrow();
  });
});

describe('backends', () => {
  for (const v of ['simd', 'scalar', 'js'] as const) {
    it(`${v}: backends are independent; disposing one leaves the other working`, async () => {
      const k = await loadKernels({ kernel: v });
      const { X, p } = problem(2, 31, 3, 2);
      const a = k.createBackend(X, 31, 2), b = k.createBackend(X, 31, 2);
      const before = b.pass(p, stats(p)).sumLogLik;
      a.dispose();
      a.dispose(); // idempotent
      expect(b.pass(p, stats(p)).sumLogLik).toBe(before);
      expect(() => a.pass(p, stats(p))).toThrow();
      b.dispose();
    });

    it(`${v}: data are copied in (later changes to X do not leak into the backend)`, async () => {
      const k = await loadKernels({ kernel: v });
      const { X, p } = problem(3, 10, 2, 2);
      const be = k.createBackend(X, 10, 2);
      const before = be.pass(p, stats(p)).sumLogLik;
      X.fill(100);
      expect(be.pass(p, stats(p)).sumLogLik).toBe(before);
      be.dispose();
    });

    it(`${v}: score without responsibilities fills the log-densities only`, async () => {
      const k = await loadKernels({ kernel: v });
      const { X, p } = problem(4, 7, 3, 2);
      const be = k.createBackend(X, 7, 2);
      const l1 = new Float64Array(7), l2 = new Float64Array(7), resp = new Float64Array(21);
      be.score(p, l1);
      be.score(p, l2, resp);
      expect(Array.from(l1)).toEqual(Array.from(l2));
      expect(l1.reduce((s, x) => s + x, 0)).toBeCloseTo(be.pass(p, stats(p)).sumLogLik, 10);
      be.dispose();
    });
  }
});

describe('instance reuse', () => {
  it('a released instance is reused by the next backend (no new instance, no new memory), large ones are not kept', async () => {
    const k = await loadKernels({ kernel: 'simd', wasm: simdBytes });
    const { X, p } = problem(5, 1000, 3, 4);
    const a = k.createBackend(X, 1000, 4);
    const want = a.pass(p, stats(p)).sumLogLik;
    a.dispose();
    const RealInstance = WebAssembly.Instance;
    const inst = vi.spyOn(WebAssembly, 'Instance').mockImplementation(function (m: WebAssembly.Module, i?: WebAssembly.Imports) {
      return new RealInstance(m, i);
    } as unknown as typeof WebAssembly.Instance);
    const b = k.createBackend(X, 1000, 4);
    expect(inst).not.toHaveBeenCalled();
    expect(b.pass(p, stats(p)).sumLogLik).toBe(want);
    // Holding b, a second backend needs its own instance.
    const c = k.createBackend(X, 1000, 4);
    expect(inst).toHaveBeenCalledTimes(1);
    c.dispose();
    b.dispose();
    // A 72 MB data set is released to the garbage collector, not kept in the pool.
    const big = k.createBackend(new Float64Array(9e6), 9e5, 10);
    big.dispose();
    const d = k.createBackend(X, 1000, 4);
    expect(inst).toHaveBeenCalledTimes(2);
    d.dispose();
  });
});

describe('empirical objective', () => {
  it('value is the weighted mean negative log-likelihood, the same for every variant', async () => {
    const rng = new Rng(6);
    const X = Array.from({ length: 57 }, () => [rng.normal(), 3 * rng.normal()]);
    const w = X.map(() => rng.uniform());
    const params = { means: [[0, 0], [1, -2], [-1, 3]], weights: [0.2, 0.3, 0.5], variances: [[1, 4], [0.5, 2], [2, 1]] };
    let direct = 0;
    X.forEach((x, k) => {
      let s = 0;
      params.means.forEach((m, i) => {
        let dens = params.weights[i];
        for (let j = 0; j < 2; j++) dens *= Math.exp(-((x[j] - m[j]) ** 2) / (2 * params.variances[i][j])) / Math.sqrt(2 * Math.PI * params.variances[i][j]);
        s += dens;
      });
      direct -= w[k] * Math.log(s);
    });
    direct /= w.reduce((a, b) => a + b, 0);
    for (const kernel of ['simd', 'scalar', 'js'] as const) {
      const obj = await empiricalObjective(X, { kernel, sampleWeight: w });
      expect(obj.variant).toBe(kernel);
      expect(Math.abs(obj.value(params) - direct)).toBeLessThanOrEqual(1e-13 * Math.abs(direct));
      expect(obj.evaluations).toBe(1);
      obj.dispose();
    }
  });
});
