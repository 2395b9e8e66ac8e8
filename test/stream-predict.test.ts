// Streamed predict / score over a file source (issue 15, part 1): each chunked result must equal the
// in-memory method on the same rows, for chunk sizes that do and do not divide N, for every format, and
// a bad call must fail where it is made, before any read. Node only (files).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GaussianMixture, MixfitError, openSource, type Matrix } from '../src/index.js';
import { Rng } from '../src/model/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'mixfit-stream-predict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 1003, d = 4;
const rng = new Rng(29);
const X = new Float64Array(N * d);
for (let k = 0; k < N; k++) { const c = rng.int(3); for (let j = 0; j < d; j++) X[k * d + j] = 2.5 * c * (j % 2 ? -1 : 1) + rng.normal(); }
const M: Matrix = { data: X, rows: N, cols: d };
const gm = GaussianMixture.fromJSON({
  means: Array.from({ length: 3 }, () => Array.from({ length: d }, () => 3 * rng.normal())),
  weights: [0.25, 0.25, 0.5], variances: [[1, 2, 0.5, 1.5], [0.7, 0.7, 1, 1], [2, 1, 1, 3]], covariance: 'diagonal',
});

const f64 = join(dir, 'x.f64'), f32 = join(dir, 'x.f32'), csv = join(dir, 'x.csv');
writeFileSync(f64, new Uint8Array(X.buffer));
const X32 = Float32Array.from(X);
writeFileSync(f32, new Uint8Array(X32.buffer));
writeFileSync(csv, 'a,b,c,d\n' + Array.from({ length: N }, (_, k) => Array.from(X.subarray(k * d, (k + 1) * d)).join(',')).join('\n') + '\n');
const M32: Matrix = { data: Float64Array.from(X32), rows: N, cols: d };
// Parquet (through DuckDB), written from the CSV: its doubles are the shortest round-trip texts, so exact.
const parquet = join(dir, 'x.parquet');
{
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (SELECT * FROM read_csv('${csv}', header = true, columns = {'a': 'DOUBLE', 'b': 'DOUBLE', 'c': 'DOUBLE', 'd': 'DOUBLE'})) TO '${parquet}' (FORMAT parquet)`);
  con.closeSync();
  db.closeSync();
}

async function collect<T extends ArrayLike<number>>(it: AsyncIterable<T>): Promise<{ all: number[]; sizes: number[] }> {
  const all: number[] = [], sizes: number[] = [];
  for await (const c of it) { sizes.push(c.length); for (let i = 0; i < c.length; i++) all.push(c[i]!); }
  return { all, sizes };
}

describe('streamed predict / score = in-memory', () => {
  for (const [name, path, ref] of [['f64', f64, M], ['f32', f32, M32], ['csv', csv, M], ['parquet', parquet, M]] as const) {
    for (const chunkRows of [1003, 100, 17, 2048]) {
      it(`${name}, chunkRows ${chunkRows}`, async () => {
        const src = await openSource(path, { cols: d });
        try {
          const ld = await collect(gm.scoreSamplesChunks(src, { chunkRows }));
          const want = gm.scoreSamples(ref);
          expect(ld.all.length).toBe(N);
          // Chunks of chunkRows rows, the last one shorter when chunkRows does not divide N.
          expect(ld.sizes).toEqual(Array.from({ length: Math.ceil(N / chunkRows) }, (_, i) => Math.min(chunkRows, N - i * chunkRows)));
          for (let r = 0; r < N; r++) expect(Math.abs(ld.all[r]! - want[r]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[r]!)));
          expect(Array.from((await collect(gm.predictChunks(src, { chunkRows }))).all)).toEqual(Array.from(gm.predict(ref)));
          const proba: number[] = [];
          for await (const m of gm.predictProbaChunks(src, { chunkRows })) { expect(m.cols).toBe(3); proba.push(...m.data); }
          const wantP = gm.predictProba(ref).data;
          expect(proba.length).toBe(wantP.length);
          for (let i = 0; i < proba.length; i++) expect(Math.abs(proba[i]! - wantP[i]!)).toBeLessThanOrEqual(1e-12);
          const seen: number[] = [];
          const mean = await gm.scoreSource(src, { chunkRows, onChunk: (c) => { seen.push(c.start); } });
          expect(Math.abs(mean - gm.score(ref))).toBeLessThanOrEqual(1e-12 * Math.abs(gm.score(ref)));
          expect(seen).toEqual(ld.sizes.map((_, i) => i * chunkRows));
        } finally {
          src.close();
        }
      });
    }
  }

  for (const path of [f64, parquet]) {
    it(`stopping early releases the scan (the source can be scanned again): ${path.split('.').pop()}`, async () => {
      const src = await openSource(path, { cols: path === f64 ? d : undefined });
      try {
        for await (const labels of gm.predictChunks(src, { chunkRows: 10 })) { expect(labels.length).toBe(10); break; }
        expect((await collect(gm.predictChunks(src, { chunkRows: 10 }))).all.length).toBe(N);
      } finally {
        src.close();
      }
    });
  }

  it('a Parquet source is read asynchronously only, and fits like the in-memory data', async () => {
    const src = await openSource(parquet, { rows: 500 });
    try {
      expect(src.rows).toBe(500);
      const opts = { nComponents: 3, covariance: 'diagonal' as const, seed: 2, maxIter: 20 };
      const a = await new GaussianMixture(opts).fit({ data: X.subarray(0, 500 * d), rows: 500, cols: d });
      const b = await new GaussianMixture(opts).fit(src, { chunkRows: 64 });
      expect(Math.abs(b.loss - a.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(a.loss));
      const { streamingObjective } = await import('../src/stream/objective.js');
      const obj = await streamingObjective(src);
      expect(() => obj.value({ means: a.params.means })).toThrow(/parquet file, read asynchronously only/);
      obj.dispose();
    } finally {
      src.close();
    }
  });

  it('bad calls fail at the call with MixfitError naming the argument', async () => {
    const src = await openSource(f64, { cols: d });
    const other = await openSource(f64, { cols: 2 });
    try {
      expect(() => gm.predictChunks(src, { chunkRows: 0 })).toThrow(/options\.chunkRows/);
      expect(() => gm.scoreSamplesChunks(other)).toThrow(/source: must have 4 columns/);
      expect(() => gm.predictProbaChunks([[1, 2, 3, 4]] as never)).toThrow(MixfitError);
      expect(() => gm.predictChunks(src, { chunkRows: 10, foo: 1 } as never)).toThrow(/foo/);
      expect(() => new GaussianMixture({ nComponents: 2 }).predictChunks(src)).toThrow(/not fitted/);
      await expect(gm.scoreSource(src, { onChunk: 3 as never })).rejects.toThrow(/options\.onChunk/);
    } finally {
      src.close();
      other.close();
    }
  });
});
