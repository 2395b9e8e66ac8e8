// `mixfit select` (issue 12): spawns the BUILT command (dist/cli.js; `npm run build` first) and compares it with
// selectModel; checks flags before any work and all-or-none outputs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectModel } from '../src/index.js';
import { Rng } from '../src/model/rng.js';

const CLI = process.env.MIXFIT_CLI ?? resolve(__dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'mixfit-select-'));
const f = (name: string) => join(dir, name);
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, 'select', ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

// Three axis-aligned 2-D clusters, each elongated along a different axis: the diagonal truth, 3 components.
const rng = new Rng(5);
const MEANS = [[0, 0], [10, 0], [0, 10]], SDS = [[0.3, 2], [2, 0.3], [1, 1]];
const rows = Array.from({ length: 450 }, (_, k) => MEANS[k % 3]!.map((m, j) => m + SDS[k % 3]![j]! * rng.normal()));

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` before the CLI tests');
  writeFileSync(f('data.csv'), 'x,y\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
});

describe('mixfit select', () => {
  it('--threads 2 runs the candidates in fit workers and prints the --threads 1 output byte for byte', () => {
    const args = ['data.csv', '--components', '1..4', '--covariance', 'diagonal,full', '--seed', '1', '--json', '--quiet'];
    const one = run([...args, '--threads', '1']), two = run([...args, '--threads', '2']);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const noisy = run(args.filter((a) => a !== '--quiet').concat(['--threads', '2']));
    expect(noisy.stderr).toMatch(/8 candidates fitted side by side on 2 fit workers/);
    expect(run(args.filter((a) => a !== '--quiet').concat(['--threads', '1'])).stderr).not.toMatch(/fit workers/);
    expect(run([...args, '--threads', '0']).stderr).toMatch(/--threads must be 'auto' or an integer ≥ 1/);
    const help = spawnSync(process.execPath, [CLI, 'select', '--help'], { encoding: 'utf8' }).stdout;
    expect(help).toMatch(/--threads T +fit workers running candidates side by side/);
  });

  it('--json: the table and best model of selectModel with the same options; picks diagonal, 3', async () => {
    const r = run(['data.csv', '--components', '1..5', '--covariance', 'spherical,diagonal', '--seed', '2', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const api = await selectModel(rows, { nComponents: [1, 2, 3, 4, 5], covariance: ['spherical', 'diagonal'], seed: 2 });
    expect(doc.criterion).toBe('bic');
    expect(doc.table).toEqual(api.table);
    expect(doc.best).toEqual({ nComponents: 3, covariance: 'diagonal', model: api.best.toJSON() });
    expect(r.stderr).toBe('');
  });

  it('--criterion aic, a list of counts, --out and --plot: both written, the plot has one curve per layout', () => {
    const r = run(['data.csv', '-k', '3,1,2', '--criterion', 'aic', '--out', 'best.json', '--plot', 'aic.svg']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ *covariance +components +bic +aic +logLikelihood +parameters +converged$/m);
    expect(r.stdout).toMatch(/best by aic: \w+, \d components?/);
    // Every learned layout by default (spherical, diagonal, full, tied) × 3 counts.
    expect(r.stderr).toMatch(/\[12\/12\]/);
    const model = JSON.parse(readFileSync(f('best.json'), 'utf8'));
    expect(model.means).toHaveLength(Number(/best by aic: \w+, (\d)/.exec(r.stdout)![1]));
    const svg = readFileSync(f('aic.svg'), 'utf8');
    expect(svg.match(/class="series"/g)).toHaveLength(4);
    for (const layout of ['spherical', 'diagonal', 'full', 'tied']) expect(svg).toContain(`data-name="${layout}"`);
  });

  const bad: [string, string[], RegExp][] = [
    ['missing --components', ['data.csv'], /--components is required/],
    ['reversed range', ['data.csv', '-k', '4..2'], /--components must be a range/],
    ['zero', ['data.csv', '-k', '0,1'], /--components must be/],
    ['duplicates', ['data.csv', '-k', '2,2'], /--components must be/],
    ['above the rows', ['data.csv', '-k', '1,451'], /--components must be ≤ the number of rows \(450\)/],
    ['unknown layout', ['data.csv', '-k', '1..2', '--covariance', 'diagonal,ful'], /--covariance must be distinct layouts out of fixed, spherical, diagonal/],
    ['unknown criterion', ['data.csv', '-k', '1..2', '--criterion', 'icl'], /--criterion must be one of bic, aic/],
    ['bad --n-init', ['data.csv', '-k', '1..2', '--n-init', '0'], /--n-init must be ≥ 1/],
    ['unknown flag', ['data.csv', '-k', '1..2', '--variance', '1'], /unknown option --variance/],
    ['missing data', ['nope.csv', '-k', '1..2'], /nope.csv: cannot read/],
  ];
  for (const [name, args, msg] of bad) {
    it(`exit 2 before any work: ${name}`, () => {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    });
  }

  it('an unusable --plot path fails before fitting and writes neither output', () => {
    const before = readdirSync(dir).sort();
    const r = run(['data.csv', '-k', '1..3', '--out', 'never.json', '--plot', join(dir, 'no-such-dir', 'p.svg')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--plot .*cannot write there/);
    expect(r.stderr).not.toMatch(/\[1\//);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('--help lists the flags', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--components', '--covariance', '--criterion', '--n-init', '--plot', '--out', '--json', '--seed']) expect(r.stdout).toContain(flag);
  });
  it('Ctrl-C exits 130 and leaves neither outputs nor temp files behind', async () => {
    const sub = join(dir, 'interrupted');
    mkdirSync(sub, { recursive: true });
    // A sweep long enough to be interrupted after its first candidate line.
    const child = spawn(process.execPath, [CLI, 'select', '../data.csv', '-k', '1..40', '--covariance', 'diagonal', '--solver', 'em', '--tol', '0',
      '--max-iter', '2000', '--out', 'best.json', '--plot', 'bic.svg'], { cwd: sub });
    let stderr = '';
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (b) => {
        stderr += b;
        if (/\[1\//.test(stderr)) child.kill('SIGINT');
      });
      child.on('exit', (c) => done(c));
    });
    expect(code, stderr).toBe(130);
    expect(readdirSync(sub)).toEqual([]);
  }, 60_000);
});

