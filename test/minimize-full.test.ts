// The public `minimize` on covariance 'full' and 'tied': every solver over a data objective (empirical and
// sample) reaches a valid mixture, 'em' through minimize is GaussianMixture's 'em' fit bit for bit, bad
// starts and float32 objectives fail at the door with their MixfitError (SQL objectives: test/sql-full.test.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GaussianMixture, MixfitError, empiricalObjective, minimize, openSource, populationObjective, sampleObjective, streamingObjective,
} from '../src/index.js';
import { Rng } from '../src/model/rng.js';
import { SOLVERS } from '../src/solvers/options.js';
import type { FittedParams } from '../src/types.js';

const LAYOUTS = ['full', 'tied'] as const;

/** 150 rows in d = 2 from three correlated clusters (seeded). */
function data(seed: number): number[][] {
  const rng = new Rng(seed);
  const centres = [[0, 0], [4, 1], [-1, 4]], A = [[[1, 0], [0.6, 0.4]], [[0.5, 0], [-0.3, 0.8]], [[0.7, 0], [0.2, 0.3]]];
  return Array.from({ length: 150 }, (_, k) => {
    const i = k % 3, z = [rng.normal(), rng.normal()];
    return centres[i].map((m, j) => m + A[i][j][0] * z[0] + A[i][j][1] * z[1]);
  });
}

const I2 = [[1, 0], [0, 1]];
/** A start of `covariance` (identity covariances) at the given means. */
function start(covariance: 'full' | 'tied', means: number[][]) {
  return { means, covariances: covariance === 'tied' ? I2 : means.map(() => I2) };
}

/** Every covariance block symmetric positive definite (2 × 2: positive diagonal and determinant), weights a distribution. */
function expectValid(p: FittedParams, covariance: 'full' | 'tied', n: number): void {
  expect(Math.abs(p.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12);
  expect(p.weights.every((w) => w >= 0)).toBe(true);
  expect(p.means).toHaveLength(n);
  const blocks = covariance === 'tied' ? [p.covariances as number[][]] : p.covariances as number[][][];
  expect(blocks).toHaveLength(covariance === 'tied' ? 1 : n);
  for (const S of blocks) {
    expect(S[0][1]).toBe(S[1][0]);
    expect(S[0][0] > 0 && S[0][0] * S[1][1] - S[0][1] * S[1][0] > 0).toBe(true);
  }
  // variances are the covariances' diagonals, per component.
  (p.variances as number[][]).forEach((v, i) => { const S = blocks[covariance === 'tied' ? 0 : i]; expect(v).toEqual([S[0][0], S[1][1]]); });
}

/** The MixfitError `f` rejects with (fails the test when it resolves or throws something else). */
async function rejection(f: () => Promise<unknown>): Promise<MixfitError> {
  const e = await f().then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(MixfitError);
  return e as MixfitError;
}

describe('minimize with covariance full and tied', () => {
  const means0 = [[0.5, 0.5], [3, 0], [0, 3]];

  it('every solver over an empirical and a sample objective reaches a valid mixture below its start loss, iterates included', async () => {
    const emp = await empiricalObjective(data(7));
    const smp = await sampleObjective({ means: [[0, 0], [4, 1], [-1, 4]], variances: [[1, 0.5], [0.3, 0.8], [0.5, 0.2]] }, { rows: 150, seed: 3 });
    try {
      for (const objective of [emp, smp]) {
        for (const covariance of LAYOUTS) {
          for (const solver of SOLVERS) {
            let iterates = 0;
            const r = await minimize(objective, start(covariance, means0), {
              covariance, solver, weights: 'learned', metric: 'em', backtrack: true, maxIter: 60, regCovar: 1e-4,
              onIteration: ({ params }) => { iterates++; expectValid(params, covariance, 3); },
            });
            expectValid(r.params, covariance, 3);
            expect(iterates, `${solver} ${covariance}`).toBeGreaterThan(0);
            expect(Number.isFinite(r.loss)).toBe(true);
            expect(r.loss, `${solver} ${covariance}`).toBeLessThan(r.history[0].loss);
          }
        }
      }
    } finally {
      emp.dispose();
      smp.dispose();
    }
  }, 120_000);

  it("'em' through minimize is GaussianMixture's 'em' fit from the same start, to the bit", async () => {
    const X = data(11);
    for (const covariance of LAYOUTS) {
      const init = { ...start(covariance, means0), weights: [0.5, 0.25, 0.25] };
      const tol = 1e-9, maxIter = 200;
      const gm = new GaussianMixture({ nComponents: 3, covariance, solver: 'em', init, nInit: 1, tol, maxIter, weights: 'learned' });
      const fit = await gm.fit(X);
      const objective = await empiricalObjective(X);
      // GaussianMixture's EM-map stop (lossChangeTol = tol) and its metric, named explicitly: minimize's defaults differ.
      const r = await minimize(objective, init, { covariance, solver: 'em', weights: 'learned', tol, maxIter, lossChangeTol: tol, metric: 'em' });
      objective.dispose();
      expect(r.params).toEqual(fit.params);
      expect(r.loss).toBe(fit.loss);
      expect([r.nIter, r.nEvaluations, r.status]).toEqual([fit.nIter, fit.nEvaluations, fit.status]);
      expect(r.history.map((h) => h.loss)).toEqual(fit.history.map((h) => h.loss));
      expect(r.params.covariances).toEqual(gm.covariances);
    }
  }, 60_000);

  it('runs over a population (quadrature KL) objective: a full model of a diagonal truth reaches the diagonal fit', async () => {
    const truth = { means: [[-2, 0], [2, 0]], variances: [[1, 0.5], [0.7, 1.2]] };
    const kl = await populationObjective(truth);
    const means = [[-1, 0.5], [1, -0.5]];
    const opts = { solver: 'em', weights: 'learned', maxIter: 3000, optimum: 0 } as const;
    const diag = await minimize(kl, { means }, { ...opts, covariance: 'diagonal' });
    const full = await minimize(kl, start('full', means), { ...opts, covariance: 'full' });
    kl.dispose();
    expect(Math.abs(diag.loss)).toBeLessThan(1e-7);
    expect(Math.abs(full.loss - diag.loss)).toBeLessThan(1e-9);
    expect((full.params.covariances as number[][][]).every((S) => Math.abs(S[0][1]) < 1e-9)).toBe(true);
  }, 60_000);

  it('runs over a streaming objective: the in-memory fit up to the rounding of chunked sums', async () => {
    const X = data(9);
    const path = join(mkdtempSync(join(tmpdir(), 'mixfit-minfull-')), 'x.csv');
    writeFileSync(path, X.map((r) => r.join(',')).join('\n') + '\n');
    const streamed = await streamingObjective(await openSource(path), { chunkRows: 64 });
    const resident = await empiricalObjective(X);
    for (const covariance of LAYOUTS) {
      const opts = { covariance, solver: 'em', weights: 'learned', maxIter: 30 } as const;
      const a = await minimize(streamed, start(covariance, means0), opts);
      const b = await minimize(resident, start(covariance, means0), opts);
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-12 * Math.abs(b.loss));
      expectValid(a.params, covariance, 3);
    }
    streamed.dispose();
    resident.dispose();
  });

  it('defaults: uniform weights and identity covariances, the same run as giving them', async () => {
    const objective = await empiricalObjective(data(5));
    for (const covariance of LAYOUTS) {
      const a = await minimize(objective, { means: means0 }, { covariance, solver: 'squarem', weights: 'learned', maxIter: 20 });
      const b = await minimize(objective, { ...start(covariance, means0), weights: [1 / 3, 1 / 3, 1 / 3] }, { covariance, solver: 'squarem', weights: 'learned', maxIter: 20 });
      expect(a.params).toEqual(b.params);
    }
    objective.dispose();
  });

  it('bad starts fail at the door with the MixfitError naming the field, before any evaluation', async () => {
    const objective = await empiricalObjective(data(5));
    const means = [[0, 0], [3, 3]];
    const cases: [string, 'full' | 'tied', unknown, string][] = [
      ['shape', 'full', { means, covariances: [I2] }, 'start.covariances: must be an array of shape 2 × 2 × 2 (received an array of length 1)'],
      ['tied shape', 'tied', { means, covariances: [I2, I2, I2] }, 'start.covariances: must be an array of shape 2 × 2 (received an array of length 3)'],
      ['block shape', 'full', { means, covariances: [I2, [[1, 0, 0], [0, 1, 0]]] }, 'start.covariances[1]: must have 2 columns (the model\'s dimension) (received "3 columns")'],
      ['asymmetric', 'full', { means, covariances: [I2, [[1, 0.5], [0.4, 1]]] }, 'start.covariances[1]: must be symmetric (entries [1][0] and [0][1] differ) (received an array of length 2)'],
      ['not SPD', 'tied', { means, covariances: [[1, 2], [2, 1]] }, 'start.covariances: must be a symmetric positive definite matrix (its leading 2×2 minor is not positive)'],
      ['not SPD, one block', 'full', { means, covariances: [I2, [[1, 0], [0, -1]]] }, 'start.covariances[1]: must be a symmetric positive definite matrix (its leading 2×2 minor is not positive)'],
      ['NaN', 'full', { means, covariances: [[[NaN, 0], [0, 1]], I2] }, 'start.covariances[0]: entries must be finite numbers (received "NaN at row 0, column 0")'],
      ['means d', 'full', { means: [[0, 0, 0], [1, 1, 1]], covariances: [I2, I2] }, 'start.means: must have 2 columns (the model\'s dimension) (received "3 columns")'],
      ['variances', 'tied', { means, variances: 1 }, "start.variances: must not be given with covariance 'tied' (give covariances: d × d) (received 1)"],
      ['weights', 'full', { means, weights: [0.2, 0.2] }, 'start.weights: must sum to 1 (within 1e-9) (received "sum 0.4")'],
      ['not an object', 'full', 5, 'start: must be an object { means, weights?, covariances? } (received 5)'],
    ];
    for (const [what, covariance, s, message] of cases) {
      const e = await rejection(() => minimize(objective, s as never, { covariance }));
      expect(e.message, what).toBe(message);
    }
    const e = await rejection(() => minimize(objective, { means, covariances: [I2, I2] }, { covariance: 'diagonal' }));
    expect(e.message).toBe("start.covariances: must be given with covariance 'full' or 'tied' only (received an array of length 2)");
    expect(objective.evaluations).toBe(0);
    objective.dispose();
  });

  it('a float32 objective runs full/tied (assembly/passFullF32.ts)', async () => {
    const X = data(5);
    const f32 = await empiricalObjective(X, { kernel: 'simd', precision: 'float32' });
    const f64 = await empiricalObjective(X, { kernel: 'simd' });
    expect(f32.precision).toBe('float32');
    for (const covariance of LAYOUTS) {
      const s = start(covariance, [[0, 0], [3, 3]]);
      const a = await minimize(f32, s, { covariance, solver: 'em', maxIter: 5 });
      const b = await minimize(f64, s, { covariance, solver: 'em', maxIter: 5 });
      // Float32 passes: the loss agrees to float32's digits, and is not float64's bit for bit.
      expect(Math.abs(a.loss - b.loss) / Math.abs(b.loss), covariance).toBeLessThan(1e-6);
      expect(a.loss, covariance).not.toBe(b.loss);
    }
    f32.dispose();
    f64.dispose();
    // The estimator accepts it too.
    expect(() => new GaussianMixture({ nComponents: 2, covariance: 'full', precision: 'float32' })).not.toThrow();

  });
});
