// The two data-scale safeguards the estimator turns on by default: the 'em' metric (means steps scaled by
// σ², as gradient EM scales them) and backtracked gradient/short steps. Both must be no-ops in the paper's
// setting (σ² = 1, η ≤ 1/L) and must stop fixed-step solvers from crawling or diverging on raw data.
import { describe, expect, it } from 'vitest';
import { GaussianMixture } from '../src/estimator.js';
import { Rng } from '../src/model/rng.js';
import { empiricalObjective } from '../src/objective/empirical.js';
import { minimize } from '../src/solvers/minimize.js';
import { minimizeFunction } from '../src/solvers/vector.js';

function blobs(seed: number, rows: number, scale: number): number[][] {
  const rng = new Rng(seed);
  const centers = [[-3, 0, 1], [3, 2, -1], [0, -4, 2]];
  return Array.from({ length: rows }, (_, k) => centers[k % 3]!.map((c) => scale * (c + (0.5 + (k % 3) * 0.3) * rng.normal())));
}

describe("metric 'em'", () => {
  it('is the euclidean method exactly when σ² = 1 (fixed covariance)', async () => {
    const obj = await empiricalObjective(blobs(1, 300, 1));
    const start = { means: [[-1, 0, 0], [1, 0, 0], [0, -1, 0], [0, 1, 0]] };
    for (const solver of ['gd-polyak', 'gd', 'polyak'] as const) {
      const a = await minimize(obj, start, { solver, maxIter: 200 });
      const b = await minimize(obj, start, { solver, maxIter: 200, metric: 'em' });
      expect(b.params).toStrictEqual(a.params);
      expect(b.history).toStrictEqual(a.history);
    }
    obj.dispose();
  });

  it('makes gd-polyak equivariant to the data scale: fit(cX) has means c·means(X) (regCovar 0)', async () => {
    const X = blobs(2, 600, 1);
    for (const c of [1e-2, 37]) {
      const common = { nComponents: 3, covariance: 'diagonal', weights: 'learned', regCovar: 0, seed: 3, maxIter: 400, tol: 0 } as const;
      const a = new GaussianMixture(common), b = new GaussianMixture(common);
      const ra = await a.fit(X), rb = await b.fit(X.map((r) => r.map((v) => c * v)));
      // Rounding differs between the two runs (the loss shifts by d·log c), so equality is to 1e-7 relative.
      a.means!.flat().forEach((m, k) => expect(Math.abs(b.means!.flat()[k]! - c * m)).toBeLessThanOrEqual(1e-7 * c * Math.max(1, Math.abs(m))));
      expect(rb.loss - 3 * Math.log(c)).toBeCloseTo(ra.loss, 7);
    }
  });
});

describe('backtracking', () => {
  it('keeps a too-long fixed step from diverging and never lets the loss increase', async () => {
    // f = 50‖x‖²: L = 100, so η = 1 overshoots by a factor 99 every step.
    const fg = (x: Float64Array, g: Float64Array) => { g[0] = 100 * x[0]!; g[1] = 100 * x[1]!; return 50 * (x[0]! ** 2 + x[1]! ** 2); };
    const plain = await minimizeFunction(fg, [1, -2], { solver: 'gd', maxIter: 50, tol: 1e-8 });
    expect(plain.converged).toBe(false);
    const safe = await minimizeFunction(fg, [1, -2], { solver: 'gd', maxIter: 200, tol: 1e-8, backtrack: true });
    expect(safe.status).toBe('gradient-tolerance');
    for (let k = 1; k < safe.history.length; k++) expect(safe.history[k]!.loss).toBeLessThanOrEqual(safe.history[k - 1]!.loss);
    // Each rejected trial is a counted evaluation.
    expect(safe.nEvaluations).toBeGreaterThan(safe.nIter + 1);
  });

  it('never fires in the paper setting (σ² = 1, η = 1): same iterates as without it', async () => {
    const obj = await empiricalObjective(blobs(4, 300, 1));
    const start = { means: [[-1, 0, 0], [1, 0, 0], [0, -1, 0], [0, 1, 0]] };
    const a = await minimize(obj, start, { solver: 'gd-polyak', maxIter: 300 });
    const b = await minimize(obj, start, { solver: 'gd-polyak', maxIter: 300, backtrack: true });
    expect(b.nEvaluations).toBe(a.nEvaluations);
    expect(b.params).toStrictEqual(a.params);
    obj.dispose();
  });

  it('lets the default estimator fit raw-scale data that the plain method diverges on', async () => {
    // Features in units of 1e-2 (variances ~1e-4): plain η = 1 steps are 1e4 times too long for the means.
    const X = blobs(5, 600, 1e-2);
    const plain = new GaussianMixture({ nComponents: 3, covariance: 'spherical', weights: 'learned', seed: 1, solver: 'gd-polyak', metric: 'euclidean', backtrack: false });
    const safe = new GaussianMixture({ nComponents: 3, covariance: 'spherical', weights: 'learned', seed: 1, solver: 'gd-polyak' });
    const em = new GaussianMixture({ nComponents: 3, covariance: 'spherical', weights: 'learned', seed: 1, solver: 'em' });
    const [rs, re] = [await safe.fit(X), await em.fit(X)];
    let plainLoss = Infinity;
    try { plainLoss = (await plain.fit(X)).loss; } catch { /* FitError: diverged */ }
    expect(rs.loss).toBeLessThanOrEqual(re.loss + 1e-6 * Math.abs(re.loss));
    expect(plainLoss).toBeGreaterThan(re.loss + 0.1);
  });
});
