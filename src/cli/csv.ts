/**
 * Streaming CSV reader for numeric data: header optional, delimiter (comma, semicolon or tab) detected from
 * the first line, rows appended to a Float64Array that grows geometrically (peak memory about 2× the final
 * matrix plus one read chunk, well under 3× the text size).
 */
import { createReadStream } from 'node:fs';
import { UsageError } from './args.js';

/** A row-major N × d matrix read from text, plus the header names when the first line had any. */
export interface NumericTable { data: Float64Array; rows: number; cols: number; header?: string[] }

/** Incremental parser: feed lines in order, then `finish()`. Separate from I/O so tests can drive it directly. */
export class CsvParser {
  private buf = new Float64Array(1024);
  private len = 0;
  private cols = -1;
  private lineNo = 0;
  private dataRows = 0;
  private delim: string | undefined;
  private header?: string[];

  constructor(private readonly source: string) {}

  /** Consumes one line (without its newline). Blank lines are skipped; row numbers count file lines from 1. */
  push(line: string): void {
    this.lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim() === '') return;
    if (this.delim === undefined) this.delim = detectDelimiter(line);
    const cells = line.split(this.delim);
    if (this.cols < 0) {
      this.cols = cells.length;
      // A first line with any non-numeric cell is a header (a data file never starts with text then numbers).
      if (cells.some((c) => !isNumber(c))) { this.header = cells.map((c) => c.trim().replace(/^"(.*)"$/, '$1')); return; }
    }
    if (cells.length !== this.cols)
      throw new UsageError(`${this.source}: row ${this.lineNo} has ${cells.length} columns, expected ${this.cols} (ragged rows)`);
    if (this.len + this.cols > this.buf.length) {
      const next = new Float64Array(Math.max(this.buf.length * 2, this.len + this.cols));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    for (let j = 0; j < cells.length; j++) {
      const c = cells[j]!;
      const v = isNumber(c) ? Number(c) : NaN;
      if (!Number.isFinite(v)) throw new UsageError(`${this.source}: row ${this.lineNo}, column ${j + 1}: not a finite number (${JSON.stringify(c.length > 30 ? c.slice(0, 30) + '…' : c)})`);
      this.buf[this.len++] = v;
    }
    this.dataRows++;
  }

  /** Returns the matrix (trimmed to size); throws for a file without data rows. */
  finish(): NumericTable {
    if (this.dataRows === 0) throw new UsageError(`${this.source}: no data rows (empty file)`);
    const data = this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
    this.buf = new Float64Array(0);
    return { data, rows: this.dataRows, cols: this.cols, header: this.header };
  }
}

/** Picks the delimiter that splits the first line into the most cells (ties: comma, semicolon, tab). */
export function detectDelimiter(line: string): string {
  let best = ',', most = 0;
  for (const d of [',', ';', '\t']) {
    const k = line.split(d).length;
    if (k > most) { most = k; best = d; }
  }
  return best;
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
function isNumber(s: string): boolean {
  return NUMBER.test(s);
}

/** Parses CSV text held in memory (for tests and small inputs). */
export function parseCsvText(text: string, source = 'data'): NumericTable {
  const p = new CsvParser(source);
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) { if (start < text.length) p.push(text.slice(start)); break; }
    p.push(text.slice(start, nl));
    start = nl + 1;
  }
  return p.finish();
}

/** Streams a CSV file line by line without holding the text; errors name the file, row and column. */
export async function readCsvFile(path: string): Promise<NumericTable> {
  const p = new CsvParser(path);
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let start = 0;
      const text = rest + chunk;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        p.push(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    }
  } catch (e) {
    if (e instanceof UsageError) { stream.destroy(); throw e; }
    throw new UsageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (rest) p.push(rest);
  return p.finish();
}
