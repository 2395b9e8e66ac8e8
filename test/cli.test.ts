// Spawns the BUILT command (dist/cli.js; `npm run build` first) and compares its outputs with the JS API.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../src/cli/demo.js';
import { Rng } from '../src/model/rng.js';
import { SOLVERS } from '../src/solvers/options.js';

const DEMO_BUDGET = DEMO.maxEvaluations;

const CLI = process.env.MIXFIT_CLI ?? resolve(__dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'mixfit-cli-'));
const f = (name: string) => join(dir, name);

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Two well-separated 2-D clusters from a fixed seed; written as CSV (with header) and as JSON rows.
const rng = new Rng(11);
const rows = Array.from({ length: 300 }, (_, i) => [(i % 2 ? 3 : -3) + rng.normal(), rng.normal() * 0.8]);
const api = () => import(resolve(__dirname, '../dist/index.js')) as Promise<any>;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` before the CLI tests');
  writeFileSync(f('data.csv'), 'x,y\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  writeFileSync(f('data.json'), JSON.stringify(rows));
  writeFileSync(f('semi.csv'), rows.map((r) => r.join(';')).join('\n'));
  writeFileSync(f('bad-cell.csv'), 'x,y\n1,2\n3,abc\n');
  writeFileSync(f('ragged.csv'), '1,2\n3,4,5\n');
  writeFileSync(f('empty.csv'), '');
});

const FIT = ['--components', '2', '--seed', '3', '--max-iter', '300', '--solver', 'gd-polyak'];

describe('mixfit CLI', () => {
  it('prints --help for every subcommand', () => {
    for (const c of ['fit', 'eval', 'score', 'predict', 'sample', 'demo']) {
      const r = run([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: mixfit ${c}`);
    }
    expect(run(['--help']).stdout).toContain('Commands:');
  });

  it('fit --json writes one JSON document matching the JS API (same start), and the model file', async () => {
    writeFileSync(f('start.json'), JSON.stringify({ means: [[-1, 0.5], [1, -0.5]], weights: [0.5, 0.5], variances: 1, covariance: 'fixed' }));
    const r = run(['fit', 'data.csv', ...FIT, '--init', 'start.json', '--json', '--out', 'model.json', '--history', 'h.csv', '--plot', 'p.svg']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const { empiricalObjective, minimize } = await api();
    const obj = await empiricalObjective(rows);
    const res = await minimize(obj, { means: [[-1, 0.5], [1, -0.5]], weights: [0.5, 0.5], variances: 1 }, { solver: 'gd-polyak', maxIter: 300 });
    obj.dispose();
    expect(doc.loss).toBe(res.loss);
    expect(doc.nEvaluations).toBe(res.nEvaluations);
    const model = JSON.parse(readFileSync(f('model.json'), 'utf8'));
    expect(model).toEqual({ ...res.params, covariance: 'fixed' });
    expect(doc.model).toEqual(model);
    const hist = readFileSync(f('h.csv'), 'utf8').trim().split('\n');
    expect(hist[0]).toBe('iteration,evaluations,loss,gradNorm,kind,stepSize,optimumEstimate');
    expect(hist.length - 1).toBe(res.history.length);
    expect(Number(hist.at(-1)!.split(',')[2])).toBe(res.history.at(-1).loss);
    expect(readFileSync(f('p.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(f('p-scatter.svg'), 'utf8')).toContain('class="sigma2"');
    // JSON and semicolon inputs give the same fit; the default k-means++ start also fits.
    const j = JSON.parse(run(['fit', 'data.json', ...FIT, '--init', 'start.json', '--json']).stdout);
    const s = JSON.parse(run(['fit', 'semi.csv', ...FIT, '--init', 'start.json', '--json']).stdout);
    expect(j.loss).toBe(doc.loss);
    expect(s.loss).toBe(doc.loss);
    const k = JSON.parse(run(['fit', 'data.csv', ...FIT, '--json']).stdout);
    expect(k.loss).toBeCloseTo(doc.loss, 6);
  });

  it('eval, score, predict and sample agree with a float64 reference and the JS API', async () => {
    const model = { means: [[-2.9, 0.1], [3.1, -0.2]], weights: [0.4, 0.6], variances: [1.1, 0.7], covariance: 'spherical' };
    writeFileSync(f('m2.json'), JSON.stringify(model));
    // Reference log-density ℓ(x) = log Σ_i w_i N(x; μ_i, σ_i² I) in plain float64, and responsibilities.
    const ref = rows.map((x) => {
      const terms = model.means.map((m, i) => {
        const v = model.variances[i]!;
        const q = (x[0]! - m[0]!) ** 2 + (x[1]! - m[1]!) ** 2;
        return Math.log(model.weights[i]!) - Math.log(2 * Math.PI * v) - q / (2 * v);
      });
      const top = Math.max(...terms);
      const l = top + Math.log(terms.reduce((a, t) => a + Math.exp(t - top), 0));
      return { l, resp: terms.map((t) => Math.exp(t - l)) };
    });
    const e = JSON.parse(run(['eval', 'm2.json', 'data.csv', '--json']).stdout);
    const { empiricalObjective } = await api();
    const obj = await empiricalObjective(rows);
    const vg = obj.valueAndGrad(model);
    obj.dispose();
    expect(e.n).toBe(rows.length);
    expect(e.nll).toBe(vg.value);
    expect(e.gradMeans).toEqual(vg.grad.means);
    expect(e.nll).toBeCloseTo(-ref.reduce((a, r) => a + r.l, 0) / rows.length, 12);
    const sc = JSON.parse(run(['score', 'm2.json', 'data.csv', '--json']).stdout);
    sc.logDensity.forEach((v: number, i: number) => expect(Math.abs(v - ref[i]!.l)).toBeLessThan(1e-12 * (1 + Math.abs(ref[i]!.l))));
    expect(sc.mean).toBeCloseTo(ref.reduce((a, r) => a + r.l, 0) / rows.length, 12);
    const plain = run(['score', 'm2.json', 'data.csv']);
    expect(plain.stdout.trim().split('\n').map(Number)).toEqual(sc.logDensity);
    const labels = JSON.parse(run(['predict', 'm2.json', 'data.csv', '--json']).stdout).labels;
    expect(labels).toEqual(ref.map((r) => (r.resp[1]! > r.resp[0]! ? 1 : 0)));
    const proba = JSON.parse(run(['predict', 'm2.json', 'data.csv', '--proba', '--json']).stdout).proba;
    proba.forEach((p: number[], i: number) => p.forEach((v, k) => expect(v).toBeCloseTo(ref[i]!.resp[k]!, 12)));
    const smp = JSON.parse(run(['sample', 'm2.json', '-n', '4000', '--seed', '5', '--json']).stdout);
    expect(smp).toHaveLength(4000);
    expect(JSON.parse(run(['sample', 'm2.json', '-n', '4000', '--seed', '5', '--json']).stdout)).toEqual(smp);
    // Sample mean of x₁ is Σ w_i μ_i1 = 0.7 within 5 standard errors (sd of x₁ ≈ 3).
    const m1 = smp.reduce((a: number, r: number[]) => a + r[0]!, 0) / smp.length;
    expect(Math.abs(m1 - 0.7)).toBeLessThan(5 * 3 / Math.sqrt(4000));
    const csv = run(['sample', 'm2.json', '-n', '3', '--seed', '5']).stdout.trim().split('\n');
    expect(csv.map((l) => l.split(',').map(Number))).toEqual(smp.slice(0, 3));
  });

  it('fit, score and predict JSON equal GaussianMixture on the same file (default k-means++ start)', async () => {
    const { GaussianMixture } = await api();
    for (const extra of [[], ['--covariance', 'spherical', '--weights', 'learned'], ['--covariance', 'diagonal', '--solver', 'em', '--init', 'random']]) {
      const r = run(['fit', 'data.csv', '--components', '2', '--seed', '3', '--max-iter', '300', ...extra, '--json', '--out', 'gm.json']);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      const opt = (name: string) => { const i = extra.indexOf(`--${name}`); return i < 0 ? undefined : extra[i + 1]; };
      const gm = new GaussianMixture({
        nComponents: 2, seed: 3, maxIter: 300, solver: opt('solver') ?? 'auto', covariance: opt('covariance') ?? 'fixed',
        weights: opt('weights') ?? 'fixed', init: opt('init') ?? 'kmeans++',
      });
      const res = await gm.fit(rows);
      expect(doc.model).toEqual(gm.toJSON());
      expect(JSON.parse(readFileSync(f('gm.json'), 'utf8'))).toEqual(gm.toJSON());
      expect([doc.loss, doc.nIter, doc.nEvaluations, doc.converged, doc.status, doc.message, doc.warnings])
        .toEqual([res.loss, res.nIter, res.nEvaluations, res.converged, res.status, res.message, res.warnings]);
      const sc = JSON.parse(run(['score', 'gm.json', 'data.csv', '--json']).stdout);
      expect(sc.logDensity).toEqual(gm.scoreSamples(rows));
      expect(sc.mean).toBe(gm.score(rows));
      expect(JSON.parse(run(['predict', 'gm.json', 'data.json', '--json']).stdout).labels).toEqual(gm.predict(rows));
      expect(JSON.parse(run(['predict', 'gm.json', 'semi.csv', '--proba', '--json']).stdout).proba).toEqual(gm.predictProba(rows));
    }
  });

  it('--threads 2 gives the model of --threads 1 within 1e-12, and each equals the JS API at that thread count', async () => {
    const { GaussianMixture } = await api();
    // gd-polyak named: the extrapolating default ('auto') amplifies the passes' rounding, see test/parallel.test.ts.
    const args = ['fit', 'data.csv', '--components', '3', '--seed', '7', '--max-iter', '400', '--covariance', 'spherical', '--weights', 'learned', '--solver', 'gd-polyak', '--json'];
    const [one, two] = ['1', '2'].map((t) => {
      const r = run([...args, '--threads', t]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).model;
    });
    const flat = (m: { means: number[][]; weights: number[]; variances: number[] }) => [...m.means.flat(), ...m.weights, ...m.variances];
    const a = flat(one), b = flat(two);
    expect(b).toHaveLength(a.length);
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
    // The option really reaches the estimator: each model is bit-identical to the API's fit at that thread count.
    for (const [threads, model] of [[1, one], [2, two]] as const) {
      const gm = new GaussianMixture({ nComponents: 3, seed: 7, maxIter: 400, covariance: 'spherical', weights: 'learned', solver: 'gd-polyak', threads });
      await gm.fit(rows);
      expect(model).toEqual(gm.toJSON());
    }
    expect(run([...args, '--threads', '0']).code).toBe(2);
  });

  it('--init MODEL.json starts from the file (its weights unless --weights gives them)', async () => {
    const { GaussianMixture } = await api();
    writeFileSync(f('init.json'), JSON.stringify({ means: [[-2, 1], [2, -1]], weights: [0.3, 0.7], variances: 1.5, covariance: 'fixed' }));
    const fromFile = JSON.parse(run(['fit', 'data.csv', '--components', '2', '--init', 'init.json', '--max-iter', '50', '--json']).stdout);
    const gm = new GaussianMixture({ nComponents: 2, maxIter: 50, init: { means: [[-2, 1], [2, -1]], weights: [0.3, 0.7], variances: 1.5 } });
    await gm.fit(rows);
    expect(fromFile.model).toEqual(gm.toJSON());
    fromFile.model.weights.forEach((w: number, i: number) => expect(w).toBeCloseTo([0.3, 0.7][i]!, 12));
    const r = run(['fit', 'data.csv', '--components', '2', '--init', 'init.json', '--weights', '1,1', '--max-iter', '50', '--json']);
    expect(r.code).toBe(0);
    JSON.parse(r.stdout).model.weights.forEach((w: number) => expect(w).toBeCloseTo(0.5, 12));
  });

  it('a malformed model file exits 2 naming the file', () => {
    writeFileSync(f('bad-model.json'), JSON.stringify({ means: [[0, 0], [1]], weights: [0.5, 0.5] }));
    const r = run(['score', 'bad-model.json', 'data.csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mixfit: bad-model\.json/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--strict exits 1 when the fit stops before converging, 0 without it', () => {
    const args = ['fit', 'data.csv', '--components', '2', '--max-iter', '2', '--solver', 'gd', '--json'];
    const loose = run(args), strict = run([...args, '--strict']);
    expect(loose.code).toBe(0);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout).converged).toBe(false);
    expect(strict.stderr).toMatch(/did not converge/);
  });

  const bad: [string, string[], RegExp][] = [
    ['unreadable file', ['fit', 'nope.csv', '--components', '2'], /nope\.csv: cannot read/],
    ['non-numeric cell', ['fit', 'bad-cell.csv', '--components', '1'], /row 3, column 2/],
    ['ragged rows', ['fit', 'ragged.csv', '--components', '1'], /row 2 has 3 columns/],
    ['empty file', ['fit', 'empty.csv', '--components', '1'], /no data rows/],
    ['components < 1', ['fit', 'data.csv', '--components', '0'], /--components must be ≥ 1/],
    ['components > rows', ['fit', 'data.csv', '--components', '301'], /--components must be ≤ the number of rows \(300\)/],
    ['unknown option', ['fit', 'data.csv', '--components', '2', '--bogus', '1'], /unknown option --bogus/],
    ['unknown solver', ['fit', 'data.csv', '--components', '2', '--solver', 'newton'], /--solver must be one of/],
  ];
  for (const [name, args, msg] of bad) {
    it(`exits 2 with one line on stderr and leaves --out untouched: ${name}`, () => {
      writeFileSync(f('keep.json'), 'sentinel');
      const r = run([...args, '--out', 'keep.json', '--json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
      expect(readFileSync(f('keep.json'), 'utf8')).toBe('sentinel');
    });
  }

  it('SIGINT during a long fit writes the best model so far and exits non-zero', async () => {
    const big = new Rng(5);
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`${(i % 2 ? 2 : -2) + big.normal()},${big.normal()}`);
    writeFileSync(f('big.csv'), lines.join('\n'));
    const child = spawn(process.execPath, [CLI, 'fit', 'big.csv', '--components', '6', '--solver', 'gd', '--tol', '0',
      '--max-iter', '100000000', '--out', 'interrupted.json'], { cwd: dir });
    let stderr = '';
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (b) => {
        stderr += b;
        if (/iter \d+/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => done(c));
    });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/interrupted: wrote the best model so far/);
    const m = JSON.parse(readFileSync(f('interrupted.json'), 'utf8'));
    expect(m.means).toHaveLength(6);
    expect(m.means[0]).toHaveLength(2);
  }, 60_000);

  it('demo runs every solver from one start, prints the comparison table and writes all curves to demo-convergence.svg', () => {
    const r = spawnSync(process.execPath, [CLI, 'demo'], { encoding: 'utf8', cwd: dir, timeout: 170_000 });
    expect(r.status, r.stderr).toBe(0);
    const best = Number(/best = ([0-9.]+) nats/.exec(r.stdout)![1]);
    const gaps: number[] = [];
    for (const s of SOLVERS) {
      // solver, 4 × "evals (s)" or "—", final loss, final loss − best, evaluations used
      const line = r.stdout.split('\n').find((l) => l.startsWith(`${s} `));
      expect(line, s).toBeDefined();
      const cells = line!.trim().split(/\s{2,}/);
      expect(cells, s).toHaveLength(8);
      const evals = cells.slice(1, 5).map((c) => (c === '—' ? Infinity : Number(/^(\d+) \(\d+\.\d+\)$/.exec(c)![1])));
      for (let k = 1; k < evals.length; k++) expect(evals[k]!, s).toBeGreaterThanOrEqual(evals[k - 1]!);   // smaller gaps take longer
      const [finalLoss, gap, used] = [Number(cells[5]), Number(cells[6]), Number(cells[7])];
      // The gap column has 2–3 significant digits, the loss 12.
      expect(Math.abs(finalLoss - best - gap), s).toBeLessThanOrEqual(0.05 * gap + 2e-11);
      expect(gap, s).toBeGreaterThanOrEqual(0);
      expect(used, s).toBeLessThanOrEqual(DEMO_BUDGET);
      if (Number.isFinite(evals[3]!)) expect(evals[3]!, s).toBeLessThanOrEqual(used);
      gaps.push(gap);
    }
    expect(Math.min(...gaps)).toBe(0);   // best is the lowest loss some solver reached
    const svg = readFileSync(f('demo-convergence.svg'), 'utf8');
    for (const s of SOLVERS) expect(svg, s).toContain(`data-name="${s}"`);
  }, 180_000);
});
