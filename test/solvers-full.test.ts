// Every solver on covariance 'full' and 'tied' (src/solvers/matrixParameterization.ts): each iterate is a
// valid mixture (fast-check over seeded data and starts), the θ-gradient the solvers use matches central
// finite differences, SQUAREM/Anderson reach EM's loss in no more passes on a seeded problem, and bad input
// still fails at the door.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GaussianMixture } from '../src/estimator.js';
import { FitError, MixfitError } from '../src/errors.js';
import { matrixMixture } from '../src/model/mixture.js';
import { Rng } from '../src/model/rng.js';
import { BackendObjective } from '../src/objective/objective.js';
import { loadKernels } from '../src/runtime/kernels.js';
import { MatrixParameterization } from '../src/solvers/matrixParameterization.js';
import { MixtureProblem } from '../src/solvers/mixtureProblem.js';
import { SOLVERS } from '../src/solvers/options.js';

const kernels = await loadKernels({ kernel: 'simd' });

/** `count` rows from clusters at `centres` with lower-triangular spread factors drawn from `rng`. */
function correlated(rng: Rng, count: number, centres: number[][]): number[][] {
  const d = centres[0].length;
  const A = centres.map(() => Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, l) => (l < j ? 0.8 * rng.normal() : l === j ? 0.3 + rng.uniform() : 0))));
  return Array.from({ length: count }, (_, k) => {
    const i = k % centres.length, z = Array.from({ length: d }, () => rng.normal());
    return centres[i].map((m, j) => m + A[i][j].reduce((s, a, l) => s + a * z[l], 0));
  });
}

/** Whether the symmetric d×d matrix S is positive definite (Cholesky succeeds) and exactly symmetric. */
function spd(S: number[][]): boolean {
  const d = S.length, L = S.map((r) => r.slice());
  for (let j = 0; j < d; j++) {
    for (let l = 0; l < j; l++) if (S[j][l] !== S[l][j]) return false;
    let s = L[j][j];
    for (let k = 0; k < j; k++) s -= L[j][k] ** 2;
    if (!(s > 0)) return false;
    L[j][j] = Math.sqrt(s);
    for (let i = j + 1; i < d; i++) { let t = L[i][j]; for (let k = 0; k < j; k++) t -= L[i][k] * L[j][k]; L[i][j] = t / L[j][j]; }
  }
  return true;
}

const CONCRETE = SOLVERS.filter((s) => s !== 'auto');

describe('every solver on full and tied covariances', () => {
  it('every iterate is a valid mixture: weights ≥ 0 summing to 1, every covariance symmetric positive definite ⪰ regCovar on the diagonal', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...CONCRETE), fc.constantFrom('full' as const, 'tied' as const), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 2, max: 3 }),
      async (solver, covariance, seed, d) => {
        const rng = new Rng(seed);
        const X = correlated(rng, 120, [Array(d).fill(0), Array(d).fill(3), Array.from({ length: d }, (_, j) => (j % 2 ? -3 : 3))]);
        const regCovar = 1e-4;
        let checked = 0;
        const gm = new GaussianMixture({
          nComponents: 3, covariance, solver, seed, maxIter: 40, regCovar,
          onIteration: ({ params }) => {
            const s = params.weights.reduce((a, b) => a + b, 0);
            expect(Math.abs(s - 1)).toBeLessThanOrEqual(1e-12);
            expect(params.weights.every((w) => w >= 0)).toBe(true);
            const blocks = covariance === 'tied' ? [params.covariances as number[][]] : params.covariances as number[][][];
            expect(blocks.length).toBe(covariance === 'tied' ? 1 : 3);
            for (const S of blocks) {
              expect(spd(S)).toBe(true);
              S.forEach((r, j) => expect(r[j]).toBeGreaterThanOrEqual(regCovar));
            }
            checked++;
          },
        });
        const r = await gm.fit(X);
        expect(checked).toBe(r.nIter);
        expect(Number.isFinite(r.loss)).toBe(true);
      }), { seed: 20261201, numRuns: 40 });
  });

  for (const tied of [false, true]) {
    it(`${tied ? 'tied' : 'full'}: the θ-gradient of the mixture problem (learned weights) matches central finite differences`, async () => {
      const rng = new Rng(tied ? 31 : 32);
      const d = 3, n = 2, N = 200, reg = 1e-3;
      const X = correlated(rng, N, [[0, 0, 0], [2, 1, -1]]);
      const objective = new BackendObjective(kernels.createBackend(Float64Array.from(X.flat()), N, d, Float64Array.from({ length: N }, () => 0.5 + rng.uniform())), 'empirical');
      const cov = new Float64Array((tied ? 1 : n) * d * d);
      for (let b = 0; b < (tied ? 1 : n); b++) for (let j = 0; j < d; j++) { cov[b * d * d + j * d + j] = 1 + b; if (j > 0) { cov[b * d * d + j * d + j - 1] = 0.3; cov[b * d * d + (j - 1) * d + j] = 0.3; } }
      const start = matrixMixture(Float64Array.from([0.1, 0.2, -0.1, 1.5, 1, -0.5]), [0.4, 0.6], cov, n, d, tied);
      const param = new MatrixParameterization(start, true, reg);
      const problem = new MixtureProblem(objective, param);
      const theta = param.thetaOf(start).map((v) => v + 0.1 * rng.normal());
      const pt = await problem.evaluate(theta);
      const h = 1e-6;
      for (let k = 0; k < theta.length; k++) {
        const tp = theta.slice(), tm = theta.slice();
        tp[k] += h; tm[k] -= h;
        const fd = ((await problem.evaluate(tp)).f - (await problem.evaluate(tm)).f) / (2 * h);
        expect(Math.abs(fd - pt.g[k]), `θ[${k}]`).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(fd));
      }
      objective.dispose();
    });
  }

  it('squarem and anderson on full reach a loss ≤ EM\'s at equal or fewer passes (seeded problem, same start)', async () => {
    const rng = new Rng(77);
    const X = correlated(rng, 600, [[0, 0, 0], [2.5, 1, -1], [-2, 2, 1]]);
    // EM stopped by its own rule (a loss change ≤ 1e-8 relative); the accelerators run on past it.
    const fit = async (solver: 'em' | 'squarem' | 'anderson') => {
      const gm = new GaussianMixture({ nComponents: 3, covariance: 'full', solver, seed: 4, tol: 0, lossChangeTol: solver === 'em' ? 1e-8 : 0, maxIter: 1e6, maxEvaluations: 400 });
      return gm.fit(X);
    };
    const em = await fit('em');
    expect(em.status).toBe('loss-change');
    expect(em.nEvaluations).toBeGreaterThan(10);
    const target = em.loss;
    for (const solver of ['squarem', 'anderson'] as const) {
      const r = await fit(solver);
      const reached = r.history.find((h) => h.loss <= target + 1e-12 * Math.abs(target));
      expect(reached, solver).toBeDefined();
      expect(reached!.evaluations, solver).toBeLessThanOrEqual(em.nEvaluations);
    }
  });

  it('a covariance collapsing with regCovar = 0 is a FitError naming the component, for the EM-map and the gradient solvers alike', async () => {
    const line = [[0, 0], [1, 1], [2, 2], [10, 10], [11, 11], [12, 12]];
    for (const solver of ['em', 'squarem', 'anderson', 'em-polyak'] as const) {
      const gm = new GaussianMixture({ nComponents: 2, covariance: 'full', solver, regCovar: 0 });
      await expect(gm.fit(line), solver).rejects.toThrow(/^Fitting the mixture failed: component [01] has an ill-defined empirical covariance/);
      await expect(gm.fit(line), solver).rejects.toThrow(FitError);
    }
  });

  it('a component on a line ends on the floor in one direction: the result warns naming it (the marginal variances alone would not)', async () => {
    const rng = new Rng(3);
    const X = [
      ...Array.from({ length: 60 }, (_, k) => { const t = k / 10; return [t, 2 * t]; }),
      ...Array.from({ length: 60 }, () => [10 + rng.normal(), 10 + rng.normal()]),
    ];
    for (const solver of ['em', 'squarem'] as const) {
      const gm = new GaussianMixture({ nComponents: 2, covariance: 'full', solver, init: { means: [[3, 6], [10, 10]] } });
      const r = await gm.fit(X);
      const line = gm.means![0][0] < 5 ? 0 : 1;
      expect(r.warnings, solver).toContain(`component ${line} collapsed: its covariance was floored at regCovar = 0.000001 in some direction; use fewer components or a larger regCovar`);
      expect(r.warnings.filter((w) => w.includes('collapsed')).length, solver).toBe(1);
      expect((gm.variances as number[][])[line].every((v) => v > 0.1), solver).toBe(true);
    }
  });

  it('bad input fails at the door as before', () => {
    const make = (o: Record<string, unknown>) => () => new GaussianMixture({ nComponents: 2, covariance: 'tied', ...o } as never);
    expect(make({ solver: 'squarem', precision: 'float32' })).not.toThrow(); // float32 tied: test/passFullF32.test.ts
    expect(make({ solver: 'nope' })).toThrow(MixfitError);
    expect(make({ solver: 'gd', init: { means: [[0, 0], [1, 1]], covariances: [[1, 2], [2, 1]] } })).toThrow('options.init.covariances: must be a symmetric positive definite matrix (its leading 2×2 minor is not positive)');
  });
});
