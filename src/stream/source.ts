/**
 * Row sources: numeric tables in files, read as raw byte blocks in file order and decoded into chunks of a
 * fixed number of rows. A scan never holds more than a few blocks, so memory is bounded by the chunk size,
 * not by the row count. Node only: `node:fs` is imported lazily (hidden from bundlers), so importing this
 * module is harmless in a browser bundle; opening a file there throws.
 */
import { MixfitError } from '../errors.js';
import { openParquet } from './parquet.js';

/** File formats a source reads: little-endian float64 / float32 rows (no header), numeric CSV, or Parquet (through DuckDB). */
export type SourceFormat = 'f64' | 'f32' | 'csv' | 'parquet';

/** Receives one chunk: `X` holds `rows` × cols row-major values (valid only during the call). */
export type ChunkSink = (X: Float64Array, rows: number) => void;

/** Turns raw blocks (in file order) into chunks of exactly `chunkRows` rows (the last may be shorter). */
export interface BlockDecoder {
  push(bytes: Uint8Array, emit: ChunkSink): void;
  end(emit: ChunkSink): void;
}

/**
 * A table of `rows` × `cols` finite numbers on disk. Every scan reads it from the first row in the same
 * order, so sums over chunks are deterministic. Created by {@link openSource}: a {@link ByteSource} (binary
 * and CSV files, read as raw blocks) or a {@link ChunkSource} (Parquet, decoded by a reader library).
 */
export type RowSource = ByteSource | ChunkSource;

interface SourceBase {
  readonly path: string;
  readonly format: SourceFormat;
  /** N, rows read by a scan (all the file's rows, or the `rows` prefix asked for). */
  readonly rows: number;
  /** d, values per row. */
  readonly cols: number;
  /** Closes the file; later scans throw. */
  close(): void;
}

/** A source read as raw byte blocks and decoded here (synchronous scans too). */
export interface ByteSource extends SourceBase {
  /** Byte range a scan reads. */
  readonly dataStart: number;
  readonly dataEnd: number;
  /** Raw bytes per block for chunks of `chunkRows` rows. */
  blockBytes(chunkRows: number): number;
  /** A decoder for one scan. */
  decoder(chunkRows: number): BlockDecoder;
  /** Reads up to `buf.length` bytes at `position`; resolves with the bytes read. */
  read(buf: Uint8Array, position: number): Promise<number>;
  readSync(buf: Uint8Array, position: number): number;
}

/** A source that decodes its own chunks (asynchronous scans only). */
export interface ChunkSource extends SourceBase {
  /** The rows in file order as chunks of `chunkRows` rows (the last may be shorter); X is valid until the next chunk. */
  chunks(chunkRows: number): AsyncGenerator<{ X: Float64Array; rows: number }>;
}

/** Options of {@link openSource}. */
export interface OpenSourceOptions {
  /** Format; default from the extension (`.f64`, `.f32`, `.csv`/`.tsv`/`.txt`). */
  format?: SourceFormat;
  /** d, values per row: required for binary files (they carry no header). */
  cols?: number;
  /** Read only the first `rows` rows (a prefix); default all. */
  rows?: number;
  /**
   * Check every value once while opening (default true): a NaN/Inf or, for CSV, a bad cell is a
   * MixfitError naming its row and column, raised before any fit work. Costs one read of the file.
   */
  check?: boolean;
  /** CSV only: the first line is a header (true), or only when none of its cells is a number ('auto', default). */
  header?: boolean | 'auto';
}

type Fs = typeof import('node:fs');
let fsModule: Promise<Fs> | undefined;
function loadFs(): Promise<Fs> {
  const spec = 'node:fs';
  fsModule ??= import(/* @vite-ignore */ spec) as Promise<Fs>;
  return fsModule;
}

/** Whether `x` is a {@link RowSource} (for APIs that take a matrix or a source). */
export function isRowSource(x: unknown): x is RowSource {
  if (x === null || typeof x !== 'object' || typeof (x as RowSource).rows !== 'number') return false;
  return typeof (x as ChunkSource).chunks === 'function' || (typeof (x as ByteSource).decoder === 'function' && typeof (x as ByteSource).readSync === 'function');
}

/** The format named by a path's extension, or undefined. */
export function formatFromPath(path: string): SourceFormat | undefined {
  const ext = path.toLowerCase().split('.').pop();
  if (ext === 'f64' || ext === 'f32') return ext;
  if (ext === 'csv' || ext === 'tsv' || ext === 'txt') return 'csv';
  if (ext === 'parquet') return 'parquet';
  return undefined;
}

const BYTES: Record<'f64' | 'f32', number> = { f64: 8, f32: 4 };
/**
 * Blocks read ahead of the one being decoded. With one, a 4 MiB read from the page cache (on libuv's
 * thread pool) outlasted a chunk's pack and kernel at n = 2 and the pass waited on it (a CPU profile showed
 * the main thread idle for a quarter of the pass); two reads in flight use two pool threads.
 */
const READ_AHEAD = 2;
/** Raw block size of a CSV scan (text blocks are not row-aligned; the decoder carries partial lines). */
const CSV_BLOCK = 1 << 20;

/**
 * Opens a numeric table file as a {@link RowSource}.
 * @throws MixfitError for a missing/unreadable file, unknown format, missing or bad `cols`, a binary file
 *   whose size is not a whole number of rows, or (with `check`) a non-finite value / bad CSV cell.
 */
export async function openSource(path: string, options: OpenSourceOptions = {}): Promise<RowSource> {
  if (typeof path !== 'string' || path === '') throw new MixfitError('path', 'must be a non-empty file path', path);
  const format = options.format ?? formatFromPath(path);
  if (format !== 'f64' && format !== 'f32' && format !== 'csv' && format !== 'parquet')
    throw new MixfitError('options.format', "must be 'f64', 'f32', 'csv' or 'parquet' (or a path ending in .f64, .f32, .csv or .parquet)", options.format ?? path);
  if (options.header !== undefined && options.header !== true && options.header !== false && options.header !== 'auto')
    throw new MixfitError('options.header', "must be true, false or 'auto'", options.header);
  if (options.rows !== undefined && !(Number.isInteger(options.rows) && options.rows >= 1))
    throw new MixfitError('options.rows', 'must be an integer ≥ 1', options.rows);
  if (format === 'parquet') return openParquet(path, options);
  const fs = await loadFs();
  let fd: number, size: number;
  try {
    fd = fs.openSync(path, 'r');
    size = fs.fstatSync(fd).size;
  } catch (e) {
    throw new MixfitError('path', 'must be a readable file', `${path}: ${(e as Error).message}`);
  }
  const source = format === 'csv' ? new CsvSource(fs, fd, path, size) : new BinarySource(fs, fd, path, size, format, options);
  try {
    if (source instanceof CsvSource || options.check !== false) await source.open(options);
  } catch (e) {
    source.close();
    throw e;
  }
  return source;
}

abstract class FileSource implements ByteSource {
  abstract readonly format: SourceFormat;
  rows = 0;
  cols = 0;
  dataStart = 0;
  dataEnd = 0;
  private fd: number | null;

  constructor(protected readonly fs: Fs, fd: number, readonly path: string, protected readonly size: number) {
    this.fd = fd;
  }

  abstract blockBytes(chunkRows: number): number;
  abstract decoder(chunkRows: number): BlockDecoder;

  private live(): number {
    if (this.fd === null) throw new MixfitError('source', 'has been closed', this.path);
    return this.fd;
  }

  read(buf: Uint8Array, position: number): Promise<number> {
    const fd = this.live();
    return new Promise((resolve, reject) => {
      this.fs.read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }

  readSync(buf: Uint8Array, position: number): number {
    return this.fs.readSync(this.live(), buf, 0, buf.length, position);
  }

  /** Validating scan run once by openSource (CSV: also counts rows and finds the data's start). */
  async open(_o: OpenSourceOptions): Promise<void> {
    let row = 0;
    const d = this.cols;
    await scanSource(this, 65536, (X, rows) => {
      for (let i = 0; i < rows * d; i++) {
        if (!Number.isFinite(X[i]))
          throw new MixfitError('source', 'must hold finite numbers only', `${X[i]} at row ${row + Math.floor(i / d)}, column ${i % d} of ${this.path}`);
      }
      row += rows;
    });
  }

  close(): void {
    if (this.fd !== null) this.fs.closeSync(this.fd);
    this.fd = null;
  }
}

class BinarySource extends FileSource {
  readonly format: 'f64' | 'f32';

  constructor(fs: Fs, fd: number, path: string, size: number, format: 'f64' | 'f32', o: OpenSourceOptions) {
    super(fs, fd, path, size);
    this.format = format;
    const cols = o.cols;
    if (cols === undefined || !Number.isInteger(cols) || cols < 1) {
      this.close();
      throw new MixfitError('options.cols', `must be an integer ≥ 1 for a binary .${format} file (it has no header)`, cols);
    }
    const rowBytes = cols * BYTES[format];
    const fileRows = Math.floor(size / rowBytes);
    if (o.rows === undefined && size % rowBytes !== 0) {
      this.close();
      throw new MixfitError('options.cols', `must divide the file into whole rows (${size} bytes is not a multiple of ${cols} × ${BYTES[format]})`, cols);
    }
    if (fileRows < 1 || (o.rows !== undefined && o.rows > fileRows)) {
      this.close();
      throw new MixfitError(o.rows === undefined ? 'path' : 'options.rows', `must name at most the file's ${fileRows} rows of ${cols} values`, o.rows ?? path);
    }
    this.cols = cols;
    this.rows = o.rows ?? fileRows;
    this.dataEnd = this.rows * rowBytes;
  }

  blockBytes(chunkRows: number): number {
    return chunkRows * this.cols * BYTES[this.format];
  }

  decoder(chunkRows: number): BlockDecoder {
    const d = this.cols;
    // Blocks are exactly one chunk (the last shorter), so float64 rows are used in place, without a copy.
    if (this.format === 'f64') {
      return {
        push: (b, emit) => emit(new Float64Array(b.buffer, b.byteOffset, b.length >> 3), b.length / (8 * d)),
        end: () => {},
      };
    }
    const out = new Float64Array(chunkRows * d);
    return {
      push: (b, emit) => {
        const f32 = new Float32Array(b.buffer, b.byteOffset, b.length >> 2);
        out.set(f32);
        emit(out, f32.length / d);
      },
      end: () => {},
    };
  }
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
function cellValue(s: string): number {
  if (s.length > 1 && s.charCodeAt(0) === 34 && s.charCodeAt(s.length - 1) === 34) s = s.slice(1, -1);
  return NUMBER.test(s) ? Number(s) : NaN;
}

/**
 * Numeric CSV: comma, semicolon or tab (detected from the first line), an optional header (a first line
 * none of whose cells is a number), blank lines skipped, CRLF or LF. Row numbers in errors are file lines
 * from 1.
 */
class CsvSource extends FileSource {
  readonly format = 'csv' as const;
  private delim = ',';
  private limit = Infinity;
  private headerLines = 0;

  blockBytes(): number {
    return CSV_BLOCK;
  }

  override async open(o: OpenSourceOptions): Promise<void> {
    // The first line fixes the delimiter, the column count and whether there is a header.
    const head = new Uint8Array(Math.min(this.size, 1 << 16));
    const got = this.readSync(head, 0);
    const text = new TextDecoder().decode(head.subarray(0, got)).replace(/^\uFEFF/, '');
    const first = text.split('\n').find((l) => l.trim() !== '');
    if (first === undefined) throw new MixfitError('source', 'must hold at least one data row', `${this.path} is empty`);
    const line = first.endsWith('\r') ? first.slice(0, -1) : first;
    this.delim = [',', ';', '\t'].reduce((best, dl) => (line.split(dl).length > line.split(best).length ? dl : best), ',');
    const cells = line.split(this.delim);
    this.cols = cells.length;
    const header = o.header === true || o.header !== false && cells.every((c) => Number.isNaN(cellValue(c)));
    let rows = 0;
    this.dataStart = 0;
    this.dataEnd = this.size;
    this.limit = o.rows ?? Infinity;
    this.headerLines = header ? 1 : 0;
    await scanSource(this, 65536, (_X, r) => { rows += r; });
    if (rows === 0) throw new MixfitError('source', 'must hold at least one data row', `${this.path} has only a header`);
    if (o.rows !== undefined && rows < o.rows) throw new MixfitError('options.rows', `must be at most the file's ${rows} data rows`, o.rows);
    this.rows = rows;
  }

  decoder(chunkRows: number): BlockDecoder {
    const d = this.cols, delim = this.delim, path = this.path, limit = this.limit, skip = this.headerLines;
    const out = new Float64Array(chunkRows * d);
    const text = new TextDecoder();
    let carry = '', lineNo = 0, inChunk = 0, total = 0, dataLines = 0;
    const line = (raw: string, emit: ChunkSink) => {
      lineNo++;
      if (total >= limit) return;
      let s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (lineNo === 1 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      if (s.trim() === '') return;
      if (dataLines++ < skip) return;
      const cells = s.split(delim);
      if (cells.length !== d) throw new MixfitError('source', `rows must all have ${d} columns (ragged rows)`, `line ${lineNo} of ${path} has ${cells.length}`);
      const o = inChunk * d;
      for (let j = 0; j < d; j++) {
        const v = cellValue(cells[j]);
        if (!Number.isFinite(v))
          throw new MixfitError('source', 'cells must be finite numbers', `${JSON.stringify(cells[j].slice(0, 30))} at line ${lineNo}, column ${j + 1} of ${path}`);
        out[o + j] = v;
      }
      total++;
      if (++inChunk === chunkRows) { emit(out, inChunk); inChunk = 0; }
    };
    return {
      push: (b, emit) => {
        const s = carry + text.decode(b, { stream: true });
        let start = 0;
        for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) { line(s.slice(start, nl), emit); start = nl + 1; }
        carry = s.slice(start);
      },
      end: (emit) => {
        const rest = carry + text.decode();
        carry = '';
        if (rest !== '') line(rest, emit);
        if (inChunk > 0) emit(out, inChunk);
        inChunk = 0;
      },
    };
  }
}

/**
 * Reads every row of `source` once, in file order, calling `sink` for each chunk of `chunkRows` rows (the
 * last may be shorter). The next raw block is read (on the I/O thread) while `sink` works on the current one.
 */
export async function scanSource(source: RowSource, chunkRows: number, sink: ChunkSink): Promise<void> {
  for await (const _ of mapChunks(source, chunkRows, sink)) { /* the sink does the work */ }
}

/**
 * Reads every row of `source` once, in file order, and yields `f(X, rows)` for each chunk of `chunkRows`
 * rows (the last may be shorter), as {@link scanSource} does; `X` is valid only during the call. Results of
 * one raw block are yielded before the next block is decoded (the read after it is already in flight), so
 * at most one block's results are held: memory is bounded by the chunk size. Stopping early is safe.
 */
export async function* mapChunks<T>(source: RowSource, chunkRows: number, f: (X: Float64Array, rows: number) => T): AsyncGenerator<T> {
  if ('chunks' in source) {
    for await (const { X, rows } of source.chunks(chunkRows)) yield f(X, rows);
    return;
  }
  const bytes = source.blockBytes(chunkRows);
  // READ_AHEAD + 1 fresh ArrayBuffers (offset 0, so float64 views are aligned) in rotation: one decoded,
  // the others filling.
  const bufs = Array.from({ length: READ_AHEAD + 1 }, () => new Uint8Array(new ArrayBuffer(bytes)));
  const dec = source.decoder(chunkRows);
  let pos = source.dataStart, i = 0;
  const readNext = (): Promise<Uint8Array> | null => {
    if (pos >= source.dataEnd) return null;
    const b = bufs[i++ % bufs.length].subarray(0, Math.min(bytes, source.dataEnd - pos));
    const at = pos;
    pos += b.length;
    return readFully(source, b, at).then(() => b);
  };
  const out: T[] = [];
  const emit: ChunkSink = (X, rows) => { out.push(f(X, rows)); };
  const pending: Promise<Uint8Array>[] = [];
  for (let r = readNext(); r; r = pending.length < READ_AHEAD ? readNext() : null) pending.push(r);
  try {
    while (pending.length > 0) {
      const block = await pending.shift()!;
      const r = readNext();
      if (r) pending.push(r);
      dec.push(block, emit);
      yield* out.splice(0);
    }
    dec.end(emit);
    yield* out.splice(0);
  } finally {
    // Let the reads in flight finish before their buffers are dropped (a closed fd must not see them).
    await Promise.all(pending.map((p) => p.catch(() => {})));
  }
}

/** The synchronous twin of {@link scanSource} (no prefetch), for synchronous passes. */
export function scanSourceSync(source: RowSource, chunkRows: number, sink: ChunkSink): void {
  if ('chunks' in source)
    throw new MixfitError('source', `is a ${source.format} file, read asynchronously only: use statsAsync (every solver does), fit, or the streamed predict/score methods`, source.path);
  const bytes = source.blockBytes(chunkRows);
  const buf = new Uint8Array(new ArrayBuffer(bytes));
  const dec = source.decoder(chunkRows);
  for (let pos = source.dataStart; pos < source.dataEnd;) {
    const b = buf.subarray(0, Math.min(bytes, source.dataEnd - pos));
    for (let got = 0; got < b.length;) {
      const n = source.readSync(b.subarray(got), pos + got);
      if (n === 0) throw new MixfitError('source', 'changed while being read (file shorter than when opened)', source.path);
      got += n;
    }
    dec.push(b, sink);
    pos += b.length;
  }
  dec.end(sink);
}

async function readFully(source: ByteSource, b: Uint8Array, pos: number): Promise<void> {
  for (let got = 0; got < b.length;) {
    const n = await source.read(b.subarray(got), pos + got);
    if (n === 0) throw new MixfitError('source', 'changed while being read (file shorter than when opened)', source.path);
    got += n;
  }
}
