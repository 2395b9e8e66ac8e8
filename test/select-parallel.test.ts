// selectModel's candidates side by side in fit workers (worker_threads here; test/browser/select-parallel.test.ts
// in Chromium): the same table as the one-thread serial sweep bit for bit, the same best model, the 'auto' rule,
// errors and aborts.
import { describe, expect, it } from 'vitest';
import { AbortError, FitError, selectModel } from '../src/index.js';
import { SELECT_PARALLEL_MIN_WORK, sweepWorkers } from '../src/select.js';
import { availableCores } from '../src/parallel/transport.js';
import { Rng } from '../src/model/rng.js';

/** N rows of 3-D data from 3 correlated clusters, seeded. */
export function correlatedClusters(seed: number, N: number): { data: Float64Array; rows: number; cols: number } {
  const rng = new Rng(seed), data = new Float64Array(N * 3);
  const means = [[0, 0, 0], [6, 1, 3], [-2, 7, -3]];
  for (let r = 0; r < N; r++) {
    const i = rng.categorical([0.3, 0.3, 0.4]), z = [rng.normal(), rng.normal(), rng.normal()];
    data.set([means[i]![0]! + z[0]!, means[i]![1]! + 0.8 * z[0]! + 0.6 * z[1]!, means[i]![2]! + 0.3 * z[1]! + (0.5 + i) * z[2]!], r * 3);
  }
  return { data, rows: N, cols: 3 };
}

const cores = await availableCores();

describe('selectModel with candidates in fit workers (worker_threads)', () => {
  it.skipIf(cores < 2)('gives the one-thread serial table bit for bit, the same best model and its fit', async () => {
    const X = correlatedClusters(5, 1500);
    const sweep = { nComponents: { from: 1, to: 4 }, covariance: ['spherical', 'diagonal', 'full', 'tied'] as const, seed: 4, nInit: 2, maxIter: 200 };
    const serial = await selectModel(X, { ...sweep, covariance: [...sweep.covariance], threads: 1 });
    const seen: number[] = [];
    const parallel = await selectModel(X, { ...sweep, covariance: [...sweep.covariance], threads: 2, onCandidate: (_r, i, total) => { seen.push(i); expect(total).toBe(16); } });
    expect(serial.workers).toBe(0);
    expect(parallel.workers).toBe(2);
    expect(parallel.table).toHaveLength(16);
    parallel.table.forEach((row, i) => {
      const s = serial.table[i]!;
      expect([row.covariance, row.nComponents]).toEqual([s.covariance, s.nComponents]);
      for (const k of ['value', 'bic', 'aic', 'logLikelihood', 'parameterCount'] as const) expect(Object.is(row[k], s[k]), `${row.covariance} ${row.nComponents} ${k}`).toBe(true);
      expect(row.converged).toBe(s.converged);
    });
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(parallel.best.toJSON()).toEqual(serial.best.toJSON());
    expect(parallel.best.options.covariance).toBe(serial.best.options.covariance);
    expect(parallel.bestFit).toEqual(serial.bestFit);
    expect(parallel.bestFit.nIter).toBe(serial.best.nIter);
    // Restored from its document, the best model predicts as the serially fitted one.
    expect(parallel.best.predict(X)).toEqual(serial.best.predict(X));
  });

  it('the rule: serial for one thread, one candidate, little work or no free core; else min(threads, cores, candidates)', async () => {
    const work = SELECT_PARALLEL_MIN_WORK, idle = { cores: 4, load: 0.5 };
    expect(await sweepWorkers(1, 1e6, 10, 50, idle)).toBe(0);
    expect(await sweepWorkers(8, 1e6, 10, 1, idle)).toBe(0);
    expect(await sweepWorkers('auto', Math.ceil(work / 30) - 1, 10, 3, idle)).toBe(0);  // just below the work threshold
    expect(await sweepWorkers('auto', Math.ceil(work / 30), 10, 3, idle)).toBe(3);      // at it: min(cores, candidates)
    expect(await sweepWorkers(undefined, 1e6, 10, 50, idle)).toBe(4);
    expect(await sweepWorkers('auto', 1e6, 10, 50, { cores: 4, load: 3.5 })).toBe(0);   // no core free
    expect(await sweepWorkers('auto', 1e6, 10, 50, { cores: 2 })).toBe(2);              // a browser: no load figure
    expect(await sweepWorkers('auto', 1e6, 10, 50, { cores: 1 })).toBe(0);
    // An explicit count is taken whatever the load, capped at the cores and the candidates.
    expect(await sweepWorkers(8, 10, 1, 3, { cores: 4, load: 9 })).toBe(3);
    expect(await sweepWorkers(8, 10, 1, 30, { cores: 2, load: 9 })).toBe(2);
    expect(await sweepWorkers(3, 10, 1, 30, { cores: 1 })).toBe(0);
  });

  it.skipIf(cores < 2)("a candidate's FitError comes back as the serial sweep's", async () => {
    const rng = new Rng(3);
    const X = Array.from({ length: 60 }, () => { const t = rng.normal(); return [t, 2 * t]; });
    const o = { nComponents: [1, 2], covariance: ['full' as const], regCovar: 0 };
    const serial = await selectModel(X, { ...o, threads: 1 }).catch((e) => e);
    const parallel = await selectModel(X, { ...o, threads: 2 }).catch((e) => e);
    expect(serial).toBeInstanceOf(FitError);
    expect(parallel).toBeInstanceOf(FitError);
    expect((parallel as Error).message).toBe((serial as Error).message);
  });

  it.skipIf(cores < 2)('an abort stops the workers at once and rejects with AbortError', async () => {
    const X = correlatedClusters(6, 20_000);
    const controller = new AbortController();
    const t0 = Date.now();
    const run = selectModel(X, { nComponents: { from: 4, to: 9 }, covariance: ['full'], tol: 0, maxIter: 100_000, threads: 2, signal: controller.signal });
    setTimeout(() => controller.abort(), 1500);
    const err = await run.catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    // 'full' EM does not yield inside a fit: only terminating the workers stops it this soon.
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
