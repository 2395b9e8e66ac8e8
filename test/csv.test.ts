import { mkdtempSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, detectDelimiter, LineSplitter, parseCsvText, readCsvFile, splitCells } from '../src/cli/csv.js';
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

  it('takes a first line as a header only when none of its cells is a number, or when told to', () => {
    expect(parseCsvText('x,y\n1,2\n').header).toEqual(['x', 'y']);
    expect(parseCsvText('x,\n1,2\n').header).toEqual(['x', '']);
    expect(() => parseCsvText('3.99,abc\n1,2\n', 'f.csv')).toThrow('f.csv: row 1, column 2: not a finite number ("abc") (a first line is a header only when none of its cells is a number; or pass --header)');
    expect(() => parseCsvText('a,1e400\n1,2\n', 'f.csv')).toThrow(/row 1, column 1: not a finite number \("a"\)/);
    const forced = parseCsvText('3.99,abc\n1,2\n', 'f.csv', true);
    expect([forced.header, forced.rows, Array.from(forced.data)]).toEqual([['3.99', 'abc'], 1, [1, 2]]);
    // Row numbers stay file lines after a header and blank lines.
    expect(() => parseCsvText('\nx,y\n\n1,2\n3,?\n')).toThrow(/row 5, column 2/);
  });

  it('reads quoted cells: numbers, names with delimiters and doubled quotes', () => {
    const t = parseCsvText('"a,1";" b ""q""";c\n"1.5";  "-2e3" ;3\n');
    expect(t.header).toEqual(['a,1', 'b "q"', 'c']);
    expect(Array.from(t.data)).toEqual([1.5, -2000, 3]);
    expect(splitCells('"x",,"",2', ',', 'f', 1)).toEqual(['x', '', '', '2']);
    expect(() => parseCsvText('1,2\n3,"4\n', 'f.csv')).toThrow('f.csv: row 2, column 2: unterminated quote');
    expect(() => parseCsvText('1,2\n"3"4,5\n', 'f.csv')).toThrow('f.csv: row 2, column 1: text after a closing quote');
    expect(() => parseCsvText('1,2\n"",4\n', 'f.csv')).toThrow('f.csv: row 2, column 1: not a finite number ("")');
  });

  it('splits lines at LF, CRLF and lone CR, wherever the chunks of a stream end', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.stringMatching(/^[0-9a-z,]{0,6}$/), fc.constantFrom('\n', '\r\n', '\r')), { maxLength: 12 }),
      fc.boolean(), fc.array(fc.nat(60), { maxLength: 6 }),
      (lines, lastEnds, cuts) => {
        let text = lines.map(([l, e]) => l + e).join('');
        if (!lastEnds) text = text.replace(/(\r\n|\r|\n)$/, '');
        const got: string[] = [];
        const s = new LineSplitter((l) => got.push(l));
        let at = 0;
        for (const c of [...cuts].sort((a, b) => a - b)) {
          const k = Math.max(at, Math.min(c, text.length));
          s.feed(text.slice(at, k));
          at = k;
        }
        s.feed(text.slice(at));
        s.end();
        // The oracle splits the whole text at once (a CR then LF is one CRLF); a final line end adds no empty line.
        const want = text.split(/\r\n|\r|\n/);
        if (want.at(-1) === '') want.pop();
        expect(got).toEqual(want);
      }));
  });

  it('reads a CR-only file (old Mac line ends) streamed, exactly', async () => {
    const M = randomMatrix(300, 2, 77);
    const path = join(dir, 'cr.csv');
    writeFileSync(path, 'a,b\r' + M.map((r) => r.join(',')).join('\r') + '\r');
    const t = await readCsvFile(path);
    expect([t.rows, t.cols, t.header]).toEqual([300, 2, ['a', 'b']]);
    expect(Array.from(t.data)).toEqual(M.flat());
  });

  it('detects the delimiter from the first line', () => {
    expect(detectDelimiter('"1,5";"2,5";"3"')).toBe(';');
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
