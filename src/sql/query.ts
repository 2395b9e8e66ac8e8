/**
 * The SQL text of one pass (SQLEM, Ordonez & Cereghini 2000): from the current parameters, one query that
 * computes every component's log-density per row, the max-shifted log-sum-exp, the responsibilities and
 * the sums of a pass (Σ c, Σ c·ℓ, R, S, Q, or for full/tied the centred scatter instead of Q) as one
 * result row. Only a standard subset is used (WITH, arithmetic, EXP, LN, GREATEST, SUM, COUNT), so Spark
 * SQL, Trino, ClickHouse and DuckDB all run it; the few differences are the {@link DIALECTS} table.
 */
import { componentConstants } from '../kernel/backend.js';
import { fullComponentConstants, triangleSize, type FullParams } from '../kernel/fullLayout.js';
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

const range = (k: number, f: (i: number) => string) => Array.from({ length: k }, (_, i) => f(i));

/**
 * The layers of a pass query, in order. Each layer lists its columns (no `*`): the columns every later
 * layer passes on (`carry`), then those it adds; only the added ones named in `keep` are carried further.
 */
class Layers {
  readonly list: string[] = [];
  private carry: string[];

  /** Starts with `x` (the table's columns renamed x0…x(d−1), and the weight as `c`). */
  constructor(table: SqlTable, D: DialectRules, readonly weighted: boolean) {
    const d = table.columns.length;
    this.carry = [...range(d, (j) => `x${j}`), ...(weighted ? ['c'] : [])];
    const cols = [...table.columns.map((c, j) => `${D.quote(c)} AS x${j}`), ...(weighted ? [`${D.quote(table.weightColumn!)} AS c`] : [])];
    this.list.push(`x AS (SELECT ${cols.join(', ')} FROM ${table.from})`);
  }

  add(name: string, from: string, added: string[], keep: string[]): void {
    this.list.push(`${name} AS (SELECT ${[...this.carry, ...added].join(', ')} FROM ${from})`);
    this.carry = [...this.carry, ...keep];
  }

  /**
   * From layer `from` holding t_i (`t0…`): a_i = logNorm_i − ½t_i → m (max_i a_i) → e (exp(a_i − m)) →
   * z (their sum) → r (ℓ = m + ln Σ and the responsibilities r_i, both times c when weighted).
   */
  responsibilities(from: string, logNorm: Float64Array, D: DialectRules): void {
    const n = logNorm.length, c = this.weighted ? 'c * ' : '';
    const aNames = range(n, (i) => `a${i}`), eNames = range(n, (i) => `e${i}`);
    this.add('a', from, range(n, (i) => `${sqlNumber(logNorm[i])} - 5E-1 * t${i} AS a${i}`), aNames);
    this.add('m', 'a', [`${D.greatest(aNames)} AS mx`], ['mx']);
    this.add('e', 'm', range(n, (i) => `EXP(a${i} - mx) AS e${i}`), eNames);
    this.add('z', 'e', [`${eNames.join(' + ')} AS se`], ['se']);
    this.add('r', 'z', [`${c}(mx + ${D.ln('se')}) AS l`, ...range(n, (i) => `${c}e${i} / se AS r${i}`)], []);
  }

  /** The query: the layers, then one aggregate row over `r` whose first columns are Σ c, Σ c·ℓ, R_i and S_ij. */
  query(n: number, d: number, moments: string[]): string {
    const aggs = [this.weighted ? 'SUM(c) AS t' : 'COUNT(*) AS t', 'SUM(l) AS l', ...range(n, (i) => `SUM(r${i}) AS r_${i}`)];
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) aggs.push(`SUM(r${i} * x${j}) AS s_${i}_${j}`);
    return `WITH\n${this.list.join(',\n')}\nSELECT ${[...aggs, ...moments].join(', ')} FROM r`;
  }
}

/**
 * One pass as SQL text for parameters `p` (n components, d = table.columns.length) over `table`. Layers
 * x (the columns, renamed) → t (t_i = Σ_j (x_j − μ_ij)²/σ_ij²) → a (a_i = log w_i − ½Σ_j log 2πσ_ij² − ½t_i)
 * → m (max_i a_i) → e (exp(a_i − m)) → z (their sum) → r (ℓ = m + ln Σ, responsibilities r_i) → one
 * aggregate row ({@link passColumns}).
 */
export function passQuery(p: FlatParams, table: SqlTable, dialect: SqlDialect = 'duckdb'): string {
  const D = DIALECTS[dialect];
  const { n, d } = p;
  const diag = p.layout === 'diagonal';
  const logNorm = new Float64Array(n), prec = new Float64Array(n * d);
  componentConstants(p, logNorm, prec);
  const num = sqlNumber;
  const dev = (i: number, j: number) => `(x${j} - ${num(p.means[i * d + j])})`;
  const L = new Layers(table, D, table.weightColumn !== undefined);
  L.add('t', 'x', range(n, (i) => `${range(d, (j) => `${dev(i, j)} * ${dev(i, j)} * ${num(prec[i * d + j])}`).join(' + ')} AS t${i}`), range(n, (i) => `t${i}`));
  L.responsibilities('t', logNorm, D);
  const moments: string[] = [];
  for (let i = 0; i < n; i++) {
    if (diag) for (let j = 0; j < d; j++) moments.push(`SUM(r${i} * ${dev(i, j)} * ${dev(i, j)}) * ${num(prec[i * d + j])} AS q_${i}_${j}`);
    // Fixed/spherical: Q_i = Σ r_i·‖x − μ_i‖²/σ_i², which is t_i.
    else moments.push(`SUM(r${i} * t${i}) AS q_${i}`);
  }
  return L.query(n, d, moments);
}

/**
 * The result columns of {@link fullPassQuery}, in order: `t`, `l`, `r_i`, `s_i_j` as {@link passColumns},
 * then the scatter's upper triangle row by row: `m_i_j_l` (full, per component) or `m_j_l` (tied), j ≤ l < d.
 */
export function fullPassColumns(n: number, d: number, tied: boolean): string[] {
  const out = passColumns(n, d, false).slice(0, 2 + n + n * d);
  for (let b = 0; b < (tied ? 1 : n); b++)
    for (let j = 0; j < d; j++) for (let l = j; l < d; l++) out.push(tied ? `m_${j}_${l}` : `m_${b}_${j}_${l}`);
  return out;
}

/**
 * The full/tied pass as SQL text for `p` over `table` (d = table.columns.length): layers x → v (the
 * deviations v_ij = x_j − μ_ij) → u (u_ik = Σ_{j≤k} v_ij·U_i[j,k], the upper triangle of the precision
 * factor, U shared when tied) → t (t_i = Σ_k u_ik²) → a (a_i = log w_i + log det U_i − (d/2) log 2π − ½t_i)
 * → m → e → z → r as {@link passQuery}, then one aggregate row ({@link fullPassColumns}): Σ c, Σ c·ℓ, R,
 * S and the scatter centred at the given means, Σ c r_i v_ij v_il (j ≤ l), summed over i inside one SUM
 * when tied. Centred, not raw moments: Σ r x xᵀ − R μμᵀ would lose the digits the kernel keeps.
 * Text length grows as n·d²: README "Fitting inside an SQL engine" has the measured sizes.
 */
export function fullPassQuery(p: FullParams, table: SqlTable, dialect: SqlDialect = 'duckdb'): string {
  const D = DIALECTS[dialect];
  const { n, d, tied } = p;
  const tri = triangleSize(d);
  const logNorm = new Float64Array(n), packed = new Float64Array((tied ? 1 : n) * tri);
  // packed row k holds U[0..k, k]: exactly the terms of u_ik.
  fullComponentConstants(p, logNorm, packed);
  const num = sqlNumber;
  const v = (i: number, j: number) => `v${i}_${j}`;
  const L = new Layers(table, D, table.weightColumn !== undefined);
  const vNames = range(n * d, (k) => v(Math.floor(k / d), k % d));
  L.add('v', 'x', range(n * d, (k) => `x${k % d} - ${num(p.means[k])} AS ${vNames[k]}`), vNames);
  const u: string[] = [];
  for (let i = 0; i < n; i++) {
    const U = (tied ? 0 : i) * tri;
    for (let k = 0; k < d; k++) u.push(`${range(k + 1, (j) => `${v(i, j)} * ${num(packed[U + (k * (k + 1)) / 2 + j])}`).join(' + ')} AS u${i}_${k}`);
  }
  L.add('u', 'v', u, []);
  L.add('t', 'u', range(n, (i) => `${range(d, (k) => `u${i}_${k} * u${i}_${k}`).join(' + ')} AS t${i}`), []);
  L.responsibilities('t', logNorm, D);
  const moments: string[] = [];
  for (let b = 0; b < (tied ? 1 : n); b++)
    for (let j = 0; j < d; j++) for (let l = j; l < d; l++) {
      const term = (i: number) => `r${i} * ${v(i, j)} * ${v(i, l)}`;
      moments.push(`SUM(${tied ? range(n, term).join(' + ') : term(b)}) AS ${tied ? `m_${j}_${l}` : `m_${b}_${j}_${l}`}`);
    }
  return L.query(n, d, moments);
}
