/**
 * How the CLI reads a DATA argument, decided by its extension (the one table below): CSV and JSON in
 * memory; `.f64`/`.f32` (with --cols) and large or --chunk-rows CSV streamed from disk, chunk by chunk, so
 * memory is bounded by the chunk; `.parquet` fitted inside DuckDB (an optional peer dependency, loaded only
 * then) and streamed through it for predict/score. --cols and --chunk-rows are checked against the format
 * before anything is read.
 */
import { statSync } from 'node:fs';
import { MixfitError } from '../errors.js';
import { Rng } from '../model/rng.js';
import { sqlHead, sqlSource, type SqlAdapter, type SqlSource } from '../sql/objective.js';
import { loadDuckDb, NUMERIC_TYPE, sqlString } from '../stream/parquet.js';
import { reservoirSample } from '../stream/sample.js';
import { openSource, type RowSource } from '../stream/source.js';
import { readChunkRows } from '../stream/objective.js';
import type { Matrix } from '../types.js';
import { numberOption, UsageError, type Parsed } from './args.js';
import { headerOption, readData, toRows } from './input.js';

/** DATA formats by extension; a path without one is read as CSV or JSON by its content (in memory). */
const FORMATS = {
  f64: 'binary', f32: 'binary', csv: 'csv', tsv: 'csv', txt: 'csv', json: 'memory', parquet: 'parquet',
} as const;
type Kind = (typeof FORMATS)[keyof typeof FORMATS];

/** A CSV file at least this large is streamed (smaller ones are read in memory unless --chunk-rows is given). */
export const STREAM_CSV_BYTES = 64 * 2 ** 20;

/** Rows a scatter plot of streamed data draws (a seeded uniform sample; in-memory data plot every row). */
export const PLOT_SAMPLE_ROWS = 10_000;

/** DATA opened for a command: the input `GaussianMixture` takes, its shape, and how to release it. */
export interface CliData {
  /** In memory, a file streamed on every pass, or a table inside DuckDB. */
  readonly input: Matrix | RowSource | SqlSource;
  readonly rows: number;
  readonly cols: number;
  /** --chunk-rows for a streamed file (undefined: the library default). */
  readonly chunkRows?: number;
  /** The rows a scatter plot draws and how to name them in its title. */
  plotRows(): Promise<{ points: number[][]; label: string }>;
  close(): void;
}

function kindOf(path: string): Kind | undefined {
  const base = path.split(/[\\/]/).pop()!;
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return 'memory';
  const ext = base.slice(dot + 1).toLowerCase();
  if (!Object.hasOwn(FORMATS, ext)) {
    throw new UsageError(`${path}: unknown DATA format .${ext} (DATA must end in ${Object.keys(FORMATS).map((e) => `.${e}`).join(', ')})`);
  }
  return FORMATS[ext as keyof typeof FORMATS];
}

/**
 * Opens DATA for `command` as its extension says. `inEngine`: a .parquet file becomes a table inside DuckDB
 * (fit, whose passes run as queries); otherwise (predict, score) its rows are streamed through DuckDB.
 * @throws UsageError (exit 2, one line) for an unknown extension, --cols missing for .f64/.f32 or given for
 *   another format, --chunk-rows for data that are not streamed, --header for binary data, a missing DuckDB
 *   for .parquet, or bad data.
 */
export async function openData(p: Parsed, path: string, command: string, inEngine: boolean): Promise<CliData> {
  const kind = kindOf(path);
  const cols = numberOption(p, 'cols', { integer: true, min: 1 });
  const chunk = numberOption(p, 'chunk-rows', { integer: true, min: 1 });
  if (kind === 'binary' && cols === undefined) throw new UsageError(`--cols N is required for ${path} (binary rows of N float values carry no header)`);
  if (kind !== 'binary' && cols !== undefined) throw new UsageError(`--cols is only for .f64 and .f32 DATA (${path} gives its own columns)`);
  if (kind === 'binary' && p.options.has('header')) throw new UsageError(`--header is only for CSV DATA (${path} is binary)`);
  if ((kind === 'memory' || (kind === 'parquet' && inEngine)) && chunk !== undefined)
    throw new UsageError(`--chunk-rows is only for streamed DATA (.f64, .f32, .csv; .parquet for predict and score), not ${path} for 'mixfit ${command}'`);
  if (kind === 'parquet' && p.options.has('header')) throw new UsageError(`--header is only for CSV DATA (${path} is Parquet)`);
  if (kind === 'parquet') await requireDuckDb(path);
  if (kind === 'parquet' && inEngine) return openParquet(path);
  if (kind === 'memory' || (kind === 'csv' && chunk === undefined && fileSize(path) < STREAM_CSV_BYTES)) return inMemory(await readData(path, headerOption(p)));
  if (kind === 'parquet') fileSize(path);
  try {
    const source = await openSource(path, { cols, header: headerOption(p) });
    const chunkRows = chunk === undefined ? undefined : readChunkRows(chunk, source.cols, '--chunk-rows');
    return streamed(source, chunkRows);
  } catch (e) {
    if (e instanceof MixfitError) throw new UsageError(`${path}: ${e.message.replace(/^(source|path|options\.cols): /, (_m, a: string) => (a === 'options.cols' ? '--cols: ' : ''))}`);
    throw e;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    throw new UsageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function inMemory(X: Matrix): CliData {
  return { input: X, rows: X.rows, cols: X.cols, plotRows: async () => ({ points: toRows(X), label: 'Data' }), close: () => {} };
}

function streamed(source: RowSource, chunkRows: number | undefined): CliData {
  return {
    input: source, rows: source.rows, cols: source.cols, chunkRows,
    plotRows: async () => {
      const S = await reservoirSample(source, PLOT_SAMPLE_ROWS, new Rng(0), chunkRows ?? readChunkRows(undefined, source.cols));
      return { points: toRows(S), label: S.rows < source.rows ? `Data (uniform sample of ${S.rows} of ${source.rows} rows)` : 'Data' };
    },
    close: () => source.close(),
  };
}

/** A Parquet file as an SQL table inside an in-memory DuckDB: every column must be numeric. */
/** DuckDB's Node API, which .parquet DATA need. @throws UsageError saying how to install it. */
async function requireDuckDb(path: string): Promise<Awaited<ReturnType<typeof loadDuckDb>>> {
  try {
    return await loadDuckDb(path);
  } catch (e) {
    if (e instanceof MixfitError) throw new UsageError('reading .parquet DATA needs DuckDB, an optional peer dependency: `npm install @duckdb/node-api` enables Parquet');
    throw e;
  }
}

async function openParquet(path: string): Promise<CliData> {
  const duck = await requireDuckDb(path);
  const instance = await duck.DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const close = () => { con.closeSync(); instance.closeSync(); };
  const adapter: SqlAdapter = { query: async (sql) => (await con.runAndReadAll(sql)).getRows() };
  const from = `read_parquet(${sqlString(path)})`;
  try {
    let described: unknown[][];
    try {
      described = await adapter.query(`DESCRIBE SELECT * FROM ${from}`) as unknown[][];
    } catch (e) {
      throw new UsageError(`${path}: cannot read as Parquet (${String((e as Error).message).split('\n')[0]})`);
    }
    const columns = described.map((r) => String(r[0]));
    const bad = described.find((r) => !NUMERIC_TYPE.test(String(r[1])));
    if (bad) throw new UsageError(`${path}: column ${JSON.stringify(bad[0])} is ${bad[1]}; every column must be numeric`);
    const source = await sqlSource(adapter, { from, columns });
    return {
      input: source, rows: source.rows, cols: columns.length,
      plotRows: async () => {
        const S = await sqlHead(source, PLOT_SAMPLE_ROWS);
        return { points: toRows(S), label: S.rows < source.rows ? `Data (first ${S.rows} of ${source.rows} rows)` : 'Data' };
      },
      close,
    };
  } catch (e) {
    close();
    if (e instanceof MixfitError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
}
