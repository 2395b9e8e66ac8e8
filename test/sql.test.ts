// SQL backend (issue 15, part 3): the generated pass query run in DuckDB gives the kernel's statistics
// (1e-10 relative) for every layout, weighted or not; each dialect's text differs from DuckDB's only where
// the dialect table says; a fit on a Parquet file through DuckDB equals the in-memory fit. Node only.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIALECTS, GaussianMixture, MixfitError, empiricalObjective, minimize, passColumns, passQuery, sqlNumber, sqlObjective, sqlSource,
  type PassStats, type SqlAdapter,
} from '../src/index.js';
import { Rng } from '../src/model/rng.js';
import { readParams } from '../src/validate.js';

const dir = mkdtempSync(join(tmpdir(), 'mixfit-sql-'));
let con: DuckDBConnection;
const adapter: SqlAdapter = { query: async (sql) => (await con.runAndReadAll(sql)).getRows() };

const N = 1500, d = 3;
const rng = new Rng(11);
const X = new Float64Array(N * d), W = new Float64Array(N);
for (let k = 0; k < N; k++) {
  const c = rng.int(3);
  for (let j = 0; j < d; j++) X[k * d + j] = 4 * c - 2 * j + (0.6 + 0.4 * c) * rng.normal();
  W[k] = 0.1 + rng.uniform();
}

beforeAll(async () => {
  const inst = await DuckDBInstance.create(':memory:');
  con = await inst.connect();
  const csv = join(dir, 'x.csv');
  const lines = ['a,b,"c d",w'];
  for (let k = 0; k < N; k++) lines.push([...Array.from(X.subarray(k * d, (k + 1) * d)), W[k]].map((v) => v.toPrecision(17)).join(','));
  writeFileSync(csv, lines.join('\n') + '\n');
  await con.run(`CREATE TABLE pts AS SELECT * FROM read_csv('${csv}', header = true, columns = {'a': 'DOUBLE', 'b': 'DOUBLE', 'c d': 'DOUBLE', 'w': 'DOUBLE'})`);
  await con.run(`COPY pts TO '${join(dir, 'x.parquet')}' (FORMAT parquet)`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const columns = ['a', 'b', 'c d'];
function model(layout: 'fixed' | 'spherical' | 'diagonal', seed: number) {
  const r = new Rng(seed);
  const means = Array.from({ length: 3 }, (_, i) => Array.from({ length: d }, (_, j) => 4 * i - 2 * j + r.normal()));
  const variances = layout === 'fixed' ? 1.3 : layout === 'spherical' ? [0.5, 1, 2] : means.map(() => Array.from({ length: d }, () => 0.3 + 2 * r.uniform()));
  return { means, weights: [0.5, 0.2, 0.3], variances };
}

function expectStatsClose(a: PassStats, b: PassStats, tol: number): void {
  expect(Math.abs(a.totalWeight - b.totalWeight) / b.totalWeight).toBeLessThan(tol);
  expect(Math.abs(a.sumLogLik - b.sumLogLik) / Math.abs(b.sumLogLik)).toBeLessThan(tol);
  for (const k of ['R', 'S', 'Q'] as const) {
    expect(a[k].length).toBe(b[k].length);
    const scale = Math.max(...Array.from(b[k], Math.abs));
    for (let i = 0; i < b[k].length; i++) expect(Math.abs(a[k][i] - b[k][i]) / scale).toBeLessThan(tol);
  }
}

describe('DuckDB pass = kernel pass', () => {
  for (const layout of ['fixed', 'spherical', 'diagonal'] as const) {
    for (const weighted of [false, true]) {
      it(`${layout}${weighted ? ', weightColumn' : ''}: 1e-10 relative`, async () => {
        const mem = await empiricalObjective({ data: X, rows: N, cols: d }, { threads: 1, ...(weighted ? { sampleWeight: W } : {}) });
        const p = readParams(model(layout, layout.length), 'p');
        const want = mem.stats(p);
        const src = await sqlSource(adapter, { from: 'pts', columns, ...(weighted ? { weightColumn: 'w' } : {}) });
        expect(src.rows).toBe(N);
        const got = await sqlObjective(src).statsAsync(p);
        // The kernel normalises sample weights to sum to N; SQL sums the raw column: compare per unit weight.
        const scale = weighted ? want.totalWeight / got.totalWeight : 1;
        const scaled = { ...got, totalWeight: got.totalWeight * scale, sumLogLik: got.sumLogLik * scale,
          R: got.R.map((v) => v * scale), S: got.S.map((v) => v * scale), Q: got.Q.map((v) => v * scale) };
        expectStatsClose(scaled, want, 1e-10);
        mem.dispose();
      });
    }
  }
});

describe('generated SQL text per dialect', () => {
  const p = readParams(model('diagonal', 5), 'p');
  const table = { from: 'pts', columns };
  const duck = passQuery(p, table, 'duckdb');

  it('uses only the standard subset, exact float64 literals, and no comment sequence', () => {
    for (const dialect of Object.keys(DIALECTS) as (keyof typeof DIALECTS)[]) {
      const q = passQuery(p, table, dialect);
      expect(q.startsWith('WITH\nx AS (SELECT ')).toBe(true);
      expect(q).not.toMatch(/--|\/\*|;|\*\s*FROM|\.\*/);
      let depth = 0;
      for (const ch of q) { depth += ch === '(' ? 1 : ch === ')' ? -1 : 0; expect(depth).toBeGreaterThanOrEqual(0); }
      expect(depth).toBe(0);
      const final = q.slice(q.lastIndexOf('\nSELECT '));
      expect(final.match(/ AS ([a-z0-9_]+)/g)!.map((s) => s.slice(4))).toEqual(passColumns(3, d, true));
    }
    for (const v of [0.1, -2.5e-300, 1 / 3, -1e22, 5e-324]) {
      const s = sqlNumber(v);
      expect(s).toMatch(/^\(?-?\d\.\d{16}E-?\d+\)?$/);
      expect(Number(s.replace(/[()]/g, ''))).toBe(v);
    }
  });

  it('Trino = DuckDB; Spark differs only by backquoted identifiers; ClickHouse only by log() and nested two-argument greatest()', async () => {
    expect(passQuery(p, table, 'trino')).toBe(duck);
    expect(passQuery(p, table, 'spark').replace(/`/g, '"')).toBe(duck);
    const ch = passQuery(p, table, 'clickhouse');
    expect(ch).toContain('greatest(a0, greatest(a1, a2)) AS mx');
    expect(ch).toContain('log(se)');
    expect(ch.replace('greatest(a0, greatest(a1, a2))', 'GREATEST(a0, a1, a2)').replace('log(se)', 'LN(se)')).toBe(duck);
    // The nested form computes the same maximum: ClickHouse's text with LN for log runs in DuckDB unchanged.
    const run = async (q: string) => (await con.runAndReadAll(q)).getRows()[0].map(Number);
    expect(await run(ch.replace('log(se)', 'LN(se)'))).toEqual(await run(duck));
    expect(DIALECTS.spark.quote('c`d')).toBe('`c``d`');
    expect(DIALECTS.duckdb.quote('c"d')).toBe('"c""d"');
  });
});

describe('fits through DuckDB', () => {
  it('GaussianMixture.fit on a Parquet file equals the in-memory fit (EM and gd-polyak from one start)', async () => {
    const src = await sqlSource(adapter, { from: `read_parquet('${join(dir, 'x.parquet')}')`, columns });
    for (const solver of ['em', 'gd-polyak'] as const) {
      const o = { nComponents: 3, covariance: 'diagonal', weights: 'learned', solver, maxIter: 40, init: model('diagonal', 9) } as const;
      const a = await new GaussianMixture(o).fit({ data: X, rows: N, cols: d });
      const b = await new GaussianMixture(o).fit(src);
      expect(b.nEvaluations).toBe(a.nEvaluations);
      expect(Math.abs(b.loss - a.loss) / Math.abs(a.loss)).toBeLessThan(1e-10);
      a.params.means.flat().forEach((m, i) => expect(Math.abs(b.params.means.flat()[i] - m) / (1 + Math.abs(m))).toBeLessThan(1e-8));
    }
  });

  it('k-means++ start from the first rows (LIMIT): with initSampleRows ≥ N it is the in-memory start', async () => {
    const src = await sqlSource(adapter, { from: 'pts', columns });
    const o = { nComponents: 3, covariance: 'spherical', weights: 'learned', solver: 'em', seed: 3 } as const;
    const a = await new GaussianMixture(o).fit({ data: X, rows: N, cols: d });
    const b = await new GaussianMixture(o).fit(src);
    expect(Math.abs(b.loss - a.loss) / Math.abs(a.loss)).toBeLessThan(1e-10);
  });

  it('minimize over sqlObjective; synchronous use and bad arguments are MixfitErrors', async () => {
    const src = await sqlSource(adapter, { from: 'pts', columns });
    const obj = sqlObjective(src);
    const r = await minimize(obj, model('spherical', 2), { solver: 'em', weights: 'learned', covariance: 'spherical', maxIter: 5 });
    expect(r.nEvaluations).toBe(obj.evaluations);
    expect(obj.lastQuery).toContain('FROM pts');
    expect(() => obj.value(model('spherical', 2))).toThrow(/use statsAsync/);
    const bad = async (f: () => Promise<unknown>, arg: string) => {
      const e = await f().then(() => null, (x) => x);
      expect(e).toBeInstanceOf(MixfitError);
      expect((e as MixfitError).argument).toBe(arg);
    };
    await bad(() => sqlSource({} as SqlAdapter, { from: 'pts', columns }), 'adapter');
    await bad(() => sqlSource(adapter, { from: 'pts', columns: [] }), 'options.columns');
    await bad(() => sqlSource(adapter, { from: 'pts', columns, dialect: 'oracle' as 'duckdb' }), 'options.dialect');
    await bad(() => sqlSource(adapter, { from: 'pts WHERE a > 1e9', columns }), 'options.from');
    // A NULL cell would drop out of SUM but not out of COUNT(*): refused at the source, naming the column.
    await con.run(`CREATE OR REPLACE TABLE holes AS SELECT * FROM pts`);
    await con.run(`UPDATE holes SET ${columns[1]} = NULL WHERE rowid < 3`);
    const holes = await sqlSource(adapter, { from: 'holes', columns: [columns[0]] }).then(() => null, (x) => x);
    expect(holes).toBeNull();
    const e = await sqlSource(adapter, { from: 'holes', columns }).then(() => null, (x) => x);
    expect(e).toBeInstanceOf(MixfitError);
    expect((e as MixfitError).argument).toBe('options.columns');
    expect((e as MixfitError).message).toContain(`"${columns[1]}" has 3 NULL cell(s)`);
    await bad(() => sqlSource(adapter, { from: 'holes', columns: [columns[0]], weightColumn: columns[1] }), 'options.weightColumn');
    await bad(() => new GaussianMixture({ nComponents: 2 }).fit(src, { sampleWeight: [1] }), 'sampleWeight');
  });
});
