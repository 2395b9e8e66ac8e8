// Loading the kernels from a URL or a precompiled WebAssembly.Module in Chromium (for pages that host the
// .wasm themselves or must not carry the inlined bytes), and fitting through the mixfit/worker entry with
// fitInWorker, a Module handed to the worker included.
import { describe, expect, it } from 'vitest';
import { loadKernels } from '../../src/runtime/kernels.js';
import { empiricalObjective } from '../../src/objective/empirical.js';
import { GaussianMixture } from '../../src/estimator.js';
import { fitInWorker } from '../../src/browser/fitInWorker.js';
import { AbortError, MixfitError } from '../../src/errors.js';
import { crossRuntimeData } from '../fixtures/crossRuntime.js';

// Served as a plain file by the test server (project root), not through the inlining plugin.
const url = (variant: 'simd' | 'scalar') => new URL(`/build/kernels.${variant}.wasm`, location.origin);
const params = { means: [[-2.5, 0.2, 0.8], [1.5, 2.5, -0.5], [0.3, -2.7, 0.1]], variances: [0.9, 1.3, 0.7] };
const X = crossRuntimeData();

async function valueWith(options: Parameters<typeof empiricalObjective>[1]) {
  const o = await empiricalObjective(X, { threads: 1, ...options });
  try { return { variant: o.variant, ...o.valueAndGrad(params) }; } finally { o.dispose(); }
}

describe('kernel builds from a URL or a WebAssembly.Module (Chromium)', () => {
  it('the .wasm files are reachable as application/wasm', async () => {
    for (const v of ['simd', 'scalar'] as const) {
      const res = await fetch(url(v));
      expect(res.ok).toBe(true);
      expect(Array.from(new Uint8Array(await res.arrayBuffer()).subarray(0, 4))).toEqual([0, 0x61, 0x73, 0x6d]);
    }
  });

  for (const v of ['simd', 'scalar'] as const) {
    it(`${v}: a URL string, a URL object and a precompiled Module give exactly the inlined build's pass`, async () => {
      const inlined = await valueWith({ kernel: v });
      const fromString = await valueWith({ kernel: v, wasm: url(v).href });
      const fromUrl = await valueWith({ kernel: v, wasm: url(v) });
      const module = await WebAssembly.compileStreaming(fetch(url(v)));
      const fromModule = await valueWith({ kernel: v, wasm: module });
      for (const r of [fromString, fromUrl, fromModule]) {
        expect(r.variant).toBe(v);
        expect(r.value).toBe(inlined.value);
        expect(r.grad).toEqual(inlined.grad);
      }
    });
  }

  it('GaussianMixture fits identically with a precompiled Module', async () => {
    const module = await WebAssembly.compileStreaming(fetch(url('simd')));
    const o = { nComponents: 3, seed: 1, maxIter: 30, tol: 0, threads: 1 } as const;
    const a = await new GaussianMixture({ ...o, kernel: 'simd' }).fit(X);
    const b = await new GaussianMixture({ ...o, kernel: 'simd', wasm: module }).fit(X);
    expect(b.loss).toBe(a.loss);
    expect(b.params).toEqual(a.params);
  });

  it('a URL that cannot be fetched is a MixfitError naming options.wasm', async () => {
    const err = await loadKernels({ kernel: 'simd', wasm: new URL('/build/missing.wasm', location.origin) }).catch((e) => e);
    expect(err).toBeInstanceOf(MixfitError);
    expect((err as MixfitError).argument).toBe('options.wasm');
  });
});

describe('fitInWorker with the mixfit/worker entry (Chromium)', () => {
  const start = () => new Worker(new URL('../../src/worker.ts', import.meta.url), { type: 'module' });
  const options = { nComponents: 3, seed: 1, maxIter: 30, tol: 0, threads: 1, kernel: 'simd' } as const;

  it('returns the same fit as the main thread, with progress, and takes a Module for the kernels', async () => {
    const worker = start();
    try {
      const local = await new GaussianMixture(options).fit(X);
      const progress: number[] = [];
      const out = await fitInWorker(worker, X, options, { progressIntervalMs: 0, onProgress: (p) => progress.push(p.info.iteration) });
      expect(out.result.loss).toBe(local.loss);
      expect(out.result.params).toEqual(local.params);
      expect(out.model.means).toEqual(local.params.means);
      // The worker fits with the estimator's defaults, as the main thread does (learned weights, DEFAULT_COVARIANCE).
      expect(out.model.covariance).toBe(new GaussianMixture(options).options.covariance);
      expect(out.model.learned).toEqual({ weights: true, variances: true });
      expect(progress.length).toBe(local.history.length);
      expect(X.data.length).toBe(X.rows * X.cols); // copied, not transferred: the caller's data stay usable
      const module = await WebAssembly.compileStreaming(fetch(url('simd')));
      const viaModule = await fitInWorker(worker, X, { ...options, wasm: module });
      expect(viaModule.result.loss).toBe(local.loss);
    } finally {
      worker.terminate();
    }
  });

  it('rejects bad options with the MixfitError fields and aborts with the best result so far', async () => {
    const worker = start();
    try {
      const bad = await fitInWorker(worker, X, { ...options, solver: 'newton' as never }).catch((e) => e);
      expect(bad).toBeInstanceOf(MixfitError);
      expect((bad as MixfitError).argument).toBe('options.solver');
      expect((bad as MixfitError).message).toContain('newton');

      const controller = new AbortController();
      const run = fitInWorker(worker, X, { ...options, solver: 'gradient-em', maxIter: 10_000_000 }, {
        signal: controller.signal, onProgress: (p) => { if (p.info.iteration >= 20) controller.abort(); },
      });
      const err = await run.catch((e) => e);
      expect(err).toBeInstanceOf(AbortError);
      expect((err as AbortError & { result: { nIter: number } }).result.nIter).toBeGreaterThanOrEqual(20);
      expect((err as AbortError & { model: { means: number[][] } }).model.means).toHaveLength(3);
    } finally {
      worker.terminate();
    }
  });

  it('checks X on the calling thread', () => {
    const worker = start();
    try {
      expect(() => fitInWorker(worker, [[1, 2], [3]], options)).toThrow(MixfitError);
    } finally {
      worker.terminate();
    }
  });
});
