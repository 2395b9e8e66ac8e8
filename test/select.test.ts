// selectModel (issue 12, model selection): the sweep picks the generating model on seeded synthetic data,
// its criteria equal scikit-learn's bic()/aic() on the same fitted parameters, and every bad option is a
// MixfitError before any fit.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COVARIANCES, GaussianMixture, MixfitError, selectModel } from '../src/index.js';
import { Rng } from '../src/model/rng.js';

/** N rows from 3 well-separated axis-aligned clusters with unequal per-dimension spreads (diagonal truth). */
function diagonalClusters(seed: number, N: number): number[][] {
  const means = [[0, 0, 0], [12, 0, 4], [0, 12, -4]];
  const sds = [[0.4, 2, 1], [2, 0.4, 0.8], [1, 1.5, 0.3]];
  const rng = new Rng(seed);
  return Array.from({ length: N }, () => {
    const i = rng.categorical([0.3, 0.3, 0.4]);
    return means[i]!.map((m, j) => m + sds[i]![j]! * rng.normal());
  });
}

/** N rows from 2 isotropic clusters with different radii (spherical truth). */
function sphericalClusters(seed: number, N: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: N }, () => {
    const i = rng.categorical([0.5, 0.5]);
    const sd = i === 0 ? 0.5 : 1.5;
    return [i * 10, -i * 6, i * 3, 0].map((m) => m + sd * rng.normal());
  });
}

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./fixtures/sklearn_bic.py', import.meta.url));
const hasSklearn = existsSync(PY) && spawnSync(PY, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
if (!hasSklearn) console.warn('select.test.ts: python3-sklearn not found at /usr/bin/python3; skipping the scikit-learn bic() comparison');

describe('selectModel picks the generating model', () => {
  it('3 diagonal clusters in 3-D → diagonal, 3 components, over 1..6 and every learned layout', async () => {
    const X = diagonalClusters(7, 900);
    const r = await selectModel(X, { nComponents: { from: 1, to: 6 }, seed: 3, nInit: 2 });
    const learned = COVARIANCES.filter((c) => c !== 'fixed');
    expect(r.table.map((t) => `${t.covariance}:${t.nComponents}`)).toEqual(learned.flatMap((c) => [1, 2, 3, 4, 5, 6].map((k) => `${c}:${k}`)));
    expect(r.best.options.covariance).toBe('diagonal');
    expect(r.best.options.nComponents).toBe(3);
    const min = Math.min(...r.table.map((t) => t.bic));
    expect(r.best.bic(X)).toBeCloseTo(min, 8);
    for (const t of r.table) expect(t.value).toBe(t.bic);
  });

  it('2 isotropic clusters → spherical, 2 (the diagonal model pays for parameters it does not need)', async () => {
    const X = sphericalClusters(11, 800);
    const r = await selectModel(X, { nComponents: [4, 1, 2, 3], covariance: ['diagonal', 'spherical'], seed: 1 });
    expect(r.table.map((t) => t.nComponents)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(r.best.options.covariance).toBe('spherical');
    expect(r.best.options.nComponents).toBe(2);
  });

  it('criterion aic ranks by AIC; the table is deterministic run to run', async () => {
    const X = diagonalClusters(5, 400);
    const opts = { nComponents: [1, 2, 3, 4], covariance: ['spherical', 'diagonal'] as const, criterion: 'aic' as const, seed: 2 };
    const a = await selectModel(X, { ...opts, covariance: [...opts.covariance] });
    const b = await selectModel(X, { ...opts, covariance: [...opts.covariance] });
    expect(a.table).toEqual(b.table);
    expect(a.best.toJSON()).toEqual(b.best.toJSON());
    for (const t of a.table) {
      expect(t.value).toBe(t.aic);
      expect(t.bic - t.aic).toBeCloseTo(t.parameterCount * (Math.log(400) - 2), 8);
    }
    const best = a.table.reduce((m, t) => (t.aic < m.aic ? t : m));
    expect([a.best.options.covariance, a.best.options.nComponents]).toEqual([best.covariance, best.nComponents]);
  });
});

describe.skipIf(!hasSklearn)('criteria equal scikit-learn on the same fitted parameters', () => {
  it("every row's bic, aic and parameter count equal sklearn's bic(), aic(), _n_parameters()", async () => {
    const X = diagonalClusters(21, 300);
    const seed = 4, nComponents = [1, 2, 3, 4], covariance = ['spherical', 'diagonal'] as ('spherical' | 'diagonal')[];
    const r = await selectModel(X, { nComponents, covariance, seed });
    // The same candidate refitted alone is the same model (seeded): its parameters go to scikit-learn.
    const cases = [];
    for (const c of covariance) for (const k of nComponents) {
      const gm = new GaussianMixture({ nComponents: k, covariance: c, weights: 'learned', seed });
      await gm.fit(X);
      cases.push({ X, ...gm.toJSON(), covariance: c });
    }
    const py = spawnSync(PY, [SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8', timeout: 60_000 });
    expect(py.stderr).toBe('');
    const sk = JSON.parse(py.stdout) as { bic: number; aic: number; nParameters: number }[];
    expect(sk).toHaveLength(r.table.length);
    r.table.forEach((t, i) => {
      expect(t.parameterCount).toBe(sk[i]!.nParameters);
      expect(Math.abs(t.bic - sk[i]!.bic)).toBeLessThanOrEqual(1e-9 * Math.abs(sk[i]!.bic));
      expect(Math.abs(t.aic - sk[i]!.aic)).toBeLessThanOrEqual(1e-9 * Math.abs(sk[i]!.aic));
    });
  });
});

describe('selectModel validates at the door', () => {
  const X = diagonalClusters(1, 30);
  const bad: [string, unknown, RegExp][] = [
    ['missing nComponents', {}, /options\.nComponents.*required/],
    ['empty list', { nComponents: [] }, /options\.nComponents.*non-empty/],
    ['non-integer', { nComponents: [1, 2.5] }, /options\.nComponents/],
    ['zero', { nComponents: [0, 1] }, /options\.nComponents/],
    ['duplicates', { nComponents: [2, 2] }, /options\.nComponents.*distinct/],
    ['reversed range', { nComponents: { from: 4, to: 2 } }, /options\.nComponents.*range/],
    ['range with extra keys', { nComponents: { from: 1, to: 2, step: 1 } }, /options\.nComponents/],
    ['more components than rows', { nComponents: [1, 31] }, /options\.nComponents.*rows of X \(30\)/],
    ['too many candidates', { nComponents: { from: 1, to: 5000 } }, /at most 1000 candidates/],
    ['empty covariance list', { nComponents: [1], covariance: [] }, /options\.covariance.*non-empty/],
    ['unknown layout', { nComponents: [1], covariance: ['diagonal', 'ful'] }, /options\.covariance.*'spherical'/],
    ['covariance as a string', { nComponents: [1], covariance: 'diagonal' }, /options\.covariance/],
    ['unknown criterion', { nComponents: [1], criterion: 'loglik' }, /options\.criterion.*'bic', 'aic'/],
    ['unknown option', { nComponents: [1], nInits: 2 }, /options\.nInits.*is not an option/],
    ['bad estimator option', { nComponents: [1], nInit: 0 }, /options\.nInit.*integer ≥ 1/],
    ['init is per candidate', { nComponents: [1], init: 'random' }, /options\.init.*not an option of selectModel/],
  ];
  for (const [name, opts, msg] of bad) {
    it(name, async () => {
      const e = await selectModel(X, opts as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MixfitError);
      expect((e as Error).message).toMatch(msg);
    });
  }
  it('bad data is a MixfitError naming X', async () => {
    const e = await selectModel([[1, 2], [3]], { nComponents: [1] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MixfitError);
    expect((e as Error).message).toMatch(/^X/);
  });
});
