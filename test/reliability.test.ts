// Issue 13, library side: every bad input answered with the documented error (exact messages), extreme
// but finite inputs handled, nothing a caller does after a call can change it, bounded memory.
// Browser-safe: no node: imports (runs in the node and, when listed, the Chromium project).
import { describe, expect, it } from 'vitest';
import { FitError, GaussianMixture, MixfitError, empiricalObjective, populationObjective, sampleObjective } from '../src/index.js';
import { Rng } from '../src/model/rng.js';
import { checkKernelCapacity } from '../src/kernel/workspace.js';
import { MAX_SAMPLE_VALUES } from '../src/model/sample.js';
import { MIN_ROWS_PER_WORKER, resolveThreads } from '../src/parallel/threads.js';
import { availableCores } from '../src/parallel/transport.js';
import { loadKernels } from '../src/runtime/kernels.js';
import type { FlatParams } from '../src/types.js';
import { readParams } from '../src/validate.js';

type Rows = number[][];

/** N rows around the given centres (row k from centre k mod m) with noise sd per coordinate. */
function clustered(seed: number, N: number, centres: Rows, sd: number): Rows {
  const rng = new Rng(seed);
  return Array.from({ length: N }, (_, k) => centres[k % centres.length].map((c) => c + sd * rng.normal()));
}

/** The error thrown by `f` (sync or async), or a failure when it does not throw. */
async function caught(f: () => unknown): Promise<Error> {
  try { await f(); } catch (e) { return e as Error; }
  throw new Error('expected an error');
}

async function expectMixfit(f: () => unknown, message: string): Promise<void> {
  const e = await caught(f);
  expect(e).toBeInstanceOf(MixfitError);
  expect(e.message).toBe(message);
}

const fitted = async (o: ConstructorParameters<typeof GaussianMixture>[0], X: Rows) => {
  const gm = new GaussianMixture(o);
  await gm.fit(X);
  return gm;
};

/** log p(x) of a 1-D, 2-D … mixture in plain float64 (max-shifted log-sum-exp), for spherical models. */
function refLogDensity(means: Rows, weights: number[], variances: number[], x: number[]): number {
  const a = means.map((mu, i) => Math.log(weights[i]) + x.reduce((s, xj, j) => s - 0.5 * Math.log(2 * Math.PI * variances[i]) - (xj - mu[j]) ** 2 / (2 * variances[i]), 0));
  const m = Math.max(...a);
  return m + Math.log(a.reduce((s, ai) => s + Math.exp(ai - m), 0));
}

describe('1: data of magnitude 1e160–1e200', () => {
  it('two clusters near ±1e160 with spread 1e150 fit correctly (spherical and diagonal)', async () => {
    const centres = [[-1e160, 2e160], [1e160, -1e160]];
    const X = clustered(1, 60, centres, 1e150);
    for (const covariance of ['spherical', 'diagonal'] as const) {
      const gm = await fitted({ nComponents: 2, covariance, weights: 'learned', seed: 0 }, X);
      const order = gm.means![0][0] < gm.means![1][0] ? [0, 1] : [1, 0];
      order.forEach((i, c) => gm.means![i].forEach((m, j) => expect(Math.abs(m - centres[c][j])).toBeLessThan(1e150)));
      const v = gm.variances as number[] | number[][];
      for (const vi of v.flat()) { expect(vi).toBeGreaterThan(0.3e300); expect(vi).toBeLessThan(3e300); }
      expect(gm.predict(X)).toEqual(X.map((_, k) => order[k % 2]));
    }
  });

  it('data spread 1e180 raises FitError saying why, for every covariance', async () => {
    const rng = new Rng(2);
    const X = Array.from({ length: 40 }, () => [1e180 * rng.normal(), 1e180 * rng.normal()]);
    const max = Math.max(...X.flat().map(Math.abs));
    const spread = `X is spread too widely for float64: start variances overflow (largest |x| = ${max.toExponential(2)}; `
      + 'variances above 1.8e308, i.e. spreads above about 1e154, cannot be represented); rescale X, e.g. divide it by 1e+180';
    expect(max).toBeGreaterThan(1e180);
    expect(max).toBeLessThan(1e181);
    for (const covariance of ['spherical', 'diagonal'] as const) {
      const e = await caught(() => new GaussianMixture({ nComponents: 2, covariance }).fit(X));
      expect(e).toBeInstanceOf(FitError);
      expect(e.message).toBe(spread);
    }
    const e = await caught(() => new GaussianMixture({ nComponents: 2, weights: 'fixed', covariance: 'fixed' }).fit(X));
    expect(e).toBeInstanceOf(FitError);
    expect(e.message).toBe('every restart produced a NaN or infinite loss: check the scale of X (squared distances must stay finite in float64)');
  });

  it('k-means++ seeds and start variances of data scaled by 2^±300 are those of the data, scaled', async () => {
    const X = clustered(3, 50, [[0, 0], [5, 5], [-5, 5]], 1);
    const a = await fitted({ nComponents: 3, covariance: 'spherical', maxIter: 0 }, X);
    for (const e of [300, -300]) {
      const big = X.map((r) => r.map((x) => x * 2 ** e));
      const b = await fitted({ nComponents: 3, covariance: 'spherical', maxIter: 0, regCovar: 0 }, big);
      expect(b.means).toEqual(a.means!.map((r) => r.map((x) => x * 2 ** e)));
      (b.variances as number[]).forEach((v, i) => expect(v / 2 ** (2 * e)).toBeCloseTo((a.variances as number[])[i] - 1e-6, 12));
    }
  });
});

describe('2: sample weights of 1e308', () => {
  it('fit and score(X, w) behave as with unit weights', async () => {
    const X = clustered(4, 40, [[0, 0], [6, 1]], 1);
    const w = X.map(() => 1e308);
    const ones = X.map(() => 1);
    const gm = () => new GaussianMixture({ nComponents: 2, covariance: 'spherical', seed: 1 });
    const a = gm(), b = gm(), c = gm();
    await a.fit(X, { sampleWeight: ones });
    await b.fit(X, { sampleWeight: w });
    await c.fit(X, { sampleWeight: X.map(() => 2 ** 1023) });
    // Normalised by a power of two: weights of 2^1023 give bit-for-bit the fit with weights of 1.
    expect(c.means).toEqual(a.means);
    expect(c.variances).toEqual(a.variances);
    b.means!.flat().forEach((m, k) => expect(m).toBeCloseTo(a.means!.flat()[k], 9));
    expect(b.score(X, w)).toBeCloseTo(a.score(X, ones), 12);
    expect(Number.isFinite(a.score(X, w))).toBe(true);
    // Mixed magnitudes: a weight of 1e308 and one of 1 give the weighted mean they define.
    const mixed = X.map((_, k) => (k === 0 ? 1e308 : 1));
    const l = a.scoreSamples(X);
    expect(a.score(X, mixed)).toBeCloseTo(l[0], 10);
    const obj = await empiricalObjective(X, { sampleWeight: w });
    const flat = readParams({ means: a.means!, weights: a.weights, variances: a.variances }, 'p');
    expect(obj.value(flat)).toBeCloseTo(-a.score(X), 12);
    obj.dispose();
  });
});

describe('3: responsibilities for extreme finite inputs', () => {
  it('predictProba is finite and sums to 1; predict agrees; scoreSamples is −Infinity or finite, never NaN', async () => {
    const X = clustered(5, 40, [[0, 0], [5, 5]], 1);
    for (const kernel of ['simd', 'scalar', 'js'] as const) {
      const gm = await fitted({ nComponents: 2, covariance: 'spherical', kernel, seed: 0 }, X);
      const far = [[1e308, 1e308], [-1e308, 1e308], [1e200, -1e200], [1e155, 1e155], [-1.7e308, -1.7e308]];
      const P = gm.predictProba(far);
      const labels = gm.predict(far);
      const l = gm.scoreSamples(far);
      P.forEach((row, k) => {
        row.forEach((r) => expect(Number.isFinite(r)).toBe(true));
        expect(row[0] + row[1]).toBeCloseTo(1, 15);
        expect(labels[k]).toBe(row[0] >= row[1] ? 0 : 1);
        expect(Number.isNaN(l[k])).toBe(false);
      });
      // The nearer component (in Mahalanobis distance) takes the row where the distances differ in float64:
      // brute force in halves and units of 1e300, which cannot overflow.
      const m = gm.means!, v = gm.variances as number[];
      far.forEach((x, k) => {
        const q = m.map((mu, i) => mu.reduce((s, mj, j) => s + ((x[j] / 2 - mj / 2) / 1e300) ** 2 / v[i], 0));
        if (Math.abs(q[0] - q[1]) > 1e-9 * q[0]) expect(labels[k], `${kernel} row ${k}`).toBe(q[0] < q[1] ? 0 : 1);
      });
      // 1e155: ℓ ≈ −1e310/σ² overflows; 1e100 stays finite and matches the reference.
      const near = gm.scoreSamples([[1e100, 0]])[0];
      expect(near / refLogDensity(m, gm.weights!, v, [1e100, 0])).toBeCloseTo(1, 12);
    }
  });
});

describe('4: variance range', () => {
  it('subnormal variances are rejected with the smallest normal named; the smallest normal scores finitely', async () => {
    await expectMixfit(() => GaussianMixture.fromJSON({ means: [[0]], variances: 1e-320 } as never),
      'json.variances: must be ≥ 2.2250738585072014e-308 (the smallest normal float64; 1/σ² overflows below it) (received 1e-320)');
    await expectMixfit(() => GaussianMixture.fromJSON({ means: [[0], [1]], variances: [1, 5e-324] } as never),
      'json.variances[1]: must be ≥ 2.2250738585072014e-308 (the smallest normal float64; 1/σ² overflows below it) (received 5e-324)');
    await expectMixfit(() => new GaussianMixture({ nComponents: 1, covariance: 'diagonal', init: { means: [[0, 0]], variances: [[1, 1e-310]] } }),
      'options.init.variances[0][1]: must be ≥ 2.2250738585072014e-308 (the smallest normal float64; 1/σ² overflows below it) (received 1e-310)');
    const gm = GaussianMixture.fromJSON({ means: [[0]], variances: 2 ** -1022 } as never);
    // log N(0; 0, σ²) = −½ log(2π σ²) = −½ log 2π + 511 log 2.
    expect(gm.scoreSamples([[0]])[0]).toBeCloseTo(-0.5 * Math.log(2 * Math.PI) + 511 * Math.LN2, 10);
  });
});

describe('5: option names that are Object.prototype members', () => {
  it('are rejected by GaussianMixture, fit, the model file and the objectives', async () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      await expectMixfit(() => new GaussianMixture({ nComponents: 2, [key]: 1 } as never), `options.${key}: is not an option (received 1)`);
      await expectMixfit(() => new GaussianMixture({ nComponents: 1 }).fit([[0], [1]], { [key]: 1 } as never), `options.${key}: is not an option (received 1)`);
      await expectMixfit(() => empiricalObjective([[0], [1]], { [key]: 1 } as never), `options.${key}: is not an option (received 1)`);
      await expectMixfit(() => GaussianMixture.fromJSON({ means: [[0]], variances: 1, covariance: key } as never),
        `json.covariance: must be one of 'fixed', 'spherical', 'diagonal', 'full', 'tied' (received "${key}")`);
    }
    const proto = JSON.parse('{"nComponents": 2, "__proto__": {"seed": 3}}');
    await expectMixfit(() => new GaussianMixture(proto), 'options.__proto__: is not an option (received an object)');
    await expectMixfit(() => new GaussianMixture({ nComponents: 1 }).fit([[0]], JSON.parse('{"__proto__": 1}')), 'options.__proto__: is not an option (received 1)');
    // Inherited values are not options either: only own keys are read.
    const inherited = Object.create({ seed: 'not a number' });
    inherited.nComponents = 1;
    expect(new GaussianMixture(inherited).options.seed).toBe(0);
    await expectMixfit(() => new GaussianMixture(Object.create({ nComponents: 2 })), 'options.nComponents: is required (an integer ≥ 1)');
  });

  it('unknown options of the objectives are rejected', async () => {
    await expectMixfit(() => empiricalObjective([[0], [1]], { foo: 1 } as never), 'options.foo: is not an option (received 1)');
    await expectMixfit(() => empiricalObjective([[0], [1]], { sampleweight: [1, 1] } as never),
      'options.sampleweight: is not an option (did you mean sampleWeight?) (received an array of length 2)');
    await expectMixfit(() => populationObjective({ means: [[0]] }, { node: 10 } as never), 'options.node: is not an option (did you mean nodes?) (received 10)');
    await expectMixfit(() => sampleObjective({ means: [[0]] }, { rows: 10, sed: 1 } as never), 'options.sed: is not an option (received 1)');
    await expectMixfit(() => sampleObjective({ means: [[0]] }, undefined as never), 'options: is required ({ rows, seed?, threads?, kernel?, wasm? })');
  });
});

describe('6: bad arguments to public entries are MixfitErrors', () => {
  it('signal, objective methods and null parameters', async () => {
    await expectMixfit(() => new GaussianMixture({ nComponents: 1 }).fit([[0]], { signal: {} as never }), 'options.signal: must be an AbortSignal (received an object)');
    const obj = await empiricalObjective([[0], [1]]);
    for (const [bad, shown] of [[null, ' (received null)'], [undefined, ''], [3, ' (received 3)'], ['x', ' (received "x")']]) {
      await expectMixfit(() => obj.value(bad as never), `params: must be an object { means, weights?, variances? }${shown}`);
      await expectMixfit(() => obj.valueAndGrad(bad as never), `params: must be an object { means, weights?, variances? }${shown}`);
    }
    await expectMixfit(() => obj.stats(null as never), 'params: must be an object { means, weights?, variances? } (received null)');
    await expectMixfit(() => obj.statsAsync({ means: [[0, 0]] } as never), 'params.means: must have 1 columns (the model\'s dimension) (received "2 columns")');
    await expectMixfit(() => obj.lossFromStats(null as never), 'stats: must be the PassStats of a stats() or statsAsync() call (received null)');
    expect(obj.value({ means: [[0]] })).toBeCloseTo(0.5 * Math.log(2 * Math.PI) + 0.25, 14);
    obj.dispose();
  });
});

describe('7: typed-array data are copied before fit returns its promise', () => {
  it('changing the caller\'s buffer right after fit(...) does not change the fit', async () => {
    const X = clustered(6, 200, [[0, 0], [4, 4]], 1);
    const data = Float64Array.from(X.flat());
    const ref = await new GaussianMixture({ nComponents: 2, seed: 2 }).fit({ data: data.slice(), rows: 200, cols: 2 });
    const w = new Float64Array(200).fill(1);
    const run = new GaussianMixture({ nComponents: 2, seed: 2 }).fit({ data, rows: 200, cols: 2 }, { sampleWeight: w });
    data.fill(1e6);
    w.fill(0);
    expect((await run).params).toEqual(ref.params);
    const obj = empiricalObjective({ data, rows: 200, cols: 2 });
    data.fill(0);
    expect((await obj).value({ means: [[1e6, 1e6]] })).toBeCloseTo(0.5 * 2 * Math.log(2 * Math.PI), 12);
    (await obj).dispose();
  });
});

describe('8: threads cap', () => {
  it('a requested count is capped at the cores and one worker per MIN_ROWS_PER_WORKER rows, and the fit says so', async () => {
    const cores = await availableCores();
    expect(MIN_ROWS_PER_WORKER).toBe(1000);
    expect(await resolveThreads(1000, 100, 2)).toBe(1);
    expect(await resolveThreads(1000, 1200, 2)).toBe(1);
    expect(await resolveThreads(1000, 2000, 2)).toBe(Math.min(2, cores));
    expect(await resolveThreads(1000, 10 ** 7, 2)).toBe(cores);
    expect(await resolveThreads(1, 10 ** 7, 2)).toBe(1);
    const X = clustered(7, 100, [[0], [3]], 1);
    const t0 = Date.now();
    const r = await new GaussianMixture({ nComponents: 2, threads: 1000 }).fit(X);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.warnings[0]).toBe('threads: 1000 requested, 1 used (capped at the available cores and at one worker per 1000 rows; X has 100 rows)');
    const quiet = await new GaussianMixture({ nComponents: 2, threads: 1 }).fit(X);
    expect(quiet.warnings.some((w) => w.startsWith('threads:'))).toBe(false);
  });
});

describe('9: WASM memory stays bounded when the parameter shape changes', () => {
  it('2 ↔ 3 components thousands of times (pass and score) does not grow memory', async () => {
    const X = Float64Array.from(clustered(8, 300, [[0, 0], [3, 3]], 1).flat());
    for (const variant of ['simd', 'scalar'] as const) {
      const kernels = await loadKernels({ kernel: variant });
      const be = kernels.createBackend(X, 300, 2) as unknown as { memoryBytes(): number; pass: Function; score: Function; dispose(): void };
      const shapes: FlatParams[] = [2, 3].map((n) => readParams({ means: Array.from({ length: n }, (_, i) => [i, i]), variances: [[1, 2], [2, 1], [1, 1]].slice(0, n) }, 'p'));
      const stats = shapes.map((p) => ({ totalWeight: 0, sumLogLik: 0, R: new Float64Array(p.n), S: new Float64Array(p.n * 2), Q: new Float64Array(p.n * 2) }));
      const ld = new Float64Array(300);
      let after10 = 0;
      for (let t = 0; t < 4000; t++) {
        const i = t % 2;
        be.pass(shapes[i], stats[i]);
        if (t % 7 === 0) be.score(shapes[i], ld, new Float64Array(300 * shapes[i].n));
        if (t === 10) after10 = be.memoryBytes();
      }
      expect(be.memoryBytes()).toBe(after10);
      be.dispose();
    }
  });

  it('one objective evaluated at 2 and 3 components alternately 8000 times keeps its memory', async () => {
    const X = clustered(8, 300, [[0, 0], [3, 3]], 1);
    const obj = await empiricalObjective(X, { kernel: 'simd' });
    const starts = [2, 3].map((n) => ({ means: X.slice(0, n), variances: Array.from({ length: n }, () => 1) }));
    const bytes = () => (obj.live() as unknown as { memoryBytes(): number }).memoryBytes();
    let after10 = 0;
    for (let t = 0; t < 8000; t++) {
      obj.valueAndGrad(starts[t % 2]);
      if (t === 10) after10 = bytes();
    }
    expect(bytes()).toBe(after10);
    expect(after10).toBeLessThanOrEqual(3 * 65536);
    obj.dispose();
  });
});

describe('10: sample size limit', () => {
  it('sample(2 ** 32) is rejected at once, naming the limit', async () => {
    const gm = GaussianMixture.fromJSON({ means: [[0, 0]], variances: 1 } as never);
    const t0 = Date.now();
    await expectMixfit(() => gm.sample(2 ** 32),
      'n: must be at most 67108864 for d = 2 (n × d ≤ 2^27 = 134217728 values per call; draw in batches with different seeds) (received 4294967296)');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(MAX_SAMPLE_VALUES).toBe(2 ** 27);
    expect(gm.sample(5).X).toHaveLength(5);
  });

  it('data too large for one kernel instance are rejected naming the bytes', () => {
    expect(() => checkKernelCapacity(2 ** 28, 1)).toThrow(new MixfitError('X',
      'is too large for one kernel instance: rows × (cols + 1) × 8 bytes must stay below 4 GiB − 16 MiB of WebAssembly memory '
      + "(268435456 × 1 needs 4294967296 bytes); use fewer rows, or kernel: 'js' (plain float64 arrays)"));
    expect(() => checkKernelCapacity(2 ** 20, 10)).not.toThrow();
  });
});

describe('14: the model file records what was learned', () => {
  it('bic, aic and parameterCount survive toJSON → fromJSON for every covariance and weights setting', async () => {
    const X = clustered(9, 120, [[0, 0], [5, 0], [0, 5]], 1);
    for (const covariance of ['fixed', 'spherical', 'diagonal'] as const) {
      for (const weights of ['fixed', 'learned'] as const) {
        const gm = await fitted({ nComponents: 3, covariance, weights, seed: 1 }, X);
        const json = gm.toJSON();
        expect(json.version).toBe(2);
        expect(json.learned).toEqual({ weights: weights === 'learned', variances: covariance !== 'fixed' });
        for (const doc of [json, JSON.stringify(json)]) {
          const back = GaussianMixture.fromJSON(doc);
          expect(back.parameterCount()).toBe(gm.parameterCount());
          expect(back.bic(X)).toBe(gm.bic(X));
          expect(back.aic(X)).toBe(gm.aic(X));
          expect(back.toJSON()).toEqual(json);
        }
      }
    }
  });

  it('version-1 files still load (weights fixed unless the caller says otherwise); bad versions and fields are named', async () => {
    const v1 = { means: [[0], [4]], weights: [0.3, 0.7], variances: [1, 2], covariance: 'spherical' as const };
    expect(GaussianMixture.fromJSON(v1).parameterCount()).toBe(4);
    expect(GaussianMixture.fromJSON(v1, { weights: 'learned' }).parameterCount()).toBe(5);
    expect(GaussianMixture.fromJSON(v1).toJSON().learned).toEqual({ weights: false, variances: true });
    const v2 = { ...v1, version: 2, learned: { weights: true, variances: true } };
    expect(GaussianMixture.fromJSON(v2).parameterCount()).toBe(5);
    await expectMixfit(() => GaussianMixture.fromJSON(v2, { weights: 'fixed' }), "options.weights: must agree with the model file, whose weights are learned (received \"fixed\")");
    await expectMixfit(() => GaussianMixture.fromJSON({ ...v1, version: 4 }), 'json.version: must be 1, 2 or 3 (this mixfit reads model files up to version 3) (received 4)');
    await expectMixfit(() => GaussianMixture.fromJSON({ ...v1, version: 2 }), 'json.learned: is required in version 2 files ({ weights: boolean, variances: boolean })');
    await expectMixfit(() => GaussianMixture.fromJSON({ ...v2, learned: { weights: 1, variances: true } } as never), 'json.learned.weights: must be true or false (received 1)');
    await expectMixfit(() => GaussianMixture.fromJSON({ ...v2, learned: { weights: true, variances: false } }), "json.learned.variances: must be true for covariance 'spherical' (received false)");
    await expectMixfit(() => GaussianMixture.fromJSON({ ...v2, learned: { weights: true, variances: true, means: true } } as never), 'json.learned.means: is not a field (weights, variances) (received true)');
  });
});

describe('17: regCovar dominating the data', () => {
  it('warns with a suggested value when regCovar ≥ 1% of the smallest column variance, and not otherwise', async () => {
    const X = clustered(10, 200, [[0, 0], [4e-6, 4e-6]], 1e-6);
    const colVar = [0, 1].map((j) => { const m = X.reduce((s, r) => s + r[j], 0) / X.length; return X.reduce((s, r) => s + (r[j] - m) ** 2, 0) / X.length; });
    const min = Math.min(...colVar);
    const r = await new GaussianMixture({ nComponents: 2, covariance: 'spherical', seed: 0 }).fit(X);
    const w = r.warnings.find((s) => s.startsWith('regCovar'));
    expect(w).toBe(`regCovar = 0.000001 dominates the data's variance (smallest column variance ${min.toExponential(2)}): `
      + `learned variances cannot go below regCovar, so components cannot resolve the data; use regCovar ≈ ${(1e-6 * min).toExponential(0)} or rescale X`);
    const ok = await new GaussianMixture({ nComponents: 2, covariance: 'spherical', seed: 0, regCovar: 1e-18 }).fit(X);
    expect(ok.warnings.some((s) => s.startsWith('regCovar'))).toBe(false);
    // With the suggested floor the two clusters are told apart.
    expect(new Set(ok.params.means.map((m) => Math.round(m[0] / 4e-6))).size).toBe(2);
    const unit = await new GaussianMixture({ nComponents: 2, covariance: 'diagonal', seed: 0 }).fit(X.map((row) => row.map((x) => x * 1e6)));
    expect(unit.warnings.some((s) => s.startsWith('regCovar'))).toBe(false);
  });
});
