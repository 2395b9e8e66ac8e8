/**
 * Reads DATA arguments (CSV or JSON array of rows) and MODEL.json files, turning every problem into a
 * one-line {@link UsageError} that names the file (and, for DATA, the row and column, counted from 1).
 */
import { open, readFile } from 'node:fs/promises';
import { describeValue } from '../errors.js';
import type { Matrix } from '../types.js';
import { UsageError, type Parsed } from './args.js';
import { readCsvFile, type HeaderMode } from './csv.js';
import { MatrixBuilder } from './matrixBuilder.js';

/** The --header switch of the commands that read DATA. */
export function headerOption(p: Parsed): HeaderMode {
  return p.options.has('header') ? true : 'auto';
}

/** Reads DATA (N × d, row-major) from a CSV file or a JSON file holding an array of rows. */
export async function readData(path: string, header: HeaderMode = 'auto'): Promise<Matrix> {
  const t = await looksLikeJson(path) ? jsonRows(await readJson(path), path) : await readCsvFile(path, header);
  return { data: t.data, rows: t.rows, cols: t.cols };
}

/** A JSON array of rows as a matrix; row r of a message is the r-th element (from 1), as in CSV files. */
function jsonRows(doc: unknown, path: string) {
  if (!Array.isArray(doc)) throw new UsageError(`${path}: must be a JSON array of rows, e.g. [[1, 2], [3, 4]] (received ${describeValue(doc)})`);
  const rows = new MatrixBuilder(path);
  const toNumber = (v: unknown) => (typeof v === 'number' ? v : NaN);
  for (let r = 0; r < doc.length; r++) {
    const row: unknown = doc[r];
    if (!Array.isArray(row)) throw new UsageError(`${path}: row ${r + 1}: must be an array of numbers (received ${describeValue(row)})`);
    rows.add(r + 1, row, toNumber);
  }
  return rows.finish();
}

/** Reads and parses a JSON file; unreadable or malformed files become UsageErrors. */
export async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (text.trim() === '') throw new UsageError(`${path}: empty file`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** JSON when the name ends in .json or the first non-blank byte is '[' or '{'. */
async function looksLikeJson(path: string): Promise<boolean> {
  if (/\.json$/i.test(path)) return true;
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new UsageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(256), 0, 256, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').trimStart();
    return head.startsWith('[') || head.startsWith('{');
  } catch (e) {
    throw new UsageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    await fh.close();
  }
}

/** Converts a matrix to rows (for APIs and outputs that want number[][]). */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = new Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  return out;
}
