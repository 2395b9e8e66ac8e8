// selectModel's candidates side by side in Web Workers (Chromium; worker_threads in test/select-parallel.test.ts):
// the same table as the one-thread serial sweep bit for bit, and the same best model.
import { describe, expect, it } from 'vitest';
import { selectModel } from '../../src/select.js';
import { availableCores } from '../../src/parallel/transport.js';
import { Rng } from '../../src/model/rng.js';

function clusters(seed: number, N: number): { data: Float64Array; rows: number; cols: number } {
  const rng = new Rng(seed), data = new Float64Array(N * 2);
  for (let r = 0; r < N; r++) {
    const i = rng.categorical([0.4, 0.6]), z = rng.normal();
    data.set([i * 5 + z, i * 2 + 0.7 * z + 0.5 * rng.normal()], r * 2);
  }
  return { data, rows: N, cols: 2 };
}

describe('selectModel with candidates in Web Workers (Chromium)', () => {
  it('gives the one-thread serial table bit for bit and the same best model', async () => {
    const cores = await availableCores();
    const X = clusters(9, 800);
    const o = { nComponents: [1, 2, 3], covariance: ['diagonal', 'full', 'tied'] as const, seed: 2, maxIter: 100 };
    const serial = await selectModel(X, { ...o, covariance: [...o.covariance], threads: 1 });
    const parallel = await selectModel(X, { ...o, covariance: [...o.covariance], threads: 2 });
    expect(serial.workers).toBe(0);
    expect(parallel.workers).toBe(cores >= 2 ? 2 : 0);
    parallel.table.forEach((row, i) => {
      const s = serial.table[i]!;
      for (const k of ['bic', 'aic', 'logLikelihood', 'parameterCount'] as const) expect(Object.is(row[k], s[k]), `${row.covariance} ${row.nComponents} ${k}`).toBe(true);
    });
    expect(parallel.best.toJSON()).toEqual(serial.best.toJSON());
    expect(parallel.bestFit.history).toEqual(serial.bestFit.history);
  });
});
