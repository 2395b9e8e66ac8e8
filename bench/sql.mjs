// SQL backend benchmark (issue 15): seconds per pass of the generated pass query in DuckDB (a table in
// DuckDB's memory, and a Parquet file) vs our kernel's in-memory pass on the same rows, side by side.
//
//   npm run build:js && node bench/sql.mjs [--rows 1000000] [--cols 10] [--reps 5]
//
// Skips with a message when @duckdb/node-api (a devDependency) is not installed.
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { empiricalObjective, sqlObjective, sqlSource } from '../dist/index.js';
import { normals } from './lib/normals.mjs';

let duckdb;
try { duckdb = await import('@duckdb/node-api'); } catch { console.log('skipped: @duckdb/node-api is not installed (npm install)'); process.exit(0); }
const args = process.argv.slice(2);
const arg = (name, def) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const N = arg('--rows', 1e6), d = arg('--cols', 10), REPS = arg('--reps', 5);
const cpu = execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim();
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

const dir = mkdtempSync(join(tmpdir(), 'mixfit-bench-sql-'));
try {
  const X = normals(N * d, 3);
  const pq = join(dir, 'x.parquet');
  const inst = await duckdb.DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const threads = Number((await con.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0]);
  const cols = Array.from({ length: d }, (_, j) => `x${j}`);
  // Appended value by value, so the table holds exactly X's float64 values.
  await con.run(`CREATE TABLE pts AS SELECT ${cols.map((c) => `CAST(NULL AS DOUBLE) AS ${c}`).join(', ')} LIMIT 0`);
  const app = await con.createAppender('pts');
  for (let k = 0; k < N; k++) { for (let j = 0; j < d; j++) app.appendDouble(X[k * d + j]); app.endRow(); }
  app.closeSync();
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
