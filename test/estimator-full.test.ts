// GaussianMixture with covariance 'full' and 'tied' end to end: EM iteration for iteration against
// scikit-learn from the same start (fixture from bench/sklearn_full_em.py, no Python needed), scoring,
// criteria, JSON, sampling, validation messages and the CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GaussianMixture } from '../src/estimator.js';
import { FitError, MixfitError } from '../src/errors.js';
import type { ModelJSON } from '../src/model/json.js';
import { Rng } from '../src/model/rng.js';
import { randomFullMixture, sampleFullMixture } from './fixtures/fullCovariance.js';

interface Step { weights: number[]; means: number[][]; covariances: number[][][] | number[][]; lowerBound: number }
interface Case {
  data: string; covariance: 'full' | 'tied'; regCovar: number; X: number[][];
  start: { means: number[][]; weights: number[]; covariances: number[][][] | number[][] };
  nParameters: number; steps: Step[]; final: { scoreSamples: number[]; bic: number; aic: number };
}
const fixture = JSON.parse(readFileSync(resolve(__dirname, 'fixtures/sklearn-full-em.json'), 'utf8')) as { iterations: number; cases: Case[] };

/** max |a − b| / max |b| over flattened arrays. */
function normwise(a: unknown, b: unknown): number {
  const fa = (a as number[]).flat(2) as number[], fb = (b as number[]).flat(2) as number[];
  expect(fa.length).toBe(fb.length);
  let m = 0, s = 0;
  for (let k = 0; k < fa.length; k++) { m = Math.max(m, Math.abs(fa[k] - fb[k])); s = Math.max(s, Math.abs(fb[k])); }
  return m / s;
}

const fromStart = (c: Case, extra: Record<string, unknown> = {}) => new GaussianMixture({
  nComponents: c.start.means.length, covariance: c.covariance, weights: 'learned', solver: 'em', tol: 0,
  maxIter: fixture.iterations, regCovar: c.regCovar, kernel: 'simd',
  init: { means: c.start.means, weights: c.start.weights, covariances: c.start.covariances }, ...extra,
});

describe.each(fixture.cases.map((c) => [`${c.data} ${c.covariance}`, c] as const))('scikit-learn EM, %s', (_, c) => {
  it('equals scikit-learn iteration for iteration: lower bounds and final parameters', async () => {
    for (const kernel of ['simd', 'js'] as const) {
      const gm = fromStart(c, { kernel });
      const r = await gm.fit(c.X);
      expect(r.nIter).toBe(fixture.iterations);
      expect(r.nEvaluations).toBe(fixture.iterations + 1);
      // sklearn's lower_bound_ after k steps is the mean log-likelihood at the parameters of k − 1 steps;
      // our history[k] is the loss at the parameters after k + 1 steps.
      for (let k = 0; k + 1 < fixture.iterations; k++)
        expect(Math.abs(-r.history[k].loss - c.steps[k + 1].lowerBound)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(c.steps[k + 1].lowerBound)));
      const last = c.steps[fixture.iterations - 1];
      expect(normwise(gm.means, last.means)).toBeLessThanOrEqual(1e-10);
      expect(normwise(gm.weights, last.weights)).toBeLessThanOrEqual(1e-10);
      expect(normwise(gm.covariances, last.covariances)).toBeLessThanOrEqual(1e-10);
      // The marginal variances are the covariances' diagonals.
      const cov = gm.covariances!;
      const diag = (i: number, j: number) => (c.covariance === 'tied' ? (cov as number[][])[j][j] : (cov as number[][][])[i][j][j]);
      expect(gm.variances).toStrictEqual(gm.means!.map((m, i) => m.map((_, j) => diag(i, j))));
    }
  });

  it("scikit-learn's score_samples, bic and aic on its fitted model equal ours on our fitted model", async () => {
    const gm = fromStart(c);
    await gm.fit(c.X);
    expect(normwise(gm.scoreSamples(c.X), c.final.scoreSamples)).toBeLessThanOrEqual(1e-10);
    expect(gm.parameterCount()).toBe(c.nParameters);
    expect(Math.abs(gm.bic(c.X) - c.final.bic)).toBeLessThanOrEqual(1e-9 * Math.abs(c.final.bic));
    expect(Math.abs(gm.aic(c.X) - c.final.aic)).toBeLessThanOrEqual(1e-9 * Math.abs(c.final.aic));
    const mean = c.final.scoreSamples.reduce((a, b) => a + b, 0) / c.X.length;
    expect(Math.abs(gm.score(c.X) - mean)).toBeLessThanOrEqual(1e-10 * Math.abs(mean));
    // predictProba rows sum to 1 and predict is their argmax.
    const P = gm.predictProba(c.X), labels = gm.predict(c.X);
    P.forEach((row, k) => {
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12);
      expect(labels[k]).toBe(row.indexOf(Math.max(...row)));
    });
  });

  it('JSON round trip is exact, bic included; the document holds covariances, version 3', async () => {
    const gm = fromStart(c);
    await gm.fit(c.X);
    const text = JSON.stringify(gm.toJSON());
    const doc = JSON.parse(text);
    expect(doc.version).toBe(3);
    expect(doc.covariance).toBe(c.covariance);
    expect(doc.variances).toBeUndefined();
    expect(doc.covariances).toStrictEqual(gm.covariances);
    const back = GaussianMixture.fromJSON(text);
    expect(back.covariances).toStrictEqual(gm.covariances);
    expect(back.means).toStrictEqual(gm.means);
    expect(back.weights).toStrictEqual(gm.weights);
    expect(back.scoreSamples(c.X)).toStrictEqual(gm.scoreSamples(c.X));
    expect(back.bic(c.X)).toBe(gm.bic(c.X));
    expect(back.toJSON()).toStrictEqual(gm.toJSON());
  });
});

/** Rows from N(μ_i, Σ_i) with Σ_i = A_iA_iᵀ. */
function gaussians(rng: Rng, count: number, centres: number[][], A: number[][][]): number[][] {
  const X: number[][] = [];
  for (let k = 0; k < count; k++) {
    const i = k % centres.length, d = centres[i].length;
    const z = Array.from({ length: d }, () => rng.normal());
    X.push(centres[i].map((m, j) => m + A[i][j].reduce((s, a, l) => s + a * z[l], 0)));
  }
  return X;
}

describe('GaussianMixture full/tied', () => {
  const rng = new Rng(5);
  const A = [[[1, 0], [0.9, 0.3]], [[0.5, 0], [-0.4, 0.8]]];
  const X = gaussians(rng, 2000, [[0, 0], [6, 6]], A);
  const truth = A.map((a) => [[a[0][0] ** 2 + a[0][1] ** 2, a[0][0] * a[1][0] + a[0][1] * a[1][1]],
    [a[0][0] * a[1][0] + a[0][1] * a[1][1], a[1][0] ** 2 + a[1][1] ** 2]]);

  it('recovers correlated clusters from k-means++ with restarts; sample reproduces the fitted moments', async () => {
    const gm = new GaussianMixture({ nComponents: 2, covariance: 'full', weights: 'learned', nInit: 2, seed: 1 });
    const r = await gm.fit(X);
    expect(r.converged).toBe(true);
    expect(r.status).toBe('loss-change');
    const order = gm.means![0][0] < gm.means![1][0] ? [0, 1] : [1, 0];
    const cov = gm.covariances as number[][][];
    order.forEach((k, i) => expect(normwise(cov[k], truth[i])).toBeLessThan(0.1));
    // x = μ + L z: the sample's per-component mean and covariance match the model's (N = 40 000, ≈ 4 / √N).
    const { X: S, labels } = gm.sample(40000, 7);
    for (let i = 0; i < 2; i++) {
      const rows = S.filter((_, k) => labels[k] === i);
      expect(Math.abs(rows.length / S.length - gm.weights![i])).toBeLessThan(0.02);
      const m = [0, 1].map((j) => rows.reduce((s, x) => s + x[j], 0) / rows.length);
      const c = [0, 1].map((j) => [0, 1].map((l) => rows.reduce((s, x) => s + (x[j] - m[j]) * (x[l] - m[l]), 0) / rows.length));
      m.forEach((v, j) => expect(Math.abs(v - gm.means![i][j])).toBeLessThan(0.05));
      expect(normwise(c, cov[i])).toBeLessThan(0.05);
    }
    expect(gm.sample(5, 3)).toStrictEqual(gm.sample(5, 3));
  });

  it('tied fits one shared d × d covariance; auto resolves to squarem', async () => {
    const gm = new GaussianMixture({ nComponents: 2, covariance: 'tied', weights: 'learned' });
    const r = await gm.fit(X);
    expect(r.history.some((h) => h.kind === 'squarem')).toBe(true);
    expect(r.history.every((h) => ['em', 'squarem', 'trial'].includes(h.kind))).toBe(true);
    const cov = gm.covariances as number[][];
    expect(cov.length).toBe(2);
    expect(cov[0].length).toBe(2);
    expect(cov[0][1]).toBe(cov[1][0]);
    expect(gm.parameterCount()).toBe(3 + 4 + 1);
  });

  it('a failed fit leaves the previous model unchanged; a collapsed covariance is a FitError naming the component', async () => {
    const gm = new GaussianMixture({ nComponents: 2, covariance: 'full', weights: 'learned' });
    await gm.fit(X);
    const before = gm.toJSON();
    // Three distinct points on a line, regCovar 0: component 1 holds points of a rank-deficient set.
    const line = [[0, 0], [1, 1], [2, 2], [10, 10], [11, 11], [12, 12]];
    const bad = new GaussianMixture({ nComponents: 2, covariance: 'full', regCovar: 0 });
    await expect(bad.fit(line)).rejects.toThrow(FitError);
    await expect(bad.fit(line)).rejects.toThrow(/^Fitting the mixture failed: component [01] has an ill-defined empirical covariance \(not positive definite after adding regCovar = 0 to its diagonal; leading 2×2 minor\), for instance caused by singleton or collapsed samples\. Try to decrease nComponents, or increase regCovar\.$/);
    await expect(gm.fit(line, { sampleWeight: [1, 1, 1, 1, 1, NaN] })).rejects.toThrow(MixfitError);
    expect(gm.toJSON()).toStrictEqual(before);
  });

  it('rejects unsupported combinations and bad starts at the door, with exact messages', () => {
    const make = (o: Record<string, unknown>) => () => new GaussianMixture({ nComponents: 2, covariance: 'full', ...o } as never);
    // Every solver covers full and tied (test/solvers-full.test.ts runs them).
    for (const solver of ['squarem', 'anderson', 'em-polyak', 'gd-polyak', 'gd', 'gradient-em', 'polyak'])
      for (const covariance of ['full', 'tied']) expect(make({ solver, covariance })).not.toThrow();
    expect(make({ solver: 'squaremm' })).toThrow("options.solver: must be one of");
    expect(make({ precision: 'float32' })).not.toThrow(); // the float32 full/tied pass: test/passFullF32.test.ts
    expect(make({ covariance: 'ful' })).toThrow("options.covariance: must be one of 'fixed', 'spherical', 'diagonal', 'full', 'tied' (received \"ful\")");
    expect(make({ init: { means: [[0, 0], [1, 1]], covariances: [[[1, 0], [0, 1]]] } })).toThrow('options.init.covariances: must be an array of shape 2 × 2 × 2');
    expect(make({ init: { means: [[0, 0], [1, 1]], covariances: [[[1, 0], [0, 1]], [[1, 2], [2, 1]]] } })).toThrow('options.init.covariances[1]: must be a symmetric positive definite matrix (its leading 2×2 minor is not positive)');
    expect(make({ init: { means: [[0, 0], [1, 1]], covariances: [[[1, 0.5], [0, 1]], [[1, 0], [0, 1]]] } })).toThrow('options.init.covariances[0]: must be symmetric (entries [1][0] and [0][1] differ)');
    expect(make({ init: { means: [[0, 0], [1, 1]], variances: [1, 1] } })).toThrow("options.init.variances: must not be given with covariance 'full' (give covariances: n × d × d)");
    expect(make({ covariance: 'diagonal', init: { means: [[0, 0], [1, 1]], covariances: [[1, 0], [0, 1]] } })).toThrow("options.init.covariances: must be given with covariance 'full' or 'tied' only");
    expect(make({ covariance: 'tied', init: { means: [[0, 0], [1, 1]], covariances: [[1, 0], [0, 1]] } })).not.toThrow();
  });

  it('model files: version 2 cannot hold full; a bad covariance is named', () => {
    const doc: ModelJSON = { version: 3, covariance: 'full', means: [[0, 0], [1, 1]], weights: [0.5, 0.5],
      covariances: [[[1, 0], [0, 1]], [[2, 1], [1, 2]]], learned: { weights: true, variances: true } };
    expect(GaussianMixture.fromJSON(doc).covariances).toStrictEqual(doc.covariances);
    expect(() => GaussianMixture.fromJSON({ ...doc, version: 2 })).toThrow("json.version: must be 3 for covariance 'full' (received 2)");
    expect(() => GaussianMixture.fromJSON({ ...doc, covariances: [[[1, 0], [0, 1]], [[1, 2], [2, 1]]] })).toThrow('json.covariances[1]: must be a symmetric positive definite matrix');
    expect(() => GaussianMixture.fromJSON({ ...doc, covariances: undefined })).toThrow("json.covariances: is required for covariance 'full'");
  });
});

describe('CLI --covariance full', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixfit-full-'));
  const CLI = process.env.MIXFIT_CLI ?? resolve(__dirname, '../dist/cli.js');
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  it('fit writes a full model file that score, predict and sample read back, equal to the API', async () => {
    const rng = new Rng(3);
    const X = gaussians(rng, 300, [[0, 0], [5, 5]], [[[1, 0], [0.8, 0.4]], [[0.6, 0], [-0.3, 0.5]]]);
    writeFileSync(join(dir, 'x.csv'), X.map((r) => r.join(',')).join('\n') + '\n');
    const fit = run(['fit', 'x.csv', '--components', '2', '--covariance', 'full', '--weights', 'learned', '--seed', '2', '--out', 'm.json', '--quiet']);
    expect(fit.status).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
    expect(doc.covariance).toBe('full');
    const gm = new GaussianMixture({ nComponents: 2, covariance: 'full', weights: 'learned', seed: 2 });
    await gm.fit(X);
    expect(doc).toStrictEqual(gm.toJSON());
    const sc = JSON.parse(run(['score', 'm.json', 'x.csv', '--json']).stdout);
    expect(sc.logDensity).toStrictEqual(gm.scoreSamples(X));
    expect(JSON.parse(run(['predict', 'm.json', 'x.csv', '--json']).stdout).labels).toStrictEqual(gm.predict(X));
    const smp = JSON.parse(run(['sample', 'm.json', '-n', '50', '--seed', '1', '--json']).stdout);
    expect(smp).toStrictEqual(gm.sample(50, 1).X);
    // The file as a warm start: --init carries its covariances.
    const warm = run(['fit', 'x.csv', '--components', '2', '--covariance', 'full', '--weights', 'learned', '--init', 'm.json', '--max-iter', '0', '--out', 'm0.json', '--quiet']);
    expect(warm.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'm0.json'), 'utf8')).covariances).toStrictEqual(doc.covariances);
  });
});

describe('full/tied progress', () => {
  it('onIteration sees each history record with the current covariances; returning false stops and commits', async () => {
    const c = fixture.cases[0];
    const seen: { loss: number; gradNorm: number; cov: unknown }[] = [];
    const gm = fromStart(c, { onIteration: (p: { loss: number; gradNorm: number; iteration: number; params: { covariances?: unknown } }) => {
      seen.push({ loss: p.loss, gradNorm: p.gradNorm, cov: p.params.covariances });
      return p.iteration < 3;
    } });
    const r = await gm.fit(c.X);
    expect(r.status).toBe('callback');
    expect(r.nIter).toBe(3);
    expect(seen.map((s) => [s.loss, s.gradNorm])).toStrictEqual(r.history.map((h) => [h.loss, h.gradNorm]));
    expect(seen[2].cov).toStrictEqual(gm.covariances);
    expect(seen.every((s) => s.gradNorm > 0 && Number.isFinite(s.gradNorm))).toBe(true);
  });
});

describe('EM through the GEMM form of the full/tied pass (d ≥ 32)', () => {
  // The SIMD pass takes its GEMM form from d = 32 on (assembly/passFull.ts, usesFullGemm); the JS oracle is
  // the one checked against scikit-learn above. Same start, same iterations: the two must agree.
  for (const [d, covariance] of [[33, 'full'], [40, 'tied'], [64, 'full']] as const) {
    it(`d = ${d} ${covariance}: simd and js agree iteration for iteration`, async () => {
      const rng = new Rng(2026 + d);
      const mix = randomFullMixture(rng, 3, d, covariance === 'tied', 100);
      const N = 300;
      const flat = sampleFullMixture(rng, mix, N);
      const X = Array.from({ length: N }, (_, k) => Array.from(flat.subarray(k * d, (k + 1) * d)));
      const fit = async (kernel: 'simd' | 'js') => {
        const gm = new GaussianMixture({ nComponents: 3, covariance, weights: 'learned', solver: 'em', tol: 0, maxIter: 6, seed: 3, kernel });
        return { gm, r: await gm.fit(X) };
      };
      const a = await fit('simd'), b = await fit('js');
      expect(a.r.nIter).toBe(6);
      for (let k = 0; k < a.r.history.length; k++)
        expect(Math.abs(a.r.history[k].loss - b.r.history[k].loss)).toBeLessThanOrEqual(1e-12 * Math.abs(b.r.history[k].loss));
      expect(normwise(a.gm.means, b.gm.means)).toBeLessThanOrEqual(1e-10);
      expect(normwise(a.gm.weights, b.gm.weights)).toBeLessThanOrEqual(1e-10);
      expect(normwise(a.gm.covariances, b.gm.covariances)).toBeLessThanOrEqual(1e-10);
    });
  }
});
