import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadKernels } from '../src/runtime/kernels.js';

// A page whose CSP lacks 'wasm-unsafe-eval' makes every WebAssembly compile reject; this file runs in its
// own module registry, so the kernel cache starts empty and the stub is what loadKernels meets.
describe('kernel loading when WebAssembly compilation is forbidden', () => {
  afterEach(() => { vi.restoreAllMocks(); });

  it("'auto' falls back to the js kernel; an explicit 'simd' or 'scalar' rejects", async () => {
    const blocked = () => Promise.reject(new WebAssembly.CompileError('WebAssembly.compile(): Refused to compile (CSP)'));
    vi.spyOn(WebAssembly, 'compile').mockImplementation(blocked);
    const k = await loadKernels();
    expect(k.variant).toBe('js');
    const backend = k.createBackend(new Float64Array([0, 1, 2]), 3, 1);
    const ld = new Float64Array(3);
    backend.score({ n: 1, d: 1, means: new Float64Array([1]), logWeights: new Float64Array([0]), variances: new Float64Array([1]), layout: 'shared' }, ld);
    expect(ld[1]).toBeCloseTo(-0.5 * Math.log(2 * Math.PI), 14);
    await expect(loadKernels({ kernel: 'simd' })).rejects.toThrow(/Refused to compile/);
    await expect(loadKernels({ kernel: 'scalar' })).rejects.toThrow(/Refused to compile/);
  });
});
