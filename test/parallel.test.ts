import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { MixfitError } from '../src/errors.js';
import { Rng } from '../src/model/rng.js';
import { empiricalObjective } from '../src/objective/empirical.js';
import { populationObjective } from '../src/objective/population.js';
import { sampleObjective } from '../src/objective/sample.js';
import { BackendObjective } from '../src/objective/objective.js';
import { PoolBackend } from '../src/parallel/backend.js';
import { resolveThreads } from '../src/parallel/threads.js';
import { shardBounds } from '../src/parallel/pool.js';
import { loadKernels } from '../src/runtime/kernels.js';
import { minimize } from '../src/solvers/minimize.js';
import type { FlatParams, PassStats } from '../src/types.js';
// @ts-expect-error plain .mjs build helper without types
import { workerCodeEsbuild } from '../scripts/worker-code.mjs';

const open: BackendObjective[] = [];

/** An objective over M with exactly `threads` workers (the `threads` option is capped by cores and rows). */
async function exactThreads(M: { data: Float64Array; rows: number; cols: number }, threads: number, c?: number[]): Promise<BackendObjective> {
  if (threads === 1) return empiricalObjective(M, { threads: 1, sampleWeight: c });
  const kernels = await loadKernels();
  return new BackendObjective(new PoolBackend(kernels, M.data, M.rows, M.cols, c && Float64Array.from(c), { threads }), 'empirical');
}
afterEach(() => { for (const o of open.splice(0)) o.dispose(); });

/** The worker pool behind `o` (the test fails when `o` runs on one thread). */
function pool(o: BackendObjective): PoolBackend {
  const be = o.live();
  expect(be).toBeInstanceOf(PoolBackend);
  return be as PoolBackend;
}

function data(rng: Rng, rows: number, cols: number): Float64Array {
  const X = new Float64Array(rows * cols);
  for (let k = 0; k < rows; k++) for (let j = 0; j < cols; j++) X[k * cols + j] = 3 * rng.normal() + (k % 3) * 2;
  return X;
}

function params(rng: Rng, n: number, d: number, layout: FlatParams['layout']): FlatParams {
  const means = new Float64Array(n * d).map(() => 3 * rng.normal());
  const logWeights = new Float64Array(n).map(() => rng.normal());
  const nv = layout === 'shared' ? 1 : layout === 'component' ? n : n * d;
  const variances = new Float64Array(nv).map(() => 0.5 + 2 * rng.uniform());
  return { n, d, means, logWeights, variances, layout };
}

function copyStats(s: PassStats): PassStats {
  return { totalWeight: s.totalWeight, sumLogLik: s.sumLogLik, R: s.R.slice(), S: s.S.slice(), Q: s.Q.slice() };
}

/** Float64 reference of Σ c ℓ and R by direct log-sum-exp, independent of the kernels. */
function reference(X: Float64Array, rows: number, c: Float64Array | undefined, p: FlatParams): { sumLogLik: number; R: Float64Array } {
  const { n, d } = p;
  const R = new Float64Array(n);
  let sum = 0;
  const lw = Array.from(p.logWeights);
  const a = new Float64Array(n);
  for (let k = 0; k < rows; k++) {
    for (let i = 0; i < n; i++) {
      let s = lw[i];
      for (let j = 0; j < d; j++) {
        const v = p.layout === 'shared' ? p.variances[0] : p.layout === 'component' ? p.variances[i] : p.variances[i * d + j];
        const z = X[k * d + j] - p.means[i * d + j];
        s -= 0.5 * (Math.log(2 * Math.PI * v) + (z * z) / v);
      }
      a[i] = s;
    }
    const mx = Math.max(...a);
    let t = 0;
    for (let i = 0; i < n; i++) t += Math.exp(a[i] - mx);
    const l = mx + Math.log(t);
    const ck = c ? c[k] : 1;
    sum += ck * l;
    for (let i = 0; i < n; i++) R[i] += ck * Math.exp(a[i] - l);
  }
  return { sumLogLik: sum, R };
}

function expectClose(a: Float64Array, b: Float64Array, rel: number): void {
  expect(a.length).toBe(b.length);
  const scale = Math.max(1e-300, ...Array.from(b, Math.abs));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]) / scale, `entry ${i}`).toBeLessThanOrEqual(rel);
}

describe('shard bounds', () => {
  it('cover all rows once, sizes within one', () => {
    for (const [rows, t] of [[10, 3], [7, 7], [1_000_003, 2], [5, 1]]) {
      let prev = 0;
      for (let i = 0; i < t; i++) {
        const [a, b] = shardBounds(rows, t, i);
        expect(a).toBe(prev);
        expect(b - a).toBeGreaterThanOrEqual(Math.floor(rows / t));
        expect(b - a).toBeLessThanOrEqual(Math.ceil(rows / t));
        prev = b;
      }
      expect(prev).toBe(rows);
    }
  });
});

describe('threads option', () => {
  it('auto picks one thread for small data and rejects bad values before any work', async () => {
    expect(await resolveThreads('auto', 100, 10)).toBe(1);
    expect(await resolveThreads(undefined, 10_000, 10)).toBe(1);
    expect(await resolveThreads(undefined, 19_999, 10)).toBe(1);
    const cores = (await import('node:os')).availableParallelism();
    expect(await resolveThreads('auto', 20_000, 10)).toBe(cores);
    expect(await resolveThreads('auto', 1_000_000, 10)).toBe(cores);
    // A number is capped at the cores and one worker per 1000 rows (issue 13).
    expect(await resolveThreads(3, 10, 1)).toBe(1);
    expect(await resolveThreads(3, 3000, 1)).toBe(Math.min(3, cores));
    for (const bad of [0, -1, 1.5, NaN, 'many']) {
      await expect(empiricalObjective([[1], [2]], { threads: bad as never })).rejects.toSatisfy(
        (e: unknown) => e instanceof MixfitError && /options\.threads/.test((e as Error).message));
    }
  });
});

describe('parallel passes', () => {
  const rows = 3001; // not divisible by 2 or 3: uneven shards
  const d = 3;
  const n = 4;

  for (const layout of ['shared', 'component', 'diagonal'] as const) {
    for (const weighted of [false, true]) {
      it(`threads 1, 2, 3 agree to 1e-12 and match a float64 reference (${layout}, ${weighted ? 'weighted' : 'unit'})`, async () => {
        const rng = new Rng(1000 + layout.length * 7 + (weighted ? 1 : 0));
        const X = data(rng, rows, d);
        const c = weighted ? Array.from({ length: rows }, () => rng.uniform() * 2) : undefined;
        const M = { data: X, rows, cols: d };
        const objs = await Promise.all([1, 2, 3].map((threads) => exactThreads(M, threads, c)));
        open.push(...objs);
        expect(objs[0].live()).not.toBeInstanceOf(PoolBackend);
        pool(objs[1]);
        pool(objs[2]);
        for (let trial = 0; trial < 3; trial++) {
          const p = params(rng, n, d, layout);
          const s = await Promise.all(objs.map(async (o) => copyStats(await o.statsAsync(p))));
          for (const t of [1, 2]) {
            expect(Math.abs(s[t].sumLogLik - s[0].sumLogLik) / Math.abs(s[0].sumLogLik)).toBeLessThanOrEqual(1e-12);
            expect(Math.abs(s[t].totalWeight - s[0].totalWeight) / s[0].totalWeight).toBeLessThanOrEqual(1e-12);
            expectClose(s[t].R, s[0].R, 1e-12);
            expectClose(s[t].S, s[0].S, 1e-12);
            expectClose(s[t].Q, s[0].Q, 1e-12);
          }
          // Kernel-independent check that the shards together see every row exactly once.
          const cw = c ? Float64Array.from(c) : undefined;
          const ref = reference(X, rows, cw, p);
          expect(Math.abs(s[2].sumLogLik - ref.sumLogLik) / Math.abs(ref.sumLogLik)).toBeLessThanOrEqual(1e-9);
          expectClose(s[2].R, ref.R, 1e-9);
          // Run to run: bit-identical for a given thread count.
          const again = copyStats(await objs[2].statsAsync(p));
          expect(again.sumLogLik).toBe(s[2].sumLogLik);
          expect(Array.from(again.S)).toEqual(Array.from(s[2].S));
          // The synchronous path (local instance) agrees too.
          expect(Math.abs(objs[1].value(p) - objs[0].value(p))).toBeLessThanOrEqual(1e-12 * Math.abs(objs[0].value(p)));
        }
        expect(objs[1].evaluations).toBe(6);
      });
    }
  }

  it('more threads than rows still works (capped at one row per worker)', async () => {
    const rng = new Rng(7);
    const X = data(rng, 5, 2);
    const one = await empiricalObjective({ data: X, rows: 5, cols: 2 }, { threads: 1 });
    // The option is capped at one worker per 1000 rows; the class itself only at one row per worker.
    const capped = await empiricalObjective({ data: X, rows: 5, cols: 2 }, { threads: 8 });
    open.push(capped);
    expect(capped.live()).not.toBeInstanceOf(PoolBackend);
    const many = await exactThreads({ data: X, rows: 5, cols: 2 }, 8);
    open.push(one, many);
    expect(pool(many).threads).toBe(5);
    const p = params(rng, 3, 2, 'diagonal');
    const a = copyStats(await one.statsAsync(p));
    const b = await many.statsAsync(p);
    expect(Math.abs(b.sumLogLik - a.sumLogLik)).toBeLessThanOrEqual(1e-12 * Math.abs(a.sumLogLik));
    expectClose(b.S, a.S, 1e-12);
  });

  it('scoreAsync gathers per-row densities and responsibilities in row order', async () => {
    const rng = new Rng(8);
    const X = data(rng, 1001, 2);
    const obj = await exactThreads({ data: X, rows: 1001, cols: 2 }, 3);
    open.push(obj);
    const p = params(rng, 3, 2, 'component');
    const l1 = new Float64Array(1001), r1 = new Float64Array(3003), l2 = new Float64Array(1001), r2 = new Float64Array(3003);
    await pool(obj).scoreAsync(p, l1, r1);
    obj.live().score(p, l2, r2);
    expectClose(l1, l2, 1e-13);
    expectClose(r1, r2, 1e-13);
  });

  it('fits agree across threads 1, 2, 3 and workers are reused across fits', async () => {
    const rng = new Rng(9);
    const rows2 = 4000;
    const X = data(rng, rows2, 2);
    const objs = await Promise.all([1, 2, 3].map((threads) => exactThreads({ data: X, rows: rows2, cols: 2 }, threads)));
    open.push(...objs);
    const start = { means: [[-1, 0], [1, 1], [3, 2]] };
    const fits = [];
    for (const o of objs) fits.push(await minimize(o, start, { maxEvaluations: 40 }));
    for (const t of [1, 2]) {
      expect(fits[t].nEvaluations).toBe(fits[0].nEvaluations);
      expect(Math.abs(fits[t].loss - fits[0].loss)).toBeLessThanOrEqual(1e-10 * Math.abs(fits[0].loss));
    }
    const par = objs[2];
    expect(pool(par).workersRunning).toBe(true);
    const second = await minimize(par, start, { maxEvaluations: 40 });
    expect(second.loss).toBe(fits[2].loss);
  });
});

describe('population and sample objectives', () => {
  it('take threads and agree with one thread to 1e-12', async () => {
    const truth = { means: [[-2, 0], [2, 1]], variances: [1, 0.5] };
    const p = params(new Rng(11), 3, 2, 'component');
    const pairs = [
      await Promise.all([populationObjective(truth, { threads: 1, nodes: 60 }), populationObjective(truth, { threads: 2, nodes: 60 })]),
      await Promise.all([sampleObjective(truth, { rows: 5000, seed: 4, threads: 1 }), sampleObjective(truth, { rows: 5000, seed: 4, threads: 3 })]),
    ];
    for (const [one, par] of pairs) {
      open.push(one, par);
      pool(par);
      expect(par.offset).toBe(one.offset);
      expect(par.knownOptimum).toBe(one.knownOptimum);
      const a = one.lossFromStats(await one.statsAsync(p));
      const b = par.lossFromStats(await par.statsAsync(p));
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.abs(a));
    }
  });
});

describe('worker failures', () => {
  it('a crashing worker rejects the pending evaluation and the fit, never hangs; the pool restarts after', async () => {
    const rng = new Rng(10);
    const X = data(rng, 2000, 2);
    const obj = await empiricalObjective({ data: X, rows: 2000, cols: 2 }, { threads: 2 });
    open.push(obj);
    const p = params(rng, 2, 2, 'shared');
    const good = copyStats(await obj.statsAsync(p));
    await pool(obj).crashWorkerForTest(1);
    await expect(obj.statsAsync(p)).rejects.toThrow(/crash|exited/);
    await pool(obj).crashWorkerForTest(0);
    await expect(minimize(obj, { means: [[0, 0], [1, 1]] }, { maxEvaluations: 20 })).rejects.toThrow(/crash|exited/);
    const again = await obj.statsAsync(p);
    expect(again.sumLogLik).toBe(good.sumLogLik);
  });

  it('after dispose, evaluations throw a MixfitError naming the objective', async () => {
    const obj = await empiricalObjective({ data: new Float64Array(40), rows: 20, cols: 2 }, { threads: 2 });
    const p = params(new Rng(1), 2, 2, 'shared');
    await obj.statsAsync(p);
    obj.dispose();
    expect(() => obj.statsAsync(p)).toThrow(/objective/);
  });
});

describe('abort', () => {
  it('stops the workers after the pass in flight; the fit resolves aborted and later passes run locally', async () => {
    const rng = new Rng(12);
    const X = data(rng, 30_000, 3);
    const ac = new AbortController();
    const obj = await empiricalObjective({ data: X, rows: 30_000, cols: 3 }, { threads: 2, signal: ac.signal });
    open.push(obj);
    const p = params(rng, 3, 3, 'diagonal');
    const before = copyStats(await obj.statsAsync(p));
    expect(pool(obj).workersRunning).toBe(true);
    const inflight = obj.statsAsync(p);
    ac.abort();
    expect((await inflight).sumLogLik).toBe(before.sumLogLik);
    await new Promise((r) => setTimeout(r, 0));
    expect(pool(obj).workersRunning).toBe(false);
    const after = await obj.statsAsync(p);
    expect(Math.abs(after.sumLogLik - before.sumLogLik)).toBeLessThanOrEqual(1e-12 * Math.abs(before.sumLogLik));
    expect(pool(obj).workersRunning).toBe(false);
    const fit = await minimize(obj, { means: [[0, 0, 0], [1, 1, 1]] }, { maxEvaluations: 10, signal: ac.signal });
    expect(fit.status).toBe('aborted');
  });
});

describe('process life cycle (child node processes)', () => {
  let script: string | undefined;
  async function bundle(): Promise<string> {
    if (script) return script;
    const dir = mkdtempSync(join(tmpdir(), 'mixfit-parallel-'));
    const src = resolve('src');
    const entry = `
      import { empiricalObjective } from ${JSON.stringify(join(src, 'objective/empirical.ts'))};
      import { minimize } from ${JSON.stringify(join(src, 'solvers/minimize.ts'))};
      import { Rng } from ${JSON.stringify(join(src, 'model/rng.ts'))};
      const mode = process.argv[2];
      const rng = new Rng(3);
      const rows = 200000, cols = 4;
      const X = new Float64Array(rows * cols).map(() => rng.normal());
      const ac = new AbortController();
      const obj = await empiricalObjective({ data: X, rows, cols }, { threads: 2, signal: ac.signal });
      const start = { means: [[0, 0, 0, 0], [1, 1, 1, 1], [-1, 0, 1, 0]] };
      if (mode === 'abort') {
        setTimeout(() => ac.abort(), 400);
        const r = await minimize(obj, start, { solver: 'gd', maxEvaluations: 100000, maxIter: 100000, tol: 0, signal: ac.signal });
        console.log(JSON.stringify({ status: r.status, running: obj.live().workersRunning }));
      } else {
        const r = await minimize(obj, start, { maxEvaluations: 5 });
        console.log(JSON.stringify({ status: r.status, running: obj.live().workersRunning }));
      }
      // No dispose: the workers must not keep the process alive.
    `;
    const out = join(dir, 'child.mjs');
    await build({ stdin: { contents: entry, resolveDir: src, loader: 'ts' }, bundle: true, format: 'esm', platform: 'node',
      target: 'node20', outfile: out, loader: { '.wasm': 'binary' }, plugins: [workerCodeEsbuild], logLevel: 'error' });
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    return (script = out);
  }

  function run(mode: string, timeoutMs: number): Promise<{ code: number | null; out: string; ms: number; killed: boolean }> {
    return bundle().then((file) => new Promise((res) => {
      const t0 = Date.now();
      const child = spawn(process.execPath, [file, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b) => { out += b; });
      child.stderr.on('data', (b) => { out += b; });
      let killed = false;
      const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, timeoutMs);
      child.on('exit', (code) => { clearTimeout(timer); res({ code, out, ms: Date.now() - t0, killed }); });
    }));
  }

  it('aborting mid-fit terminates the workers and the process exits by itself', async () => {
    const r = await run('abort', 45_000);
    expect(r.killed, r.out).toBe(false);
    expect(r.code, r.out).toBe(0);
    expect(JSON.parse(r.out.trim().split('\n').pop()!)).toEqual({ status: 'aborted', running: false });
  }, 60_000);

  it('a finished fit without dispose leaves no handle that keeps the process alive', async () => {
    const r = await run('fit', 45_000);
    expect(r.killed, r.out).toBe(false);
    expect(r.code, r.out).toBe(0);
    expect(JSON.parse(r.out.trim().split('\n').pop()!)).toMatchObject({ running: true });
  }, 60_000);
});

describe('GaussianMixture threads', () => {
  it('fits with threads 1, 2 and 3 agree to 1e-12 and a user-supplied wasm Module reaches the workers', async () => {
    const { GaussianMixture } = await import('../src/estimator.js');
    const { loadKernels } = await import('../src/runtime/kernels.js');
    const rng = new Rng(41);
    const rows = 3000, cols = 4;
    const X = { data: data(rng, rows, cols), rows, cols };
    const fits: Awaited<ReturnType<InstanceType<typeof GaussianMixture>["fit"]>>[] = [];
    for (const threads of [1, 2, 3]) {
      // gd-polyak (the old default) named explicitly: the extrapolating EM accelerators ('auto') multiply the
      // passes' rounding differences by up to step.max², so thread counts agree there to ~1e-11 (measured 1.4e-11), not 1e-12.
      const gm = new GaussianMixture({ nComponents: 4, weights: 'learned', covariance: 'diagonal', threads, seed: 5, maxIter: 60, solver: 'gd-polyak' });
      fits.push(await gm.fit(X));
    }
    const flat = (r: (typeof fits)[number]) => [r.loss, ...r.params.means.flat(), ...r.params.weights, ...(r.params.variances as number[][]).flat()];
    const base = flat(fits[0]!);
    for (const f of fits.slice(1)) {
      expect(f.nIter).toBe(fits[0]!.nIter);
      flat(f).forEach((v, k) => expect(Math.abs(v - base[k]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(base[k]!))));
    }
    // The SIMD build passed as `wasm` under kernel 'scalar' (same ABI, results differing in the last bits)
    // must be what the workers run: the fit is then bit-identical to a SIMD fit with the same threads and
    // differs from a scalar one.
    const simdModule = (await loadKernels({ kernel: 'simd' })).module!;
    const run = async (o: object) => (await new GaussianMixture({ nComponents: 4, seed: 5, maxIter: 20, threads: 2, ...o }).fit(X)).params.means.flat();
    const viaUser = await run({ kernel: 'scalar', wasm: simdModule });
    const simd = await run({ kernel: 'simd' });
    const scalar = await run({ kernel: 'scalar' });
    expect(simd).not.toEqual(scalar);
    expect(viaUser).toEqual(simd);
  });
});
