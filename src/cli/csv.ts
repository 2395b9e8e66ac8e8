/**
 * Streaming CSV reader for numeric data. Lines end in LF, CRLF or CR alone; the delimiter (comma, semicolon
 * or tab) is detected from the first line; cells may be quoted ("1.5", "a ""b"""). The first line is a header
 * when none of its cells is a number, or always with `header: true`; a first line mixing names and numbers is
 * data, so its first non-number is reported (row 1), never silently dropped. Row numbers are file lines from 1.
 */
import { createReadStream } from 'node:fs';
import { UsageError } from './args.js';
import { MatrixBuilder, type NumericTable } from './matrixBuilder.js';

export type { NumericTable } from './matrixBuilder.js';

/** How the first line is read: `'auto'` (a header only when no cell is a number) or `true` (always a header). */
export type HeaderMode = 'auto' | true;

/** Incremental parser: feed lines in order (without their line ends), then `finish()`; tests drive it directly. */
export class CsvParser {
  private readonly rows: MatrixBuilder;
  private lineNo = 0;
  private delim: string | undefined;
  private header?: string[];

  constructor(private readonly source: string, private readonly headerMode: HeaderMode = 'auto') {
    this.rows = new MatrixBuilder(source);
  }

  /** Consumes one line. Blank lines are skipped but counted, so row numbers are file lines. */
  push(line: string): void {
    this.lineNo++;
    if (this.lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim() === '') return;
    const first = this.delim === undefined;
    if (first) this.delim = detectDelimiter(line);
    const cells = splitCells(line, this.delim!, this.source, this.lineNo);
    if (first && (this.headerMode === true || !cells.some(isNumber))) { this.header = cells.map((c) => c.trim()); return; }
    const hint = first ? ' (a first line is a header only when none of its cells is a number; or pass --header)' : '';
    this.rows.add(this.lineNo, cells, toNumber, hint);
  }

  /** Returns the matrix; throws for a file without data rows. */
  finish(): NumericTable {
    return this.rows.finish(this.header);
  }
}

/** Splits text into lines at LF, CRLF or a lone CR, across chunk boundaries (a CR at a chunk's end waits for the next). */
export class LineSplitter {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}

  /** Feeds the next chunk of text. */
  feed(chunk: string): void {
    const text = this.rest + chunk;
    const ends = /\r\n|\r|\n/g;
    let start = 0;
    for (let m = ends.exec(text); m; m = ends.exec(text)) {
      // A CR as the last character may be the first half of a CRLF split across chunks.
      if (m[0] === '\r' && m.index === text.length - 1) break;
      this.emit(text.slice(start, m.index));
      start = m.index + m[0].length;
    }
    this.rest = text.slice(start);
  }

  /** Emits the last line (one without a line end). */
  end(): void {
    const rest = this.rest;
    this.rest = '';
    // A held CR ends a line (maybe an empty one, which still counts for row numbers).
    if (rest.endsWith('\r')) this.emit(rest.slice(0, -1));
    else if (rest !== '') this.emit(rest);
  }
}

/** Picks the delimiter that splits the first line into the most cells, quotes respected (ties: comma, semicolon, tab). */
export function detectDelimiter(line: string): string {
  let best = ',', most = 0;
  for (const d of [',', ';', '\t']) {
    let k: number;
    try { k = splitCells(line, d, '', 1).length; } catch { k = 0; }
    if (k > most) { most = k; best = d; }
  }
  return best;
}

/**
 * One line's cells; a quoted cell loses its quotes (`""` inside stands for `"`), spaces around it are ignored.
 * @throws UsageError for a quote that is not closed on its line, or text after a closing quote.
 */
export function splitCells(line: string, delim: string, source: string, row: number): string[] {
  if (!line.includes('"')) return line.split(delim);
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ') i++;
    let cell: string;
    if (line[i] === '"') {
      cell = '';
      for (i++; ; i++) {
        if (i >= line.length) throw new UsageError(`${source}: row ${row}, column ${cells.length + 1}: unterminated quote`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') { cell += '"'; i++; } else { i++; break; }
        } else cell += line[i];
      }
      while (line[i] === ' ') i++;
      if (i < line.length && line[i] !== delim)
        throw new UsageError(`${source}: row ${row}, column ${cells.length + 1}: text after a closing quote`);
    } else {
      const end = line.indexOf(delim, i);
      cell = line.slice(i, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    }
    cells.push(cell);
    if (i >= line.length) return cells;
    i++; // the delimiter
  }
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
function isNumber(s: string): boolean {
  return NUMBER.test(s);
}
function toNumber(c: unknown): number {
  return isNumber(c as string) ? Number(c) : NaN;
}

/** Parses CSV text held in memory (for tests and small inputs). */
export function parseCsvText(text: string, source = 'data', header: HeaderMode = 'auto'): NumericTable {
  const p = new CsvParser(source, header);
  const lines = new LineSplitter((l) => p.push(l));
  lines.feed(text);
  lines.end();
  return p.finish();
}

/** Streams a CSV file line by line without holding the text; errors name the file, row and column. */
export async function readCsvFile(path: string, header: HeaderMode = 'auto'): Promise<NumericTable> {
  const p = new CsvParser(path, header);
  const lines = new LineSplitter((l) => p.push(l));
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) lines.feed(chunk);
  } catch (e) {
    stream.destroy();
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  lines.end();
  return p.finish();
}
