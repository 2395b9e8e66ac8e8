import { describe, expect, it } from 'vitest';
import { hasWasmSimd } from '../../src/runtime/probe';
import { loadKernels } from '../../src/runtime/kernels';

// Guards against the browser project silently running in Node: the checks only pass in headless Chromium.
describe('browser runtime', () => {
  it('runs in headless Chromium with WebAssembly SIMD', () => {
    expect(typeof navigator).toBe('object');
    expect(navigator.userAgent).toContain('HeadlessChrome');
    expect(hasWasmSimd()).toBe(true);
  });

  it('picks the FMA (relaxed-SIMD) kernel under auto', async () => {
    const k = await loadKernels({ kernel: 'auto' });
    expect(k.variant).toBe('relaxed');
  });
});
