import { describe, expect, it } from 'vitest';
import { Rng } from '../src/model/rng.js';
import { populationObjective } from '../src/objective/population.js';
import { minimize } from '../src/solvers/minimize.js';

/** Model start: each true mean duplicated (4 × ¼ model), plus 0.5·N(0, I) (seeded), as in ALGORITHM.md §5. */
function startNear(seed: number): { means: number[][]; weights: number[] } {
  const rng = new Rng(seed);
  const base = [[-2.5, 0], [-2.5, 0], [2.5, 0], [2.5, 0]];
  return { means: base.map((r) => r.map((v) => v + 0.5 * rng.normal())), weights: [0.25, 0.25, 0.25, 0.25] };
}

describe('E2 (d = 2, truth ±2.5e₁, weights ½; model 4 × ¼; population KL)', () => {
  it('gd-polyak with f* = 0 reaches KL ≤ 1e-11 within 1500 evaluations; gradient EM is still ≥ 1e-8 there', async () => {
    const kl = await populationObjective({ means: [[-2.5, 0], [2.5, 0]], weights: [0.5, 0.5] });
    for (const seed of [1, 2, 3]) {
      const start = startNear(seed);
      const fast = await minimize(kl, start, { solver: 'gd-polyak', optimum: 0, maxEvaluations: 1500, maxIter: 1e6 });
      const slow = await minimize(kl, start, { solver: 'gradient-em', maxEvaluations: 1500, maxIter: 1e6 });
      expect(fast.nEvaluations).toBeLessThanOrEqual(1500);
      expect(slow.nEvaluations).toBe(1500);
      expect(fast.loss).toBeLessThanOrEqual(1e-11);
      expect(slow.loss).toBeGreaterThanOrEqual(1e-8);
      expect(fast.history.some((h) => h.kind === 'polyak')).toBe(true);
    }
    kl.dispose();
  });
});

describe('E4 (misspecified: truth weights 0.3/0.7, model 4 × ¼)', () => {
  const truth = { means: [[-2.5, 0], [2.5, 0]], weights: [0.3, 0.7] };

  it("gd-polyak with 'target-level' ends no worse than gradient EM and never increases the loss after a rejected trial", async () => {
    const kl = await populationObjective(truth);
    for (const seed of [4, 5]) {
      const start = startNear(seed);
      const gp = await minimize(kl, start, { solver: 'gd-polyak', optimum: 'target-level', maxEvaluations: 3000, maxIter: 1e6, maxRejections: 1e6 });
      const ge = await minimize(kl, start, { solver: 'gradient-em', maxEvaluations: 3000, maxIter: 1e6 });
      expect(gp.loss).toBeLessThanOrEqual(ge.loss);
      const h = gp.history;
      expect(h.some((r) => r.kind === 'polyak-rejected')).toBe(true);
      for (let i = 1; i < h.length; i++) {
        if (h[i].kind === 'polyak-rejected') expect(h[i].loss).toBe(h[i - 1].loss);
        if (h[i - 1].kind === 'polyak-rejected') expect(h[i].loss).toBeLessThanOrEqual(h[i - 1].loss);
        if (h[i].kind === 'polyak') expect(h[i].loss).toBeLessThanOrEqual(h[i - 1].loss);
      }
    }
    kl.dispose();
  });

  it('f̂ = 0 diverges without the safeguards and does not with them', async () => {
    const kl = await populationObjective(truth);
    const start = startNear(4);
    const f0 = kl.value(start);
    const unsafe = await minimize(kl, start, { solver: 'gd-polyak', optimum: 0, monotone: false, maxPolyakStep: Infinity, maxEvaluations: 1500, maxIter: 1e6 });
    // ALGORITHM.md §3.2 [CHK]: the loss jumps from ~0.08 to ~3.4 and the means run off.
    expect(Math.max(...unsafe.history.map((h) => h.loss))).toBeGreaterThan(1);
    const safe = await minimize(kl, start, { solver: 'gd-polyak', optimum: 0, maxEvaluations: 1500, maxIter: 1e6 });
    for (const h of safe.history) {
      expect(Number.isFinite(h.loss)).toBe(true);
      expect(h.loss).toBeLessThanOrEqual(f0);
    }
    expect(safe.loss).toBeLessThan(0.0798);
    expect(Math.max(...safe.params.means.flat().map(Math.abs))).toBeLessThan(5);
    kl.dispose();
  });
});
