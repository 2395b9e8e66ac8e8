/**
 * Reads DATA arguments (CSV or JSON array of rows) and MODEL.json files, turning every problem into a
 * one-line {@link UsageError} that names the file.
 */
import { open, readFile } from 'node:fs/promises';
import { MixfitError } from '../errors.js';
import type { Matrix } from '../types.js';
import { readMatrix } from '../validate.js';
import { UsageError } from './args.js';
import { readCsvFile } from './csv.js';

/** Reads DATA (N × d, row-major) from a CSV file or a JSON file holding an array of rows. */
export async function readData(path: string): Promise<Matrix> {
  if (await looksLikeJson(path)) {
    const rows = await readJson(path);
    try {
      return readMatrix(rows as number[][], path);
    } catch (e) {
      if (e instanceof MixfitError) throw new UsageError(e.message);
      throw e;
    }
  }
  const t = await readCsvFile(path);
  return { data: t.data, rows: t.rows, cols: t.cols };
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
