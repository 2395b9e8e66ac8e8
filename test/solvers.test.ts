import { describe, expect, it } from 'vitest';
import { MixfitError } from '../src/errors.js';
import { Rng } from '../src/model/rng.js';
import { empiricalObjective } from '../src/objective/empirical.js';
import { runSteps, type HistoryRecord, type RunSettings } from '../src/solvers/driver.js';
import { chain } from '../src/solvers/compose.js';
import { em } from '../src/solvers/em.js';
import { minimize, type MinimizeOptions } from '../src/solvers/minimize.js';
import { knownOptimum } from '../src/solvers/optimum/known.js';
import { targetLevel } from '../src/solvers/optimum/targetLevel.js';
import { aitken } from '../src/solvers/optimum/aitken.js';
import { hazanKakade } from '../src/solvers/optimum/hazanKakade.js';
import { functionProblem, type Problem } from '../src/solvers/problem.js';
import { buildStep, type StepSettings } from '../src/solvers/registry.js';
import type { ConcreteSolver, SolverName } from '../src/solvers/options.js';
import { MixtureProblem } from '../src/solvers/mixtureProblem.js';
import { Parameterization } from '../src/solvers/parameterization.js';

const settings = (over: Partial<RunSettings> = {}): RunSettings =>
  ({ maxIter: 1000, maxEvaluations: Infinity, tol: 1e-12, lossTol: 0, maxRejections: 10, ...over });

/** f = ½ Σ a_j x_j², a = (1, 4, 9): f* = 0, L = 9. */
const quadratic = (): Problem => functionProblem(3, (x, g) => {
  const a = [1, 4, 9];
  let f = 0;
  for (let j = 0; j < 3; j++) { f += 0.5 * a[j] * x[j] * x[j]; g[j] = a[j] * x[j]; }
  return f;
});
/** U1 = x⁴ + 10(y − x²)² ([DDJ]'s ravine): f* = 0 at the origin, quartic growth along y = x². */
const u1 = (): Problem => functionProblem(2, (v, g) => {
  const [x, y] = v, r = y - x * x;
  g[0] = 4 * x ** 3 - 40 * x * r;
  g[1] = 20 * r;
  return x ** 4 + 10 * r * r;
});

function checkHistory(h: HistoryRecord[], nIter: number, nEvaluations: number, kinds: string[]): void {
  expect(h.length).toBe(nIter);
  // One evaluation per iteration plus the initial one: every trial is counted.
  expect(nEvaluations).toBe(nIter + 1);
  h.forEach((r, i) => {
    expect(r.iteration).toBe(i + 1);
    expect(r.evaluations).toBe(i + 2);
    expect(kinds).toContain(r.kind);
    expect(Number.isFinite(r.stepSize) && r.stepSize > 0).toBe(true);
    expect(Object.keys(r).sort()).toEqual(['evaluations', 'gradNorm', 'iteration', 'kind', 'loss', 'optimumEstimate', 'stepSize']);
  });
}

/** Polyak trials never increase the loss under the monotone safeguard; a rejected one keeps the point. */
function checkMonotoneTrials(h: HistoryRecord[], f0: number): void {
  for (let i = 0; i < h.length; i++) {
    const prev = i === 0 ? f0 : h[i - 1].loss;
    if (h[i].kind === 'polyak') expect(h[i].loss).toBeLessThanOrEqual(prev);
    if (h[i].kind === 'polyak-rejected') expect(h[i].loss).toBe(prev);
  }
}

const generic: StepSettings = { shortSteps: 20, shortStepSize: 0.1, maxPolyakStep: 1e12, adaptive: false, monotone: true, learningRate: 0.1 };

describe('conformance: generic problems through the same steps', () => {
  for (const solver of ['gd', 'polyak', 'gd-polyak'] as ConcreteSolver[]) {
    it(`${solver} on a quadratic: decreases, counts evaluations, well-formed history`, async () => {
      const p = quadratic();
      const r = await runSteps(p, Float64Array.from([1, -2, 0.5]), buildStep(solver, generic, knownOptimum(0)), settings({ maxIter: 300 }));
      const f0 = 0.5 * (1 + 16 + 2.25);
      checkHistory(r.history, r.nIter, r.nEvaluations, ['gd', 'short', 'polyak', 'polyak-rejected']);
      checkMonotoneTrials(r.history, f0);
      expect(p.evaluations).toBe(r.nEvaluations);
      if (solver === 'gd') for (let i = 1; i < r.history.length; i++) expect(r.history[i].loss).toBeLessThanOrEqual(r.history[i - 1].loss);
      expect(r.loss).toBeLessThan(1e-6 * f0);
    });
  }

  it('U1: gd-polyak (K=100, η=0.0125, f*=0) converges linearly, gd and polyak alone do not', async () => {
    const x0 = Float64Array.from([1, 0.5]);
    const ddj: StepSettings = { shortSteps: 100, shortStepSize: 0.0125, maxPolyakStep: 1e12, adaptive: false, monotone: true, learningRate: 0.0125 };
    const res: Record<string, number> = {};
    for (const solver of ['gd', 'polyak', 'gd-polyak'] as ConcreteSolver[]) {
      const r = await runSteps(u1(), x0, buildStep(solver, ddj, knownOptimum(0)), settings({ maxIter: 5049, maxRejections: 1e9 }));
      checkHistory(r.history, r.nIter, r.nEvaluations, ['gd', 'short', 'polyak', 'polyak-rejected']);
      checkMonotoneTrials(r.history, 1 + 10 * 0.25);
      res[solver] = r.loss;
    }
    expect(res['gd-polyak']).toBeLessThan(1e-14);
    expect(res.gd).toBeGreaterThan(1e-8);
    expect(res.polyak).toBeGreaterThan(1e-10);
  });

  it('EM and gradient EM refuse a generic problem', () => {
    const p = quadratic();
    const pt = { x: new Float64Array(3), f: 0, g: new Float64Array(3), gnorm: 0 };
    expect(() => buildStep('em', generic, knownOptimum(0)).init(p, pt)).toThrow(/mixture/);
    expect(() => buildStep('gradient-em', generic, knownOptimum(0)).init(p, pt)).toThrow(/mixture/);
  });

  it('stops with non-finite and returns the best finite point when the loss blows up', async () => {
    const p = functionProblem(1, (x, g) => { g[0] = 2 * x[0]; return Math.abs(x[0]) < 100 ? x[0] * x[0] : NaN; });
    const r = await runSteps(p, Float64Array.from([1]), buildStep('gd', { ...generic, learningRate: 1.5 }, knownOptimum(0)), settings());
    expect(r.status).toBe('non-finite');
    expect(r.x[0]).toBe(1); // |x| doubles every step; the start was the best point
    expect(r.loss).toBe(1);
  });

  it('each f* estimator drives gd-polyak on U1 well below gd', async () => {
    const ddj: StepSettings = { shortSteps: 100, shortStepSize: 0.0125, maxPolyakStep: 1e12, adaptive: false, monotone: true, learningRate: 0.0125 };
    for (const est of [targetLevel, aitken, hazanKakade(0)]) {
      const r = await runSteps(u1(), Float64Array.from([1, 0.5]), buildStep('gd-polyak', ddj, est), settings({ maxIter: 5049, maxRejections: 1e9 }));
      checkMonotoneTrials(r.history, 3.5);
      expect(r.loss).toBeLessThan(1e-10);
    }
  });
});

/** Seeded 2-D data from two separated clusters. */
function twoClusters(N: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: N }, (_, k) => { const c = k % 3 === 0 ? -2 : 1.5; return [c + 0.8 * rng.normal(), 0.5 * c + rng.normal()]; });
}
const start = { means: [[-1, 0], [0.5, 0.2], [1, 1]] };

describe('conformance: every solver on a small mixture through minimize', () => {
  const solvers: SolverName[] = ['gd-polyak', 'gradient-em', 'em', 'gd', 'polyak'];
  for (const solver of solvers) {
    it(`${solver}: decreases the loss, history shape, evaluation counts`, async () => {
      const obj = await empiricalObjective(twoClusters(300, 1));
      const f0 = obj.value(start);
      const e0 = obj.evaluations;
      const r = await minimize(obj, start, { solver, maxIter: 200, shortSteps: 10 });
      expect(obj.evaluations - e0).toBe(r.nEvaluations);
      checkHistory(r.history, r.nIter, r.nEvaluations, ['gd', 'gradient-em', 'short', 'polyak', 'polyak-rejected', 'em']);
      checkMonotoneTrials(r.history, f0);
      expect(r.loss).toBeLessThan(f0);
      expect(r.params.means).toHaveLength(3);
      for (const w of r.params.weights) expect(w).toBeCloseTo(1 / 3, 15);
      expect(r.params.variances).toBe(1);
      expect(obj.value(r.params)).toBeCloseTo(r.loss, 12);
      expect(r.statusCode).toBeGreaterThanOrEqual(0);
      expect(typeof r.message).toBe('string');
      if (solver === 'em' || solver === 'gradient-em')
        for (let i = 1; i < r.history.length; i++) expect(r.history[i].loss).toBeLessThanOrEqual(r.history[i - 1].loss * (1 + 1e-14));
      obj.dispose();
    });
  }

  it('EM never decreases the likelihood, including learned weights and spherical / diagonal variances', async () => {
    const obj = await empiricalObjective(twoClusters(400, 2));
    for (const covariance of ['fixed', 'spherical', 'diagonal'] as const)
      for (const weights of ['fixed', 'learned'] as const) {
        const r = await minimize(obj, start, { solver: 'em', weights, covariance, regCovar: 0, maxIter: 150, tol: 0 });
        let prev = obj.value(start);
        for (const h of r.history) { expect(h.loss).toBeLessThanOrEqual(prev + 1e-13 * Math.abs(prev)); prev = h.loss; }
        if (weights === 'learned') expect(Math.abs((r.params.weights as number[]).reduce((a, b) => a + b) - 1)).toBeLessThan(1e-12);
      }
    obj.dispose();
  });

  it('EM with learned weights and variances matches a float64 EM oracle step by step', async () => {
    const X = twoClusters(200, 3);
    const obj = await empiricalObjective(X);
    const r = await minimize(obj, start, { solver: 'em', weights: 'learned', covariance: 'diagonal', regCovar: 1e-6, maxIter: 5, tol: 0 });
    // Oracle: textbook EM in plain arrays.
    let mu = start.means.map((m) => m.slice()), w = [1 / 3, 1 / 3, 1 / 3], v = mu.map(() => [1, 1]);
    for (let it = 0; it < 5; it++) {
      const R = [0, 0, 0], S = mu.map(() => [0, 0]), S2 = mu.map(() => [0, 0]);
      for (const x of X) {
        const a = mu.map((m, i) => Math.log(w[i]) - [0, 1].reduce((t, j) => t + 0.5 * Math.log(2 * Math.PI * v[i][j]) + (x[j] - m[j]) ** 2 / (2 * v[i][j]), 0));
        const mx = Math.max(...a), z = a.reduce((t, ai) => t + Math.exp(ai - mx), 0);
        a.forEach((ai, i) => { const ri = Math.exp(ai - mx) / z; R[i] += ri; for (const j of [0, 1]) { S[i][j] += ri * x[j]; S2[i][j] += ri * x[j] * x[j]; } });
      }
      mu = S.map((s, i) => s.map((t) => t / R[i]));
      v = S2.map((s, i) => s.map((t, j) => t / R[i] - mu[i][j] ** 2 + 1e-6));
      w = R.map((t) => t / X.length);
    }
    for (let i = 0; i < 3; i++) {
      expect(r.history.at(-1)!.kind).toBe('em');
      for (const j of [0, 1]) {
        expect(Math.abs((r.params.means as number[][])[i][j] - mu[i][j])).toBeLessThan(1e-9);
        expect(Math.abs((r.params.variances as number[][])[i][j] - v[i][j])).toBeLessThan(1e-9);
      }
      expect(Math.abs((r.params.weights as number[])[i] - w[i])).toBeLessThan(1e-9);
    }
    obj.dispose();
  });

  it('θ-gradients of the parameterization (logits, floored log-variances) match finite differences', async () => {
    const obj = await empiricalObjective(twoClusters(150, 4));
    const param = new Parameterization({ n: 3, d: 2, weights: 'learned', covariance: 'diagonal', regCovar: 0.1, logWeights: new Float64Array(3).fill(-Math.log(3)), variance: 1 });
    const prob = new MixtureProblem(obj, param);
    const rng = new Rng(9);
    const x = Float64Array.from({ length: param.size }, () => 0.5 * rng.normal());
    const pt = await prob.evaluate(x.slice());
    const h = 1e-6;
    for (let k = 0; k < param.size; k++) {
      const up = x.slice(), dn = x.slice();
      up[k] += h; dn[k] -= h;
      const fd = ((await prob.evaluate(up)).f - (await prob.evaluate(dn)).f) / (2 * h);
      expect(Math.abs(fd - pt.g[k])).toBeLessThan(1e-7);
    }
    obj.dispose();
  });

  it('composes: chain(em × 3, gd-polyak) runs EM first, then short/long steps', async () => {
    const obj = await empiricalObjective(twoClusters(200, 5));
    const param = new Parameterization({ n: 3, d: 2, weights: 'fixed', covariance: 'fixed', regCovar: 0, logWeights: new Float64Array(3).fill(-Math.log(3)), variance: 1 });
    const prob = new MixtureProblem(obj, param);
    const step = chain([em(), 3], [buildStep('gd-polyak', { ...generic, shortSteps: 5, shortStepSize: 1 }, targetLevel), 1]);
    const r = await runSteps(prob, Float64Array.from(start.means.flat()), step, settings({ maxIter: 20 }));
    expect(r.history.slice(0, 3).map((h) => h.kind)).toEqual(['em', 'em', 'em']);
    expect(r.history.slice(3, 8).every((h) => h.kind === 'short')).toBe(true);
    expect(['polyak', 'polyak-rejected']).toContain(r.history[8].kind);
    obj.dispose();
  });

  it('onIteration gets copies and returning false stops; aborting resolves with the best params', async () => {
    const obj = await empiricalObjective(twoClusters(300, 6));
    const seen: number[] = [];
    const r = await minimize(obj, start, {
      maxIter: 100,
      onIteration: (info) => { seen.push(info.iteration); info.params.means[0][0] = 1e9; info.loss = NaN; return info.iteration < 3 ? undefined : false; },
    });
    expect(r.status).toBe('callback');
    expect(r.nIter).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    const ref = await minimize(obj, start, { maxIter: 3 });
    expect(r.params).toEqual(ref.params);
    expect(r.history.every((h) => Number.isFinite(h.loss))).toBe(true);

    const pre = new AbortController();
    pre.abort();
    const a0 = await minimize(obj, start, { signal: pre.signal });
    expect(a0.status).toBe('aborted');
    expect(a0.nIter).toBe(0);
    expect(a0.params.means).toEqual(start.means);

    const ctl = new AbortController();
    const a1 = await minimize(obj, start, { signal: ctl.signal, maxIter: 1000, onIteration: (i) => { if (i.iteration === 7) ctl.abort(); } });
    expect(a1.status).toBe('aborted');
    expect(a1.nIter).toBe(7);
    expect(a1.loss).toBe(Math.min(...a1.history.map((h) => h.loss)));

    // A timer can abort a long run: the driver yields to the event loop while a signal is attached.
    const timed = new AbortController();
    setTimeout(() => timed.abort(), 50);
    const a2 = await minimize(obj, start, { signal: timed.signal, solver: 'gd', learningRate: 1e-9, tol: 0, maxIter: 1e12 });
    expect(a2.status).toBe('aborted');
    expect(a2.nIter).toBeGreaterThan(0);
    obj.dispose();
  });

  it('the result never aliases internal buffers', async () => {
    const obj = await empiricalObjective(twoClusters(100, 7));
    const r = await minimize(obj, start, { maxIter: 30, covariance: 'spherical', weights: 'learned' });
    const snapshot = structuredClone(r.params);
    r.params.means[0][0] = 123;
    const again = await minimize(obj, start, { maxIter: 30, covariance: 'spherical', weights: 'learned' });
    expect(again.params).toEqual(snapshot);
    obj.dispose();
  });

  it('stopping rules: gradient tolerance, loss tolerance, max evaluations, rejections', async () => {
    const obj = await empiricalObjective(twoClusters(200, 8));
    const g = await minimize(obj, start, { solver: 'em', tol: 1e-3, maxIter: 10000 });
    expect(g.status).toBe('gradient-tolerance');
    expect(g.converged).toBe(true);
    expect(g.history.at(-1)!.gradNorm).toBeLessThanOrEqual(1e-3);
    const ref = g.loss;
    const l = await minimize(obj, start, { solver: 'em', optimum: ref, lossTol: 1e-4, maxIter: 10000 });
    expect(l.status).toBe('loss-tolerance');
    expect(l.loss - ref).toBeLessThanOrEqual(1e-4);
    const e = await minimize(obj, start, { solver: 'gd-polyak', maxEvaluations: 37, tol: 0 });
    expect(e.status).toBe('max-evaluations');
    expect(e.nEvaluations).toBe(37);
    // An impossible optimum far below the loss: every safeguarded trial fails.
    const rj = await minimize(obj, start, { solver: 'gd-polyak', optimum: -1e6, maxPolyakStep: 1e6, shortSteps: 2, maxRejections: 4, tol: 0 });
    expect(rj.status).toBe('rejections');
    expect(rj.history.filter((h) => h.kind === 'polyak-rejected').length).toBeGreaterThanOrEqual(4);
    obj.dispose();
  });

  it('rejects bad options and starts with MixfitError naming the argument, before any evaluation', async () => {
    const obj = await empiricalObjective(twoClusters(50, 9));
    const bad: [MinimizeOptions, RegExp][] = [
      [{ solver: 'newton' as never }, /options\.solver/], [{ shortSteps: 0 }, /options\.shortSteps/],
      [{ optimum: 'guess' as never }, /options\.optimum/], [{ maxEvaluations: -1 }, /options\.maxEvaluations/],
      [{ tol: NaN }, /options\.tol/], [{ weights: 'free' as never }, /options\.weights/], [{ signal: {} as never }, /options\.signal/],
      [{ covariance: 'spherical', regCovar: 0, optimum: 'hazan-kakade' }, /options\.optimum/],
    ];
    for (const [o, re] of bad) {
      await expect(minimize(obj, start, o)).rejects.toThrow(MixfitError);
      await expect(minimize(obj, start, o)).rejects.toThrow(re);
    }
    await expect(minimize(obj, { means: [[0, 0, 0]] })).rejects.toThrow(/start\.means/);
    expect(obj.evaluations).toBe(0);
    obj.dispose();
  });
});

describe('minimizeFunction (public generic entry)', () => {
  it('runs U1 through gd-polyak with f* = 0 and validates its arguments', async () => {
    const { minimizeFunction } = await import('../src/solvers/vector.js');
    const fg = (v: Float64Array, g: Float64Array) => { const r = v[1] - v[0] ** 2; g[0] = 4 * v[0] ** 3 - 40 * v[0] * r; g[1] = 20 * r; return v[0] ** 4 + 10 * r * r; };
    const r = await minimizeFunction(fg, [1, 0.5], { optimum: 0, shortSteps: 100, shortStepSize: 0.0125, maxIter: 5049, maxRejections: 1e9 });
    expect(r.loss).toBeLessThan(1e-14);
    expect(r.nEvaluations).toBe(r.nIter + 1);
    await expect(minimizeFunction(fg, [NaN, 0])).rejects.toThrow(/x0/);
    await expect(minimizeFunction(fg, [0, 0], { solver: 'em' as never })).rejects.toThrow(/options\.solver/);
    await expect(minimizeFunction(fg, [0, 0], { optimum: 'hazan-kakade' })).rejects.toThrow(/options\.lowerBound/);
  });
});
