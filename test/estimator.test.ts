// Tests of the GaussianMixture estimator (issue 4), ported in spirit from scikit-learn's
// sklearn/mixture/tests/test_gaussian_mixture.py plus mixfit's own contract (DESIGN.md §3): exact error
// messages, atomic commit, seeded determinism, output forms, JSON round trip, fast-check properties.
// Browser-safe: no node: imports, no fs (this file runs in the node and the Chromium projects).
//
// Every numeric expectation is checked against a plain float64 reference written here (`ref*` below),
// not against numbers copied from a previous run, so a wrong estimator makes these tests fail.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbortError, FitError, GaussianMixture, MixfitError } from '../src/index.js';
import { Rng } from '../src/model/rng.js';

type Rows = number[][];
type Variances = number | number[] | number[][];
interface Model { means: Rows; weights: number[]; variances: Variances }
interface MatrixIn { data: Float64Array; rows: number; cols: number }

// ---------------------------------------------------------------------------------------------------
// Data and the float64 reference
// ---------------------------------------------------------------------------------------------------

/** N rows from Σ w_i N(μ_i, sd_i² I), component drawn first; labels are the drawn components. */
function mixtureData(seed: number, N: number, means: Rows, weights: number[], sd: number | number[] = 1): { X: Rows; labels: number[] } {
  const rng = new Rng(seed);
  const X: Rows = [], labels: number[] = [];
  for (let k = 0; k < N; k++) {
    const i = rng.categorical(weights);
    const s = typeof sd === 'number' ? sd : sd[i];
    X.push(means[i].map((m) => m + s * rng.normal()));
    labels.push(i);
  }
  return { X, labels };
}

/** Standard normal rows (sklearn's `rng.randn(n, d)`). */
function gaussianRows(seed: number, N: number, d: number): Rows {
  const rng = new Rng(seed);
  return Array.from({ length: N }, () => Array.from({ length: d }, () => rng.normal()));
}

const toMatrix = (X: Rows): MatrixIn => ({ data: Float64Array.from(X.flat()), rows: X.length, cols: X[0].length });

/** σ²_ij for every layout: a shared number, one per component, or n × d. */
function varianceAt(v: Variances, i: number, j: number): number {
  return typeof v === 'number' ? v : Array.isArray(v[i]) ? (v[i] as number[])[j] : (v[i] as number);
}

/** log w_i + log N(x; μ_i, diag σ_i²) for every component (the a_i(x) of ALGORITHM.md §2). */
function refComponentLogs(m: Model, x: number[]): number[] {
  return m.means.map((mu, i) => {
    let a = Math.log(m.weights[i]);
    for (let j = 0; j < x.length; j++) {
      const v = varianceAt(m.variances, i, j);
      a -= 0.5 * Math.log(2 * Math.PI * v) + ((x[j] - mu[j]) ** 2) / (2 * v);
    }
    return a;
  });
}

/** Per-row log-density ℓ(x) by a max-shifted log-sum-exp. */
function refScoreSamples(m: Model, X: Rows): number[] {
  return X.map((x) => {
    const a = refComponentLogs(m, x);
    const top = Math.max(...a);
    return top + Math.log(a.reduce((s, ai) => s + Math.exp(ai - top), 0));
  });
}

/** Responsibilities r_i(x) = exp(a_i − ℓ). */
function refProba(m: Model, X: Rows): Rows {
  return X.map((x) => {
    const a = refComponentLogs(m, x);
    const top = Math.max(...a);
    const e = a.map((ai) => Math.exp(ai - top));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((ei) => ei / s);
  });
}

const mean = (a: ArrayLike<number>): number => { let s = 0; for (let k = 0; k < a.length; k++) s += a[k]; return s / a.length; };
const argmax = (a: number[]): number => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);

/** Components matched greedily to the nearest true center; returns the largest center error. */
function centerError(fitted: Rows, truth: Rows): number {
  let worst = 0;
  for (const t of truth) {
    const dist = fitted.map((f) => Math.hypot(...f.map((v, j) => v - t[j])));
    worst = Math.max(worst, Math.min(...dist));
  }
  return worst;
}

/** Everything a fit may change, for bit-identity checks (toStrictEqual compares numbers with Object.is). */
function snapshot(gm: GaussianMixture): Record<string, unknown> {
  return {
    means: gm.means, weights: gm.weights, variances: gm.variances, converged: gm.converged, nIter: gm.nIter,
    nEvaluations: gm.nEvaluations, loss: gm.loss, lowerBound: gm.lowerBound, history: gm.history, message: gm.message,
    nFeatures: gm.nFeatures, json: gm.toJSON(),
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try { await p; } catch (e) { return e; }
  throw new Error('expected the promise to reject');
}

// Three well-separated unit Gaussians in 2-D (12σ apart): every solver must find these centers.
const CENTERS: Rows = [[-6, 0], [6, 0], [0, 9]];
const CENTER_WEIGHTS = [0.3, 0.3, 0.4];
const blobs = mixtureData(11, 600, CENTERS, CENTER_WEIGHTS);

// ---------------------------------------------------------------------------------------------------
// Options and errors
// ---------------------------------------------------------------------------------------------------

describe('GaussianMixture: options are validated in the constructor', () => {
  // One row per option: a bad value and the rule the message must state. The message format is
  // `options.<name>: <rule> (received <value>)` and err.argument === 'options.<name>'.
  const BAD: [string, unknown, string, string][] = [
    ['nComponents', 0, 'must be an integer ≥ 1', '0'],
    ['nComponents', 2.5, 'must be an integer ≥ 1', '2.5'],
    ['solver', 'newton', "must be one of 'auto', 'squarem', 'anderson', 'em-polyak', 'gd-polyak', 'gradient-em', 'em', 'gd', 'polyak'", '"newton"'],
    ['weights', 'free', "must be one of 'fixed', 'learned'", '"free"'],
    ['covariance', 'banded', "must be one of 'fixed', 'spherical', 'diagonal', 'full', 'tied'", '"banded"'],
    ['variance', -1, 'must be a finite number > 0', '-1'],
    ['regCovar', -1e-6, 'must be a finite number ≥ 0', '-0.000001'],
    ['optimum', 'oracle', "must be a finite number or one of 'target-level', 'aitken', 'hazan-kakade'", '"oracle"'],
    ['shortSteps', 0, 'must be an integer ≥ 1', '0'],
    ['shortStepSize', 0, 'must be a finite number > 0', '0'],
    ['maxPolyakStep', -1, 'must be a number > 0 (Infinity allowed)', '-1'],
    ['adaptive', 'yes', 'must be true or false', '"yes"'],
    ['learningRate', NaN, 'must be a finite number > 0', 'NaN'],
    ['init', 'pca', "must be 'kmeans++', 'random' or a model { means, weights?, variances? } (or { means, weights?, covariances? })", '"pca"'],
    ['nInit', 0, 'must be an integer ≥ 1', '0'],
    ['maxIter', -1, 'must be an integer ≥ 0', '-1'],
    ['maxEvaluations', 0, 'must be an integer ≥ 1 or Infinity', '0'],
    ['tol', -1, 'must be a finite number ≥ 0', '-1'],
    ['seed', Infinity, 'must be a finite number', 'Infinity'],
    ['threads', 0, "must be 'auto' or an integer ≥ 1", '0'],
    ['kernel', 'gpu', "must be one of 'auto', 'relaxed', 'simd', 'scalar', 'js'", '"gpu"'],
    ['onIteration', 42, 'must be a function', '42'],
    ['monotone', 'no', 'must be true or false', '"no"'],
    ['maxRejections', 0, 'must be an integer ≥ 1', '0'],
    ['lossChangeTol', -1, 'must be a finite number ≥ 0', '-1'],
    ['weightsInit', 'even', 'must be an array of numbers', '"even"'],
    ['wasm', 42, 'must be a WebAssembly.Module, bytes or a URL', '42'],
    ['signal', {}, 'must be an AbortSignal', 'an object'],
  ];
  for (const [name, value, rule, received] of BAD) {
    it(`options.${name} = ${String(value)}`, () => {
      const make = () => new GaussianMixture({ nComponents: 2, [name]: value } as never);
      expect(make).toThrow(MixfitError);
      expect(make).toThrow(`options.${name}: ${rule} (received ${received})`);
      try { make(); } catch (e) { expect((e as MixfitError).argument).toBe(`options.${name}`); }
    });
  }

  it('nComponents is required', () => {
    expect(() => new GaussianMixture({} as never)).toThrow('options.nComponents: is required (an integer ≥ 1)');
  });

  it('unknown options are rejected with a suggestion', () => {
    expect(() => new GaussianMixture({ nComponent: 2 } as never)).toThrow('options.nComponents: is required (an integer ≥ 1)');
    expect(() => new GaussianMixture({ nComponents: 2, maxIters: 5 } as never))
      .toThrow('options.maxIters: is not an option (did you mean maxIter?) (received 5)');
    expect(() => new GaussianMixture(null as never)).toThrow('options: must be an object with at least nComponents (received null)');
  });

  it('init: a model with the wrong number of components', () => {
    expect(() => new GaussianMixture({ nComponents: 3, init: { means: [[0, 0], [1, 1]] } }))
      .toThrow('options.init.means: must have nComponents = 3 rows (received "2 rows")');
  });

  it('weightsInit must match nComponents and sum to 1', () => {
    expect(() => new GaussianMixture({ nComponents: 2, weightsInit: [0.2, 0.3] }))
      .toThrow('options.weightsInit: must sum to 1 (within 1e-9) (received "sum 0.5")');
    expect(() => new GaussianMixture({ nComponents: 3, weightsInit: [0.5, 0.5] }))
      .toThrow('options.weightsInit: must have one weight per component (3) (received "length 2")');
  });

  it('defaults are those of DESIGN.md §3 and the unfitted state is undefined', () => {
    const gm = new GaussianMixture({ nComponents: 3 });
    for (const key of ['means', 'weights', 'variances', 'converged', 'nIter', 'nEvaluations', 'loss', 'lowerBound', 'history', 'message', 'nFeatures'] as const)
      expect(gm[key], key).toBeUndefined();
  });
});

describe('GaussianMixture: data errors name the argument, the rule and what was received', () => {
  const X = blobs.X.slice(0, 40);

  it('predict, predictProba, scoreSamples, score, bic, aic, sample and toJSON before fit', () => {
    const gm = new GaussianMixture({ nComponents: 2 });
    const msg = 'this: is not fitted yet: call fit(X) or use GaussianMixture.fromJSON first';
    expect(() => gm.predict(X)).toThrow(msg);
    expect(() => gm.predictProba(X)).toThrow(msg);
    expect(() => gm.scoreSamples(X)).toThrow(msg);
    expect(() => gm.score(X)).toThrow(msg);
    expect(() => gm.bic(X)).toThrow(msg);
    expect(() => gm.aic(X)).toThrow(msg);
    expect(() => gm.sample(10)).toThrow(msg);
    expect(() => gm.toJSON()).toThrow(msg);
    expect(() => gm.predict(X)).toThrow(MixfitError);
  });

  it('sample(n) needs a positive integer n', () => {
    const gm = GaussianMixture.fromJSON({ means: [[0, 0], [1, 1]], weights: [0.5, 0.5], variances: 1, covariance: 'fixed' });
    expect(() => gm.sample(0)).toThrow('n: must be an integer ≥ 1 (received 0)');
    expect(() => gm.sample(2.5)).toThrow('n: must be an integer ≥ 1 (received 2.5)');
  });

  it('fewer rows than components', async () => {
    const gm = new GaussianMixture({ nComponents: 5 });
    const e = await rejection(gm.fit(X.slice(0, 4)));
    expect(e).toBeInstanceOf(MixfitError);
    expect((e as Error).message).toBe('X: must have at least nComponents = 5 rows (received "4 rows")');
    expect((e as MixfitError).argument).toBe('X');
  });

  it('NaN and Infinity are reported with row and column', async () => {
    const gm = new GaussianMixture({ nComponents: 2 });
    const bad = X.map((r) => r.slice());
    bad[7][1] = NaN;
    expect((await rejection(gm.fit(bad)) as Error).message).toBe('X: entries must be finite numbers (received "NaN at row 7, column 1")');
    bad[7][1] = 0; bad[3][0] = -Infinity;
    expect((await rejection(gm.fit(toMatrix(bad))) as Error).message).toBe('X: entries must be finite numbers (received "-Infinity at row 3, column 0")');
  });

  it('dimension mismatch between fit and predict/score', async () => {
    const gm = new GaussianMixture({ nComponents: 2 });
    await gm.fit(X);
    const wide = X.map((r) => [...r, 0]);
    const msg = "X: must have 2 columns (the model's dimension) (received \"3 columns\")";
    expect(() => gm.predict(wide)).toThrow(msg);
    expect(() => gm.predictProba(wide)).toThrow(msg);
    expect(() => gm.scoreSamples(toMatrix(wide))).toThrow(msg);
    expect(() => gm.score(wide)).toThrow(msg);
    expect(() => gm.bic(wide)).toThrow(msg);
  });

  it('sample weights: all zero, negative, wrong length', async () => {
    const gm = new GaussianMixture({ nComponents: 2 });
    const w0 = new Array(X.length).fill(0);
    expect((await rejection(gm.fit(X, { sampleWeight: w0 })) as Error).message).toBe('sampleWeight: must not be all zero (received "all-zero weights")');
    const wneg = new Array(X.length).fill(1); wneg[5] = -1;
    expect((await rejection(gm.fit(X, { sampleWeight: wneg })) as Error).message).toBe('sampleWeight: entries must be ≥ 0 (received "-1 at index 5")');
    expect((await rejection(gm.fit(X, { sampleWeight: [1, 2] })) as Error).message).toBe(`sampleWeight: must have one weight per row (${X.length}) (received "length 2")`);
  });

  it('init means of the wrong shape', async () => {
    const gm = new GaussianMixture({ nComponents: 2, init: { means: [[0, 0, 0], [1, 1, 1]] } });
    const e = await rejection(gm.fit(X));
    expect(e).toBeInstanceOf(MixfitError);
    expect((e as Error).message).toBe("options.init.means: must have 2 columns (the model's dimension) (received \"3 columns\")");
  });
});

// ---------------------------------------------------------------------------------------------------
// Fit, predict, score (sklearn: test_gaussian_mixture_predict_predict_proba, _fit_predict, test_score, …)
// ---------------------------------------------------------------------------------------------------

describe('GaussianMixture: fit, predict and score agree with a float64 reference of the fitted model', () => {
  const { X, labels } = blobs;

  it('predict after fit is the argmax of the responsibilities of the returned model (final E-step)', async () => {
    // nInit 4: plain k-means++ puts two starts in one blob about 10 % of the time on this data (the D²
    // of a same-blob point to a random blob member is 2dσ² = 4, not 0), so keep the best of four.
    const gm = new GaussianMixture({ nComponents: 3, weights: 'learned', covariance: 'diagonal', seed: 3, nInit: 4 });
    const result = await gm.fit(X);
    // The returned model and the stored state are the same numbers.
    expect(result.params.means).toStrictEqual(gm.means);
    expect(result.params.weights).toStrictEqual(gm.weights);
    expect(result.params.variances).toStrictEqual(gm.variances);
    const model: Model = { means: gm.means!, weights: gm.weights!, variances: gm.variances! };
    const proba = refProba(model, X);
    const pred = gm.predict(X);
    expect(pred).toStrictEqual(proba.map(argmax));
    expect((gm.predictProba(X) as Rows).map(argmax)).toStrictEqual(pred);
    // Recovered labels: the blobs are 12σ apart, so a correct fit labels all but a vanishing fraction
    // (P(|z| > 6) ≈ 2e-9 per point) consistently with the truth, up to relabeling.
    const perm = CENTERS.map((c) => argmax(model.means.map((m) => -Math.hypot(m[0] - c[0], m[1] - c[1]))));
    expect(pred).toStrictEqual(labels.map((l) => perm[l]));
  });

  it('predictProba rows are a distribution and match the reference to 1e-12', async () => {
    const gm = new GaussianMixture({ nComponents: 3, covariance: 'spherical', weights: 'learned', seed: 1 });
    await gm.fit(X);
    const P = gm.predictProba(X) as Rows;
    const R = refProba({ means: gm.means!, weights: gm.weights!, variances: gm.variances! }, X);
    P.forEach((row, k) => {
      // Each entry is exp(a_i − ℓ) with a ≤ 2 ulp exp: errors are a few 1e-16 per entry.
      expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThanOrEqual(1e-12);
      row.forEach((v, i) => {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(Math.abs(v - R[k][i])).toBeLessThanOrEqual(1e-12);
      });
    });
  });

  it('scoreSamples is the per-row log-density; score is its (weighted) mean; lowerBound = −loss = score', async () => {
    const gm = new GaussianMixture({ nComponents: 3, covariance: 'diagonal', weights: 'learned', solver: 'em', seed: 2 });
    const result = await gm.fit(X);
    const model: Model = { means: gm.means!, weights: gm.weights!, variances: gm.variances! };
    const ss = gm.scoreSamples(X);
    const ref = refScoreSamples(model, X);
    // Log-densities are O(10); the kernel's exp/log are ≤ 2 ulp, so 1e-12 absolute is ample.
    ss.forEach((v, k) => expect(Math.abs(v - ref[k])).toBeLessThanOrEqual(1e-12));
    expect(Math.abs(gm.score(X) - mean(ref))).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(gm.score(X) - mean(ss))).toBeLessThanOrEqual(1e-12);
    // score() with weights is the weighted mean (rows weighted 1, 2, 3, 1, 2, 3, …).
    const w = X.map((_, k) => 1 + (k % 3));
    const wmean = ref.reduce((s, v, k) => s + w[k] * v, 0) / w.reduce((s, v) => s + v, 0);
    expect(Math.abs(gm.score(X, w) - wmean)).toBeLessThanOrEqual(1e-12);
    // The reported loss is the mean NLL of the returned model on the training data.
    expect(result.lowerBound).toBe(-result.loss);
    expect(Math.abs(result.loss + mean(ref))).toBeLessThanOrEqual(1e-12);
    expect(gm.loss).toBe(result.loss);
    expect(gm.lowerBound).toBe(result.lowerBound);
    expect(gm.nFeatures).toBe(2);
  });

  it('the result record has every documented field and getters return copies', async () => {
    const gm = new GaussianMixture({ nComponents: 3, seed: 4 });
    const r = await gm.fit(X);
    expect(typeof r.converged).toBe('boolean');
    expect(typeof r.status).toBe('string');
    expect(Number.isInteger(r.statusCode)).toBe(true);
    expect(typeof r.message).toBe('string');
    expect(Array.isArray(r.warnings)).toBe(true);
    expect(r.nIter).toBe(r.history.length);
    expect(r.nEvaluations).toBeGreaterThan(r.nIter);
    expect(gm.converged).toBe(r.converged);
    expect(gm.nIter).toBe(r.nIter);
    expect(gm.nEvaluations).toBe(r.nEvaluations);
    expect(gm.message).toBe(r.message);
    expect(gm.history).toStrictEqual(r.history);
    const m = gm.means!;
    m[0][0] = 1e9;
    gm.weights![0] = 5;
    expect(gm.means![0][0]).not.toBe(1e9);
    expect(gm.weights![0]).not.toBe(5);
    r.params.means[0][0] = 1e9;
    expect(gm.means![0][0]).not.toBe(1e9);
  });
});

describe('GaussianMixture: outputs take the form of the input', () => {
  it('number[][] in → arrays out; { data, rows, cols } in → typed matrices out, same numbers', async () => {
    const gm = new GaussianMixture({ nComponents: 3, weights: 'learned', covariance: 'spherical', seed: 5 });
    const X = blobs.X.slice(0, 120);
    await gm.fit(toMatrix(blobs.X));
    const M = toMatrix(X);
    const predA = gm.predict(X), predM = gm.predict(M);
    expect(Array.isArray(predA)).toBe(true);
    expect(predM).toBeInstanceOf(Int32Array);
    expect(Array.from(predM)).toStrictEqual(predA);

    // The declared return types are unions; the runtime form is what this test checks.
    const pA = gm.predictProba(X) as Rows, pM = gm.predictProba(M) as MatrixIn;
    expect(Array.isArray(pA) && Array.isArray(pA[0])).toBe(true);
    expect(pM.data).toBeInstanceOf(Float64Array);
    expect([pM.rows, pM.cols]).toStrictEqual([120, 3]);
    expect(Array.from(pM.data)).toStrictEqual(pA.flat());

    const sA = gm.scoreSamples(X), sM = gm.scoreSamples(M);
    expect(Array.isArray(sA)).toBe(true);
    expect(sM).toBeInstanceOf(Float64Array);
    expect(Array.from(sM)).toStrictEqual(sA);
    expect(gm.score(M)).toBe(gm.score(X));
  });
});

// ---------------------------------------------------------------------------------------------------
// Information criteria (sklearn: test_gaussian_mixture_n_parameters, test_bic_1d_1component, _aic_bic)
// ---------------------------------------------------------------------------------------------------

describe('GaussianMixture: bic and aic', () => {
  const X = gaussianRows(21, 50, 3);
  const N = 50, n = 2, d = 3;

  // Learned parameters only: means n·d always, n − 1 weights if learned, n or n·d variances if learned.
  const CASES: ['fixed' | 'learned', 'fixed' | 'spherical' | 'diagonal', number][] = [
    ['fixed', 'fixed', n * d],
    ['learned', 'fixed', n * d + n - 1],
    ['fixed', 'spherical', n * d + n],
    ['learned', 'spherical', n * d + n - 1 + n],
    ['fixed', 'diagonal', n * d + n * d],
    ['learned', 'diagonal', n * d + n - 1 + n * d],
  ];
  for (const [weights, covariance, p] of CASES) {
    it(`weights ${weights}, covariance ${covariance}: p = ${p}, bic = −2·N·score + p·log N, aic = −2·N·score + 2p`, async () => {
      const gm = new GaussianMixture({ nComponents: n, weights, covariance, solver: 'em', maxIter: 200, seed: 0 });
      await gm.fit(X);
      const ll = refScoreSamples({ means: gm.means!, weights: gm.weights!, variances: gm.variances! }, X).reduce((s, v) => s + v, 0);
      // Sums of 50 log-densities of size ~5: 1e-10 absolute covers reordering.
      expect(Math.abs(gm.bic(X) - (-2 * ll + p * Math.log(N)))).toBeLessThanOrEqual(1e-10);
      expect(Math.abs(gm.aic(X) - (-2 * ll + 2 * p))).toBeLessThanOrEqual(1e-10);
    });
  }

  it('sklearn test_gaussian_mixture_aic_bic: close to the Gaussian entropy bound for N(0, I) data', async () => {
    // For data from one Gaussian, −score ≈ its entropy ½(log det Σ̂ + d(1 + log 2π)); sklearn allows
    // (aic − (2N·h + 2p))/N < d/√N (the statistical fluctuation of the fitted likelihood).
    const mu = [0, 1, 2].map((j) => mean(X.map((r) => r[j])));
    const C = [0, 1, 2].map((a) => [0, 1, 2].map((b) => mean(X.map((r) => (r[a] - mu[a]) * (r[b] - mu[b])))));
    // log det by Cholesky of the 3 × 3 covariance (biased, like np.cov(bias=1)).
    const L = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    let logdet = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j <= i; j++) {
      let s = C[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) { L[i][i] = Math.sqrt(s); logdet += 2 * Math.log(L[i][i]); } else L[i][j] = s / L[j][j];
    }
    const h = 0.5 * (logdet + d * (1 + Math.log(2 * Math.PI)));
    for (const covariance of ['spherical', 'diagonal'] as const) {
      const gm = new GaussianMixture({ nComponents: n, covariance, weights: 'learned', solver: 'em', maxIter: 200, seed: 0 });
      await gm.fit(X);
      const p = n * d + n - 1 + (covariance === 'spherical' ? n : n * d);
      expect((gm.aic(X) - (2 * N * h + 2 * p)) / N).toBeLessThan(d / Math.sqrt(N));
      expect((gm.bic(X) - (2 * N * h + Math.log(N) * p)) / N).toBeLessThan(d / Math.sqrt(N));
    }
  });

  it('sklearn test_bic_1d_1component: spherical and diagonal agree in 1-D with one component', async () => {
    const X1 = gaussianRows(22, 100, 1);
    const bics = [];
    for (const covariance of ['spherical', 'diagonal'] as const) {
      const gm = new GaussianMixture({ nComponents: 1, covariance, solver: 'em', seed: 0 });
      await gm.fit(X1);
      bics.push(gm.bic(X1));
    }
    // One component, one dimension: both are the Gaussian MLE (closed form, one EM step).
    expect(Math.abs(bics[0] - bics[1])).toBeLessThanOrEqual(1e-9);
  });
});

// ---------------------------------------------------------------------------------------------------
// Sampling (sklearn: test_sample)
// ---------------------------------------------------------------------------------------------------

describe('GaussianMixture: sample', () => {
  const truth = { means: [[-3, 0], [2, 1], [0, 5]], weights: [0.2, 0.3, 0.5], variances: [[0.5, 2], [1, 1], [3, 0.25]], covariance: 'diagonal' as const };

  it('recovers means, weights and variances within sampling error', () => {
    const gm = GaussianMixture.fromJSON(truth);
    const Ns = 20000;
    const { X, labels } = gm.sample(Ns, 7);
    expect(X.length).toBe(Ns);
    expect(X[0].length).toBe(2);
    expect(labels.length).toBe(Ns);
    for (let i = 0; i < 3; i++) {
      const rows = X.filter((_, k) => labels[k] === i);
      const Ni = rows.length;
      // Weight: the count is Binomial(Ns, w_i), standard error √(w(1−w)/Ns) ≤ 0.0036; allow 5 SE
      // (a two-sided normal tail of 6e-7: a failure means a bug, not bad luck).
      const w = truth.weights[i];
      expect(Math.abs(Ni / Ns - w)).toBeLessThanOrEqual(5 * Math.sqrt(w * (1 - w) / Ns));
      for (let j = 0; j < 2; j++) {
        const v = truth.variances[i][j];
        const m = mean(rows.map((r) => r[j]));
        // Mean: standard error √(σ²/N_i); 5 SE.
        expect(Math.abs(m - truth.means[i][j])).toBeLessThanOrEqual(5 * Math.sqrt(v / Ni));
        // Variance about the true mean: standard error σ²·√(2/N_i) for Gaussian data; 5 SE.
        const s2 = mean(rows.map((r) => (r[j] - truth.means[i][j]) ** 2));
        expect(Math.abs(s2 - v)).toBeLessThanOrEqual(5 * v * Math.sqrt(2 / Ni));
      }
    }
  });

  it('is seeded: the same seed gives the same draw, another seed another one', () => {
    const gm = GaussianMixture.fromJSON(truth);
    expect(gm.sample(50, 3)).toStrictEqual(gm.sample(50, 3));
    expect(gm.sample(50)).toStrictEqual(gm.sample(50, 0));
    expect(gm.sample(50, 4).X).not.toStrictEqual(gm.sample(50, 3).X);
    for (let size = 1; size < 20; size += 6) expect(gm.sample(size, 1).X.length).toBe(size);
  });

  it('fixed and spherical models sample with their variances', () => {
    const sph = GaussianMixture.fromJSON({ means: [[0], [10]], weights: [0.5, 0.5], variances: [4, 0.25], covariance: 'spherical' });
    const { X, labels } = sph.sample(20000, 1);
    for (const [i, v] of [[0, 4], [1, 0.25]]) {
      const rows = X.filter((_, k) => labels[k] === i).map((r) => r[0]);
      const s2 = mean(rows.map((x) => (x - 10 * i) ** 2));
      expect(Math.abs(s2 - v)).toBeLessThanOrEqual(5 * v * Math.sqrt(2 / rows.length));
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// EM behaviour: warm start, monotone likelihood, sample weights (sklearn: test_warm_start, test_monotonic_likelihood)
// ---------------------------------------------------------------------------------------------------

describe('GaussianMixture: EM behaviour', () => {
  const { X } = mixtureData(31, 400, [[0, 0], [3, 0], [0, 3]], [0.3, 0.3, 0.4]);
  const start = { means: [[1, 1], [2, -1], [-1, 2]], weights: [0.2, 0.3, 0.5], variances: [[1, 2], [0.5, 1], [1, 1]] };

  it('warm start: two EM iterations equal one iteration, then one more from the fitted model', async () => {
    const base = { nComponents: 3, solver: 'em', weights: 'learned', covariance: 'diagonal', regCovar: 0, tol: 0 } as const;
    const two = new GaussianMixture({ ...base, init: start, maxIter: 2 });
    await two.fit(X);
    const one = new GaussianMixture({ ...base, init: start, maxIter: 1 });
    await one.fit(X);
    const again = new GaussianMixture({ ...base, init: { means: one.means!, weights: one.weights!, variances: one.variances! }, maxIter: 1 });
    await again.fit(X);
    // The same two M-steps, only split across fits: equal up to rounding of the round trip through the
    // public parameters (logits and log-variances), far below 1e-12 on O(1) values.
    again.means!.flat().forEach((v, k) => expect(Math.abs(v - two.means!.flat()[k])).toBeLessThanOrEqual(1e-12));
    again.weights!.forEach((v, k) => expect(Math.abs(v - two.weights![k])).toBeLessThanOrEqual(1e-12));
    (again.variances as number[][]).flat().forEach((v, k) => expect(Math.abs(v - (two.variances as number[][]).flat()[k])).toBeLessThanOrEqual(1e-12));
    expect(again.score(X)).toBeGreaterThan(one.score(X));
  });

  it('warm start from a fitted model converges at once to the same optimum', async () => {
    const cold = new GaussianMixture({ nComponents: 3, solver: 'em', weights: 'learned', covariance: 'spherical', init: start, tol: 1e-8, maxIter: 5000 });
    const r1 = await cold.fit(X);
    expect(r1.converged).toBe(true);
    const warm = new GaussianMixture({ nComponents: 3, solver: 'em', weights: 'learned', covariance: 'spherical', tol: 1e-8, init: { means: cold.means!, weights: cold.weights!, variances: cold.variances! } });
    const r2 = await warm.fit(X);
    expect(r2.converged).toBe(true);
    expect(r2.nIter).toBeLessThanOrEqual(1);
    expect(r2.loss).toBeLessThanOrEqual(r1.loss + 1e-12);
  });

  for (const covariance of ['fixed', 'spherical', 'diagonal'] as const) {
    it(`EM never decreases the likelihood (covariance ${covariance}, regCovar 0)`, async () => {
      const gm = new GaussianMixture({ nComponents: 3, solver: 'em', weights: 'learned', covariance, regCovar: 0, init: start, maxIter: 300, tol: 1e-9 });
      const r = await gm.fit(X);
      expect(r.history.length).toBeGreaterThan(5);
      expect(r.history.every((h) => h.kind === 'em')).toBe(true);
      // EM is an ascent method (Dempster–Laird–Rubin): each step's loss ≤ the previous one, up to
      // summation rounding of N = 400 log-densities (≈ 1e-15 relative).
      let prev = Infinity;
      for (const h of r.history) {
        expect(h.loss).toBeLessThanOrEqual(prev + 1e-13);
        prev = h.loss;
      }
    });
  }

  it('integer sample weights equal repeated rows', async () => {
    const Xs = X.slice(0, 120);
    const w = Xs.map((_, k) => 1 + (k % 3));
    const rep: Rows = [];
    Xs.forEach((r, k) => { for (let t = 0; t < w[k]; t++) rep.push(r); });
    const opts = { nComponents: 3, solver: 'em', weights: 'learned', covariance: 'diagonal', init: start, maxIter: 40, tol: 0 } as const;
    const a = new GaussianMixture(opts), b = new GaussianMixture(opts);
    const ra = await a.fit(Xs, { sampleWeight: w });
    const rb = await b.fit(rep);
    // The same weighted sums in another order: EM from the same start stays within rounding.
    expect(Math.abs(ra.loss - rb.loss)).toBeLessThanOrEqual(1e-9);
    a.means!.flat().forEach((v, k) => expect(Math.abs(v - b.means!.flat()[k])).toBeLessThanOrEqual(1e-8));
  });

  it('non-convergence is a status and a warning, not an exception (sklearn: test_gaussian_mixture_fit_convergence_warning)', async () => {
    const gm = new GaussianMixture({ nComponents: 3, covariance: 'diagonal', solver: 'em', init: start, maxIter: 1, tol: 1e-12 });
    const r = await gm.fit(X);
    expect(r.converged).toBe(false);
    expect(r.status).toBe('max-iter');
    expect(r.nIter).toBe(1);
    expect(r.message.length).toBeGreaterThan(0);
    expect(r.warnings.length).toBeGreaterThan(0);
    expect(gm.converged).toBe(false);
    expect(gm.nIter).toBe(1);
  });

  it('nInit keeps the best restart (sklearn: test_multiple_init)', async () => {
    const Xr = gaussianRows(41, 50, 5);
    const scores: number[] = [];
    for (const nInit of [1, 5]) {
      const gm = new GaussianMixture({ nComponents: 2, solver: 'em', weights: 'learned', covariance: 'diagonal', nInit, seed: 0 });
      await gm.fit(Xr);
      scores.push(gm.score(Xr));
    }
    expect(scores[1]).toBeGreaterThanOrEqual(scores[0]);
  });

  it('a collapsing component is floored at regCovar, not an exception (sklearn: test_regularisation)', async () => {
    // Ten rows, two distinct points: five components per point have zero empirical variance.
    const Xd: Rows = [...Array(5).fill([1, 1, 1, 1, 1]), ...Array(5).fill([0, 0, 0, 0, 0])];
    const gm = new GaussianMixture({ nComponents: 4, solver: 'em', weights: 'learned', covariance: 'diagonal', regCovar: 1e-6, init: { means: [[1, 1, 1, 1, 1], [0.9, 1, 1, 1, 1], [0, 0, 0, 0, 0.1], [0, 0, 0, 0, 0]] } });
    const r = await gm.fit(Xd);
    expect(Number.isFinite(r.loss)).toBe(true);
    for (const v of (gm.variances as number[][]).flat()) expect(v).toBeGreaterThanOrEqual(1e-6);
    // Said in the result, as scikit-learn advises (issue 4): message and warnings name the component.
    expect(r.message).toMatch(/component \d collapsed: its variance was floored at regCovar = 0\.000001/);
    expect(r.warnings.some((w) => /component \d collapsed/.test(w))).toBe(true);
  });

  it('onIteration gets copies (editing them changes nothing) and returning false stops and commits', async () => {
    const opts = { nComponents: 3, solver: 'em', weights: 'learned', covariance: 'diagonal', init: start, maxIter: 30, tol: 0 } as const;
    const plain = await new GaussianMixture(opts).fit(X);
    const vandal = await new GaussianMixture({ ...opts, onIteration: (info) => { info.params.means[0][0] = 1e9; info.loss = NaN; } }).fit(X);
    expect(vandal).toStrictEqual(plain);
    const seen: number[] = [];
    const gm = new GaussianMixture({ ...opts, onIteration: (info) => { seen.push(info.iteration); return info.iteration < 3; } });
    const r = await gm.fit(X);
    expect(seen).toStrictEqual([1, 2, 3]);
    expect(r.status).toBe('callback');
    expect(r.converged).toBe(false);
    expect(gm.nIter).toBe(3);
    expect(gm.means).toStrictEqual(r.params.means);
  });
});

// ---------------------------------------------------------------------------------------------------
// Convergence claims hold for the returned model
// ---------------------------------------------------------------------------------------------------

/** ‖∇_μ L‖₂ of the mean NLL for fixed weights w and one shared variance v (the whole θ in that case). */
function refMeanGradNorm(X: Rows, m: Model, v: number): number {
  const N = X.length;
  const g = m.means.map((mu) => mu.map(() => 0));
  const R = refProba(m, X);
  X.forEach((x, k) => m.means.forEach((mu, i) => mu.forEach((mij, j) => { g[i][j] -= (R[k][i] * (x[j] - mij)) / (v * N); })));
  return Math.hypot(...g.flat());
}

describe('GaussianMixture: a converged fit returns parameters that meet its tolerance', () => {
  // Two unit blobs at ±3 (0.4 / 0.6) in 2-D, 200 rows; fixed uniform weights and σ² = 1, so θ = means and
  // ∇L has the closed form above (its float64 rounding is ~1e-14, far below tol).
  const rng = new Rng(0);
  const X: Rows = Array.from({ length: 200 }, () => { const c = rng.uniform() < 0.4 ? -3 : 3; return [c + rng.normal(), rng.normal()]; });
  for (const solver of ['gradient-em', 'gd-polyak'] as const) {
    it(`${solver}: status 'gradient-tolerance' means ‖∇L(params)‖ ≤ tol for the params returned`, async () => {
      const tol = 1e-10;
      const gm = new GaussianMixture({ nComponents: 2, solver, tol, seed: 0, maxIter: 5000, weights: 'fixed', covariance: 'fixed' });
      const r = await gm.fit(X);
      expect(r.status).toBe('gradient-tolerance');
      expect(r.history.at(-1)!.gradNorm).toBeLessThanOrEqual(tol);
      // Regression test (fixed in 0b50646): src/solvers/driver.ts kept the best loss with a strict `<` and
      // returned that point on 'gradient-tolerance'. Near the optimum the loss is flat to rounding (it
      // changes by ~‖∇‖² ≈ 1e-20), so the kept point was the earliest of the tied iterates, here with
      // ‖∇‖ = 3e-9, 30× tol, while the result claimed convergence.
      expect(refMeanGradNorm(X, { means: gm.means!, weights: gm.weights!, variances: 1 }, 1)).toBeLessThanOrEqual(tol * 1.001 + 1e-13);
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Every solver × covariance × weights on a well-separated mixture
// ---------------------------------------------------------------------------------------------------

describe('GaussianMixture: every solver × covariance × weights recovers well-separated centers', () => {
  const SOLVERS = ['gd-polyak', 'gradient-em', 'em', 'gd', 'polyak'] as const;
  for (const solver of SOLVERS) for (const covariance of ['fixed', 'spherical', 'diagonal'] as const) for (const weights of ['fixed', 'learned'] as const) {
    it(`${solver}, ${covariance}, ${weights}`, async () => {
      const gm = new GaussianMixture({ nComponents: 3, solver, covariance, weights, seed: 1, maxIter: 500 });
      const r = await gm.fit(blobs.X);
      expect(Number.isFinite(r.loss)).toBe(true);
      // ~200 points per unit-variance blob: the MLE center is within a few 1/√200 ≈ 0.07 of the truth;
      // 0.35 (5 standard errors) leaves room for the fixed-weights bias (tiny at 12σ separation).
      expect(centerError(gm.means!, CENTERS)).toBeLessThanOrEqual(0.35);
      if (covariance !== 'fixed') {
        const v = gm.variances!;
        const all = typeof v === 'number' ? [v] : (v as (number | number[])[]).flat();
        // Unit variances; sample variance of ~200 points has SE √(2/200) = 0.1 (5 SE = 0.5).
        for (const s of all) expect(Math.abs(s - 1)).toBeLessThanOrEqual(0.5);
      }
      if (weights === 'learned') {
        const sorted = gm.weights!.slice().sort();
        // Binomial SE √(0.3·0.7/600) ≈ 0.019: 5 SE.
        [0.3, 0.3, 0.4].forEach((w, i) => expect(Math.abs(sorted[i] - w)).toBeLessThanOrEqual(0.1));
      } else {
        gm.weights!.forEach((w) => expect(w).toBeCloseTo(1 / 3, 14));
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Atomic commit
// ---------------------------------------------------------------------------------------------------

describe('GaussianMixture: a fit that throws, is aborted or fails leaves the previous model bit-identical', () => {
  const X1 = blobs.X;
  const X2 = mixtureData(12, 500, [[-2, 3], [4, 4], [1, -5]], [0.3, 0.3, 0.4]).X;

  it('abort midway from onIteration: AbortError with the best-so-far result, state untouched', async () => {
    const ac = new AbortController();
    let armed = false, seen = 0;
    const gm = new GaussianMixture({
      nComponents: 3, solver: 'gradient-em', weights: 'learned', covariance: 'diagonal', seed: 2, maxIter: 400,
      onIteration: (info) => { if (armed && ++seen === 5) ac.abort(); void info; },
    });
    await gm.fit(X1);
    const before = snapshot(gm);
    const predBefore = gm.predict(X2);
    armed = true;
    const e = await rejection(gm.fit(X2, { signal: ac.signal }));
    expect(e).toBeInstanceOf(AbortError);
    const partial = (e as AbortError & { result: { status: string; converged: boolean; nIter: number; params: Model; loss: number } }).result;
    expect(partial).toBeDefined();
    expect(partial.status).toBe('aborted');
    expect(partial.converged).toBe(false);
    expect(partial.nIter).toBeGreaterThanOrEqual(5);
    expect(partial.nIter).toBeLessThan(400);
    // The partial result is a model of X2 (3 components, 2 columns), with a finite loss.
    expect(partial.params.means.length).toBe(3);
    expect(Number.isFinite(partial.loss)).toBe(true);
    expect(snapshot(gm)).toStrictEqual(before);
    expect(gm.predict(X2)).toStrictEqual(predBefore);
  });

  it('a signal aborted before fit rejects at once and leaves the state', async () => {
    const gm = new GaussianMixture({ nComponents: 3, seed: 1 });
    await gm.fit(X1);
    const before = snapshot(gm);
    const ac = new AbortController();
    ac.abort();
    expect(await rejection(gm.fit(X2, { signal: ac.signal }))).toBeInstanceOf(AbortError);
    expect(snapshot(gm)).toStrictEqual(before);
  });

  it('the constructor signal aborts too', async () => {
    const ac = new AbortController();
    let n = 0;
    const gm = new GaussianMixture({ nComponents: 3, solver: 'gd', seed: 1, maxIter: 300, signal: ac.signal, onIteration: () => { if (++n === 3) ac.abort(); } });
    const e = await rejection(gm.fit(X1));
    expect(e).toBeInstanceOf(AbortError);
    // Never fitted: still unfitted.
    expect(gm.means).toBeUndefined();
    expect(gm.nIter).toBeUndefined();
  });

  it('bad data (NaN, too few rows, all-zero weights) leaves the state', async () => {
    const gm = new GaussianMixture({ nComponents: 3, covariance: 'spherical', seed: 1 });
    await gm.fit(X1);
    const before = snapshot(gm);
    const nan = X2.map((r) => r.slice()); nan[100][0] = NaN;
    await expect(gm.fit(nan)).rejects.toThrow(MixfitError);
    await expect(gm.fit(X2.slice(0, 2))).rejects.toThrow(MixfitError);
    await expect(gm.fit(X2, { sampleWeight: new Array(X2.length).fill(0) })).rejects.toThrow(MixfitError);
    expect(snapshot(gm)).toStrictEqual(before);
  });

  it('a fit whose loss is never finite rejects with FitError and does not replace the model', async () => {
    // The fixed setting: with learned variances the start variances overflow first (the next test's FitError).
    const gm = new GaussianMixture({ nComponents: 2, seed: 1, nInit: 2, weights: 'fixed', covariance: 'fixed' });
    await gm.fit(X1);
    const before = snapshot(gm);
    // Finite data whose squared distances overflow to Infinity: no restart can have a finite loss.
    const huge: Rows = [[1e200, -1e200], [-1e200, 1e200], [1e200, 1e200], [-1e200, -1e200]];
    const e = await rejection(gm.fit(huge));
    expect(e).toBeInstanceOf(FitError);
    expect((e as Error).message).toBe('every restart produced a NaN or infinite loss: check the scale of X (squared distances must stay finite in float64)');
    expect(snapshot(gm)).toStrictEqual(before);
  });

  it('abort during a later restart (nInit > 1) still rejects and commits nothing', async () => {
    // The contract: an aborted fit rejects with AbortError whatever restart it was in. A completed
    // earlier restart must not be committed as if the fit had finished.
    const ac = new AbortController();
    let armed = false;
    const gm = new GaussianMixture({
      nComponents: 3, solver: 'gd', seed: 5, nInit: 3, maxIter: 200,
      onIteration: (info) => { if (armed && info.restart === 1 && info.iteration === 3) ac.abort(); },
    });
    await gm.fit(X1);
    const before = snapshot(gm);
    armed = true;
    const e = await rejection(gm.fit(X2, { signal: ac.signal }));
    expect(e).toBeInstanceOf(AbortError);
    expect((e as AbortError & { result?: unknown }).result).toBeDefined();
    expect(snapshot(gm)).toStrictEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------------
// JSON round trip
// ---------------------------------------------------------------------------------------------------

describe('GaussianMixture: toJSON / fromJSON', () => {
  for (const covariance of ['fixed', 'spherical', 'diagonal'] as const) {
    it(`exact round trip (${covariance}); the restored model predicts synchronously and identically`, async () => {
      const gm = new GaussianMixture({ nComponents: 3, covariance, weights: 'learned', seed: 6 });
      await gm.fit(blobs.X);
      const json = gm.toJSON();
      expect(Object.keys(json).sort()).toStrictEqual(['covariance', 'learned', 'means', 'variances', 'version', 'weights']);
      expect(json.learned).toStrictEqual({ weights: true, variances: covariance !== 'fixed' });
      expect(json.covariance).toBe(covariance);
      expect(json.means).toStrictEqual(gm.means);
      expect(json.weights).toStrictEqual(gm.weights);
      expect(json.variances).toStrictEqual(gm.variances);
      if (covariance === 'fixed') expect(typeof json.variances).toBe('number');
      if (covariance === 'spherical') expect(typeof (json.variances as number[])[0]).toBe('number');
      if (covariance === 'diagonal') expect(Array.isArray((json.variances as number[][])[0])).toBe(true);
      const text = JSON.stringify(json);
      for (const restored of [GaussianMixture.fromJSON(text), GaussianMixture.fromJSON(JSON.parse(text))]) {
        expect(restored.toJSON()).toStrictEqual(json);
        expect(JSON.stringify(restored.toJSON())).toBe(text);
        expect(restored.predict(blobs.X)).toStrictEqual(gm.predict(blobs.X));
        expect(restored.scoreSamples(blobs.X)).toStrictEqual(gm.scoreSamples(blobs.X));
        expect(restored.predictProba(blobs.X)).toStrictEqual(gm.predictProba(blobs.X));
        expect(restored.nFeatures).toBe(2);
      }
    });
  }

  it('fromJSON validates its input', () => {
    expect(() => GaussianMixture.fromJSON('{not json')).toThrow(MixfitError);
    expect(() => GaussianMixture.fromJSON({ means: [[0, 0], [1, 1]], weights: [0.5, 0.6], variances: 1, covariance: 'fixed' }))
      .toThrow('json.weights: must sum to 1 (within 1e-9) (received "sum 1.1")');
    expect(() => GaussianMixture.fromJSON({ means: [[0, 0]], weights: [1], variances: 1, covariance: 'full' } as never))
      .toThrow(MixfitError);
  });
});

// ---------------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------------

describe('GaussianMixture: seeded determinism', () => {
  const X = mixtureData(51, 800, [[0, 0, 0], [4, 0, 1], [0, 4, -1], [3, 3, 3]], [0.25, 0.25, 0.25, 0.25]).X;

  it('same seed, data and options: bit-identical fit', async () => {
    const opts = { nComponents: 4, weights: 'learned', covariance: 'diagonal', seed: 9, nInit: 2 } as const;
    const a = new GaussianMixture(opts), b = new GaussianMixture(opts);
    const ra = await a.fit(X), rb = await b.fit(X);
    expect(rb).toStrictEqual(ra);
    expect(snapshot(b)).toStrictEqual(snapshot(a));
    // And fitting the same instance again reproduces it too.
    expect(await a.fit(X)).toStrictEqual(ra);
  });

  it('a different seed gives a different k-means++ start', async () => {
    const a = new GaussianMixture({ nComponents: 4, seed: 1, maxIter: 0 });
    const b = new GaussianMixture({ nComponents: 4, seed: 2, maxIter: 0 });
    await a.fit(X); await b.fit(X);
    expect(a.means).not.toStrictEqual(b.means);
  });

  for (const [solver, other] of [['em', 'scalar'], ['gd-polyak', 'scalar'], ['em', 'js']] as const) {
    it(`${solver}: kernel 'simd' and '${other}' agree to 1e-12`, async () => {
      const opts = { nComponents: 4, solver, weights: 'learned', covariance: 'spherical', seed: 9, maxIter: 300 } as const;
      const a = new GaussianMixture({ ...opts, kernel: 'simd' }), b = new GaussianMixture({ ...opts, kernel: other });
      const ra = await a.fit(X), rb = await b.fit(X);
      expect(Math.abs(ra.loss - rb.loss)).toBeLessThanOrEqual(1e-12);
      a.means!.flat().forEach((v, k) => expect(Math.abs(v - b.means!.flat()[k])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
      (a.variances as number[]).forEach((v, k) => expect(Math.abs(v - (b.variances as number[])[k])).toBeLessThanOrEqual(1e-12 * Math.max(1, v)));
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Properties (fast-check; fixed seed so that failures reproduce)
// ---------------------------------------------------------------------------------------------------

const RUNS = { seed: 20260604, numRuns: 40 };

/** A random small mixture problem: n well-spread centers in d dimensions, N rows, an EM start. */
const mixtureProblem = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  n: fc.integer({ min: 1, max: 3 }),
  d: fc.integer({ min: 1, max: 3 }),
  N: fc.integer({ min: 20, max: 80 }),
}).map(({ seed, n, d, N }) => {
  const rng = new Rng(seed);
  const centers = Array.from({ length: n }, () => Array.from({ length: d }, () => 8 * rng.uniform() - 4));
  const { X } = mixtureData(seed + 1, N, centers, new Array(n).fill(1 / n));
  // The start: the first n rows nudged apart, so no two start means coincide.
  const start = X.slice(0, n).map((r, i) => r.map((v) => v + 0.1 * i));
  const perm = Array.from({ length: N }, (_, k) => k);
  for (let k = N - 1; k > 0; k--) { const j = rng.int(k + 1); [perm[k], perm[j]] = [perm[j], perm[k]]; }
  return { n, d, X, start, perm };
});

describe('GaussianMixture: properties', () => {
  it('permuting the rows does not change the EM fitted loss beyond 1e-9 (same init)', async () => {
    await fc.assert(fc.asyncProperty(mixtureProblem, async ({ n, X, start, perm }) => {
      const opts = { nComponents: n, solver: 'em', weights: 'learned', covariance: 'spherical', regCovar: 1e-3, init: { means: start }, maxIter: 60, tol: 0 } as const;
      const a = await new GaussianMixture(opts).fit(X);
      const b = await new GaussianMixture(opts).fit(perm.map((k) => X[k]));
      // Only the order of the sums differs (≈ 1e-16 relative per pass); EM contracts towards the same
      // fixed point, and the loss is stationary there, so parameter drift enters only squared.
      return Math.abs(a.loss - b.loss) <= 1e-9;
    }), RUNS);
  });

  it('scaling the data by c scales the means by c (fixed covariance with variance c²σ², and EM spherical)', async () => {
    await fc.assert(fc.asyncProperty(mixtureProblem, fc.double({ min: 0.1, max: 10, noNaN: true }), async ({ n, d, X, start }, c) => {
      const Xc = X.map((r) => r.map((v) => c * v));
      const startC = start.map((r) => r.map((v) => c * v));
      // tol 0 and a fixed maxIter: both runs take the same number of steps (a gradient tolerance is not
      // scale invariant); regCovar 0 because a fixed floor is not scale invariant either.
      const common = { nComponents: n, solver: 'em', weights: 'learned', regCovar: 0, maxIter: 40, tol: 0 } as const;
      for (const [cov, a, b] of [
        ['fixed', { variance: 1.5 }, { variance: 1.5 * c * c }],
        ['spherical', {}, {}],
      ] as const) {
        // Explicit start variances (σ² = 1, c²): the data-derived default start is scale invariant too,
        // but this keeps the property independent of it.
        const v1 = cov === 'spherical' ? new Array(n).fill(1) : undefined, v2 = v1?.map((v) => v * c * c);
        const g1 = new GaussianMixture({ ...common, covariance: cov, ...a, init: { means: start, variances: v1 } });
        const g2 = new GaussianMixture({ ...common, covariance: cov, ...b, init: { means: startC, variances: v2 } });
        const r1 = await g1.fit(X), r2 = await g2.fit(Xc);
        const m1 = g1.means!.flat(), m2 = g2.means!.flat();
        const scale = Math.max(1, ...m1.map(Math.abs));
        // 1e-7 relative, not ~1e-14: these runs stop on maxIter (tol 0), and then the driver returns the
        // best-loss iterate; once the loss is flat to rounding that is the earliest of the tied iterates,
        // so the two runs may return different late EM iterates, ~1e-9 relative apart. A wrong scaling
        // (e.g. a variance or a floor not scaled) is off by O(1).
        for (let k = 0; k < m1.length; k++) if (Math.abs(m2[k] - c * m1[k]) > 1e-7 * c * scale) return false;
        // The mean NLL shifts by d·log c (the Jacobian of x ↦ c·x).
        if (Math.abs(r2.loss - (r1.loss + d * Math.log(c))) > 1e-9 * Math.max(1, Math.abs(r1.loss))) return false;
        if (cov === 'spherical') {
          const v1 = g1.variances as number[], v2 = g2.variances as number[];
          for (let i = 0; i < n; i++) if (Math.abs(v2[i] - c * c * v1[i]) > 1e-7 * c * c * v1[i]) return false;
        }
      }
      return true;
    }), RUNS);
  });

  it('predictProba rows sum to 1 and predict is their argmax for random models', () => {
    fc.assert(fc.property(mixtureProblem, fc.array(fc.double({ min: 0.05, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), ({ n, X, start }, vs) => {
      const w = vs.slice(0, n);
      const total = w.reduce((s, v) => s + v, 0);
      const gm = GaussianMixture.fromJSON({ means: start, weights: w.map((v) => v / total), variances: vs.slice(0, n), covariance: 'spherical' });
      const P = gm.predictProba(X) as Rows, pred = gm.predict(X) as number[];
      return P.every((row, k) => Math.abs(row.reduce((s, v) => s + v, 0) - 1) <= 1e-12 && row[pred[k]] === Math.max(...row));
    }), RUNS);
  });
});
