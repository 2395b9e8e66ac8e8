/**
 * An objective whose passes run inside an SQL engine: each evaluation sends one generated query
 * ({@link passQuery}, or {@link fullPassQuery} for covariance 'full' | 'tied') through a small adapter and
 * reads back one row of sums. The data never leave the engine; every solver works unchanged over it since it
 * sees only `statsAsync` / `fullStatsAsync`.
 */
import { MixfitError } from '../errors.js';
import { newPassStats } from '../kernel/backend.js';
import { newFullPassStats, type FullParams, type FullPassStats } from '../kernel/fullLayout.js';
import type { Objective } from '../objective/objective.js';
import type { FlatParams, Matrix, MixtureGradient, MixtureParams, PassStats } from '../types.js';
import { DIALECTS, fullPassColumns, fullPassQuery, passColumns, passQuery, type SqlDialect, type SqlTable } from './query.js';

/**
 * What mixfit needs from an engine: run one query, resolve with its rows, each an array of values in
 * SELECT order (or an object whose values are in that order). Values may be numbers, bigints or anything
 * `Number()` converts. With DuckDB's Node API: `{ query: async (sql) => (await con.runAndReadAll(sql)).getRows() }`.
 */
export interface SqlAdapter {
  query(sql: string): Promise<ArrayLike<unknown>[] | Record<string, unknown>[]>;
}

/** A table in an engine, ready to fit: its row count is known. Created by {@link sqlSource}. */
export interface SqlSource extends SqlTable {
  readonly kind: 'sql';
  readonly adapter: SqlAdapter;
  readonly dialect: SqlDialect;
  /** N, rows of the table (COUNT(*) when the source was created). */
  readonly rows: number;
}

/** Options of {@link sqlSource}: the table and the engine's dialect ['duckdb']. */
export interface SqlSourceOptions extends SqlTable {
  dialect?: SqlDialect;
}

function rowValues(row: unknown): unknown[] {
  if (Array.isArray(row)) return row;
  if (row !== null && typeof row === 'object') return ArrayBuffer.isView(row) ? Array.from(row as unknown as ArrayLike<unknown>) : Object.values(row);
  throw new MixfitError('adapter.query', 'must resolve with rows (arrays or objects)', row);
}

function toNumber(v: unknown, what: string): number {
  // Number(null) is 0: a NULL (an empty SUM, a NULL cell) must not pass as a number.
  const x = v === null || v === undefined ? NaN : typeof v === 'bigint' ? Number(v) : Number(v as number);
  if (!Number.isFinite(x)) throw new MixfitError('adapter.query', `must return finite numbers (${what})`, v);
  return x;
}

/** Whether `x` is an {@link SqlSource}. */
export function isSqlSource(x: unknown): x is SqlSource {
  return x !== null && typeof x === 'object' && (x as SqlSource).kind === 'sql' && typeof (x as SqlSource).adapter?.query === 'function';
}

/**
 * A table to fit inside an engine: checks the options, counts the rows and each column's non-NULL cells (one
 * query).
 * @throws MixfitError for a missing adapter, an empty column list, an unknown dialect, an empty table or a
 *   NULL cell in a data or weight column.
 */
export async function sqlSource(adapter: SqlAdapter, options: SqlSourceOptions): Promise<SqlSource> {
  if (!adapter || typeof adapter.query !== 'function') throw new MixfitError('adapter', 'must have a query(sql) method returning a Promise of rows', adapter);
  if (!options || typeof options.from !== 'string' || options.from.trim() === '') throw new MixfitError('options.from', 'must be a table name or table expression (SQL text)', options?.from);
  if (!Array.isArray(options.columns) || options.columns.length === 0 || options.columns.some((c) => typeof c !== 'string' || c === ''))
    throw new MixfitError('options.columns', 'must be a non-empty array of column names', options.columns);
  const dialect = options.dialect ?? 'duckdb';
  if (!Object.hasOwn(DIALECTS, dialect)) throw new MixfitError('options.dialect', `must be one of ${Object.keys(DIALECTS).join(', ')}`, dialect);
  if (options.weightColumn !== undefined && (typeof options.weightColumn !== 'string' || options.weightColumn === ''))
    throw new MixfitError('options.weightColumn', 'must be a column name', options.weightColumn);
  // One query counts the rows and each column's non-NULL cells: SUM skips NULLs while COUNT(*) counts their
  // rows, so a NULL cell would silently drop out of the sums and bias every pass.
  const D = DIALECTS[dialect];
  const counted = [...options.columns, ...(options.weightColumn === undefined ? [] : [options.weightColumn])];
  const rows = await adapter.query(`SELECT COUNT(*) AS n, ${counted.map((c, k) => `COUNT(${D.quote(c)}) AS c${k}`).join(', ')} FROM ${options.from}`);
  const counts = rowValues(rows[0]);
  const n = toNumber(counts[0], 'COUNT(*)');
  if (n < 1) throw new MixfitError('options.from', 'must name a table with at least one row', `${n} rows`);
  counted.forEach((c, k) => {
    const nulls = n - toNumber(counts[k + 1], `COUNT(${c})`);
    if (nulls > 0) {
      const arg = k < options.columns.length ? 'options.columns' : 'options.weightColumn';
      throw new MixfitError(arg, `must name columns without NULLs: column ${D.quote(c)} has ${nulls} NULL cell(s) of ${n} rows (filter them in \`from\`, e.g. a subquery with WHERE … IS NOT NULL, or fill them)`, c);
    }
  });
  return { kind: 'sql', adapter, dialect, from: options.from, columns: options.columns.slice(), weightColumn: options.weightColumn, rows: n };
}

/**
 * The first `limit` rows the engine returns (LIMIT; no ORDER BY, so "first" is the engine's scan order),
 * as a matrix: the start sample of a fit inside an engine.
 */
export async function sqlHead(source: SqlSource, limit: number): Promise<Matrix> {
  const D = DIALECTS[source.dialect];
  const rows = await source.adapter.query(`SELECT ${source.columns.map(D.quote).join(', ')} FROM ${source.from} LIMIT ${Math.floor(limit)}`);
  const d = source.columns.length;
  const data = new Float64Array(rows.length * d);
  rows.forEach((row, r) => rowValues(row).forEach((v, j) => { data[r * d + j] = toNumber(v, `row ${r}, column ${source.columns[j]}`); }));
  return { data, rows: rows.length, cols: d };
}

/** {@link Objective} over an {@link SqlSource}: asynchronous passes only (an engine cannot answer synchronously). */
export class SqlObjective implements Objective {
  readonly kind = 'empirical' as const;
  readonly variant = 'sql' as const;
  readonly offset = 0;
  readonly knownOptimum = undefined;
  readonly dim: number;
  evaluations = 0;
  /** The text of the last query sent (for logs and tests). */
  lastQuery = '';
  private disposed = false;
  private readonly buffers = new Map<string, PassStats>();
  private readonly fullBuffers = new Map<string, FullPassStats>();

  constructor(readonly source: SqlSource) {
    this.dim = source.columns.length;
  }

  private sync(): never {
    throw new MixfitError('objective', 'runs its passes in an SQL engine, which answers asynchronously: use statsAsync (every solver does)');
  }

  stats(_p: FlatParams): PassStats { return this.sync(); }
  value(_p: MixtureParams | FlatParams): number { return this.sync(); }
  valueAndGrad(_p: MixtureParams | FlatParams): { value: number; grad: MixtureGradient } { return this.sync(); }

  async statsAsync(p: FlatParams): Promise<PassStats> {
    this.evaluation(p.d);
    const diag = p.layout === 'diagonal';
    const key = `${p.n}:${p.d}:${diag}`;
    let out = this.buffers.get(key);
    if (!out) { out = newPassStats(p.n, p.d, diag); this.buffers.set(key, out); }
    const at = await this.aggregateRow(passQuery(p, this.source, this.source.dialect), passColumns(p.n, p.d, diag));
    const k = this.readCommon(at, p.n, p.d, out);
    for (let i = 0; i < out.Q.length; i++) out.Q[i] = at(k + i);
    return out;
  }

  /**
   * The full/tied pass ({@link fullPassQuery}): one query, its row read into a reused buffer, the scatter's
   * upper triangle mirrored. Valid until the next full pass of the same shape.
   */
  async fullStatsAsync(p: FullParams): Promise<FullPassStats> {
    this.evaluation(p.d);
    const key = `${p.n}:${p.d}:${p.tied}`;
    let out = this.fullBuffers.get(key);
    if (!out) { out = newFullPassStats(p.n, p.d, p.tied); this.fullBuffers.set(key, out); }
    const at = await this.aggregateRow(fullPassQuery(p, this.source, this.source.dialect), fullPassColumns(p.n, p.d, p.tied));
    let k = this.readCommon(at, p.n, p.d, out);
    const d = p.d;
    for (let b = 0; b < (p.tied ? 1 : p.n); b++)
      for (let j = 0; j < d; j++) for (let l = j; l < d; l++) out.scatter[b * d * d + j * d + l] = out.scatter[b * d * d + l * d + j] = at(k++);
    return out;
  }

  /** Checks a pass may run on `d` columns and counts it. */
  private evaluation(d: number): void {
    if (this.disposed) throw new MixfitError('objective', 'has been disposed and cannot be evaluated');
    if (d !== this.dim) throw new MixfitError('params.means', `must have ${this.dim} columns (the data dimension)`, `${d} columns`);
    this.evaluations++;
  }

  /** Sends `sql`, checks the answer is one row of `names.length` values, and returns a reader of finite numbers. */
  private async aggregateRow(sql: string, names: string[]): Promise<(k: number) => number> {
    this.lastQuery = sql;
    const rows = await this.source.adapter.query(sql);
    if (!rows || rows.length !== 1) throw new MixfitError('adapter.query', 'must return the one row of the aggregate query', `${rows?.length} rows`);
    const v = rowValues(rows[0]);
    if (v.length !== names.length) throw new MixfitError('adapter.query', `must return the ${names.length} columns of the pass query`, `${v.length} columns`);
    return (k) => toNumber(v[k], names[k]);
  }

  /** Reads Σ c, Σ c·ℓ, R and S (the first 2 + n + n·d columns of both passes) into `out`; returns the next column. */
  private readCommon(at: (k: number) => number, n: number, d: number, out: PassStats | FullPassStats): number {
    out.totalWeight = at(0);
    out.sumLogLik = at(1);
    let k = 2;
    for (let i = 0; i < n; i++) out.R[i] = at(k++);
    for (let i = 0; i < n * d; i++) out.S[i] = at(k++);
    return k;
  }

  lossFromStats(s: Pick<PassStats, 'sumLogLik' | 'totalWeight'>): number {
    return this.offset - s.sumLogLik / s.totalWeight;
  }

  /** Stops later passes; the engine and its connection belong to the caller. */
  dispose(): void {
    this.disposed = true;
  }
}

/** The objective of an {@link SqlSource}, for `minimize` (or any solver). */
export function sqlObjective(source: SqlSource): SqlObjective {
  if (!isSqlSource(source)) throw new MixfitError('source', 'must be an SqlSource (from sqlSource)', source);
  return new SqlObjective(source);
}
