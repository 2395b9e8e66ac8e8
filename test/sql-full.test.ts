// Full and tied covariances inside an SQL engine (issue 12): the generated full/tied pass query run in DuckDB
// gives the float64 oracle's statistics (src/kernel/jsFullPass.ts) for d ∈ {1, 2, 5}, n ∈ {1, 3}, with and
// without a weight column; each dialect's text differs from DuckDB's only where the dialect table says;
// GaussianMixture.fit and minimize over DuckDB equal the in-memory fits; bad adapter answers are
// MixfitErrors. Node only.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIALECTS, GaussianMixture, MixfitError, empiricalObjective, fullPassColumns, fullPassQuery, minimize, sqlObjective, sqlSource,
  type SqlAdapter, type SqlDialect,
} from '../src/index.js';
import { jsPassFull } from '../src/kernel/jsFullPass.js';
import { newFullPassStats, type FullParams, type FullPassStats } from '../src/kernel/fullLayout.js';
import { Rng } from '../src/model/rng.js';

let con: DuckDBConnection;
const adapter: SqlAdapter = { query: async (sql) => (await con.runAndReadAll(sql)).getRows() };
const N = 1200;
/** Column names that need quoting in every dialect. */
const names = (d: number) => Array.from({ length: d }, (_, j) => `x ${j}"`);
const data = new Map<number, { X: Float64Array; W: Float64Array }>();

/** N rows in d dimensions from three correlated clusters, and weights in [0.1, 1.1) (seeded by d). */
function makeData(d: number): { X: Float64Array; W: Float64Array } {
  const rng = new Rng(100 + d);
  const X = new Float64Array(N * d), W = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    const c = rng.int(3);
    let prev = 0;
    for (let j = 0; j < d; j++) {
      const z = rng.normal();
      X[k * d + j] = 3 * c - j + (0.5 + 0.3 * c) * z + 0.6 * prev;
      prev = z;
    }
    W[k] = 0.1 + rng.uniform();
  }
  return { X, W };
}

beforeAll(async () => {
  con = await (await DuckDBInstance.create(':memory:')).connect();
  for (const d of [1, 2, 3, 5]) {
    const { X, W } = makeData(d);
    data.set(d, { X, W });
    const cols = [...names(d), 'w'].map((c) => DIALECTS.duckdb.quote(c));
    await con.run(`CREATE TABLE pts${d} AS SELECT ${cols.map((c) => `CAST(NULL AS DOUBLE) AS ${c}`).join(', ')} LIMIT 0`);
    // Appended value by value: the table holds exactly X's float64 values.
    const app = await con.createAppender(`pts${d}`);
    for (let k = 0; k < N; k++) { for (let j = 0; j < d; j++) app.appendDouble(X[k * d + j]); app.appendDouble(W[k]); app.endRow(); }
    app.closeSync();
  }
});

/** Random full/tied parameters: means near the clusters, weights a distribution, U upper triangular with diagonal in [0.4, 1.6). */
function params(n: number, d: number, tied: boolean, seed: number): FullParams {
  const r = new Rng(seed);
  const means = Float64Array.from({ length: n * d }, (_, k) => 3 * (Math.floor(k / d) % 3) - (k % d) + r.normal());
  const w = Array.from({ length: n }, () => 0.2 + r.uniform());
  const sw = w.reduce((a, b) => a + b, 0);
  const precChol = new Float64Array((tied ? 1 : n) * d * d);
  for (let b = 0; b < (tied ? 1 : n); b++)
    for (let j = 0; j < d; j++) for (let l = j; l < d; l++) precChol[b * d * d + j * d + l] = l === j ? 0.4 + 1.2 * r.uniform() : 0.5 * r.normal();
  return { n, d, tied, means, logWeights: Float64Array.from(w, (v) => Math.log(v / sw)), precChol };
}

/** Largest difference of `got` from `want`: relative for Σ c and Σ c·ℓ, relative to the array's (scatter: block's) largest |value| for R, S, scatter. */
function maxRelDiff(got: FullPassStats, want: FullPassStats, d: number): number {
  let worst = Math.max(Math.abs(got.totalWeight - want.totalWeight) / want.totalWeight, Math.abs(got.sumLogLik - want.sumLogLik) / Math.abs(want.sumLogLik));
  const blocks = (a: Float64Array, size: number) => Array.from({ length: a.length / size }, (_, b) => [b * size, (b + 1) * size]);
  for (const [k, size] of [['R', want.R.length], ['S', want.S.length], ['scatter', d * d]] as const) {
    expect(got[k].length).toBe(want[k].length);
    for (const [lo, hi] of blocks(want[k], size)) {
      const scale = Math.max(...Array.from(want[k].subarray(lo, hi), Math.abs));
      for (let i = lo; i < hi; i++) worst = Math.max(worst, Math.abs(got[k][i] - want[k][i]) / scale);
    }
  }
  return worst;
}

describe('DuckDB full/tied pass = float64 oracle pass', () => {
  const measured: number[] = [];
  for (const tied of [false, true])
    for (const d of [1, 2, 5])
      for (const n of [1, 3])
        for (const weighted of [false, true]) {
          it(`${tied ? 'tied' : 'full'}, d = ${d}, n = ${n}${weighted ? ', weightColumn' : ''}: 1e-12 relative`, async () => {
            const { X, W } = data.get(d)!;
            const p = params(n, d, tied, 10 * d + n + (tied ? 7 : 0));
            const want = jsPassFull(X, weighted ? W : null, p, newFullPassStats(n, d, tied), 0, N).out;
            const src = await sqlSource(adapter, { from: `pts${d}`, columns: names(d), ...(weighted ? { weightColumn: 'w' } : {}) });
            const obj = sqlObjective(src);
            const got = await obj.fullStatsAsync(p);
            expect(obj.evaluations).toBe(1);
            // The scatter comes back symmetric, mirrored from its upper triangle.
            for (let b = 0; b < (tied ? 1 : n); b++)
              for (let j = 0; j < d; j++) for (let l = 0; l < j; l++) expect(got.scatter[b * d * d + j * d + l]).toBe(got.scatter[b * d * d + l * d + j]);
            const rel = maxRelDiff(got, want, d);
            measured.push(rel);
            expect(rel).toBeLessThan(1e-12);
            // The buffer is reused for the next pass of the same shape, and refilled.
            const again = await obj.fullStatsAsync(params(n, d, tied, 99));
            expect(again).toBe(got);
            expect(maxRelDiff(again, jsPassFull(X, weighted ? W : null, params(n, d, tied, 99), newFullPassStats(n, d, tied), 0, N).out, d)).toBeLessThan(1e-12);
          });
        }
  // DuckDB sums in its own order (parallel partial sums); the per-row arithmetic is the oracle's. Logged to state what is measured.
  afterAll(() => { if (measured.length) console.log(`sql-full: worst relative difference DuckDB vs oracle over ${measured.length} cases: ${Math.max(...measured).toExponential(2)}`); });
});

describe('generated full/tied SQL per dialect', () => {
  const d = 3, n = 3;
  const table = { from: 'pts3', columns: names(3) };
  for (const tied of [false, true]) {
    const p = params(n, d, tied, 5);
    const duck = fullPassQuery(p, table, 'duckdb');

    it(`${tied ? 'tied' : 'full'}: standard subset only, its columns in order, no comment sequence, balanced parentheses`, () => {
      for (const dialect of Object.keys(DIALECTS) as SqlDialect[]) {
        const q = fullPassQuery(p, table, dialect);
        expect(q.startsWith('WITH\nx AS (SELECT ')).toBe(true);
        expect(q).not.toMatch(/--|\/\*|;|\*\s*FROM|\.\*/);
        const functions = new Set(Array.from(q.matchAll(/([A-Za-z_]+)\(/g), (m) => m[1]));
        for (const f of functions) expect(['SUM', 'COUNT', 'EXP', 'LN', 'GREATEST', 'log', 'greatest', 'AS']).toContain(f);
        let depth = 0;
        for (const ch of q) { depth += ch === '(' ? 1 : ch === ')' ? -1 : 0; expect(depth).toBeGreaterThanOrEqual(0); }
        expect(depth).toBe(0);
        const final = q.slice(q.lastIndexOf('\nSELECT '));
        expect(final.match(/ AS ([a-z0-9_]+)/g)!.map((s) => s.slice(4))).toEqual(fullPassColumns(n, d, tied));
      }
    });

    it(`${tied ? 'tied' : 'full'}: Trino = DuckDB; Spark differs only by quotes; ClickHouse only by log() and nested greatest(), which DuckDB runs to the same row`, async () => {
      expect(fullPassQuery(p, table, 'trino')).toBe(duck);
      // Spark doubles a backquote inside a name, DuckDB a double quote: map one quoting onto the other.
      const spark = fullPassQuery(p, table, 'spark');
      expect(spark.replace(/`x (\d)"`/g, '"x $1"""')).toBe(duck);
      const ch = fullPassQuery(p, table, 'clickhouse');
      expect(ch).toContain('greatest(a0, greatest(a1, a2)) AS mx');
      expect(ch).toContain('log(se)');
      const chInDuck = ch.replace('greatest(a0, greatest(a1, a2))', 'GREATEST(a0, a1, a2)').replace('log(se)', 'LN(se)');
      expect(chInDuck).toBe(duck);
      const run = async (q: string) => (await con.runAndReadAll(q)).getRows()[0].map(Number);
      expect(await run(ch.replace('log(se)', 'LN(se)'))).toEqual(await run(duck));
    });
  }
});

describe('fits with covariance full and tied through DuckDB', () => {
  const d = 3;
  const cols = names(d);
  const close = (a: number, b: number, tol: number) => expect(Math.abs(a - b) / (1 + Math.abs(b))).toBeLessThan(tol);

  for (const covariance of ['full', 'tied'] as const) {
    it(`${covariance}: GaussianMixture.fit on a table equals the in-memory fit (k-means++ start from all rows: initSampleRows ≥ N)`, async () => {
      const { X } = data.get(d)!;
      const o = { nComponents: 3, covariance, solver: 'em', seed: 4, nInit: 2 } as const;
      const a = await new GaussianMixture(o).fit({ data: X, rows: N, cols: d });
      const b = await new GaussianMixture(o).fit(await sqlSource(adapter, { from: `pts${d}`, columns: cols }));
      expect(b.nEvaluations).toBe(a.nEvaluations);
      expect(b.restart).toBe(a.restart);
      close(b.loss, a.loss, 1e-12);
      a.params.means.flat().forEach((m, i) => close(b.params.means.flat()[i], m, 1e-9));
      a.params.weights.forEach((w, i) => close(b.params.weights[i], w, 1e-9));
      (a.params.covariances as number[][][] | number[][]).flat(2).forEach((c, i) => close((b.params.covariances as number[][]).flat(2)[i] as number, c as number, 1e-9));
    });

    it(`${covariance}: with a weight column equals the in-memory fit with sampleWeight (same explicit start), and gd-polyak too`, async () => {
      const { X, W } = data.get(d)!;
      const I = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
      const init = { means: [[0, -1, -2], [3, 2, 1], [6, 5, 4]], weights: [0.3, 0.3, 0.4], covariances: covariance === 'tied' ? I : [I, I, I] };
      const src = await sqlSource(adapter, { from: `pts${d}`, columns: cols, weightColumn: 'w' });
      for (const solver of ['em', 'gd-polyak'] as const) {
        const o = { nComponents: 3, covariance, solver, init, maxIter: 30 } as const;
        const a = await new GaussianMixture(o).fit({ data: X, rows: N, cols: d }, { sampleWeight: W });
        const gm = new GaussianMixture(o);
        const b = await gm.fit(src);
        expect(b.nEvaluations).toBe(a.nEvaluations);
        close(b.loss, a.loss, 1e-12);
        a.params.means.flat().forEach((m, i) => close(b.params.means.flat()[i], m, 1e-9));
        (a.params.covariances as number[][]).flat(2).forEach((c, i) => close((b.params.covariances as number[][]).flat(2)[i] as number, c as number, 1e-9));
        // Scoring after the fit runs in memory on the fitted model.
        const probe = { data: X.slice(0, 30), rows: 10, cols: d };
        expect(gm.scoreSamples(probe)).toHaveLength(10);
      }
    });

    it(`${covariance}: minimize over sqlObjective equals minimize over the in-memory objective`, async () => {
      const { X } = data.get(d)!;
      const I = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
      const start = { means: [[0, -1, -2], [3, 2, 1], [6, 5, 4]], covariances: covariance === 'tied' ? I : [I, I, I] };
      const opts = { solver: 'em', weights: 'learned', covariance, maxIter: 20 } as const;
      const mem = await empiricalObjective({ data: X, rows: N, cols: d }, { threads: 1 });
      const sql = sqlObjective(await sqlSource(adapter, { from: `pts${d}`, columns: cols }));
      const a = await minimize(mem, start, opts);
      const b = await minimize(sql, start, opts);
      expect(b.nEvaluations).toBe(a.nEvaluations);
      expect(sql.evaluations).toBe(b.nEvaluations);
      close(b.loss, a.loss, 1e-12);
      (a.params.covariances as number[][]).flat(2).forEach((c, i) => close((b.params.covariances as number[][]).flat(2)[i] as number, c as number, 1e-9));
      mem.dispose();
    });
  }
});

describe('bad adapter answers to the full/tied pass', () => {
  const p = params(2, 2, false, 3);
  /** An SqlSource (COUNT(*) = 10, no NULLs) whose pass queries get `answer`. */
  const fake = (answer: unknown) => sqlSource({ query: async (sql) => (sql.startsWith('SELECT COUNT(*)') ? [[10, 10, 10]] : answer) as unknown[][] }, { from: 't', columns: ['a', 'b'] });
  const ncols = fullPassColumns(2, 2, false).length;
  const good = Array.from({ length: ncols }, () => 1);

  it('no row, two rows, too few columns, NULL, NaN, Infinity, a non-number, a non-row: MixfitError naming adapter.query', async () => {
    const cases: [unknown, RegExp][] = [
      [[], /must return the one row of the aggregate query \(received "0 rows"\)/],
      [[good, good], /must return the one row/],
      [[good.slice(1)], new RegExp(`must return the ${ncols} columns of the pass query`)],
      [[[...good.slice(1), null]], /must return finite numbers \(m_1_1_1\)/],
      [[[NaN, ...good.slice(1)]], /must return finite numbers \(t\)/],
      [[[1, Infinity, ...good.slice(2)]], /must return finite numbers \(l\)/],
      [[[1, 1, 'x', ...good.slice(3)]], /must return finite numbers \(r_0\)/],
      [[42], /must resolve with rows/],
    ];
    for (const [answer, message] of cases) {
      const obj = sqlObjective(await fake(answer));
      const e = await obj.fullStatsAsync(p).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(MixfitError);
      expect((e as MixfitError).argument).toBe('adapter.query');
      expect((e as MixfitError).message).toMatch(message);
    }
    // Object rows (values in SELECT order) and bigints are read as the arrays are.
    const obj = sqlObjective(await fake([Object.fromEntries(fullPassColumns(2, 2, false).map((c, i) => [c, i === 0 ? 10n : 1]))]));
    expect((await obj.fullStatsAsync(p)).totalWeight).toBe(10);
  });

  it('a fit whose engine answers badly rejects with that MixfitError and leaves the model unchanged', async () => {
    const gm = new GaussianMixture({ nComponents: 2, covariance: 'tied', init: { means: [[0, 0], [1, 1]] } });
    await gm.fit([[0, 0], [1, 1], [2, 0], [0.5, 2]]);
    const before = gm.toJSON();
    const src = await sqlSource({ query: async (sql) => (sql.startsWith('SELECT COUNT(*)') ? [[10, 10, 10]] : sql.includes(' LIMIT ') ? [[0, 0], [1, 1], [2, 0]] : [[1, 2]]) }, { from: 't', columns: ['a', 'b'] });
    const e = await gm.fit(src).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(MixfitError);
    expect((e as MixfitError).argument).toBe('adapter.query');
    expect(gm.toJSON()).toEqual(before);
  });

  it('the wrong dimension and a disposed objective are refused before any query', async () => {
    let queries = 0;
    const src = await sqlSource({ query: async () => { queries++; return [[10, 10, 10, 10]]; } }, { from: 't', columns: ['a', 'b', 'c'] });
    const obj = sqlObjective(src);
    await expect(obj.fullStatsAsync(p)).rejects.toThrow(/params.means: must have 3 columns/);
    obj.dispose();
    await expect(obj.fullStatsAsync(params(2, 3, true, 1))).rejects.toThrow(/has been disposed/);
    expect([queries, obj.evaluations]).toEqual([1, 0]);
  });
});
