// Model math for full/tied covariances (src/model/fullCovariance.ts): precision Cholesky factors, the EM
// M-step against a hand-written reference and against scikit-learn (fixture from bench/sklearn_full_em.py),
// parameter counts, and the factor gradient against central finite differences.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FitError, MixfitError } from '../src/errors.js';
import { GaussianMixture } from '../src/estimator.js';
import { Rng } from '../src/model/rng.js';
import { loadKernels } from '../src/runtime/kernels.js';
import { newFullPassStats, type FullDataBackend, type FullParams } from '../src/kernel/fullLayout.js';
import {
  covarianceParameterCount, covariancesFromCoordinates, floorCoordinates, fullGradient, mixtureParameterCount, mStepFull,
  precisionCholesky,
} from '../src/model/fullCovariance.js';
import { randomCovariance, randomFullMixture, sampleFullMixture } from './fixtures/fullCovariance.js';

const kernels = { simd: await loadKernels({ kernel: 'simd' }), js: await loadKernels({ kernel: 'js' }) };
const fullBackend = (v: 'simd' | 'js', X: Float64Array, N: number, d: number, c?: Float64Array) =>
  kernels[v].createBackend(X, N, d, c) as unknown as FullDataBackend & { dispose(): void };

const maxAbs = (a: ArrayLike<number>): number => { let m = 0; for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k])); return m; };
/** max |a − b| / max |b| (normwise relative difference). */
function normwise(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m / maxAbs(b);
}

describe('precisionCholesky', () => {
  it('gives upper-triangular U with U·Uᵀ·Σ = I (d up to 16, condition number 1e4)', () => {
    const rng = new Rng(1);
    for (const d of [1, 2, 3, 8, 16]) {
      const { cov } = randomCovariance(rng, d, 1e4, 2);
      const U = precisionCholesky(cov, d, 1);
      for (let j = 0; j < d; j++) {
        expect(U[j * d + j]).toBeGreaterThan(0);
        for (let k = 0; k < j; k++) expect(U[j * d + k]).toBe(0);
      }
      for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) {
        let s = 0;
        for (let k = 0; k < d; k++) { let p = 0; for (let l = 0; l < d; l++) p += U[r * d + l] * U[k * d + l]; s += p * cov[k * d + c]; }
        expect(Math.abs(s - (r === c ? 1 : 0))).toBeLessThanOrEqual(1e4 * d * 1e-14);
      }
    }
  });

  it('matches a hand-computed 2×2 factor', () => {
    // Σ = [[4, 2], [2, 5]]: L = [[2, 0], [1, 2]], L⁻¹ = [[1/2, 0], [−1/4, 1/2]], U = L⁻ᵀ.
    const U = precisionCholesky(new Float64Array([4, 2, 2, 5]), 2, 1);
    expect(Array.from(U)).toEqual([0.5, -0.25, 0, 0.5]);
  });

  it('names the collapsed component (FitError) or the argument (MixfitError)', () => {
    const good = [2, 0, 0, 2], singular = [1, 1, 1, 1];
    const cov = new Float64Array([...good, ...singular, ...good]);
    let err: unknown;
    try { precisionCholesky(cov, 2, 3, { regCovar: 1e-6 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FitError);
    expect((err as Error).message).toMatch(/component 1 has an ill-defined empirical covariance/);
    expect((err as Error).message).toMatch(/regCovar = 0\.000001/);
    expect((err as Error).message).toMatch(/increase regCovar/);
    expect(((err as FitError).result as { component: number }).component).toBe(1);
    // One block: the tied covariance or a one-component 'full' model's, and the message must fit both.
    expect(() => precisionCholesky(new Float64Array(singular), 2, 1)).toThrow(/^Fitting the mixture failed: the covariance \(the tied one, or component 0 of a one-component model\) has an ill-defined/);
    expect(() => precisionCholesky(cov, 2, 3, { argument: 'init.covariances' })).toThrow(MixfitError);
    expect(() => precisionCholesky(cov, 2, 3, { argument: 'init.covariances' })).toThrow(/^init\.covariances\[1\]: must be a symmetric positive definite/);
    expect(() => precisionCholesky(new Float64Array([1, 0, 0, NaN]), 2, 1)).toThrow(FitError);
  });

  it("a one-component 'full' fit on collinear data fails with the message for one block, not 'the tied covariance'", async () => {
    const rng = new Rng(3);
    const X = Array.from({ length: 40 }, () => { const t = rng.normal(); return [t, 2 * t]; });
    const err = await new GaussianMixture({ nComponents: 1, covariance: 'full', regCovar: 0 }).fit(X).catch((e) => e);
    expect(err).toBeInstanceOf(FitError);
    expect((err as Error).message).toMatch(/the covariance \(the tied one, or component 0 of a one-component model\) has an ill-defined empirical covariance/);
    expect((err as Error).message).not.toMatch(/the tied covariance/);
  });
});

/** scikit-learn's M-step written out over the rows, from explicit responsibilities (N × n). */
function handMStep(X: Float64Array, N: number, d: number, n: number, resp: Float64Array, c: Float64Array | undefined,
  tied: boolean, reg: number) {
  const eps10 = 10 * Number.EPSILON;
  const nk = new Float64Array(n), means = new Float64Array(n * d);
  for (let k = 0; k < N; k++) for (let i = 0; i < n; i++) {
    const cr = (c ? c[k] : 1) * resp[k * n + i];
    nk[i] += cr;
    for (let j = 0; j < d; j++) means[i * d + j] += cr * X[k * d + j];
  }
  for (let i = 0; i < n; i++) { nk[i] += eps10; for (let j = 0; j < d; j++) means[i * d + j] /= nk[i]; }
  const total = nk.reduce((a, b) => a + b, 0);
  const cov = new Float64Array((tied ? 1 : n) * d * d);
  if (!tied) {
    for (let i = 0; i < n; i++) for (let k = 0; k < N; k++) {
      const cr = (c ? c[k] : 1) * resp[k * n + i];
      for (let j = 0; j < d; j++) for (let l = 0; l < d; l++)
        cov[i * d * d + j * d + l] += cr * (X[k * d + j] - means[i * d + j]) * (X[k * d + l] - means[i * d + l]) / nk[i];
    }
  } else {
    for (let k = 0; k < N; k++) for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) cov[j * d + l] += (c ? c[k] : 1) * X[k * d + j] * X[k * d + l];
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) cov[j * d + l] -= nk[i] * means[i * d + j] * means[i * d + l];
    for (let k = 0; k < d * d; k++) cov[k] /= total;
  }
  for (let b = 0; b < (tied ? 1 : n); b++) for (let j = 0; j < d; j++) cov[b * d * d + j * d + j] += reg;
  return { weights: nk.map((v) => v / total), means, covariances: cov };
}

describe('mStepFull equals the hand-written scikit-learn M-step', () => {
  const rng = new Rng(31);
  for (const tied of [false, true]) for (const weighted of [false, true]) for (const d of [1, 3, 9]) {
    it(`${tied ? 'tied' : 'full'} d=${d}${weighted ? ' weighted' : ''}`, () => {
      const n = 4, N = 401;
      const mix = randomFullMixture(rng, n, d, tied, 100);
      const X = sampleFullMixture(rng, mix, N);
      // Means away from the data's so the correction from the old to the new means is exercised.
      for (let k = 0; k < n * d; k++) mix.params.means[k] += 0.7 * rng.normal();
      const c = weighted ? new Float64Array(N).map(() => 2 * rng.uniform()) : undefined;
      const be = fullBackend('simd', X, N, d, c);
      const stats = be.passFull(mix.params, newFullPassStats(n, d, tied));
      const resp = new Float64Array(N * n);
      be.scoreFull(mix.params, new Float64Array(N), resp);
      be.dispose();
      const got = mStepFull(stats, mix.params.means, n, d, tied, 1e-6);
      const want = handMStep(X, N, d, n, resp, c, tied, 1e-6);
      expect(normwise(got.weights, want.weights)).toBeLessThanOrEqual(1e-12);
      expect(normwise(got.means, want.means)).toBeLessThanOrEqual(1e-12);
      for (let b = 0; b < (tied ? 1 : n); b++) {
        const blk = (a: Float64Array) => a.subarray(b * d * d, (b + 1) * d * d);
        expect(normwise(blk(got.covariances), blk(want.covariances)), `block ${b}`).toBeLessThanOrEqual(1e-11);
      }
    });
  }
});

interface SkStep { weights: number[]; means: number[][]; covariances: number[][][] | number[][]; precisionsCholesky: number[][][] | number[][]; lowerBound: number }
interface SkCase {
  data: string; covariance: 'full' | 'tied'; regCovar: number; X: number[][]; nParameters: number;
  start: { means: number[][]; weights: number[]; covariances: number[][][] | number[][] };
  scoreSamplesAtStart: number[]; steps: SkStep[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/sklearn-full-em.json', import.meta.url), 'utf8')) as
  { sklearn: string; cases: SkCase[] };
const flat = (a: unknown): number[] => (Array.isArray(a) ? a.flatMap(flat) : [a as number]);

describe(`EM iterations equal scikit-learn ${fixture.sklearn} (fixture: bench/sklearn_full_em.py)`, () => {
  // The start factor is ours (from the covariance) while scikit-learn's is the lower Cholesky factor of
  // inv(Σ): the same density up to rounding. Scores, lower bounds, weights, means and covariances of every
  // iteration agree normwise to 1e-11 (measured: ≤ 4e-13 over 5 iterations, the tied covariance, which
  // sklearn forms as XᵀX − Σ nk μμᵀ, being the least close). The precision factor inverts the covariance,
  // which multiplies those differences by its condition number (wine's raw features: measured 6e-11), so
  // it is held to 1e-9.
  for (const cs of fixture.cases) for (const v of ['simd', 'js'] as const) {
    it(`${cs.data} ${cs.covariance} (${v})`, () => {
      const tied = cs.covariance === 'tied';
      const N = cs.X.length, d = cs.X[0].length, n = cs.start.means.length;
      const tol = 1e-11;
      const X = new Float64Array(cs.X.flat());
      const be = fullBackend(v, X, N, d);
      let p: FullParams = { n, d, tied, means: new Float64Array(cs.start.means.flat()),
        logWeights: new Float64Array(cs.start.weights.map(Math.log)),
        precChol: precisionCholesky(new Float64Array(flat(cs.start.covariances)), d, tied ? 1 : n, { argument: 'start' }) };
      const logDens = new Float64Array(N);
      be.scoreFull(p, logDens);
      expect(normwise(logDens, cs.scoreSamplesAtStart), 'score_samples at the start').toBeLessThanOrEqual(tol);
      expect(mixtureParameterCount(cs.covariance, n, d)).toBe(cs.nParameters);
      const stats = newFullPassStats(n, d, tied);
      for (const [k, step] of cs.steps.entries()) {
        be.passFull(p, stats);
        expect(Math.abs(stats.sumLogLik / N - step.lowerBound), `lower bound, iteration ${k + 1}`).toBeLessThanOrEqual(tol * Math.abs(step.lowerBound));
        const m = mStepFull(stats, p.means, n, d, tied, cs.regCovar);
        const U = precisionCholesky(m.covariances, d, tied ? 1 : n, { regCovar: cs.regCovar });
        const t = tol;
        expect(normwise(m.weights, step.weights), `weights, iteration ${k + 1}`).toBeLessThanOrEqual(t);
        expect(normwise(m.means, flat(step.means)), `means, iteration ${k + 1}`).toBeLessThanOrEqual(t);
        expect(normwise(m.covariances, flat(step.covariances)), `covariances, iteration ${k + 1}`).toBeLessThanOrEqual(t);
        expect(normwise(U, flat(step.precisionsCholesky)), `precisions_cholesky_, iteration ${k + 1}`).toBeLessThanOrEqual(100 * t);
        p = { n, d, tied, means: m.means, logWeights: m.weights.map(Math.log), precChol: U };
      }
      be.dispose();
    });
  }
});

describe('parameter counts (scikit-learn _n_parameters)', () => {
  it('counts covariance, mean and weight parameters per layout', () => {
    expect(mixtureParameterCount('full', 3, 4)).toBe(3 * 10 + 12 + 2);
    expect(mixtureParameterCount('tied', 3, 4)).toBe(10 + 12 + 2);
    expect(mixtureParameterCount('diagonal', 3, 4)).toBe(12 + 12 + 2);
    expect(mixtureParameterCount('spherical', 3, 4)).toBe(3 + 12 + 2);
    expect(mixtureParameterCount('fixed', 3, 4, 'fixed')).toBe(12);
    expect(covarianceParameterCount('full', 1, 1)).toBe(1);
  });
});

describe('fullGradient agrees with central finite differences (θ: means, logits, Cholesky of Σ − regCovar·I with log-diagonal)', () => {
  for (const tied of [false, true]) for (const v of ['simd', 'js'] as const) {
    it(`${tied ? 'tied' : 'full'} (${v})`, () => {
      const rng = new Rng(tied ? 8 : 9);
      const n = 3, d = 3, N = 250, reg = 1e-3;
      const mix = randomFullMixture(rng, n, d, tied, 20);
      const X = sampleFullMixture(rng, mix, N);
      const c = new Float64Array(N).map(() => rng.uniform());
      const be = fullBackend(v, X, N, d, c);
      const blocks = tied ? 1 : n;
      const tri = (d * (d + 1)) / 2;
      // θ = [means (n·d), logits (n), covariance coordinates (blocks·d(d+1)/2)], moved off the truth.
      const theta0 = [...mix.params.means, ...mix.params.logWeights, ...floorCoordinates(mix.covariances, d, blocks, reg)];
      for (let k = 0; k < theta0.length; k++) theta0[k] += 0.2 * rng.normal();
      const paramsOf = (th: number[]): { p: FullParams; A: Float64Array; cov: Float64Array } => {
        const logits = th.slice(n * d, n * d + n);
        const mx = Math.max(...logits);
        const lse = mx + Math.log(logits.reduce((s, a) => s + Math.exp(a - mx), 0));
        const { A, covariances } = covariancesFromCoordinates(new Float64Array(th), n * d + n, d, blocks, reg);
        return { p: { n, d, tied, means: new Float64Array(th.slice(0, n * d)), logWeights: new Float64Array(logits.map((a) => a - lse)),
          precChol: precisionCholesky(covariances, d, blocks) }, A, cov: covariances };
      };
      const stats = newFullPassStats(n, d, tied);
      const loss = (th: number[]): number => { be.passFull(paramsOf(th).p, stats); return -stats.sumLogLik / stats.totalWeight; };
      const { p: p0, A, cov } = paramsOf(theta0);
      // The coordinates round-trip: the covariances of θ have θ as their coordinates.
      expect(maxAbs(floorCoordinates(cov, d, blocks, reg).map((x, k) => x - theta0[n * d + n + k]))).toBeLessThanOrEqual(1e-12);
      be.passFull(p0, stats);
      const g = fullGradient(p0, stats, A);
      expect(g.value).toBeCloseTo(loss(theta0), 14);
      const analytic = [...g.means, ...g.logits, ...g.factor];
      const h = 1e-6;
      for (let k = 0; k < theta0.length; k++) {
        const tp = theta0.slice(), tm = theta0.slice();
        tp[k] += h; tm[k] -= h;
        const fd = (loss(tp) - loss(tm)) / (2 * h);
        expect(Math.abs(fd - analytic[k]), `θ[${k}]: fd ${fd}, analytic ${analytic[k]}`).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(fd));
      }
      expect(analytic.length).toBe(n * d + n + blocks * tri);
      be.dispose();
    });
  }
});

describe('fullGradient equals the dense formula 2·G·A, G = (R·Σ⁻¹ − Σ⁻¹·M·Σ⁻¹)/(2W), at dimensions its blocked triangular products tile unevenly', () => {
  // The finite-difference test above runs at d = 3, below the four-row blocks: these dimensions cover whole
  // blocks, tails of 1–3 rows and blocks that run past the triangle, against a plain float64 reference.
  for (const d of [4, 7, 9, 14]) for (const tied of [false, true]) {
    it(`${tied ? 'tied' : 'full'}, d = ${d}`, () => {
      const rng = new Rng(100 + d + (tied ? 1 : 0));
      const n = 3, N = 40 * d, reg = 1e-3, blocks = tied ? 1 : n;
      const mix = randomFullMixture(rng, n, d, tied, 30);
      const X = sampleFullMixture(rng, mix, N);
      const be = fullBackend('simd', X, N, d);
      const theta = floorCoordinates(mix.covariances, d, blocks, reg).map((v) => v + 0.1 * rng.normal());
      const { A, covariances } = covariancesFromCoordinates(theta, 0, d, blocks, reg);
      const p: FullParams = { ...mix.params, precChol: precisionCholesky(covariances, d, blocks) };
      // Σ = regCovar·I + A·Aᵀ and U·Uᵀ·Σ = I, densely (the blocked products of the θ map and the factor inverse).
      for (let b = 0; b < blocks; b++) {
        const o = b * d * d, U = p.precChol;
        const cov = Array.from({ length: d * d }, (_, k) => {
          const j = Math.floor(k / d), l = k % d;
          let s = j === l ? reg : 0;
          for (let q = 0; q < d; q++) s += A[o + j * d + q] * A[o + l * d + q];
          return s;
        });
        expect(normwise(covariances.subarray(o, o + d * d), cov)).toBeLessThanOrEqual(1e-14);
        const UUtS = Array.from({ length: d * d }, (_, k) => {
          const j = Math.floor(k / d), l = k % d;
          let s = 0;
          for (let q = 0; q < d; q++) for (let r = 0; r < d; r++) s += U[o + j * d + r] * U[o + q * d + r] * cov[q * d + l];
          return s;
        });
        expect(normwise(UUtS, Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0)))).toBeLessThanOrEqual(1e-9);
      }
      const stats = newFullPassStats(n, d, tied);
      be.passFull(p, stats);
      const g = fullGradient(p, stats, A);
      const W = stats.totalWeight, tri = (d * (d + 1)) / 2;
      const ref = new Float64Array(blocks * tri);
      for (let b = 0; b < blocks; b++) {
        const o = b * d * d, U = p.precChol, M = stats.scatter;
        const P = (j: number, l: number) => { let s = 0; for (let k = 0; k < d; k++) s += U[o + j * d + k] * U[o + l * d + k]; return s; };
        const Rb = tied ? stats.R.reduce((a, v) => a + v, 0) : stats.R[b];
        const Pm = Array.from({ length: d * d }, (_, k) => P(Math.floor(k / d), k % d));
        const PMP = (j: number, l: number) => { let s = 0; for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) s += Pm[j * d + a] * M[o + a * d + c] * Pm[c * d + l]; return s; };
        const G = Array.from({ length: d * d }, (_, k) => (Rb * Pm[k] - PMP(Math.floor(k / d), k % d)) / (2 * W));
        for (let j = 0; j < d; j++) for (let l = 0; l <= j; l++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += 2 * G[j * d + k] * A[o + k * d + l];
          ref[b * tri + (j * (j + 1)) / 2 + l] = j === l ? s * A[o + j * d + j] : s;
        }
      }
      expect(normwise(g.factor, ref)).toBeLessThanOrEqual(1e-10);
      be.dispose();
    });
  }
});
