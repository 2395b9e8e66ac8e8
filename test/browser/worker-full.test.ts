// Covariance 'full' and 'tied' through the mixfit/worker entry (Chromium): a start with covariances goes in,
// the fitted covariances come out (result, progress and model JSON), bit for bit the main thread's fit.
import { describe, expect, it } from 'vitest';
import { GaussianMixture } from '../../src/estimator.js';
import { fitInWorker } from '../../src/browser/fitInWorker.js';
import { AbortError, MixfitError } from '../../src/errors.js';
import { crossRuntimeData } from '../fixtures/crossRuntime.js';

const X = crossRuntimeData();
const start = () => new Worker(new URL('../../src/worker.ts', import.meta.url), { type: 'module' });
const base = { nComponents: 3, seed: 2, maxIter: 40, tol: 0, threads: 1, kernel: 'simd' } as const;

describe("fitInWorker with covariance 'full' and 'tied' (Chromium)", () => {
  for (const covariance of ['full', 'tied'] as const) {
    it(`${covariance}: the worker's fit, progress and model equal the main thread's, covariances included`, async () => {
      const worker = start();
      try {
        const options = { ...base, covariance };
        const gm = new GaussianMixture(options);
        const local = await gm.fit(X);
        const progress: { iteration: number; covariances: unknown }[] = [];
        const out = await fitInWorker(worker, X, options, {
          progressIntervalMs: 0, onProgress: (p) => progress.push({ iteration: p.info.iteration, covariances: p.info.params.covariances }),
        });
        expect(out.result.loss).toBe(local.loss);
        expect(out.result.params).toEqual(local.params);
        expect(out.result.params.covariances).toEqual(gm.covariances);
        expect(out.model).toEqual(gm.toJSON());
        expect(out.model.covariance).toBe(covariance);
        // Shapes: n × d × d per component for 'full', one d × d for 'tied'.
        const c = out.model.covariances!;
        if (covariance === 'full') { expect(c).toHaveLength(3); expect((c as number[][][])[0]).toHaveLength(3); }
        else { expect(c).toHaveLength(3); expect((c as number[][])[0]).toHaveLength(3); expect(typeof (c as number[][])[0]![0]).toBe('number'); }
        // Every iteration reports the current covariances (for live drawing), the last one the fitted ones.
        expect(progress.map((p) => p.iteration)).toEqual(local.history.map((h) => h.iteration));
        expect(progress.every((p) => Array.isArray(p.covariances))).toBe(true);
        // The model round-trips into a main-thread estimator that scores as the fitted one.
        const back = GaussianMixture.fromJSON(out.model, { kernel: base.kernel });
        expect(back.scoreSamples(X)).toEqual(gm.scoreSamples(X));
      } finally {
        worker.terminate();
      }
    });
  }

  it('a start model with covariances goes in (warm start) and gives the main thread\'s fit', async () => {
    const worker = start();
    try {
      const init = {
        means: [[-3, 0, 1], [2, 2, -1], [0, -3, 0]], weights: [0.3, 0.3, 0.4],
        covariances: [[[1, 0.2, 0], [0.2, 1, 0], [0, 0, 1]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[2, 0, 0], [0, 1, 0.1], [0, 0.1, 1]]],
      };
      const options = { ...base, covariance: 'full' as const, init, maxIter: 5 };
      const local = await new GaussianMixture(options).fit(X);
      const out = await fitInWorker(worker, X, options);
      expect(out.result.nIter).toBe(5);
      expect(out.result.params).toEqual(local.params);
      // A start covariance that is not positive definite is the main thread's MixfitError, naming the block.
      const bad = { ...init, covariances: [init.covariances[0], [[1, 2, 0], [2, 1, 0], [0, 0, 1]], init.covariances[2]] };
      const err = await fitInWorker(worker, X, { ...options, init: bad }).catch((e) => e);
      let mainErr: unknown;
      try { new GaussianMixture({ ...options, init: bad }); } catch (e) { mainErr = e; }
      expect(err).toBeInstanceOf(MixfitError);
      expect((err as MixfitError).argument).toBe((mainErr as MixfitError).argument);
      expect((err as MixfitError).message).toBe((mainErr as MixfitError).message);
    } finally {
      worker.terminate();
    }
  });

  for (const covariance of ['full', 'tied'] as const) {
    it(`${covariance}: an abort stops a running fit in the worker at once (the solver yields), with the best model so far`, async () => {
      const worker = start();
      try {
        const controller = new AbortController();
        let abortedAt = 0;
        const run = fitInWorker(worker, X, { ...base, covariance, solver: 'em', maxIter: 10_000_000 }, {
          signal: controller.signal, progressIntervalMs: 0,
          onProgress: (p) => { if (p.info.iteration >= 5 && !abortedAt) { abortedAt = p.info.iteration; controller.abort(); } },
        });
        const err = await run.catch((e) => e);
        expect(err).toBeInstanceOf(AbortError);
        const e = err as AbortError & { result: { nIter: number; status: string }; model: { covariance: string; covariances: unknown[] } };
        // Ten million EM iterations would take minutes: the fit ended soon after the abort, not at maxIter.
        expect(e.result.status).toBe('aborted');
        expect(e.result.nIter).toBeGreaterThanOrEqual(abortedAt);
        expect(e.result.nIter).toBeLessThan(abortedAt + 100_000);
        expect(e.model.covariance).toBe(covariance);
        expect(e.model.covariances).toHaveLength(3);
      } finally {
        worker.terminate();
      }
    });
  }

  it("an aborted fit's model document has the layout and weights the estimator used (its defaults when not given)", async () => {
    const worker = start();
    try {
      const controller = new AbortController();
      // No covariance or weights option: the document must say what the estimator fitted, not a guess.
      const run = fitInWorker(worker, X, { nComponents: 3, seed: 2, solver: 'gradient-em', tol: 0, maxIter: 10_000_000, kernel: 'simd' }, {
        signal: controller.signal, progressIntervalMs: 0, onProgress: (p) => { if (p.info.iteration >= 10) controller.abort(); },
      });
      const err = await run.catch((e) => e);
      expect(err).toBeInstanceOf(AbortError);
      const model = (err as AbortError & { model: { covariance: string; learned: unknown; variances: number[][] } }).model;
      const defaults = new GaussianMixture({ nComponents: 3 }).options;
      expect(model.covariance).toBe(defaults.covariance);
      expect(model.learned).toEqual({ weights: defaults.weights === 'learned', variances: true });
      expect(GaussianMixture.fromJSON(model as never).options.covariance).toBe(defaults.covariance);
    } finally {
      worker.terminate();
    }
  });
});
