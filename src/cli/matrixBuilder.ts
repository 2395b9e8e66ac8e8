/**
 * Collects the rows of a DATA file (CSV or JSON) into a row-major Float64Array that grows geometrically (peak
 * about 2× the final matrix), with the one error style of both readers: "FILE: row R, column C: ...", rows and
 * columns counted from 1 (a CSV row is its file line; a JSON row is its position in the array).
 */
import { describeValue } from '../errors.js';
import { UsageError } from './args.js';

/** A row-major N × d matrix read from text, plus the header names when the first line had any. */
export interface NumericTable { data: Float64Array; rows: number; cols: number; header?: string[] }

/** Appends validated rows; `finish()` returns the right-sized matrix. */
export class MatrixBuilder {
  private buf = new Float64Array(1024);
  private len = 0;
  private cols = -1;
  private rows = 0;

  constructor(readonly source: string) {}

  /**
   * Appends row number `row` (1-based, for messages). `toNumber(cell)` is the cell's value, NaN when it is
   * not a number; `hint` is added to a bad-cell message.
   * @throws UsageError for a row of another width than the first, or a cell that is not a finite number.
   */
  add(row: number, cells: ArrayLike<unknown>, toNumber: (cell: unknown) => number, hint = ''): void {
    if (cells.length === 0) throw new UsageError(`${this.source}: row ${row} has no columns`);
    if (this.cols < 0) this.cols = cells.length;
    if (cells.length !== this.cols)
      throw new UsageError(`${this.source}: row ${row} has ${cells.length} columns, expected ${this.cols} (ragged rows)`);
    if (this.len + this.cols > this.buf.length) {
      const next = new Float64Array(Math.max(this.buf.length * 2, this.len + this.cols));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    for (let j = 0; j < cells.length; j++) {
      const v = toNumber(cells[j]);
      if (!Number.isFinite(v)) throw new UsageError(`${this.source}: row ${row}, column ${j + 1}: not a finite number (${describeValue(cells[j])})${hint}`);
      this.buf[this.len++] = v;
    }
    this.rows++;
  }

  /** Returns the matrix (trimmed to size). @throws UsageError for a file without data rows. */
  finish(header?: string[]): NumericTable {
    if (this.rows === 0) throw new UsageError(`${this.source}: no data rows`);
    const data = this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
    this.buf = new Float64Array(0);
    return { data, rows: this.rows, cols: this.cols, header };
  }
}
