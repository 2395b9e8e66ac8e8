/**
 * The SQL text of one pass (SQLEM, Ordonez & Cereghini 2000): from the current parameters, one query that
 * computes every component's log-density per row, the max-shifted log-sum-exp, the responsibilities and
 * the sums of a pass (Σ c, Σ c·ℓ, R, S, Q) as one result row. Only a standard subset is used (WITH,
 * arithmetic, EXP, LN, GREATEST, SUM, COUNT), so Spark SQL, Trino, ClickHouse and DuckDB all run it; the
 * few differences are the {@link DIALECTS} table.
 */
import { componentConstants } from '../kernel/backend.js';
import type { FlatParams } from '../types.js';

/** SQL engines whose differences the generator knows. */
export type SqlDialect = 'duckdb' | 'spark' | 'trino' | 'clickhouse';

/** What differs between engines (the one place these facts live; the README's dialect table reads the same). */
export interface DialectRules {
  /** Quotes an identifier. */
  quote(name: string): string;
  /** Maximum of several expressions. */
  greatest(terms: string[]): string;
  /** Natural logarithm. */
  ln(x: string): string;
}

const nestedGreatest = (t: string[]): string => (t.length === 1 ? t[0] : `greatest(${t[0]}, ${nestedGreatest(t.slice(1))})`);

/**
 * Per-engine rules: identifier quotes ("…" in DuckDB/Trino/ClickHouse, `…` in Spark SQL), GREATEST with
 * any number of arguments except in ClickHouse (two-argument `greatest`, nested), LN (ClickHouse: `log`).
 */
export const DIALECTS: Readonly<Record<SqlDialect, DialectRules>> = {
  duckdb: { quote: (s) => `"${s.replace(/"/g, '""')}"`, greatest: (t) => `GREATEST(${t.join(', ')})`, ln: (x) => `LN(${x})` },
  spark: { quote: (s) => `\`${s.replace(/`/g, '``')}\``, greatest: (t) => `GREATEST(${t.join(', ')})`, ln: (x) => `LN(${x})` },
  trino: { quote: (s) => `"${s.replace(/"/g, '""')}"`, greatest: (t) => `GREATEST(${t.join(', ')})`, ln: (x) => `LN(${x})` },
  clickhouse: { quote: (s) => `"${s.replace(/"/g, '""')}"`, greatest: nestedGreatest, ln: (x) => `log(${x})` },
};

/** The data a pass query reads. */
export interface SqlTable {
  /** What follows FROM: a table name as the engine spells it, or e.g. `read_parquet('x.parquet')` (inserted verbatim). */
  from: string;
  /** The d numeric columns, in the order of the model's dimensions (quoted by the dialect). */
  columns: string[];
  /** A column of per-row weights c ≥ 0 (default: every row weighs 1). */
  weightColumn?: string;
}

/**
 * A float64 as an approximate-numeric literal: exponent form (a DOUBLE in every dialect; `0.5` would be a
 * DECIMAL in DuckDB, Spark and Trino), 17 significant digits (exact round trip), negatives in parentheses
 * (so `x - -1` cannot become the comment `x --1`).
 */
export function sqlNumber(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`mixfit: ${v} has no SQL literal`);
  const s = v.toExponential(16).replace('e+', 'E').replace('e-', 'E-');
  return v < 0 ? `(${s})` : s;
}

/**
 * The result columns of {@link passQuery}, in order: `t` (Σ c), `l` (Σ c·ℓ), `r_i`, `s_i_j`, then `q_i`
 * (fixed/spherical) or `q_i_j` (diagonal), i < n, j < d.
 */
export function passColumns(n: number, d: number, diagonal: boolean): string[] {
  const out = ['t', 'l'];
  for (let i = 0; i < n; i++) out.push(`r_${i}`);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out.push(`s_${i}_${j}`);
  for (let i = 0; i < n; i++) {
    if (diagonal) for (let j = 0; j < d; j++) out.push(`q_${i}_${j}`);
    else out.push(`q_${i}`);
  }
  return out;
}

/**
 * One pass as SQL text for parameters `p` (n components, d = table.columns.length) over `table`. Layers,
 * each listing its columns (no `*`): x (the columns, renamed) → t (t_i = Σ_j (x_j − μ_ij)²/σ_ij²) → a
 * (a_i = log w_i − ½Σ_j log 2πσ_ij² − ½t_i) → m (max_i a_i) → e (exp(a_i − m) and their sum) → r
 * (ℓ = m + ln Σ, responsibilities r_i) → one aggregate row ({@link passColumns}).
 */
export function passQuery(p: FlatParams, table: SqlTable, dialect: SqlDialect = 'duckdb'): string {
  const D = DIALECTS[dialect];
  const { n, d } = p;
  const diag = p.layout === 'diagonal';
  const logNorm = new Float64Array(n), prec = new Float64Array(n * d);
  componentConstants(p, logNorm, prec);
  const num = sqlNumber;
  const weighted = table.weightColumn !== undefined;
  const range = (k: number, f: (i: number) => string) => Array.from({ length: k }, (_, i) => f(i));
  const dev = (i: number, j: number) => `(x${j} - ${num(p.means[i * d + j])})`;
  // The columns every layer passes on, and those it adds.
  let carry = [...range(d, (j) => `x${j}`), ...(weighted ? ['c'] : [])];
  const layer = (name: string, from: string, added: string[], aliases: string[]): string => {
    const sql = `${name} AS (SELECT ${[...carry, ...added].join(', ')} FROM ${from})`;
    carry = [...carry, ...aliases];
    return sql;
  };
  const source = `x AS (SELECT ${[...table.columns.map((c, j) => `${D.quote(c)} AS x${j}`), ...(weighted ? [`${D.quote(table.weightColumn!)} AS c`] : [])].join(', ')} FROM ${table.from})`;
  const tNames = range(n, (i) => `t${i}`), aNames = range(n, (i) => `a${i}`), eNames = range(n, (i) => `e${i}`);
  const layers = [
    source,
    layer('t', 'x', range(n, (i) => `${range(d, (j) => `${dev(i, j)} * ${dev(i, j)} * ${num(prec[i * d + j])}`).join(' + ')} AS t${i}`), tNames),
    layer('a', 't', range(n, (i) => `${num(logNorm[i])} - 5E-1 * t${i} AS a${i}`), aNames),
    layer('m', 'a', [`${D.greatest(aNames)} AS mx`], ['mx']),
    layer('e', 'm', range(n, (i) => `EXP(a${i} - mx) AS e${i}`), eNames),
    layer('z', 'e', [`${eNames.join(' + ')} AS se`], ['se']),
    layer('r', 'z', [`${weighted ? 'c * ' : ''}(mx + ${D.ln('se')}) AS l`, ...range(n, (i) => `${weighted ? 'c * ' : ''}e${i} / se AS r${i}`)], []),
  ];
  const aggs = [weighted ? 'SUM(c) AS t' : 'COUNT(*) AS t', 'SUM(l) AS l', ...range(n, (i) => `SUM(r${i}) AS r_${i}`)];
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) aggs.push(`SUM(r${i} * x${j}) AS s_${i}_${j}`);
  for (let i = 0; i < n; i++) {
    if (diag) for (let j = 0; j < d; j++) aggs.push(`SUM(r${i} * ${dev(i, j)} * ${dev(i, j)}) * ${num(prec[i * d + j])} AS q_${i}_${j}`);
    // Fixed/spherical: Q_i = Σ r_i·‖x − μ_i‖²/σ_i², which is t_i.
    else aggs.push(`SUM(r${i} * t${i}) AS q_${i}`);
  }
  return `WITH\n${layers.join(',\n')}\nSELECT ${aggs.join(', ')} FROM r`;
}
