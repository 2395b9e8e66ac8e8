// The EM accelerators (squarem, anderson, em-polyak) and 'auto': iterates against hand-written float64
// references of the published algorithms (R's squarem1, daarem with order 1, K EM steps + a Polyak step
// along F(θ) − θ), the monotone safeguard, validity of every iterate, determinism, abort/atomic commit
// through GaussianMixture, and 'auto' running what its rule says.
import { describe, expect, it } from 'vitest';
import { AbortError, GaussianMixture } from '../src/index.js';
import { Rng } from '../src/model/rng.js';
import { empiricalObjective } from '../src/objective/empirical.js';
import { populationObjective } from '../src/objective/population.js';
import { sampleObjective } from '../src/objective/sample.js';
import { symmetricEigen } from '../src/solvers/anderson.js';
import { runSteps } from '../src/solvers/driver.js';
import { em } from '../src/solvers/em.js';
import { MixtureProblem } from '../src/solvers/mixtureProblem.js';
import { Parameterization } from '../src/solvers/parameterization.js';
import { squarem } from '../src/solvers/squarem.js';
import type { AnyStep } from '../src/solvers/step.js';
// @ts-expect-error plain .mjs bench helper without types (the tournament's data and starts)
import { normals } from '../bench/lib/normals.mjs';
import { autoSolver } from '../src/solvers/auto.js';
import { minimize, type MinimizeOptions, type MinimizeResult } from '../src/solvers/minimize.js';
import { resolveOptions } from '../src/solvers/options.js';
import type { MixtureParams } from '../src/types.js';

const REG = 1e-6;

/** A seeded 2-D sample from 3 unit Gaussians (rows × 2, row-major). */
function sample(rows: number, seed: number): { data: Float64Array; rows: number; cols: number } {
  const rng = new Rng(seed);
  const centers = [[-3, 0], [2, 2], [1.5, -2.5]];
  const data = new Float64Array(rows * 2);
  for (let k = 0; k < rows; k++) for (let j = 0; j < 2; j++) data[k * 2 + j] = centers[k % 3][j] + rng.normal();
  return { data, rows, cols: 2 };
}

// ---------------------------------------------------------------------------------------------------------
// Float64 reference: θ = [means (n·d) | logits (n) | log(σ²_ij − REG) (n·d)], a diagonal mixture with learned
// weights, written out directly (no kernel, no Parameterization).

interface Ref { X: Float64Array; N: number; d: number; n: number }

function unpack(r: Ref, t: number[]) {
  const { n, d } = r;
  const mu = t.slice(0, n * d);
  const a = t.slice(n * d, n * d + n);
  const m = Math.max(...a);
  const lse = m + Math.log(a.reduce((s, v) => s + Math.exp(v - m), 0));
  const logw = a.map((v) => v - lse);
  const v = t.slice(n * d + n).map((s) => REG + Math.exp(s));
  return { mu, logw, v };
}

/** Mean NLL (without the (d/2)·log 2π constant), responsibilities r[k][i], and ∇θ. */
function refPass(r: Ref, t: number[]) {
  const { X, N, d, n } = r;
  const { mu, logw, v } = unpack(r, t);
  let f = 0;
  const resp: number[][] = [];
  for (let k = 0; k < N; k++) {
    const lp = Array.from({ length: n }, (_, i) => {
      let s = logw[i];
      for (let j = 0; j < d; j++) s -= 0.5 * (Math.log(v[i * d + j]) + (X[k * d + j] - mu[i * d + j]) ** 2 / v[i * d + j]);
      return s;
    });
    const m = Math.max(...lp);
    const lse = m + Math.log(lp.reduce((s, x) => s + Math.exp(x - m), 0));
    f -= lse / N;
    resp.push(lp.map((x) => Math.exp(x - lse)));
  }
  const g = new Array(t.length).fill(0);
  for (let i = 0; i < n; i++) {
    let R = 0;
    for (let k = 0; k < N; k++) R += resp[k][i];
    g[n * d + i] = -(R / N - Math.exp(logw[i]));
    for (let j = 0; j < d; j++) {
      const q = i * d + j;
      let gm = 0, gv = 0;
      for (let k = 0; k < N; k++) {
        const e = X[k * d + j] - mu[q];
        gm -= resp[k][i] * e / v[q];
        gv -= resp[k][i] * (e * e / (2 * v[q] * v[q]) - 1 / (2 * v[q]));
      }
      g[q] = gm / N;
      g[n * d + n + q] = (gv / N) * (v[q] - REG);
    }
  }
  return { f, resp, g };
}

/** The EM map in θ: μ = S/R, logit = log(R/N), σ² = weighted spread about the new mean + REG. */
function refEm(r: Ref, t: number[]): number[] {
  const { X, N, d, n } = r;
  const { resp } = refPass(r, t);
  const out = t.slice();
  for (let i = 0; i < n; i++) {
    let R = 0;
    for (let k = 0; k < N; k++) R += resp[k][i];
    out[n * d + i] = Math.log(R / N);
    for (let j = 0; j < d; j++) {
      let S = 0;
      for (let k = 0; k < N; k++) S += resp[k][i] * X[k * d + j];
      const m = S / R;
      let Q = 0;
      for (let k = 0; k < N; k++) Q += resp[k][i] * (X[k * d + j] - m) ** 2;
      out[i * d + j] = m;
      out[n * d + n + i * d + j] = Math.log(Math.max(Q / R, 1e-300));
    }
  }
  return out;
}

const loss = (r: Ref, t: number[]) => refPass(r, t).f;
const add = (u: number[], v: number[], c = 1) => u.map((x, k) => x + c * v[k]);
const dotp = (u: number[], v: number[]) => u.reduce((s, x, k) => s + x * v[k], 0);

/** R's SQUAREM::squarem1 (method 3, objfn.inc = 0), literally: the parameter vector after each cycle. */
function refSquarem(r: Ref, t0: number[], cycles: number): number[][] {
  let p = t0, lold = loss(r, p), stepMin = 1, stepMax = 1;
  const out: number[][] = [];
  for (let c = 0; c < cycles; c++) {
    const p1 = refEm(r, p), q1 = add(p1, p, -1);
    const p2 = refEm(r, p1), q2 = add(p2, p1, -1);
    const v = add(q2, q1, -1);
    let alpha = Math.sqrt(dotp(q1, q1) / dotp(v, v));
    alpha = Math.max(stepMin, Math.min(stepMax, alpha));
    let pNew = p.map((x, k) => x + 2 * alpha * q1[k] + alpha * alpha * v[k]);
    if (Math.abs(alpha - 1) > 0.01) pNew = refEm(r, pNew);
    let lnew = loss(r, pNew);
    if (!Number.isFinite(lnew) || lnew > lold) {
      pNew = p2;
      lnew = loss(r, p2);
      if (alpha === stepMax) stepMax = Math.max(1, stepMax / 4);
      alpha = 1;
    }
    if (alpha === stepMax) stepMax = 4 * stepMax;
    p = pNew;
    lold = lnew;
    out.push(p);
  }
  return out;
}

/** daarem_base_objfn with order 1 (so ΔF is one column and its SVD is its norm), mon.tol = 0. */
function refDaarem1(r: Ref, t0: number[], iters: number): number[][] {
  let xold = t0, xnew = refEm(r, t0), fold = add(xnew, xold, -1), fcur = loss(r, xnew);
  let shrink = 0, lambda = 100000, rr = 0, ell = fcur;
  const out: number[][] = [xnew];
  const a1 = 1.2, kappa = 25;
  for (let it = 0; it < iters; it++) {
    const fnew = add(refEm(r, xnew), xnew, -1);
    const dF = add(fnew, fold, -1), dX = add(xnew, xold, -1);
    const dv = Math.sqrt(dotp(dF, dF));
    const uy = dotp(dF, fnew) / dv, uySq = uy * uy;
    // DampingFind for one singular value.
    const pow = kappa - shrink, target = Math.exp(-0.5 * Math.log1p(a1 ** pow));
    const lsNorm = Math.sqrt(uySq / (dv * dv)), vk = target * lsNorm;
    let lam = lambda - rr / vk, LL = (lsNorm * (lsNorm - vk)) / (uySq / dv ** 4), UU = Math.abs(uy * dv) / vk;
    const lStop = Math.exp(-0.5 * Math.log1p(a1 ** (pow + 0.5))), uStop = Math.exp(-0.5 * Math.log1p(a1 ** (pow - 0.5)));
    let sNorm = 0, ratio = 0;
    for (let k = 0; k < 10; k++) {
      if (lam <= LL || lam >= UU) lam = Math.max(1e-4 * UU, Math.sqrt(LL * UU));
      const dl = (dv / (dv * dv + lam)) ** 2;
      sNorm = Math.sqrt(uySq * dl);
      const phi = sNorm - vk;
      ratio = phi / (-(uySq * dl / (dv * dv + lam)) / sNorm);
      if (sNorm <= uStop * lsNorm && sNorm >= lStop * lsNorm) break;
      UU = phi >= 0 ? UU : lam;
      LL = Math.max(LL, lam - ratio);
      lam -= (sNorm * ratio) / vk;
    }
    lambda = lam; rr = sNorm * ratio;
    const gamma = (dv * uy) / (dv * dv + lambda);
    const prop = xnew.map((x, k) => x + fnew[k] - gamma * (dX[k] + dF[k]));
    const fp = loss(r, prop);
    fold = fnew; xold = xnew;
    if (Number.isFinite(fp) && fp <= fcur) { xnew = prop; fcur = fp; shrink++; }
    else { xnew = add(xold, fold); fcur = loss(r, xnew); }
    // order 1: every iteration ends a cycle.
    if (fcur > ell) shrink = Math.max(shrink - 1, -2 * kappa);
    ell = fcur;
    out.push(xnew);
  }
  return out;
}

/** θ of public params (diagonal, learned weights). */
function thetaOf(p: Required<MixtureParams>): number[] {
  const mu = (p.means as number[][]).flat();
  const logit = (p.weights as number[]).map((w) => Math.log(w));
  const s = (p.variances as number[][]).flat().map((v) => Math.log(v - REG));
  return [...mu, ...logit, ...s];
}

const START: MixtureParams = { means: [[-1, 0.5], [1, 1], [0.5, -1]], weights: [0.3, 0.3, 0.4], variances: [[2, 1], [1, 1.5], [1, 1]] };
const DIAG: MinimizeOptions = { weights: 'learned', covariance: 'diagonal', regCovar: REG, tol: 0, maxIter: 1e9 };

/** θ at every record of the given kinds. */
async function iterates(options: MinimizeOptions, kinds: string[], maxEvaluations: number) {
  const X = sample(60, 3);
  const obj = await empiricalObjective({ data: X.data, rows: X.rows, cols: X.cols }, { threads: 1, kernel: 'js' });
  const xs: number[][] = [];
  const r = await minimize(obj, START, { ...DIAG, ...options, maxEvaluations, onIteration: (info) => { if (kinds.includes(info.kind)) xs.push(thetaOf(info.params)); } });
  const ref: Ref = { X: X.data, N: X.rows, d: 2, n: 3 };
  const t0 = thetaOf({ means: START.means, weights: START.weights!, variances: START.variances } as Required<MixtureParams>);
  return { xs, r, ref, t0 };
}

/** θ with its logit block shifted to log-weights (softmax is shift-invariant; public weights only show this). */
function canon(t: number[], n = 3, d = 2): number[] {
  const a = t.slice(n * d, n * d + n), m = Math.max(...a);
  const lse = m + Math.log(a.reduce((s, v) => s + Math.exp(v - m), 0));
  return t.map((x, k) => (k >= n * d && k < n * d + n ? x - lse : x));
}

function expectClose(got: number[], ref: number[], tol: number) {
  const a = canon(got), b = canon(ref);
  expect(a.length).toBe(b.length);
  const scale = Math.max(1, ...b.map(Math.abs));
  for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(tol * scale);
}

describe('iterates match float64 references of the published algorithms', () => {
  it('squarem: the first 6 cycles are those of R squarem1 (S3, step.min0 = step.max0 = 1, mstep 4, objfn.inc 0)', async () => {
    const { xs, ref, t0 } = await iterates({ solver: 'squarem' }, ['squarem', 'em'], 6 * 4 + 1);
    const want = refSquarem(ref, t0, 6);
    expect(xs.length).toBeGreaterThanOrEqual(6);
    // Kernel sums vs plain loops differ in rounding only; extrapolation amplifies it by α² ≤ step.max².
    for (let c = 0; c < 6; c++) expectClose(xs[c], want[c], 1e-8);
  });

  it('anderson (order 1): the first 6 iterates are those of daarem with one lag', async () => {
    const { xs, ref, t0 } = await iterates({ solver: 'anderson', andersonOrder: 1 }, ['anderson', 'em'], 13);
    const want = refDaarem1(ref, t0, 5);
    expect(xs.length).toBeGreaterThanOrEqual(6);
    for (let c = 0; c < 6; c++) expectClose(xs[c], want[c], 1e-8);
  });

  it('em-polyak: K EM steps, then θ + γ(F(θ) − θ) with γ = (f − f̂)/⟨∇f, θ − F(θ)⟩', async () => {
    const K = 3;
    const X = sample(60, 3);
    const ref: Ref = { X: X.data, N: X.rows, d: 2, n: 3 };
    const t0 = thetaOf({ means: START.means, weights: START.weights!, variances: START.variances } as Required<MixtureParams>);
    // f̂ a little below the EM fixed point's loss, as a known optimum (offset: the kernel's loss adds (d/2)·log 2π).
    let t = t0;
    for (let k = 0; k < 200; k++) t = refEm(ref, t);
    const offset = Math.log(2 * Math.PI);
    const fhat = loss(ref, t) + offset - 1e-3;
    const { xs } = await iterates({ solver: 'em-polyak', shortSteps: K, optimum: fhat, maxPolyakStep: 1e12 }, ['em', 'polyak', 'polyak-rejected'], 2 * (K + 1) + 1);
    const want: number[][] = [];
    let x = t0;
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let k = 0; k < K; k++) { x = refEm(ref, x); want.push(x); }
      const { f, g } = refPass(ref, x);
      const dir = add(refEm(ref, x), x, -1);
      const gamma = (f + offset - fhat) / -dotp(g, dir);
      const trial = add(x, dir, gamma);
      if (loss(ref, trial) <= f) x = trial;
      want.push(x);
    }
    expect(xs.length).toBe(want.length);
    for (let c = 0; c < want.length; c++) expectClose(xs[c], want[c], 1e-8);
  });

  it('symmetricEigen reconstructs random symmetric matrices (A = V Λ Vᵀ, VᵀV = I) to 1e-12', () => {
    const rng = new Rng(4);
    for (let trial = 0; trial < 20; trial++) {
      const m = 1 + (trial % 6);
      const B = Array.from({ length: m }, () => Array.from({ length: m }, () => rng.normal()));
      const A = B.map((r, i) => r.map((_, j) => B[i].reduce((s, _x, k) => s + B[i][k] * B[j][k], 0)));
      const { values, vectors: V } = symmetricEigen(A);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
        let a = 0, o = 0;
        for (let k = 0; k < m; k++) { a += V[i][k] * values[k] * V[j][k]; o += V[k][i] * V[k][j]; }
        expect(Math.abs(a - A[i][j])).toBeLessThan(1e-12 * (1 + Math.abs(A[i][j])) * m);
        expect(Math.abs(o - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

const ACCELERATED = [
  ['squarem', {}], ['anderson', {}], ['anderson', { andersonOrder: 2 }], ['em-polyak', {}], ['em-polyak', { adaptive: true }],
  ['em-polyak', { emPolyakShort: 'squarem', shortSteps: 3 }], ['auto', {}],
] as const;

describe('safeguards and validity on seeded problems', () => {
  for (const [solver, extra] of ACCELERATED) for (const covariance of ['fixed', 'spherical', 'diagonal'] as const) {
    it(`${solver} ${JSON.stringify(extra)} ${covariance}: no accepted step raises the loss; every iterate is a valid mixture; deterministic`, async () => {
      for (const seed of [1, 2]) {
        const X = sample(90, 10 + seed);
        const obj = await empiricalObjective({ data: X.data, rows: X.rows, cols: X.cols }, { threads: 1, kernel: 'js' });
        const rng = new Rng(seed);
        const start: MixtureParams = { means: Array.from({ length: 4 }, () => [3 * rng.normal(), 3 * rng.normal()]) };
        const run = async () => {
          const checks: string[] = [];
          let prev = Infinity;
          const r = await minimize(obj, start, {
            solver, ...extra, weights: 'learned', covariance, regCovar: REG, metric: 'em', backtrack: true, maxEvaluations: 300, tol: 0,
            onIteration: (info) => {
              const w = info.params.weights as number[];
              if (Math.abs(w.reduce((a, b) => a + b, 0) - 1) > 1e-12 || w.some((x) => !(x >= 0))) checks.push(`weights ${w}`);
              if (covariance !== 'fixed' && [info.params.variances].flat(2).some((v) => !(v >= REG))) checks.push('variance below regCovar');
              if (info.kind !== 'trial' && info.kind !== 'polyak-rejected') {
                if (info.loss > prev + 1e-12 * Math.abs(prev)) checks.push(`${info.kind} raised the loss ${prev} → ${info.loss}`);
                prev = info.loss;
              } else if (info.loss !== prev && prev !== Infinity) checks.push(`${info.kind} moved the current point`);
            },
          });
          return { r, checks };
        };
        const a = await run();
        expect(a.checks).toEqual([]);
        expect(a.r.nEvaluations).toBeLessThanOrEqual(300);
        expect(a.r.history.at(-1)!.evaluations).toBe(a.r.nEvaluations);
        const b = await run();
        expect(b.r.history).toEqual(a.r.history);
        expect(b.r.params).toEqual(a.r.params);
      }
    });
  }
});

describe("'auto'", () => {
  it("resolves by its stated rule: 'anderson' when only means are learned, else 'squarem', for every objective kind", async () => {
    const X = sample(60, 1);
    const emp = await empiricalObjective({ data: X.data, rows: X.rows, cols: X.cols }, { threads: 1, kernel: 'js' });
    const truth = { means: [[-2.5, 0], [2.5, 0]], weights: [0.5, 0.5] };
    const pop = await populationObjective(truth);
    const smp = await sampleObjective(truth, { rows: 200, seed: 4, threads: 1, kernel: 'js' });
    // The kind does not enter the rule (bench/solvers-auto.mjs: anderson wins 17 of 20 means-only rows of all three kinds).
    expect(new Set([emp.kind, pop.kind, smp.kind])).toEqual(new Set(['empirical', 'population', 'sample']));
    for (const [objective, known] of [[emp, undefined], [pop, 0], [smp, undefined], [pop, undefined]] as const) {
      expect(autoSolver(objective, resolveOptions({ solver: 'auto' }), known)).toBe('anderson');
      for (const over of [{ weights: 'learned' }, { covariance: 'spherical' }, { weights: 'learned', covariance: 'diagonal' }] as const)
        expect(autoSolver(objective, resolveOptions({ solver: 'auto', ...over }), known)).toBe('squarem');
    }
  });

  it('runs exactly what its rule picks (same history as naming that solver)', async () => {
    const X = sample(90, 2);
    const obj = await empiricalObjective({ data: X.data, rows: X.rows, cols: X.cols }, { threads: 1, kernel: 'js' });
    const pop = await populationObjective({ means: [[-2.5, 0], [2.5, 0]], weights: [0.5, 0.5] });
    const cases: [typeof obj, MixtureParams, MinimizeOptions][] = [
      [obj, { means: [[-1, 0], [1, 1], [0, -1]] }, { weights: 'learned', covariance: 'diagonal', regCovar: REG }],
      [pop, { means: [[-2, 0.3], [-2.8, -0.2], [2.2, 0.4], [2.9, 0]], weights: [0.25, 0.25, 0.25, 0.25] }, {}],
    ];
    for (const [objective, start, opts] of cases) {
      const o = resolveOptions({ ...opts, solver: 'auto' });
      const picked = autoSolver(objective, o, objective.knownOptimum);
      const base = { ...opts, maxEvaluations: 120, tol: 0 };
      const a: MinimizeResult = await minimize(objective, start, { ...base, solver: 'auto' });
      const b = await minimize(objective, start, { ...base, solver: picked });
      expect(a.history).toEqual(b.history);
    }
  });

  it("picks 'anderson' in GaussianMixture with the paper's fixed weights and variance (its fits are empirical)", async () => {
    const X = sample(90, 5);
    const rows = Array.from({ length: X.rows }, (_, k) => [X.data[2 * k], X.data[2 * k + 1]]);
    const fixed = { nComponents: 3, seed: 2, maxIter: 60, tol: 0, weights: 'fixed', covariance: 'fixed', variance: 1 } as const;
    const [a, b, c] = await Promise.all((['auto', 'anderson', 'squarem'] as const).map((solver) => new GaussianMixture({ ...fixed, solver }).fit(rows)));
    expect(a.history).toEqual(b.history);
    expect(a.history).not.toEqual(c.history);
  });

  it('is GaussianMixture\'s default', async () => {
    const X = sample(90, 3);
    const rows = Array.from({ length: X.rows }, (_, k) => [X.data[2 * k], X.data[2 * k + 1]]);
    const a = new GaussianMixture({ nComponents: 3, seed: 1, maxIter: 100 });
    const b = new GaussianMixture({ nComponents: 3, seed: 1, maxIter: 100, solver: 'auto' });
    const ra = await a.fit(rows), rb = await b.fit(rows);
    expect(ra.history).toEqual(rb.history);
  });
});

describe('abort and atomic commit through GaussianMixture', () => {
  for (const solver of ['squarem', 'anderson', 'em-polyak', 'auto'] as const) {
    it(`${solver}: an abort mid-cycle rejects with the best-so-far result and leaves the model unchanged`, async () => {
      const X = sample(120, 4);
      const rows = Array.from({ length: X.rows }, (_, k) => [X.data[2 * k], X.data[2 * k + 1]]);
      const gm = new GaussianMixture({ nComponents: 3, solver, weights: 'learned', covariance: 'diagonal', seed: 2, maxIter: 200 });
      await gm.fit(rows);
      const before = JSON.stringify(gm.toJSON());
      const ac = new AbortController();
      let n = 0;
      const gm2 = GaussianMixture.fromJSON(gm.toJSON(), {
        solver, maxIter: 400, onIteration: (info) => { if (info.kind === 'trial' || ++n === 7) ac.abort(); },
      });
      const e = await gm2.fit(rows, { signal: ac.signal }).then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(AbortError);
      const partial = (e as AbortError & { result: { status: string; loss: number } }).result;
      expect(partial.status).toBe('aborted');
      expect(Number.isFinite(partial.loss)).toBe(true);
      expect(JSON.stringify(gm2.toJSON())).toBe(before);
    });
  }
});

describe("issue 11 fixes: 'gd' vs 'gradient-em' under metric 'em', and when rejections stop a fit", () => {
  it("under metric 'em' the two differ once variances are learned, coincide with only means learned, and label their steps", async () => {
    const X = sample(90, 6);
    const obj = await empiricalObjective({ data: X.data, rows: X.rows, cols: X.cols }, { threads: 1, kernel: 'js' });
    const start: MixtureParams = { means: [[-1, 0], [1, 1], [0, -1]] };
    const run = (solver: 'gd' | 'gradient-em', over: MinimizeOptions) =>
      minimize(obj, start, { solver, metric: 'em', backtrack: true, maxIter: 30, tol: 0, learningRate: 0.5, ...over });
    const learned = { weights: 'learned', covariance: 'spherical', regCovar: REG } as const;
    const [a, b] = [await run('gd', learned), await run('gradient-em', learned)];
    expect(a.history.every((h) => h.kind === 'gd')).toBe(true);
    expect(b.history.every((h) => h.kind === 'gradient-em')).toBe(true);
    expect(a.params.variances).not.toEqual(b.params.variances);
    const [c, d] = [await run('gd', { variance: 2 }), await run('gradient-em', { variance: 2 })];
    expect(d.params.means).toEqual(c.params.means);
  });

  it('rejected long steps do not stop a fit while short steps still lower the loss; a real stall does', async () => {
    const X = sample(120, 7);
    const obj = await empiricalObjective({ data: X.data, rows: X.rows, cols: X.cols }, { threads: 1, kernel: 'js' });
    const start: MixtureParams = { means: [[-1, 0], [1, 1], [0, -1]] };
    // f̂ far below any reachable loss: every long step overshoots and is rejected, one per K = 2 short steps.
    const base = { solver: 'gd-polyak', optimum: -1e6, shortSteps: 2, maxRejections: 3, tol: 0, maxIter: 30 } as const;
    const r = await minimize(obj, start, base);
    const rejected = r.history.filter((h) => h.kind === 'polyak-rejected').length;
    expect(rejected).toBeGreaterThan(3);
    expect(r.status).toBe('max-iter');
    // Run on, the same fit stops on 'rejections' only once the short steps no longer move the loss.
    const long = await minimize(obj, start, { ...base, maxIter: 5000 });
    expect(long.status).toBe('rejections');
    const tail = long.history.slice(-9).map((h) => h.loss);
    expect(Math.max(...tail) - Math.min(...tail)).toBeLessThan(1e-12 * Math.abs(tail[0]));
    // A stall: short steps of η = 1e-300 change nothing, so 3 rejections in a row stop the fit.
    const s = await minimize(obj, start, { ...base, shortStepSize: 1e-300 });
    expect(s.status).toBe('rejections');
    expect(s.history.filter((h) => h.kind === 'polyak-rejected')).toHaveLength(3);
  });
});

describe('squarem under the loss-change rule', () => {
  it("ends a cycle at θ₁ when that EM step changes the loss by ≤ lossChangeTol, and the fit stops there as EM's rule says", async () => {
    const X = sample(150, 8);
    const obj = await empiricalObjective({ data: X.data, rows: X.rows, cols: X.cols }, { threads: 1, kernel: 'js' });
    const start: MixtureParams = { means: [[-3, 0.2], [2.2, 1.8], [1.4, -2.4]] };
    const tol = 1e-9;
    const r = await minimize(obj, start, { solver: 'squarem', weights: 'learned', covariance: 'diagonal', regCovar: REG, lossChangeTol: tol, tol: 0, maxIter: 1000 });
    expect(r.status).toBe('loss-change');
    const h = r.history, last = h.at(-1)!;
    expect(last.kind).toBe('em');
    // The record before it is this cycle's start θ₀ (the previous cycle's end): the stop compares θ₁ with θ₀.
    const before = h.at(-2)!;
    expect(Math.abs(before.loss - last.loss)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(last.loss)));
    // Without the rule the same run goes on.
    const off = await minimize(obj, start, { solver: 'squarem', weights: 'learned', covariance: 'diagonal', regCovar: REG, tol: 0, maxIter: h.length + 5 });
    expect(off.status).toBe('max-iter');
    expect(off.history.slice(0, h.length - 1)).toEqual(h.slice(0, -1));
  });
});

describe('squarem floor guard', () => {
  // The tournament's over-3to6 row (bench/lib/tournamentProblems.mjs): 3 unit Gaussians in d = 5, N = 3000,
  // fitted by 6 with learned weights and spherical variances, two components started near each true mean.
  const TRUE3 = [[3, 0, 0, 0, 0], [-1.5, 2.6, 0, 0, 0], [-1.5, -2.6, 0, 0, 0]];
  const N = 3000, d = 5, n = 6, BUDGET = 250;
  const setup = async () => {
    const z = normals(N * d, 36);
    const data = Float64Array.from({ length: N * d }, (_, k) => TRUE3[Math.floor(k / d) % 3][k % d] + z[k]);
    const obj = await empiricalObjective({ data, rows: N, cols: d }, { threads: 1 });
    const uniform = new Float64Array(n).fill(-Math.log(n));
    const param = new Parameterization({ n, d, weights: 'learned', covariance: 'spherical', regCovar: REG, logWeights: uniform, variance: 1 });
    const start = (s: number) => {
      const zs = normals(n * d, 1000 * s + n);
      const means = Float64Array.from({ length: n * d }, (_, k) => TRUE3[Math.floor(Math.floor(k / d) / 2)][k % d] + 0.5 * zs[k]);
      return param.toTheta(means, uniform, new Float64Array(n).fill(1));
    };
    /** The smallest learned σ² over the accepted iterates of `step` from start s. */
    const lowestVariance = async (step: AnyStep, s: number) => {
      let low = Infinity;
      await runSteps(new MixtureProblem(obj, param, 'em'), start(s), step, {
        maxIter: 1e9, maxEvaluations: BUDGET, tol: 0, lossTol: 0, maxRejections: 1e9,
        onIteration: (rec, x) => { if (rec.kind !== 'trial') low = Math.min(low, ...param.toFlat(x).variances); },
      });
      return low;
    };
    return { obj, lowestVariance };
  };

  it('on the 3 → 6 plateau, R\'s unguarded extrapolation floors a variance from starts 4 and 5; the guarded one does not', async () => {
    const { obj, lowestVariance } = await setup();
    for (const s of [4, 5]) {
      expect(await lowestVariance(squarem({ floorGuard: false }), s)).toBeLessThanOrEqual(2 * REG);
      expect(await lowestVariance(squarem(), s)).toBeGreaterThan(1e4 * REG);
    }
    obj.dispose();
  }, 60_000);

  it('every accepted iterate stays 1e4·regCovar above the floor from every start where EM\'s do', async () => {
    const { obj, lowestVariance } = await setup();
    const MARGIN = 1e4 * REG;
    let compared = 0;
    for (const s of [1, 2, 3, 4, 5]) {
      if (!((await lowestVariance(em(), s)) > MARGIN)) continue;
      compared++;
      expect(await lowestVariance(squarem(), s)).toBeGreaterThan(MARGIN);
    }
    expect(compared).toBe(5);
    obj.dispose();
  }, 60_000);
});
