// precision 'float32' beyond in-memory data (issue 14 item 3): file sources stream every chunk through the
// float32 passes (centred at the source's column means, so a chunk holds the f32 values the in-memory layout
// would), partialFit runs them on each chunk, SQL sources reject the option, and data outside float32's range
// (src/kernel/dataRange.ts: D²·max(1, 1/σ²_min)·max(1, c_max) ≤ 2^121) are a MixfitError before any pass,
// the model unchanged. Node only (files).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GaussianMixture, MixfitError, empiricalObjective, openSource, sqlSource, streamingObjective, type GaussianMixtureOptions, type SqlAdapter,
} from '../src/index.js';
import { F32_SQUARED_LIMIT } from '../src/kernel/dataRange.js';
import { newPassStats } from '../src/kernel/backend.js';
import { withPrecision } from '../src/kernel/precision.js';
import { Rng } from '../src/model/rng.js';
import { loadKernels } from '../src/runtime/kernels.js';
import { readParams } from '../src/validate.js';
import { chunks } from './fixtures/stream.js';

const dir = mkdtempSync(join(tmpdir(), 'mixfit-f32-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** N × d rows of a seeded 3-component mixture around `offset` (row-major). */
function mixture(seed: number, N: number, d: number, offset = 0): Float64Array {
  const rng = new Rng(seed);
  const X = new Float64Array(N * d);
  for (let k = 0; k < N; k++) {
    const c = rng.int(3);
    for (let j = 0; j < d; j++) X[k * d + j] = offset + 3 * c * (j % 2 ? -1 : 1) + (0.5 + c) * rng.normal();
  }
  return X;
}

function writeF64(name: string, X: Float64Array): string {
  const p = join(dir, name);
  writeFileSync(p, new Uint8Array(X.buffer, X.byteOffset, X.byteLength));
  return p;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i][j]))));

const N = 5003, d = 6;
const X = mixture(2, N, d, 100);
const path = writeF64('x.f64', X);
const M = { data: X, rows: N, cols: d };
const LAYOUTS = ['spherical', 'fixed', 'diagonal', 'full', 'tied'] as const;
const opts = (covariance: (typeof LAYOUTS)[number], precision: 'float32' | 'float64'): GaussianMixtureOptions => ({
  nComponents: 3, covariance, weights: 'learned', solver: 'em', seed: 1, threads: 1, maxIter: 200, precision,
  ...(covariance === 'fixed' ? { variance: 2 } : {}),
});

async function fitSource(o: GaussianMixtureOptions, chunkRows: number) {
  const src = await openSource(path, { cols: d });
  try {
    const gm = new GaussianMixture(o);
    return { gm, r: await gm.fit(src, { chunkRows }) };
  } finally {
    src.close();
  }
}

describe('a file source fitted with precision float32 runs the float32 passes', () => {
  // Stated tolerances. Chunks of a multiple of 128 rows start where the in-memory layout's f32 blocks do (32
  // quads per block of assembly/passF32.ts, 16 of passFullF32.ts), so only the float64 sum over chunks differs:
  // measured ≤ 4.6e-15 (loss) and 8.5e-14 (means); bound 1e-11 and 1e-9. Other chunk sizes regroup the f32
  // block sums: measured ≤ 1e-9 (loss) and 2.1e-7 (means, data spread ~10 around 100); bound 1e-7 and 1e-5,
  // the float32 error (README Precision). Float32 against float64: measured 4.5e-10…6.4e-8 (loss) and
  // 2.8e-4…1.6e-3 (means: the float32 floors stop EM a few iterations earlier); bound 1e-6 and 5e-3.
  for (const covariance of LAYOUTS) {
    it(`${covariance}: equals the in-memory float32 fit, and differs from float64 by float32's error`, async () => {
      const mem32 = new GaussianMixture(opts(covariance, 'float32'));
      const r32 = await mem32.fit(M);
      const mem64 = new GaussianMixture(opts(covariance, 'float64'));
      const r64 = await mem64.fit(M);
      expect(r32.converged && r64.converged).toBe(true);
      const aligned = await fitSource(opts(covariance, 'float32'), 1280);
      expect(aligned.r.nIter).toBe(r32.nIter);
      expect(rel(aligned.r.loss, r32.loss)).toBeLessThan(1e-11);
      expect(maxDiff(aligned.gm.means!, mem32.means!)).toBeLessThan(1e-9);
      const odd = await fitSource(opts(covariance, 'float32'), 1001);
      expect(rel(odd.r.loss, r32.loss)).toBeLessThan(1e-7);
      expect(maxDiff(odd.gm.means!, mem32.means!)).toBeLessThan(1e-5);
      // Float32 really ran: the streamed fit is not float64's, and within the float32 error of it (above).
      const s64 = await fitSource(opts(covariance, 'float64'), 1280);
      expect(rel(s64.r.loss, r64.loss)).toBeLessThan(1e-12);
      expect(rel(aligned.r.loss, s64.r.loss)).toBeGreaterThan(1e-12);
      expect(rel(aligned.r.loss, s64.r.loss)).toBeLessThan(1e-6);
      expect(maxDiff(aligned.gm.means!, s64.gm.means!)).toBeLessThan(5e-3);
      if (process.env.MIXFIT_MEASURE) console.log('MEASURE', covariance, rel(aligned.r.loss, r32.loss), maxDiff(aligned.gm.means!, mem32.means!), rel(odd.r.loss, r32.loss), maxDiff(odd.gm.means!, mem32.means!), rel(aligned.r.loss, s64.r.loss), maxDiff(aligned.gm.means!, s64.gm.means!), aligned.r.nIter, s64.r.nIter);
    });
  }

  it('on chunk workers (threads 2) the passes are the one-thread float32 passes bit for bit', async () => {
    for (const covariance of ['diagonal', 'full'] as const) {
      const one = await fitSource(opts(covariance, 'float32'), 1000);
      const two = await fitSource({ ...opts(covariance, 'float32'), threads: 2 }, 1000);
      expect(two.r.loss).toBe(one.r.loss);
      expect(two.gm.means).toEqual(one.gm.means);
    }
  });

  it('streamingObjective takes precision too: its passes equal the in-memory float32 objective (aligned chunks)', async () => {
    const src = await openSource(path, { cols: d });
    const streamed = await streamingObjective(src, { precision: 'float32', chunkRows: 1280 });
    const mem = await empiricalObjective(M, { precision: 'float32', threads: 1 });
    const f64 = await empiricalObjective(M, { threads: 1 });
    try {
      expect(streamed.precision).toBe('float32');
      const p = { means: [[100, 100, 100, 100, 100, 100], [103, 97, 103, 97, 103, 97], [106, 94, 106, 94, 106, 94]], weights: [0.3, 0.3, 0.4], variances: [1, 2, 3] };
      const flat = readParams(p, 'p', d);
      const a = (await streamed.statsAsync(flat)).sumLogLik, b = mem.stats(flat).sumLogLik, c = f64.stats(flat).sumLogLik;
      expect(rel(a, b)).toBeLessThan(1e-12);
      expect(rel(a, c)).toBeGreaterThan(1e-12);
      expect(rel(a, c)).toBeLessThan(1e-6);
    } finally {
      streamed.dispose();
      mem.dispose();
      f64.dispose();
      src.close();
    }
  });
});

describe('in-memory float32 on worker shards', () => {
  it('every shard packs around the whole data set\'s centre: threads 2 give the one-thread float32 statistics (block-aligned shards: to 1e-12)', async () => {
    // 5120 rows: two shards of 640 quads, so both layouts form the same 32-quad f32 blocks and only the
    // float64 sums of the blocks regroup; shards centred at their own means would differ by ~1e-7.
    const Ma = { data: mixture(5, 5120, d, 100), rows: 5120, cols: d };
    const p = readParams({ means: [[100, 97, 103, 97, 103, 97], [97, 103, 97, 103, 97, 103], [103, 100, 100, 100, 100, 100]], variances: 4 }, 'p', d);
    const one = await empiricalObjective(Ma, { precision: 'float32', threads: 1 });
    const two = await empiricalObjective(Ma, { precision: 'float32', threads: 2 });
    try {
      const a = one.stats(p), b = await two.statsAsync(p);
      expect(rel(b.sumLogLik, a.sumLogLik)).toBeLessThan(1e-12);
      for (const k of ['R', 'S', 'Q'] as const) a[k].forEach((v, i) => expect(Math.abs(b[k][i] - v)).toBeLessThanOrEqual(1e-12 * Math.abs(v) + 1e-12));
    } finally {
      one.dispose();
      two.dispose();
    }
  });
});

describe('partialFit with precision float32', () => {
  it('runs each chunk through the float32 pass (within float32 error of the float64 stream, not equal to it)', () => {
    for (const covariance of ['diagonal', 'full'] as const) {
      const a = new GaussianMixture(opts(covariance, 'float32')), b = new GaussianMixture(opts(covariance, 'float64'));
      for (const c of chunks(X, N, d, 1000)) { a.partialFit(c); b.partialFit(c); }
      const la = a.score(M), lb = b.score(M);
      expect(rel(la, lb)).toBeGreaterThan(1e-13);
      expect(rel(la, lb)).toBeLessThan(1e-6);
      expect(maxDiff(a.means!, b.means!)).toBeLessThan(1e-3);
      if (process.env.MIXFIT_MEASURE) console.log('MEASURE partialFit', covariance, rel(la, lb), maxDiff(a.means!, b.means!));
    }
  });
});

describe('SQL sources and precision float32', () => {
  it("are rejected naming options.precision before any query (the passes run in the engine's float64)", async () => {
    const sent: string[] = [];
    const adapter: SqlAdapter = { query: async (sql) => { sent.push(sql); return [[10, 10]]; } };
    const table = await sqlSource(adapter, { from: 't', columns: ['a'] });
    const before = sent.length;
    const gm = new GaussianMixture({ nComponents: 2, precision: 'float32' });
    const e = await gm.fit(table).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MixfitError);
    expect((e as MixfitError).argument).toBe('options.precision');
    expect((e as MixfitError).message).toMatch(/SQL engine.*use precision 'float64'/);
    expect(sent.length).toBe(before);
    expect(gm.means).toBeUndefined();
  });
});

describe("data outside float32's range", () => {
  // Two clusters D apart along one axis (D² = the bounding box's squared diagonal up to the spread's 1e-3).
  const twoClusters = (D: number, rows = 400) => {
    const rng = new Rng(4);
    const data = new Float64Array(rows * 2);
    for (let k = 0; k < rows; k++) { data[2 * k] = (k % 2) * D + 1e-3 * D * rng.normal(); data[2 * k + 1] = 1e-3 * D * rng.normal(); }
    // The box's exact diagonal, so "just inside" and "just outside" are relative to what is checked.
    let d2 = 0;
    for (let j = 0; j < 2; j++) {
      let lo = Infinity, hi = -Infinity;
      for (let k = 0; k < rows; k++) { lo = Math.min(lo, data[2 * k + j]); hi = Math.max(hi, data[2 * k + j]); }
      d2 += (hi - lo) ** 2;
    }
    return { M: { data: data.map((v) => v * Math.sqrt(D * D / d2)), rows, cols: 2 } };
  };
  const o = (regCovar: number, extra: Partial<GaussianMixtureOptions> = {}): GaussianMixtureOptions =>
    ({ nComponents: 2, covariance: 'diagonal', weights: 'learned', solver: 'em', seed: 0, threads: 1, precision: 'float32', regCovar, ...extra });
  const limitD = (minVariance: number) => Math.sqrt(F32_SQUARED_LIMIT / Math.max(1, 1 / minVariance));

  for (const regCovar of [1, 1e-6]) {
    it(`regCovar ${regCovar}: D just inside the bound fits finitely; just outside is a MixfitError naming X, model unchanged`, async () => {
      const D = limitD(regCovar);
      const inside = twoClusters(D * (1 - 1e-6)).M, outside = twoClusters(D * (1 + 1e-6)).M;
      const gm = new GaussianMixture(o(regCovar));
      const r = await gm.fit(inside);
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(r.converged).toBe(true);
      // The two clusters were found: one mean near 0, one near D, along the first axis.
      const xs = gm.means!.map((m) => m[0] / D).sort((a, b) => a - b);
      expect(Math.abs(xs[0])).toBeLessThan(0.02);
      expect(Math.abs(xs[1] - 1)).toBeLessThan(0.02);
      const before = gm.toJSON();
      const e = await gm.fit(outside).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MixfitError);
      expect((e as MixfitError).argument).toBe('X');
      expect((e as MixfitError).message).toMatch(/outside float32's range.*2\^121.*use precision 'float64'/);
      expect(gm.toJSON()).toEqual(before);
      // float64 fits the same data.
      expect(Number.isFinite((await new GaussianMixture(o(regCovar, { precision: 'float64' })).fit(outside)).loss)).toBe(true);
    });
  }

  it('the fixed variance bounds 1/σ² for covariance fixed, and the largest sample weight multiplies the bound', async () => {
    const D = limitD(1e-3);
    const fixed = o(1, { covariance: 'fixed', variance: 1e-3, weights: 'fixed' });
    await expect(new GaussianMixture(fixed).fit(twoClusters(D * (1 - 1e-6)).M)).resolves.toBeDefined();
    await expect(new GaussianMixture(fixed).fit(twoClusters(D * (1 + 1e-6)).M)).rejects.toThrow(MixfitError);
    const half = twoClusters(limitD(1) * Math.SQRT1_2).M; // D² = limit / 2
    const w = (c: number) => Array.from({ length: half.rows }, (_, k) => (k === 0 ? c : 1));
    await expect(new GaussianMixture(o(1)).fit(half, { sampleWeight: w(1.99) })).resolves.toBeDefined();
    await expect(new GaussianMixture(o(1)).fit(half, { sampleWeight: w(2.01) })).rejects.toThrow(/largest weight 2.01/);
  });

  it('a file source is checked on every row during its sample scan, before any pass; the model is unchanged', async () => {
    const D = limitD(1);
    const rows = 2000;
    const inside = twoClusters(D * (1 - 1e-6), rows).M, outside = twoClusters(D * (1 + 1e-6), rows).M;
    // The out-of-range row comes last, after the start sample (initSampleRows 100) is full.
    const pin = writeF64('inside.f64', inside.data), pout = writeF64('outside.f64', outside.data);
    const gm = new GaussianMixture(o(1));
    const sin = await openSource(pin, { cols: 2 }), sout = await openSource(pout, { cols: 2 });
    try {
      const r = await gm.fit(sin, { initSampleRows: 100 });
      expect(Number.isFinite(r.loss)).toBe(true);
      const before = gm.toJSON();
      let passes = 0;
      const e = await new GaussianMixture({ ...o(1), onIteration: () => { passes++; } }).fit(sout, { initSampleRows: 100 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MixfitError);
      expect((e as MixfitError).argument).toBe('X');
      expect((e as MixfitError).received).toContain(pout);
      expect(passes).toBe(0);
      await expect(gm.fit(sout, { initSampleRows: 100 })).rejects.toThrow(/use precision 'float64'/);
      expect(gm.toJSON()).toEqual(before);
      await expect(streamingObjective(sout, { precision: 'float32' })).rejects.toThrow(/^source: is outside float32's range/);
    } finally {
      sin.close();
      sout.close();
    }
  });

  it('partialFit and empiricalObjective check their data too (the state unchanged)', async () => {
    const D = limitD(1);
    const gm = new GaussianMixture(o(1));
    gm.partialFit(twoClusters(D * (1 - 1e-6)).M);
    const before = gm.toJSON();
    expect(() => gm.partialFit(twoClusters(D * (1 + 1e-6)).M)).toThrow(/^X: is outside float32's range/);
    expect(gm.toJSON()).toEqual(before);
    await expect(empiricalObjective(twoClusters(Math.sqrt(F32_SQUARED_LIMIT) * (1 + 1e-6)).M, { precision: 'float32' })).rejects.toThrow(MixfitError);
  });

  it('why: beyond the bound the float32 pass itself overflows where float64 does not ((x − μ)² = 1e40 > 3.4e38)', async () => {
    const simd = await loadKernels({ kernel: 'simd' });
    const far = 1e20;
    const data = new Float64Array([-far, 0, far, 0, -far, 1, far, 1]);
    // Variances of the data's own scale: every scaled distance is ~1, only the unscaled square overflows f32.
    const p = { n: 1, d: 2, means: new Float64Array([0, 0.5]), logWeights: new Float64Array([0]), variances: new Float64Array([1e40, 1]), layout: 'diagonal' as const };
    const pass = (k: typeof simd) => {
      const be = k.createBackend(data, 4, 2);
      try { return { precision: be.precision ?? 'float64', st: be.pass(p, newPassStats(1, 2, true)) }; } finally { be.dispose(); }
    };
    const f64 = pass(simd), f32 = pass(withPrecision(simd, 'float32'));
    expect(f32.precision).toBe('float32');
    expect([f64.st.sumLogLik, ...f64.st.R, ...f64.st.Q].every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(f32.st.sumLogLik) && f32.st.Q.every(Number.isFinite)).toBe(false);
  });
});
