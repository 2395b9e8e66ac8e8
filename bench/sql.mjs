// SQL backend benchmark (issue 15): seconds per pass of the generated pass query in DuckDB (a table in
// DuckDB's memory, and a Parquet file) vs our kernel's in-memory pass on the same rows, side by side.
// With --full (issue 12): the full/tied pass query (fullPassQuery) vs the kernel's full/tied pass for
// d = 2, 5, 10 at each of --rows-list, and the text length and DuckDB's cost of the query as d grows.
//
//   npm run build:js && node bench/sql.mjs [--rows 1000000] [--cols 10] [--reps 5]
//   npm run build:js && node bench/sql.mjs --full [--rows-list 100000,1000000] [--components 5] [--reps 3]
//     [--size-rows 10000] [--size-cols 2,5,10,20,32,48,64]   (--rows-list 0 skips the first table)
//
// Skips with a message when @duckdb/node-api (a devDependency) is not installed.
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { empiricalObjective, fullPassQuery, sqlObjective, sqlSource } from '../dist/index.js';
import { normals } from './lib/normals.mjs';

let duckdb;
try { duckdb = await import('@duckdb/node-api'); } catch { console.log('skipped: @duckdb/node-api is not installed (npm install)'); process.exit(0); }
const args = process.argv.slice(2);
const arg = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const N = arg('--rows', 1e6), d = arg('--cols', 10), REPS = arg('--reps', 5);
const cpu = execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim();
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

if (args.includes('--full')) {
  await fullBench();
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'mixfit-bench-sql-'));
try {
  const X = normals(N * d, 3);
  const pq = join(dir, 'x.parquet');
  const inst = await duckdb.DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const threads = Number((await con.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0]);
  const cols = await loadTable(con, 'pts', X, N, d);
  await con.run(`COPY pts TO '${pq}' (FORMAT parquet)`);
  const adapter = { query: async (sql) => (await con.runAndReadAll(sql)).getRows() };
  console.log(`CPU: ${cpu}; Node ${process.version}; DuckDB ${(await con.runAndReadAll('SELECT version()')).getRows()[0][0]} (threads ${threads}); N = ${N}, d = ${d}; median of ${REPS}\n`);
  console.log('| layout | n | kernel s/pass (1 thread) | DuckDB table s/pass | DuckDB Parquet s/pass | table / kernel | max rel. diff of Σℓ, R, S, Q |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [layout, n] of [['component', 2], ['component', 5], ['diagonal', 5], ['diagonal', 10]]) {
    const p = { n, d, means: normals(n * d, 9 + n).map((v) => 2 * v), logWeights: new Float64Array(n).fill(-Math.log(n)),
      variances: new Float64Array(layout === 'diagonal' ? n * d : n).map((_, i) => 0.8 + (i % 3) * 0.5), layout };
    const mem = await empiricalObjective({ data: X, rows: N, cols: d }, { threads: 1 });
    const table = sqlObjective(await sqlSource(adapter, { from: 'pts', columns: cols }));
    const parquet = sqlObjective(await sqlSource(adapter, { from: `read_parquet('${pq}')`, columns: cols }));
    const want = mem.stats(p);
    const flat = (s) => [s.sumLogLik, ...s.R, ...s.S, ...s.Q];
    const w = flat(want), g = flat(await table.statsAsync(p));
    const maxRel = Math.max(...w.map((v, i) => Math.abs(g[i] - v) / Math.max(...w.map(Math.abs))));
    const t = { mem: [], table: [], parquet: [] };
    for (let r = 0; r < REPS; r++) {
      let t0 = performance.now(); mem.stats(p); t.mem.push(performance.now() - t0);
      t0 = performance.now(); await table.statsAsync(p); t.table.push(performance.now() - t0);
      t0 = performance.now(); await parquet.statsAsync(p); t.parquet.push(performance.now() - t0);
    }
    const [a, b, c] = [median(t.mem), median(t.table), median(t.parquet)].map((v) => v / 1e3);
    console.log(`| ${layout === 'diagonal' ? 'diagonal' : 'spherical'} | ${n} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${c.toFixed(3)} | ${(b / a).toFixed(1)}× slower | ${maxRel.toExponential(1)} |`);
    mem.dispose();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** A DuckDB table `name` holding exactly X's float64 values (N × d), appended value by value. */
async function loadTable(con, name, X, N, d) {
  const cols = Array.from({ length: d }, (_, j) => `x${j}`);
  await con.run(`CREATE OR REPLACE TABLE ${name} AS SELECT ${cols.map((c) => `CAST(NULL AS DOUBLE) AS ${c}`).join(', ')} LIMIT 0`);
  const app = await con.createAppender(name);
  for (let k = 0; k < N; k++) { for (let j = 0; j < d; j++) app.appendDouble(X[k * d + j]); app.endRow(); }
  app.closeSync();
  return cols;
}

/** Full/tied parameters: means 2·N(0, 1), uniform weights, U upper triangular (diagonal 0.6…1.4, off-diagonal 0.2·N(0, 1)). */
function fullParams(n, d, tied, seed) {
  const z = normals(n * d + n * d * d, seed);
  const precChol = new Float64Array((tied ? 1 : n) * d * d);
  for (let b = 0; b < (tied ? 1 : n); b++)
    for (let j = 0; j < d; j++) for (let l = j; l < d; l++) precChol[b * d * d + j * d + l] = l === j ? 0.6 + 0.8 * (((b + j) * 7) % 5) / 4 : 0.2 * z[n * d + (b * d + j) * d + l];
  return { n, d, tied, means: z.slice(0, n * d).map((v) => 2 * v), logWeights: new Float64Array(n).fill(-Math.log(n)), precChol };
}

async function fullBench() {
  const listArg = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1].split(',').map(Number).filter((v) => v > 0) : def);
  const rowsList = listArg('--rows-list', [1e5, 1e6]), sizeCols = listArg('--size-cols', [2, 5, 10, 20, 32, 48, 64]);
  const n = arg('--components', 5), reps = arg('--reps', 3);
  const inst = await duckdb.DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const threads = Number((await con.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0]);
  const adapter = { query: async (sql) => (await con.runAndReadAll(sql)).getRows() };
  console.log(`CPU: ${cpu}; Node ${process.version}; DuckDB ${(await con.runAndReadAll('SELECT version()')).getRows()[0][0]} (threads ${threads}); kernel 1 thread; n = ${n}; median of ${reps}\n`);
  if (rowsList.length) {
    console.log('| layout | N | d | query chars | kernel ms/pass | DuckDB ms/pass | DuckDB / kernel | max rel. diff of Σℓ, R, S, scatter |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  }
  for (const N of rowsList) {
    for (const d of [2, 5, 10]) {
      const X = normals(N * d, 3 + d);
      const cols = await loadTable(con, 'pts', X, N, d);
      const mem = await empiricalObjective({ data: X, rows: N, cols: d }, { threads: 1 });
      const table = sqlObjective(await sqlSource(adapter, { from: 'pts', columns: cols }));
      for (const tied of [false, true]) {
        const p = fullParams(n, d, tied, 9 + d);
        const flat = (s) => [s.sumLogLik, ...s.R, ...s.S, ...s.scatter];
        const w = flat(mem.fullStats(p)), g = flat(await table.fullStatsAsync(p));
        const scale = Math.max(...w.map(Math.abs));
        const maxRel = Math.max(...w.map((v, i) => Math.abs(g[i] - v) / scale));
        const t = { mem: [], sql: [] };
        for (let r = 0; r < reps; r++) {
          let t0 = performance.now(); mem.fullStats(p); t.mem.push(performance.now() - t0);
          t0 = performance.now(); await table.fullStatsAsync(p); t.sql.push(performance.now() - t0);
        }
        const [a, b] = [median(t.mem), median(t.sql)];
        console.log(`| ${tied ? 'tied' : 'full'} | ${N} | ${d} | ${table.lastQuery.length} | ${a.toFixed(1)} | ${b.toFixed(0)} | ${(b / a).toFixed(1)}× | ${maxRel.toExponential(1)} |`);
      }
      mem.dispose();
    }
  }
  // How the text grows with d (n·d² terms), and what DuckDB pays for it: planning (EXPLAIN) and a pass over 1e4 rows.
  const small = arg('--size-rows', 1e4);
  console.log(`\nQuery size and DuckDB cost vs d (n = ${n}; pass over ${small} rows; median of ${reps})\n`);
  console.log(`| layout | d | query chars | DuckDB EXPLAIN ms | DuckDB ms/pass (${small} rows) | kernel ms/pass (${small} rows) | DuckDB / kernel |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const d of sizeCols) {
    const X = normals(small * d, 5 + d);
    const cols = await loadTable(con, 'pts', X, small, d);
    const mem = await empiricalObjective({ data: X, rows: small, cols: d }, { threads: 1 });
    const table = sqlObjective(await sqlSource(adapter, { from: 'pts', columns: cols }));
    for (const tied of [false, true]) {
      const p = fullParams(n, d, tied, 9 + d);
      const q = fullPassQuery(p, { from: 'pts', columns: cols });
      const t = { explain: [], sql: [], mem: [] };
      let failed;
      for (let r = 0; r < reps && !failed; r++) {
        try {
          let t0 = performance.now(); await con.runAndReadAll(`EXPLAIN ${q}`); t.explain.push(performance.now() - t0);
          t0 = performance.now(); await table.fullStatsAsync(p); t.sql.push(performance.now() - t0);
        } catch (e) { failed = String(e.message ?? e).slice(0, 80); }
        const t0 = performance.now(); mem.fullStats(p); t.mem.push(performance.now() - t0);
      }
      const ratio = failed ? '–' : `${(median(t.sql) / median(t.mem)).toFixed(0)}×`;
      console.log(`| ${tied ? 'tied' : 'full'} | ${d} | ${q.length} | ${failed ? `failed: ${failed}` : median(t.explain).toFixed(0)} | ${failed ? '–' : median(t.sql).toFixed(0)} | ${median(t.mem).toFixed(2)} | ${ratio} |`);
    }
    mem.dispose();
  }
}
