// Streaming passes (issue 15, part 1): a source read in chunks on every evaluation must give the in-memory
// objective's statistics (1e-12 relative), for every format and for chunk sizes that do and do not divide N,
// and a fit on a source must equal the in-memory fit. Node only (files).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GaussianMixture, MixfitError, empiricalObjective, minimize, openSource, streamingObjective, type PassStats,
} from '../src/index.js';
import { Rng } from '../src/model/rng.js';
import { readParams } from '../src/validate.js';
import { reservoirSample } from '../src/stream/sample.js';

const dir = mkdtempSync(join(tmpdir(), 'mixfit-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** N × d rows of a seeded 3-component mixture (row-major). */
function mixture(seed: number, N: number, d: number): Float64Array {
  const rng = new Rng(seed);
  const X = new Float64Array(N * d);
  for (let k = 0; k < N; k++) {
    const c = rng.int(3);
    for (let j = 0; j < d; j++) X[k * d + j] = 3 * c * (j % 2 ? -1 : 1) + (0.5 + c) * rng.normal();
  }
  return X;
}

function writeF64(name: string, X: Float64Array): string {
  const p = join(dir, name);
  writeFileSync(p, new Uint8Array(X.buffer, X.byteOffset, X.byteLength));
  return p;
}

const params = (d: number, seed: number) => {
  const rng = new Rng(seed);
  return {
    means: Array.from({ length: 3 }, () => Array.from({ length: d }, () => 4 * rng.normal())),
    weights: [0.2, 0.3, 0.5],
    variances: Array.from({ length: 3 }, () => Array.from({ length: d }, () => 0.5 + rng.uniform() * 2)),
  };
};

/** |a − b| ≤ tol·scale per entry, scale = the largest |b| of the block (sums of mixed signs cancel). */
function expectStatsClose(a: PassStats, b: PassStats, tol: number): void {
  const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);
  expect(rel(a.totalWeight, b.totalWeight)).toBeLessThanOrEqual(tol);
  expect(rel(a.sumLogLik, b.sumLogLik)).toBeLessThanOrEqual(tol);
  for (const k of ['R', 'S', 'Q'] as const) {
    const scale = Math.max(...Array.from(b[k], Math.abs));
    for (let i = 0; i < b[k].length; i++) expect(Math.abs(a[k][i] - b[k][i]) / scale).toBeLessThanOrEqual(tol);
  }
}

const copy = (s: PassStats): PassStats => ({ ...s, R: s.R.slice(), S: s.S.slice(), Q: s.Q.slice() });

describe('streamed pass = in-memory pass', () => {
  const N = 1001, d = 5;
  const X = mixture(1, N, d);
  const path = writeF64('a.f64', X);

  for (const kernel of ['simd', 'scalar', 'js'] as const) {
    it(`f64, ${kernel} kernel, chunks of 1, 2, 7, 64, 1000, 1001 and 4096 rows, sync and async`, async () => {
      const mem = await empiricalObjective({ data: X, rows: N, cols: d }, { kernel, threads: 1 });
      const p = readParams(params(d, 2), 'p');
      const want = copy(mem.stats(p));
      const src = await openSource(path, { cols: d });
      for (const chunkRows of [1, 2, 7, 64, 1000, 1001, 4096]) {
        const obj = await streamingObjective(src, { kernel, chunkRows });
        expectStatsClose(await obj.statsAsync(p), want, 1e-12);
        expectStatsClose(obj.stats(p), want, 1e-12);
        expect(obj.evaluations).toBe(2);
        obj.dispose();
      }
      src.close();
      mem.dispose();
    });
  }

  it('f32 and CSV (17 significant digits) give the pass of the same values in memory; a prefix gives the first rows', async () => {
    const f32 = Float32Array.from(X);
    const p32 = join(dir, 'a.f32');
    writeFileSync(p32, new Uint8Array(f32.buffer));
    const csv = join(dir, 'a.csv');
    const lines = ['x1,x2,x3,x4,x5'];
    for (let k = 0; k < N; k++) lines.push(Array.from(X.subarray(k * d, (k + 1) * d), (v) => v.toPrecision(17)).join(','));
    writeFileSync(csv, lines.join('\r\n') + '\r\n');
    const p = readParams(params(d, 3), 'p');
    const cases: [string, Float64Array, number, { cols?: number; rows?: number }][] = [
      [p32, Float64Array.from(f32), N, { cols: d }],
      [csv, X, N, {}],
      [path, X.subarray(0, 500 * d), 500, { cols: d, rows: 500 }],
      [csv, X.subarray(0, 333 * d), 333, { rows: 333 }],
    ];
    for (const [file, data, rows, o] of cases) {
      const mem = await empiricalObjective({ data, rows, cols: d }, { threads: 1 });
      const want = copy(mem.stats(p));
      const src = await openSource(file, o);
      expect([src.rows, src.cols]).toEqual([rows, d]);
      for (const chunkRows of [3, 256, 1000]) {
        const obj = await streamingObjective(src, { chunkRows });
        expectStatsClose(await obj.statsAsync(p), want, 1e-12);
      }
      src.close();
      mem.dispose();
    }
  });

  it('minimize over a streamed objective follows the in-memory run (every solver sees only an objective)', async () => {
    const mem = await empiricalObjective({ data: X, rows: N, cols: d }, { threads: 1 });
    const src = await openSource(path, { cols: d });
    const obj = await streamingObjective(src, { chunkRows: 100 });
    for (const solver of ['em', 'gd-polyak'] as const) {
      const o = { solver, weights: 'learned', covariance: 'diagonal', maxIter: 30 } as const;
      const a = await minimize(mem, params(d, 4), o);
      const b = await minimize(obj, params(d, 4), o);
      expect(b.nEvaluations).toBe(a.nEvaluations);
      expect(Math.abs(b.loss - a.loss) / Math.abs(a.loss)).toBeLessThan(1e-12);
      a.params.means.flat().forEach((m, i) => expect(Math.abs(b.params.means.flat()[i] - m)).toBeLessThan(1e-10 * (1 + Math.abs(m))));
    }
    src.close();
  });
});

describe('GaussianMixture.fit(source)', () => {
  const N = 2003, d = 4;
  const X = mixture(7, N, d);
  const path = writeF64('fit.f64', X);

  for (const chunkRows of [64, 500, 2003, 4096]) {
    it(`equals the in-memory fit (k-means++ start on all rows, EM and gd-polyak), chunks of ${chunkRows}`, async () => {
      const src = await openSource(path, { cols: d });
      for (const solver of ['em', 'gd-polyak'] as const) {
        const o = { nComponents: 3, covariance: 'diagonal', weights: 'learned', solver, seed: 5, maxIter: 60 } as const;
        const a = await new GaussianMixture(o).fit({ data: X, rows: N, cols: d });
        const b = await new GaussianMixture(o).fit(src, { chunkRows });
        expect(b.nEvaluations).toBe(a.nEvaluations);
        expect(Math.abs(b.loss - a.loss) / Math.abs(a.loss)).toBeLessThan(1e-12);
        const am = a.params.means.flat(), bm = b.params.means.flat();
        am.forEach((m, i) => expect(Math.abs(bm[i] - m) / (1 + Math.abs(m))).toBeLessThan(1e-12));
        a.params.weights.forEach((w, i) => expect(Math.abs(b.params.weights[i] - w)).toBeLessThan(1e-12));
      }
      src.close();
    });
  }

  it('starts from a seeded reservoir sample when the source has more rows than initSampleRows', async () => {
    const src = await openSource(path, { cols: d });
    const o = { nComponents: 3, covariance: 'spherical', weights: 'learned', solver: 'em', seed: 1 } as const;
    const a = await new GaussianMixture(o).fit(src, { initSampleRows: 300 });
    const b = await new GaussianMixture(o).fit(src, { initSampleRows: 300 });
    expect(b.params).toEqual(a.params);
    const mem = await new GaussianMixture(o).fit({ data: X, rows: N, cols: d });
    expect(Math.abs(a.loss - mem.loss)).toBeLessThan(1e-6); // same optimum from another start
    src.close();
  });

  it('reservoir sample: every row in order when N ≤ capacity; otherwise capacity distinct rows, seeded', async () => {
    const src = await openSource(path, { cols: d });
    const all = await reservoirSample(src, N, new Rng(1), 100);
    expect(all.data).toEqual(X);
    const s1 = await reservoirSample(src, 50, new Rng(2), 64), s2 = await reservoirSample(src, 50, new Rng(2), 512);
    expect(s1.data).toEqual(s2.data);
    const rows = new Set<string>();
    for (let r = 0; r < 50; r++) rows.add(Array.from(s1.data.subarray(r * d, (r + 1) * d)).join());
    expect(rows.size).toBe(50);
    // Uniform: the mean row index of a sample of 400 is near N/2 (sd ≈ N/√(12·400) ≈ 29).
    const index = new Map<string, number>();
    for (let r = 0; r < N; r++) index.set(Array.from(X.subarray(r * d, (r + 1) * d)).join(), r);
    const big = await reservoirSample(src, 400, new Rng(3), 64);
    let m = 0;
    for (let r = 0; r < 400; r++) m += index.get(Array.from(big.data.subarray(r * d, (r + 1) * d)).join())! / 400;
    expect(Math.abs(m - N / 2)).toBeLessThan(4 * 29);
    src.close();
  });
});

describe('sources: errors at the door', () => {
  const bad = async (f: () => Promise<unknown>, arg: string, re: RegExp) => {
    const e = await f().then(() => null, (x) => x);
    expect(e).toBeInstanceOf(MixfitError);
    expect((e as MixfitError).argument).toBe(arg);
    expect((e as Error).message).toMatch(re);
  };

  it('names the argument and the place', async () => {
    const X = new Float64Array([1, 2, 3, NaN, 5, 6]);
    const nan = writeF64('nan.f64', X);
    await bad(() => openSource(nan), 'options.cols', /must be an integer ≥ 1 for a binary \.f64 file/);
    await bad(() => openSource(nan, { cols: 4 }), 'options.cols', /must divide the file into whole rows \(48 bytes is not a multiple of 4 × 8\)/);
    await bad(() => openSource(nan, { cols: 3 }), 'source', /must hold finite numbers only \(received "NaN at row 1, column 0/);
    await bad(() => openSource(join(dir, 'missing.f64'), { cols: 1 }), 'path', /must be a readable file/);
    await bad(() => openSource(join(dir, 'x.xlsx'), { cols: 1 }), 'options.format', /must be 'f64', 'f32', 'csv' or 'parquet'/);
    await bad(() => openSource(nan, { cols: 3, rows: 3 }), 'options.rows', /must name at most the file's 2 rows/);
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'a,b\n1,2\n3,x\n');
    await bad(() => openSource(csv), 'source', /cells must be finite numbers \(received "\\"x\\" at line 3, column 2/);
    writeFileSync(csv, '1,2\n3\n');
    await bad(() => openSource(csv), 'source', /rows must all have 2 columns \(ragged rows\) \(received "line 2/);
    const src = await openSource(nan, { cols: 3, check: false });
    await bad(() => streamingObjective(src, { chunkRows: 0 }), 'options.chunkRows', /must be an integer ≥ 1/);
    await bad(() => streamingObjective(src, { chunkRows: 2 ** 21 }), 'options.chunkRows', /must keep a chunk within 32 MiB/);
    await bad(() => new GaussianMixture({ nComponents: 1 }).fit(src, { sampleWeight: [1, 1] }), 'sampleWeight', /is not supported when fitting a source \(use an SQL weightColumn\)/);
    const obj = await streamingObjective(src);
    src.close();
    await bad(() => obj.statsAsync(readParams({ means: [[0, 0, 0]] }, 'p')), 'source', /has been closed/);
  });
});
