// OutputSet (src/cli/outputFiles.ts) directly: the all-or-none write of the CLI's output files, including the
// failures a spawned CLI cannot easily be made to hit (a write that fails after every path was checked: exit 4).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/args.js';
import { OutputError, OutputSet, withOutputs } from '../src/cli/outputFiles.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'mixfit-out-'));

describe('OutputSet', () => {
  it('reserves a temp file per target, then renames all of them into place', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'b.csv'), 'old');
    const set = OutputSet.reserve([{ option: 'out', path: join(dir, 'a.json') }, { option: 'history', path: join(dir, 'b.csv') }]);
    expect(readdirSync(dir).sort()).toEqual([`.a.json.${process.pid}.tmp`, `.b.csv.${process.pid}.tmp`, 'b.csv']);
    set.commit((p) => `text of ${p.slice(-5)}`);
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.csv']);
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe('text of b.csv');
  });

  it('a write failing after the checks (exit 4) changes no target and leaves no temp file', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'a.json'), 'keep');
    const set = OutputSet.reserve([{ option: 'out', path: join(dir, 'a.json') }, { option: 'plot', path: join(dir, 'p.svg') }]);
    const fail = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    expect(() => set.commit((p) => { if (p.endsWith('p.svg')) throw fail; return 'new'; }))
      .toThrow(new OutputError('could not write the outputs (ENOSPC); none was written'));
    expect(readdirSync(dir)).toEqual(['a.json']);
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('keep');
  });

  it('a bad later target removes the temp files already made for the earlier ones', () => {
    const dir = fresh();
    expect(() => OutputSet.reserve([{ option: 'out', path: join(dir, 'a.json') }, { option: 'history', path: join(dir, 'no/h.csv') }]))
      .toThrow(UsageError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('withOutputs removes the temp files when the work throws or never commits', async () => {
    const dir = fresh();
    await expect(withOutputs([{ option: 'out', path: join(dir, 'm.json') }], async () => { throw new Error('fit failed'); })).rejects.toThrow('fit failed');
    await withOutputs([{ option: 'out', path: join(dir, 'm.json') }], async () => 0);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'm.json'))).toBe(false);
  });
});
