// Spawns the BUILT command (dist/cli.js; `npm run build` first) and compares its outputs with the JS API.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  writeFileSync(f('start.json'), JSON.stringify({ means: [[-1, 0.5], [1, -0.5]], weights: [0.5, 0.5], variances: 1, covariance: 'fixed' }));
});

const FIT = ['--components', '2', '--seed', '3', '--max-iter', '300', '--solver', 'gd-polyak'];

describe('mixfit CLI', () => {
  it('prints --help for every subcommand', () => {
    for (const c of ['fit', 'eval', 'score', 'predict', 'sample', 'demo']) {
      const r = run([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: mixfit ${c}`);
    }
    const main = run(['--help']);
    expect(main.stdout).toContain('Commands:');
    // Every exit code the command uses is documented in the help, with what it means.
    for (const [code, what] of [[0, 'success'], [1, '--strict'], [2, 'bad input'], [3, 'the fit failed'], [4, 'could not be written'], [70, 'internal error'], [130, 'interrupted']] as const)
      expect(main.stdout).toMatch(new RegExp(`^  ${code} +.*${what}`, 'm'));
    expect(run(['fit', '--help']).stdout).toMatch(/--header/);
  });

  it('a fit that fails (FitError: non-finite loss on data too large for float64) exits 3 with one line, no stack, nothing written', () => {
    // Squared distances of 1e200-scale data overflow float64 whatever the start: every restart's loss is infinite.
    writeFileSync(f('huge.csv'), '1e160,1e160\n-1e160,2e160\n3e160,-1e160\n1e200,1e199\n');
    for (const covariance of ['spherical', 'diagonal']) {
      const r = run(['fit', 'huge.csv', '--components', '2', '--covariance', covariance, '--out', 'huge-model.json', '--quiet']);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^mixfit: the fit failed: /);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(f('huge-model.json'))).toBe(false);
    }
  });

  it('an unknown command named like an Object.prototype member exits 2', () => {
    for (const c of ['constructor', 'toString', '__proto__']) {
      const r = run([c]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`mixfit: unknown command "${c}" (commands: fit, select, eval, score, predict, sample, demo)\n`);
    }
  });

  describe('output paths are checked before fitting, and written all together or not at all', () => {
    const outDir = join(dir, 'outs');
    const temps = () => readdirSync(outDir).filter((n) => n.endsWith('.tmp'));
    // A fit of a million iterations, not --quiet: had it started, stderr would show its progress lines.
    const slow = ['fit', '../data.csv', '--components', '2', '--solver', 'gd', '--tol', '0', '--max-iter', '1000000'];
    const cases: [string, string[], string][] = [
      ['--out in /proc', ['--out', '/proc/x'], 'mixfit: --out /proc/x: cannot write there (ENOENT for directory /proc)'],
      ['--out in a missing directory', ['--out', 'missing/m.json'], 'mixfit: --out missing/m.json: cannot write there (ENOENT for directory missing)'],
      ['--out naming a directory', ['--out', '.'], 'mixfit: --out .: is a directory (give a file name)'],
      ['--history bad after a good --out', ['--out', 'ok.json', '--history', 'missing/h.csv'], 'mixfit: --history missing/h.csv: cannot write there (ENOENT for directory missing)'],
      ['--plot bad after good --out and --history', ['--out', 'ok.json', '--history', 'h.csv', '--plot', 'missing/p.svg'], 'mixfit: --plot missing/p.svg: cannot write there (ENOENT for directory missing)'],
      ['--plot whose scatter plot is --out', ['--out', 'p-scatter.svg', '--plot', 'p.svg'], 'mixfit: --plot p-scatter.svg: the same file as --out'],
      ['one file for two options', ['--out', 'same.json', '--history', 'same.json'], 'mixfit: --history same.json: the same file as --out'],
    ];
    for (const [name, extra, message] of cases) {
      it(`exit 2, one line naming the option, nothing written: ${name}`, () => {
        rmSync(outDir, { recursive: true, force: true });
        mkdirSync(outDir);
        const r = spawnSync(process.execPath, [CLI, ...slow, ...extra], { encoding: 'utf8', cwd: outDir, timeout: 60_000 });
        expect(r.status).toBe(2);
        expect(r.stderr).toBe(message + '\n');
        expect(r.stdout).toBe('');
        // Checked before the fit: stderr above holds no progress line; neither the good outputs nor a temp file exist.
        expect(readdirSync(outDir)).toEqual([]);
      });
    }

    it('all outputs written with no temp files left; demo checks --out-dir before running', () => {
      rmSync(outDir, { recursive: true, force: true });
      mkdirSync(outDir);
      const r = spawnSync(process.execPath, [CLI, 'fit', '../data.csv', '--components', '2', '--out', 'm.json', '--history', 'h.csv', '--plot', 'p.svg', '--quiet'], { encoding: 'utf8', cwd: outDir });
      expect(r.status).toBe(0);
      expect(readdirSync(outDir).sort()).toEqual(['h.csv', 'm.json', 'p-scatter.svg', 'p.svg']);
      expect(temps()).toEqual([]);
      const d = run(['demo', '--out-dir', 'no/such/dir']);
      expect(d.code).toBe(2);
      expect(d.stderr).toBe('mixfit: --out-dir no/such/dir/demo-convergence.svg: cannot write there (ENOENT for directory no/such/dir)\n');
    });
  });

  describe('DATA files: header rule, quoting, line ends, 1-based rows for CSV and JSON', () => {
    const fitJson = (file: string, ...extra: string[]) => {
      const r = run(['fit', file, '--components', '1', '--init', 'one.json', '--max-iter', '20', '--quiet', '--json', ...extra]);
      return { ...r, doc: r.code === 0 ? JSON.parse(r.stdout) : undefined };
    };
    beforeAll(() => writeFileSync(f('one.json'), JSON.stringify({ means: [[0.5, 0.5]], weights: [1], variances: 1, covariance: 'fixed' })));

    it('a first line with a number is data: "3.99,abc" exits 2 naming row 1, column 2; --header makes it a header', () => {
      writeFileSync(f('mixed-head.csv'), '3.99,abc\n1,2\n3,4\n');
      const r = fitJson('mixed-head.csv');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('mixfit: mixed-head.csv: row 1, column 2: not a finite number ("abc") (a first line is a header only when none of its cells is a number; or pass --header)\n');
      const h = fitJson('mixed-head.csv', '--header');
      expect(h.code).toBe(0);
      writeFileSync(f('two-rows.csv'), '1,2\n3,4\n');
      expect(h.doc.model).toEqual(fitJson('two-rows.csv').doc.model);
      // --header on a file whose first line is numeric drops that line (the user said it is a header).
      expect(fitJson('two-rows.csv', '--header').doc.model.means).toEqual([[3, 4]]);
    });

    it('quoted numbers, CR-only, CRLF and LF files give the same fit', () => {
      const body = rows.slice(0, 50);
      writeFileSync(f('lf.csv'), 'x,y\n' + body.map((r) => r.join(',')).join('\n'));
      writeFileSync(f('cr.csv'), 'x,y\r' + body.map((r) => r.join(',')).join('\r') + '\r');
      writeFileSync(f('crlf.csv'), '"x","y"\r\n' + body.map((r) => r.join(',')).join('\r\n'));
      writeFileSync(f('quoted.csv'), '"x";"y"\n' + body.map((r) => `"${r[0]}";"${r[1]}"`).join('\n'));
      const want = fitJson('lf.csv');
      expect(want.code).toBe(0);
      for (const file of ['cr.csv', 'crlf.csv', 'quoted.csv']) expect(fitJson(file).doc.model).toEqual(want.doc.model);
      writeFileSync(f('json-50.json'), JSON.stringify(body));
      expect(fitJson('json-50.json').doc.model).toEqual(want.doc.model);
    });

    it('the same bad cell is "row 3, column 2" in a CSV file and in a JSON file', () => {
      writeFileSync(f('cell.csv'), '1,2\n3,4\n5,x\n');
      writeFileSync(f('cell.json'), '[[1, 2], [3, 4], [5, "x"]]');
      writeFileSync(f('ragged.json'), '[[1, 2], [3, 4, 5]]');
      writeFileSync(f('notrows.json'), '[[1, 2], 3]');
      const expectOne = (file: string, message: string) => {
        const r = run(['fit', file, '--components', '1']);
        expect(r.code).toBe(2);
        expect(r.stderr).toBe(`mixfit: ${message}\n`);
      };
      expectOne('cell.csv', 'cell.csv: row 3, column 2: not a finite number ("x")');
      expectOne('cell.json', 'cell.json: row 3, column 2: not a finite number ("x")');
      expectOne('ragged.json', 'ragged.json: row 2 has 3 columns, expected 2 (ragged rows)');
      expectOne('ragged.csv', 'ragged.csv: row 2 has 3 columns, expected 2 (ragged rows)');
      expectOne('notrows.json', 'notrows.json: row 2: must be an array of numbers (received 3)');
    });
  });

  it('--max-iter 0 is accepted, as by the API: the model is the start (in the start file\'s layout, no --covariance given)', async () => {
    const { GaussianMixture } = await api();
    const r = run(['fit', 'data.csv', ...FIT.slice(0, 4), '--max-iter', '0', '--init', 'start.json', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.nIter).toBe(0);
    expect(doc.model.covariance).toBe('fixed');
    const gm = new GaussianMixture({ nComponents: 2, seed: 3, maxIter: 0, covariance: 'fixed', init: { means: [[-1, 0.5], [1, -0.5]], weights: [0.5, 0.5], variances: 1 } });
    const res = await gm.fit(rows);
    expect(doc.model).toEqual(gm.toJSON());
    expect(doc.loss).toBe(res.loss);
    expect(doc.model.means).toEqual([[-1, 0.5], [1, -0.5]]);
    expect(run(['fit', 'data.csv', '--components', '2', '--max-iter', '-1']).stderr).toBe('mixfit: --max-iter must be an integer ≥ 0 (received -1)\n');
    // Without --init the default layout is 'full'; --covariance overrides a start file's layout.
    const full = JSON.parse(run(['fit', 'data.csv', ...FIT.slice(0, 4), '--max-iter', '0', '--json']).stdout);
    expect(full.model.covariance).toBe('full');
    const diag = JSON.parse(run(['fit', 'data.csv', ...FIT.slice(0, 4), '--max-iter', '0', '--init', 'start.json', '--covariance', 'diagonal', '--json']).stdout);
    expect(diag.model.covariance).toBe('diagonal');
    expect(diag.model.variances).toEqual([[1, 1], [1, 1]]);
  });

  it('score --json and eval --json write -Infinity and NaN as strings (JSON has no such numbers), not null', () => {
    // A point 1e200 away from a component of variance 1e-10: its log-density is below the float64 range.
    writeFileSync(f('narrow.json'), JSON.stringify({ means: [[0]], weights: [1], variances: 1e-10, covariance: 'fixed' }));
    writeFileSync(f('far.csv'), '0\n1e200\n');
    const sc = JSON.parse(run(['score', 'narrow.json', 'far.csv', '--json']).stdout);
    expect(sc.logDensity[0]).toBeCloseTo(-0.5 * Math.log(2 * Math.PI * 1e-10), 10);
    expect(sc.logDensity[1]).toBe('-Infinity');
    expect(sc.mean).toBe('-Infinity');
    const ev = JSON.parse(run(['eval', 'narrow.json', 'far.csv', '--json']).stdout);
    expect(ev.nll).toBe('Infinity');
  });

  it('fit --json writes one JSON document matching the JS API (same start), and the model file', async () => {
    const r = run(['fit', 'data.csv', ...FIT, '--weights', 'fixed', '--covariance', 'fixed', '--init', 'start.json', '--json', '--out', 'model.json', '--history', 'h.csv', '--plot', 'p.svg']);
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
    // The file may carry more (a schema version, which blocks were learned); the parameters are the API's.
    expect({ means: model.means, weights: model.weights, variances: model.variances, covariance: model.covariance }).toEqual({ ...res.params, covariance: 'fixed' });
    expect(doc.model).toEqual(model);
    const hist = readFileSync(f('h.csv'), 'utf8').trim().split('\n');
    expect(hist[0]).toBe('iteration,evaluations,loss,gradNorm,kind,stepSize,optimumEstimate');
    expect(hist.length - 1).toBe(res.history.length);
    expect(Number(hist.at(-1)!.split(',')[2])).toBe(res.history.at(-1).loss);
    expect(readFileSync(f('p.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(f('p-scatter.svg'), 'utf8')).toContain('class="sigma2"');
    // JSON and semicolon inputs give the same fit; the default k-means++ start also fits.
    const j = JSON.parse(run(['fit', 'data.json', ...FIT, '--weights', 'fixed', '--covariance', 'fixed', '--init', 'start.json', '--json']).stdout);
    const s = JSON.parse(run(['fit', 'semi.csv', ...FIT, '--weights', 'fixed', '--covariance', 'fixed', '--init', 'start.json', '--json']).stdout);
    expect(j.loss).toBe(doc.loss);
    expect(s.loss).toBe(doc.loss);
    const k = JSON.parse(run(['fit', 'data.csv', ...FIT, '--weights', 'fixed', '--covariance', 'fixed', '--json']).stdout);
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
        nComponents: 2, seed: 3, maxIter: 300, solver: opt('solver') ?? 'auto',
        // Unset flags: the estimator's own defaults (the CLI must follow them, not impose its own).
        covariance: opt('covariance'), weights: opt('weights'), init: opt('init') ?? 'kmeans++',
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
    // The paper's fixed setting, where the file's weights and variance are the model's, not just its start.
    const fromFile = JSON.parse(run(['fit', 'data.csv', '--components', '2', '--weights', 'fixed', '--covariance', 'fixed', '--init', 'init.json', '--max-iter', '50', '--json']).stdout);
    const gm = new GaussianMixture({ nComponents: 2, maxIter: 50, weights: 'fixed', covariance: 'fixed', init: { means: [[-2, 1], [2, -1]], weights: [0.3, 0.7], variances: 1.5 } });
    await gm.fit(rows);
    expect(fromFile.model).toEqual(gm.toJSON());
    fromFile.model.weights.forEach((w: number, i: number) => expect(w).toBeCloseTo([0.3, 0.7][i]!, 12));
    const r = run(['fit', 'data.csv', '--components', '2', '--covariance', 'fixed', '--init', 'init.json', '--weights', '1,1', '--max-iter', '50', '--json']);
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
    ['components < 1', ['fit', 'data.csv', '--components', '0'], /--components must be an integer ≥ 1 \(received 0\)/],
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
      '--max-iter', '100000000', '--out', 'interrupted.json', '--history', 'interrupted.csv', '--plot', 'interrupted.svg'], { cwd: dir });
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
    // All outputs or none: the history and both plots of the same best-so-far fit are there too, and no temp file.
    const hist = readFileSync(f('interrupted.csv'), 'utf8').trim().split('\n');
    expect(hist.length).toBeGreaterThan(1);
    expect(readFileSync(f('interrupted.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(f('interrupted-scatter.svg'), 'utf8')).toContain('<svg');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('a second SIGINT exits 130 at once and leaves no temp file behind', async () => {
    const sub = join(dir, 'twice');
    mkdirSync(sub, { recursive: true });
    const child = spawn(process.execPath, [CLI, 'fit', '../big.csv', '--components', '6', '--solver', 'gd', '--tol', '0',
      '--max-iter', '100000000', '--out', 'm.json', '--history', 'h.csv'], { cwd: sub });
    let stderr = '';
    let sent = 0;
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (b) => {
        stderr += b;
        // Both signals before the fit can react to the first: the second one takes the immediate-exit path.
        if (/iter \d+/.test(stderr) && sent === 0) { sent = 2; child.kill('SIGINT'); child.kill('SIGINT'); }
      });
      child.on('exit', (c) => done(c));
    });
    expect(code).toBe(130);
    expect(readdirSync(sub).filter((n) => n.endsWith('.tmp'))).toEqual([]);
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
