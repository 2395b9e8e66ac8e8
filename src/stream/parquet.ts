/**
 * Parquet files as a {@link ChunkSource}, read through DuckDB's Node API (`@duckdb/node-api`, an optional
 * peer dependency loaded only here, on first use). One streamed query per scan, every column cast to
 * DOUBLE, in file order (DuckDB keeps insertion order for a plain scan), so sums over chunks are
 * deterministic like those of the other sources.
 */
import { MixfitError } from '../errors.js';
import type { ChunkSource, OpenSourceOptions } from './source.js';

type DuckDb = typeof import('@duckdb/node-api');

/**
 * Loads DuckDB's Node API, an optional peer dependency.
 * @throws MixfitError naming `path` when it is not installed.
 */
export async function loadDuckDb(path: string): Promise<DuckDb> {
  // A variable specifier: the bundler leaves the import alone, and a missing package is found at run time.
  const spec = '@duckdb/node-api';
  try {
    return await import(/* @vite-ignore */ spec) as DuckDb;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new MixfitError('path', 'is a .parquet file, which needs DuckDB, an optional peer dependency: `npm install @duckdb/node-api` enables Parquet', path);
    throw e;
  }
}

/** Column types a numeric table may have (DuckDB's names). */
export const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?))$/i;

/** A path as an SQL string literal. */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * Opens a Parquet file (every column numeric, or the `columns` named) as a source of its rows.
 * @throws MixfitError when DuckDB is missing, the file cannot be read as Parquet, a column is not
 *   numeric, or `rows` exceeds the file's rows.
 */
export async function openParquet(path: string, options: OpenSourceOptions & { columns?: string[] } = {}): Promise<ChunkSource> {
  const duck = await loadDuckDb(path);
  const instance = await duck.DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  let open = true;
  const close = (): void => { if (open) { open = false; con.closeSync(); instance.closeSync(); } };
  try {
    const from = `read_parquet(${sqlString(path)})`;
    let described: unknown[][];
    try {
      described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRows() as unknown[][];
    } catch (e) {
      throw new MixfitError('path', 'must be a readable Parquet file', `${path}: ${String((e as Error).message).split('\n')[0]}`);
    }
    const names = options.columns ?? described.map((r) => String(r[0]));
    for (const c of names) {
      const row = described.find((r) => String(r[0]) === c);
      if (!row) throw new MixfitError('options.columns', `must name columns of ${path}`, c);
      if (!NUMERIC_TYPE.test(String(row[1]))) throw new MixfitError('source', `must have numeric columns only: ${JSON.stringify(c)} is ${row[1]}`);
    }
    const fileRows = Number((await con.runAndReadAll(`SELECT COUNT(*) FROM ${from}`)).getRows()[0][0]);
    if (fileRows < 1) throw new MixfitError('path', 'must hold at least one data row', `${path} is empty`);
    if (options.rows !== undefined && options.rows > fileRows) throw new MixfitError('options.rows', `must be at most the file's ${fileRows} rows`, options.rows);
    const rows = options.rows ?? fileRows, cols = names.length;
    const sql = `SELECT ${names.map((c) => `CAST("${c.replace(/"/g, '""')}" AS DOUBLE)`).join(', ')} FROM ${from}${options.rows !== undefined ? ` LIMIT ${rows}` : ''}`;
    return {
      path, format: 'parquet', rows, cols, close,
      async *chunks(chunkRows: number) {
        if (!open) throw new MixfitError('source', 'has been closed', path);
        const result = await con.stream(sql);
        const out = new Float64Array(chunkRows * cols);
        let fill = 0, row = 0;
        for (let c = await result.fetchChunk(); c && c.rowCount > 0; c = await result.fetchChunk()) {
          const columns = Array.from({ length: cols }, (_, j) => c.getColumnValues(j));
          for (let k = 0; k < c.rowCount; k++, row++) {
            for (let j = 0; j < cols; j++) {
              const v = columns[j][k];
              if (typeof v !== 'number' || !Number.isFinite(v))
                throw new MixfitError('source', 'must hold finite numbers only', `${v} at row ${row}, column ${names[j]} of ${path}`);
              out[fill * cols + j] = v;
            }
            if (++fill === chunkRows) { yield { X: out, rows: fill }; fill = 0; }
          }
        }
        if (fill > 0) yield { X: out, rows: fill };
      },
    };
  } catch (e) {
    close();
    throw e;
  }
}
