// The CLI on streamed DATA (issue 15): `mixfit fit` of .f64/.f32 (--cols), --chunk-rows .csv and .parquet
// (inside DuckDB) must give the in-memory fit's model, `predict`/`score` on every streamed format the
// in-memory outputs, and every misuse one line with exit 2 — including a missing DuckDB, simulated by a
// module-resolution hook that hides @duckdb/node-api from the spawned CLI. Spawns the BUILT dist/cli.js.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/model/rng.js';

const CLI = process.env.MIXFIT_CLI ?? resolve(__dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'mixfit-cli-stream-'));
const f = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, CLI, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// 1001 rows (odd: chunks of 100 do not divide it) of two 2-D clusters, seeded.
const N = 1001, d = 2;
const rng = new Rng(5);
const X = new Float64Array(N * d);
for (let k = 0; k < N; k++) { X[k * d] = (k % 2 ? 3 : -3) + rng.normal(); X[k * d + 1] = rng.normal() * 0.7; }
const rowsOf = (A: ArrayLike<number>) => Array.from({ length: N }, (_, k) => [A[k * d]!, A[k * d + 1]!]);
const X32 = Float32Array.from(X);

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` before the CLI tests');
  writeFileSync(f('x.f64'), new Uint8Array(X.buffer));
  writeFileSync(f('x.f32'), new Uint8Array(X32.buffer));
  // String(number) round-trips, so the CSV and JSON hold exactly the binary file's values.
  writeFileSync(f('x.csv'), rowsOf(X).map((r) => r.join(',')).join('\n') + '\n');
  writeFileSync(f('x.json'), JSON.stringify(rowsOf(X)));
  writeFileSync(f('x32.json'), JSON.stringify(rowsOf(Float64Array.from(X32))));
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  await con.run(`COPY (SELECT * FROM read_csv('${f('x.csv')}', header = false, columns = {'a': 'DOUBLE', 'b': 'DOUBLE'})) TO '${f('x.parquet')}' (FORMAT parquet)`);
  await con.run(`COPY (SELECT 'q' AS s, 1.0 AS v) TO '${f('text.parquet')}' (FORMAT parquet)`);
  con.closeSync();
  inst.closeSync();
  // Resolution hook for the "DuckDB not installed" case: the spawned CLI cannot find the package.
  writeFileSync(f('no-duckdb-hooks.mjs'), `export async function resolve(spec, ctx, next) {
  if (spec === '@duckdb/node-api') { const e = new Error("Cannot find package '@duckdb/node-api'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }
  return next(spec, ctx);
}\n`);
  writeFileSync(f('no-duckdb.mjs'), `import { register } from 'node:module';\nregister('./no-duckdb-hooks.mjs', import.meta.url);\n`);
});

const FIT = ['--components', '2', '--seed', '1', '--solver', 'em', '--covariance', 'diagonal', '--weights', 'learned', '--quiet'];
const model = (name: string) => JSON.parse(readFileSync(f(name), 'utf8'));

function expectClose(a: number[][], b: number[][], tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - b[i]![j]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]![j]!)))));
}

describe('mixfit fit on streamed DATA', () => {
  it('.f64 --cols, .csv --chunk-rows and .parquet give the in-memory fit; .f32 the in-memory fit of its float32 values', () => {
    const cases: [string, string[], string][] = [
      ['mem.json', ['x.json'], 'x.json'], ['f64.json', ['x.f64', '--cols', '2', '--chunk-rows', '100'], 'x.json'],
      ['csv.json', ['x.csv', '--chunk-rows', '100'], 'x.json'], ['pq.json', ['x.parquet'], 'x.json'],
      ['mem32.json', ['x32.json'], 'x32.json'], ['f32.json', ['x.f32', '--cols', '2'], 'x32.json'],
    ];
    for (const [out, args] of cases) {
      const r = run(['fit', ...args, ...FIT, '--out', out]);
      expect(r.stderr).toMatch(/converged/);
      expect(r.code).toBe(0);
    }
    for (const [out, , ref] of cases) {
      const a = model(out), b = model(ref === 'x.json' ? 'mem.json' : 'mem32.json');
      // Chunked (or in-engine) sums differ from the in-memory sums by rounding only.
      expectClose(a.means, b.means, 1e-8);
      expectClose(a.variances, b.variances, 1e-8);
      expectClose([a.weights], [b.weights], 1e-8);
    }
  });

  it('--precision float32 streams .f64 through the float32 passes (the in-memory float32 fit, not the float64 one); .parquet (inside DuckDB) refuses it', () => {
    const P = ['--precision', 'float32'];
    for (const [out, args] of [['m32.json', ['x.json', ...P]], ['s32.json', ['x.f64', '--cols', '2', '--chunk-rows', '128', ...P]], ['s64.json', ['x.f64', '--cols', '2', '--chunk-rows', '128']]] as const) {
      const r = run(['fit', ...args, ...FIT, '--out', out]);
      expect(r.code).toBe(0);
    }
    const s32 = model('s32.json'), m32 = model('m32.json'), s64 = model('s64.json');
    // Chunks of 128 rows align with the float32 layout's blocks: equal to rounding of the float64 chunk sums.
    expectClose(s32.means, m32.means, 1e-10);
    const gap = Math.max(...s32.means.flatMap((r: number[], i: number) => r.map((v, j) => Math.abs(v - s64.means[i][j]))));
    expect(gap).toBeGreaterThan(1e-12);
    expect(gap).toBeLessThan(1e-3);
    const r = run(['fit', 'x.parquet', ...FIT, ...P, '--out', 'never.json']);
    expect(r.stderr).toMatch(/^mixfit: --precision 'float32' does not apply to an SQL source.*use precision 'float64'/);
    expect(r.code).toBe(2);
    expect(existsSync(f('never.json'))).toBe(false);
  });

  it('--plot on streamed 2-D data draws the scatter plot from the sample, and says so when it is one', () => {
    const r = run(['fit', 'x.f64', '--cols', '2', ...FIT, '--out', 'p.json', '--plot', 'p.svg']);
    expect(r.code).toBe(0);
    // 1001 rows fit in the 10 000-row sample: every row is drawn, titled as the data.
    expect(readFileSync(f('p-scatter.svg'), 'utf8')).toMatch(/Data and fitted components \(2\)/);
  });

  it('misuse exits 2 with one line, before any fit and with nothing written', () => {
    const cases: [string[], string][] = [
      [['fit', 'x.f64', ...FIT], 'mixfit: --cols N is required for x.f64 (binary rows of N float values carry no header)'],
      [['fit', 'x.f32', ...FIT], 'mixfit: --cols N is required for x.f32 (binary rows of N float values carry no header)'],
      [['fit', 'x.csv', '--cols', '2', ...FIT], 'mixfit: --cols is only for .f64 and .f32 DATA (x.csv gives its own columns)'],
      [['fit', 'x.parquet', '--cols', '2', ...FIT], 'mixfit: --cols is only for .f64 and .f32 DATA (x.parquet gives its own columns)'],
      [['fit', 'x.json', '--chunk-rows', '10', ...FIT], "mixfit: --chunk-rows is only for streamed DATA (.f64, .f32, .csv; .parquet for predict and score), not x.json for 'mixfit fit'"],
      [['fit', 'x.f64', '--cols', '3', ...FIT], 'mixfit: x.f64: --cols: must divide the file into whole rows (16016 bytes is not a multiple of 3 × 8) (received 3)'],
      [['fit', 'x.f64', '--cols', '2', '--header', ...FIT], 'mixfit: --header is only for CSV DATA (x.f64 is binary)'],
      [['fit', 'x.f64', '--cols', '0', ...FIT], 'mixfit: --cols must be ≥ 1 (received 0)'],
      [['fit', 'text.parquet', ...FIT], 'mixfit: text.parquet: column "s" is VARCHAR; every column must be numeric'],
    ];
    writeFileSync(f('x.bin'), new Uint8Array(X.buffer));
    cases.push([['fit', 'x.bin', '--cols', '2', ...FIT], 'mixfit: x.bin: unknown DATA format .bin (DATA must end in .f64, .f32, .csv, .tsv, .txt, .json, .parquet)']);
    for (const [args, line] of cases) {
      const r = run([...args, '--out', 'never.json']);
      expect(r.stderr).toBe(line + '\n');
      expect(r.code).toBe(2);
      expect(existsSync(f('never.json'))).toBe(false);
    }
    // Output paths are still checked before the fit: a bad --out after a good --history writes neither.
    const r = run(['fit', 'x.f64', '--cols', '2', ...FIT, '--history', 'never.csv', '--out', 'missing/m.json']);
    expect(r.stderr).toBe('mixfit: --out missing/m.json: cannot write there (ENOENT for directory missing)\n');
    expect(r.code).toBe(2);
    expect(existsSync(f('never.csv'))).toBe(false);
  });

  it('.parquet without DuckDB installed: exit 2, one line saying how to enable it', () => {
    const r = run(['fit', 'x.parquet', ...FIT], ['--import', f('no-duckdb.mjs')]);
    expect(r.stderr).toBe('mixfit: reading .parquet DATA needs DuckDB, an optional peer dependency: `npm install @duckdb/node-api` enables Parquet\n');
    expect(r.code).toBe(2);
    // The hook hides only DuckDB: other formats still work in that process.
    expect(run(['fit', 'x.f64', '--cols', '2', ...FIT, '--out', 'hidden.json'], ['--import', f('no-duckdb.mjs')]).code).toBe(0);
  });
});

describe('mixfit predict / score on streamed DATA', () => {
  const M = 'gm.json';
  beforeAll(() => {
    writeFileSync(f(M), JSON.stringify({ means: [[-2.5, 0.3], [3.1, -0.2]], weights: [0.4, 0.6], variances: [[1.1, 0.6], [0.9, 0.4]], covariance: 'diagonal' }));
  });
  const nums = (s: string) => s.trim().split('\n').map((l) => l.split(',').map(Number));

  for (const [data, extra, ref] of [
    ['x.f64', ['--cols', '2', '--chunk-rows', '100'], 'x.json'], ['x.f64', ['--cols', '2'], 'x.json'],
    ['x.f32', ['--cols', '2', '--chunk-rows', '7'], 'x32.json'], ['x.csv', ['--chunk-rows', '100'], 'x.json'],
    ['x.parquet', [], 'x.json'], ['x.parquet', ['--chunk-rows', '100'], 'x.json'],
  ] as const) {
    it(`${data} ${extra.join(' ')}: labels, responsibilities, log-densities and mean equal the in-memory outputs`, () => {
      for (const cmd of [['predict'], ['predict', '--proba'], ['score']]) {
        const s = run([cmd[0]!, M, data, ...extra, ...cmd.slice(1)]), m = run([cmd[0]!, M, ref, ...cmd.slice(1)]);
        expect(s.code).toBe(0);
        expect(m.code).toBe(0);
        expectClose(nums(s.stdout), nums(m.stdout), 1e-12);
        expect(nums(s.stdout)).toHaveLength(N);
        const js = JSON.parse(run([cmd[0]!, M, data, ...extra, ...cmd.slice(1), '--json']).stdout);
        const jm = JSON.parse(run([cmd[0]!, M, ref, ...cmd.slice(1), '--json']).stdout);
        expect(Object.keys(js)).toEqual(Object.keys(jm));
        for (const k of Object.keys(jm)) {
          if (typeof jm[k] === 'number') expect(Math.abs(js[k] - jm[k])).toBeLessThanOrEqual(1e-12 * Math.abs(jm[k]));
          else expectClose(jm[k].map((v: number | number[]) => [v].flat()), js[k].map((v: number | number[]) => [v].flat()), 1e-12);
        }
      }
      const mean = (r: { stderr: string }) => Number(/mean log-density (\S+)/.exec(r.stderr)![1]);
      expect(Math.abs(mean(run(['score', M, data, ...extra])) - mean(run(['score', M, ref])))).toBeLessThanOrEqual(1e-12);
    });
  }

  it('misuse exits 2 with one line', () => {
    const cases: [string[], string][] = [
      [['predict', M, 'x.f64'], 'mixfit: --cols N is required for x.f64 (binary rows of N float values carry no header)'],
      [['score', M, 'x.f64', '--cols', '3'], 'mixfit: x.f64: --cols: must divide the file into whole rows (16016 bytes is not a multiple of 3 × 8) (received 3)'],
      [['score', M, 'x.f64', '--cols', '1'], 'mixfit: x.f64: has 1 columns but the model has dimension 2'],
      [['predict', M, 'x.csv', '--cols', '2'], 'mixfit: --cols is only for .f64 and .f32 DATA (x.csv gives its own columns)'],
      [['predict', M, 'text.parquet'], 'mixfit: text.parquet: must have numeric columns only: "s" is VARCHAR'],
      [['score', M, 'x.parquet', '--header'], 'mixfit: --header is only for CSV DATA (x.parquet is Parquet)'],
      [['score', M, 'x.npy'], 'mixfit: x.npy: unknown DATA format .npy (DATA must end in .f64, .f32, .csv, .tsv, .txt, .json, .parquet)'],
      [['predict', M, 'x.f64', '--cols', '2', '--chunk-rows', '0'], 'mixfit: --chunk-rows must be ≥ 1 (received 0)'],
    ];
    for (const [args, line] of cases) {
      const r = run(args);
      expect(r.stderr).toBe(line + '\n');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
  });
});
