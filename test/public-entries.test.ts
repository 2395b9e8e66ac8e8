// Issue 13 item 6: every public entry answers bad arguments with a MixfitError (never a raw TypeError or
// RangeError from deep inside). Each entry is called with each bad value in each argument position; the
// call must either succeed or throw/reject with a MixfitError. Browser-safe: no node: imports.
import { describe, expect, it } from 'vitest';
import * as mixfit from '../src/index.js';

const { GaussianMixture, MixfitError } = mixfit;
const BAD: unknown[] = [null, undefined, 0, -1, NaN, Infinity, 'x', true, {}, [], [[]], [null], [[NaN]], { means: null }, () => 1];

/** Runs `f` and names how it failed when it threw something other than a MixfitError. */
async function outcome(f: () => unknown): Promise<string> {
  try { await f(); return 'ok'; } catch (e) {
    return e instanceof MixfitError ? 'ok' : `${(e as Error)?.name}: ${(e as Error)?.message}`;
  }
}

describe('public entries with bad arguments', () => {
  it('throw MixfitError or succeed, for every argument position', async () => {
    const X = [[0, 0], [1, 1], [5, 5], [6, 5]];
    const gm = new GaussianMixture({ nComponents: 2, seed: 1 });
    await gm.fit(X);
    const obj = await mixfit.empiricalObjective(X);
    const start = { means: [[0, 0], [5, 5]] };
    const entries: Record<string, (b: unknown) => unknown> = {
      'new GaussianMixture(b)': (b) => new GaussianMixture(b as never),
      'fit(b)': (b) => new GaussianMixture({ nComponents: 1 }).fit(b as never),
      'fit(X, b)': (b) => new GaussianMixture({ nComponents: 1 }).fit(X, b as never),
      'predict(b)': (b) => gm.predict(b as never),
      'predictProba(b)': (b) => gm.predictProba(b as never),
      'scoreSamples(b)': (b) => gm.scoreSamples(b as never),
      'score(b)': (b) => gm.score(b as never),
      'score(X, b)': (b) => gm.score(X, b as never),
      'sample(b)': (b) => gm.sample(b as never),
      'sample(1, b)': (b) => gm.sample(1, b as never),
      'bic(b)': (b) => gm.bic(b as never),
      'aic(b)': (b) => gm.aic(b as never),
      'fromJSON(b)': (b) => GaussianMixture.fromJSON(b as never),
      'fromJSON(model, b)': (b) => GaussianMixture.fromJSON(gm.toJSON(), b as never),
      'loadKernels(b)': (b) => mixfit.loadKernels(b as never),
      'loadKernelsSync(b)': (b) => mixfit.loadKernelsSync(b as never),
      'resolveVariant(b)': (b) => mixfit.resolveVariant(b as never),
      'empiricalObjective(b)': (b) => mixfit.empiricalObjective(b as never).then((o) => o.dispose()),
      'empiricalObjective(X, b)': (b) => mixfit.empiricalObjective(X, b as never).then((o) => o.dispose()),
      'populationObjective(b)': (b) => mixfit.populationObjective(b as never).then((o) => o.dispose()),
      'populationObjective(truth, b)': (b) => mixfit.populationObjective(start, b as never).then((o) => o.dispose()),
      'sampleObjective(b, { rows })': (b) => mixfit.sampleObjective(b as never, { rows: 10 }).then((o) => o.dispose()),
      'sampleObjective(truth, b)': (b) => mixfit.sampleObjective(start, b as never).then((o) => o.dispose()),
      'minimize(b, start)': (b) => mixfit.minimize(b as never, start),
      'minimize(obj, b)': (b) => mixfit.minimize(obj, b as never, { maxIter: 2 }),
      'minimize(obj, start, b)': (b) => mixfit.minimize(obj, start, b as never),
      'minimize(obj, b, { covariance: full })': (b) => mixfit.minimize(obj, b as never, { covariance: 'full', maxIter: 2 }),
      'minimize(obj, b, { covariance: tied })': (b) => mixfit.minimize(obj, b as never, { covariance: 'tied', maxIter: 2 }),
      'minimize(obj, { means, covariances: b }, { covariance: full })': (b) => mixfit.minimize(obj, { ...start, covariances: b as never }, { covariance: 'full', maxIter: 2 }),
      'minimize(obj, { means, covariances: b }, { covariance: tied })': (b) => mixfit.minimize(obj, { ...start, covariances: b as never }, { covariance: 'tied', maxIter: 2 }),
      'minimize(obj, { means, weights: b }, { covariance: full })': (b) => mixfit.minimize(obj, { ...start, weights: b as never }, { covariance: 'full', maxIter: 2 }),
      'minimizeFunction(b, x0)': (b) => mixfit.minimizeFunction(b as never, [1]),
      'minimizeFunction(fg, b)': (b) => mixfit.minimizeFunction((x, g) => { g[0] = 2 * x[0]; return x[0] ** 2; }, b as never, { maxIter: 2 }),
      'minimizeFunction(fg, x0, b)': (b) => mixfit.minimizeFunction((x, g) => { g[0] = 2 * x[0]; return x[0] ** 2; }, [1], b as never),
      'objective.value(b)': (b) => obj.value(b as never),
      'objective.valueAndGrad(b)': (b) => obj.valueAndGrad(b as never),
      'objective.stats(b)': (b) => obj.stats(b as never),
      'objective.statsAsync(b)': (b) => obj.statsAsync(b as never),
      'objective.lossFromStats(b)': (b) => obj.lossFromStats(b as never),
      'lineChartSvg(b)': (b) => mixfit.lineChartSvg(b as never),
      'scatterSvg(b)': (b) => mixfit.scatterSvg(b as never),
      'fitInWorker(b, X, options)': (b) => mixfit.fitInWorker(b as never, X, { nComponents: 1 }),
    };
    const failures: string[] = [];
    for (const [name, call] of Object.entries(entries)) {
      for (const b of BAD) {
        const r = await outcome(() => call(b));
        if (r !== 'ok') failures.push(`${name} with ${Array.isArray(b) ? JSON.stringify(b) : typeof b === 'function' ? 'a function' : String(b)}: ${r}`);
      }
    }
    obj.dispose();
    expect(failures).toEqual([]);
  }, 120_000);
});
