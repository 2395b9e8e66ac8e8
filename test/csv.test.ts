import { mkdtempSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvParser, detectDelimiter, parseCsvText, readCsvFile } from '../src/cli/csv.js';
import { UsageError } from '../src/cli/args.js';
import { Rng } from '../src/model/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'mixfit-csv-'));

function randomMatrix(rows: number, cols: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal() * 10 ** rng.int(6 - 3)));
}

describe('CSV reader', () => {
  for (const [name, delim] of [['comma', ','], ['semicolon', ';'], ['tab', '\t']] as const) {
    it(`reads ${name}-separated values exactly, with and without a header`, async () => {
      const M = randomMatrix(257, 3, delim.charCodeAt(0));
      const body = M.map((r) => r.join(delim)).join('\n');
      for (const header of ['', `a${delim}b${delim}"c"\n`]) {
        const path = join(dir, `${name}${header ? '-h' : ''}.csv`);
        writeFileSync(path, header + body + '\r\n\n');
        const t = await readCsvFile(path);
        expect([t.rows, t.cols]).toEqual([257, 3]);
        expect(Array.from(t.data)).toEqual(M.flat()); // shortest round-trip strings parse back exactly
        expect(t.header).toEqual(header ? ['a', 'b', 'c'] : undefined);
      }
    });
  }

  it('reports the row and column of a non-numeric cell', () => {
    expect(() => parseCsvText('x,y\n1,2\n3,oops\n', 'f.csv')).toThrow(/f\.csv: row 3, column 2/);
    expect(() => parseCsvText('1,2\n3,NaN\n')).toThrow(/row 2, column 2/);
    expect(() => parseCsvText('1,2\n3,\n')).toThrow(UsageError);
  });

  it('rejects ragged rows and empty files', async () => {
    expect(() => parseCsvText('1,2\n3,4,5\n')).toThrow(/row 2 has 3 columns, expected 2/);
    expect(() => parseCsvText('')).toThrow(/no data rows/);
    expect(() => parseCsvText('a,b\n\n')).toThrow(/no data rows/);
    await expect(readCsvFile(join(dir, 'missing.csv'))).rejects.toThrow(/cannot read \(ENOENT\)/);
  });

  it('detects the delimiter from the first line', () => {
    expect(detectDelimiter('1.5;2,5;3')).toBe(';');
    expect(detectDelimiter('1\t2\t3')).toBe('\t');
    expect(detectDelimiter('1,2')).toBe(',');
  });

  it('grows its buffer geometrically and returns a right-sized array', () => {
    const p = new CsvParser('t');
    const rng = new Rng(9);
    const want: number[] = [];
    for (let i = 0; i < 5000; i++) { const a = rng.normal(), b = rng.normal(); want.push(a, b); p.push(`${a},${b}`); }
    const t = p.finish();
    expect(t.data.length).toBe(10000);
    expect(Array.from(t.data)).toEqual(want);
  });

  it('streams a large file (2e5 × 10) into a right-sized matrix', async () => {
    const path = join(dir, 'big.csv');
    const rng = new Rng(4);
    const ws = createWriteStream(path);
    let bytes = 0;
    for (let i = 0; i < 200_000; i++) {
      const line = Array.from({ length: 10 }, () => rng.normal().toFixed(6)).join(',') + '\n';
      bytes += line.length;
      if (!ws.write(line)) await new Promise<void>((r) => ws.once('drain', () => r()));
    }
    await new Promise<void>((r) => ws.end(() => r()));
    const t = await readCsvFile(path);
    expect([t.rows, t.cols]).toEqual([200_000, 10]);
    // The retained result is exactly the matrix (8 B per value, no slack from geometric growth), which for
    // 6-decimal text is about 0.8× the file size; transient garbage (line strings) is the GC's to reclaim.
    expect(t.data.buffer.byteLength).toBe(8 * 200_000 * 10);
    expect(t.data.buffer.byteLength).toBeLessThan(bytes);
  }, 60_000);
});
