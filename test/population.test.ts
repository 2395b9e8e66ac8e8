import { describe, expect, it } from 'vitest';
import { MixfitError } from '../src/errors.js';
import { Rng } from '../src/model/rng.js';
import { populationObjective } from '../src/objective/population.js';
import { sampleObjective } from '../src/objective/sample.js';
import type { MixtureParams } from '../src/types.js';

/** Log-density of a spherical/shared-variance mixture in plain float64 (the reference). */
function logPdf(p: Required<MixtureParams>, x: number[]): number {
  const d = x.length;
  const terms = p.means.map((mu, i) => {
    const v = typeof p.variances === 'number' ? p.variances : (p.variances[i] as number);
    let q = 0;
    for (let j = 0; j < d; j++) q += (x[j] - mu[j]) ** 2;
    return Math.log(p.weights[i]) - 0.5 * d * Math.log(2 * Math.PI * v) - q / (2 * v);
  });
  const m = Math.max(...terms);
  return m + Math.log(terms.reduce((s, t) => s + Math.exp(t - m), 0));
}

function randomModel(rng: Rng, n: number, d: number, spread: number): Required<MixtureParams> {
  const w = Array.from({ length: n }, () => 0.2 + rng.uniform());
  const s = w.reduce((a, b) => a + b, 0);
  return {
    means: Array.from({ length: n }, () => Array.from({ length: d }, () => spread * rng.normal())),
    weights: w.map((v) => v / s),
    variances: Array.from({ length: n }, () => 0.5 + rng.uniform()),
  };
}

const truth2 = { means: [[-2.5, 0], [2.5, 0]], weights: [0.5, 0.5] };

describe('populationObjective', () => {
  it('is 0 at the truth (also with more components at the same places) and ≥ −1e-12 at random models', async () => {
    for (const kernel of ['js', 'auto'] as const) {
      const kl = await populationObjective(truth2, { kernel });
      expect(kl.kind).toBe('population');
      expect(kl.knownOptimum).toBe(0);
      expect(Math.abs(kl.value(truth2))).toBeLessThan(1e-15);
      expect(Math.abs(kl.value({ means: [[-2.5, 0], [-2.5, 0], [2.5, 0], [2.5, 0]] }))).toBeLessThan(1e-14);
      const rng = new Rng(11);
      for (let rep = 0; rep < 20; rep++) {
        const m = { ...randomModel(rng, 1 + rng.int(4), 2, 2), variances: 1 };
        expect(kl.value(m)).toBeGreaterThanOrEqual(-1e-12);
      }
      kl.dispose();
    }
  });

  it('converges to a float64 reference (1-D KL by dense trapezoid integration) as nodes grow', async () => {
    const rng = new Rng(5);
    for (let rep = 0; rep < 3; rep++) {
      const truth = randomModel(rng, 2, 1, 1.5);
      const model = randomModel(rng, 3, 1, 1.5);
      // Reference: ∫ p*(x) (log p*(x) − log p(x)) dx, trapezoid with h = 1e-3 over ±15 (spectrally accurate here).
      let ref = 0;
      const h = 1e-3, K = 30000;
      for (let k = 0; k <= K; k++) {
        const x = -15 + k * h;
        const lp = logPdf(truth, [x]);
        ref += (k === 0 || k === K ? 0.5 : 1) * h * Math.exp(lp) * (lp - logPdf(model, [x]));
      }
      // log p* has complex poles near the real axis between components, so Gauss–Hermite converges only
      // geometrically: ~1e-6 relative at 40 nodes for models this far from the truth, 1e-10 at 150.
      const errs: number[] = [];
      for (const nodes of [20, 150]) {
        const kl = await populationObjective(truth, { nodes, kernel: 'js' });
        errs.push(Math.abs(kl.value(model) - ref));
        kl.dispose();
      }
      expect(errs[1]).toBeLessThan(1e-9 * Math.max(1, ref));
      expect(errs[1]).toBeLessThan(errs[0]);
    }
  });

  it('gradients (means, logits, log-variances) match central finite differences', async () => {
    const rng = new Rng(21);
    const truth = randomModel(rng, 2, 2, 2);
    const kl = await populationObjective(truth);
    const model = randomModel(rng, 3, 2, 2);
    const { grad } = kl.valueAndGrad(model);
    const h = 1e-5;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++) {
        const up = structuredClone(model), dn = structuredClone(model);
        up.means[i][j] += h; dn.means[i][j] -= h;
        expect(Math.abs((kl.value(up) - kl.value(dn)) / (2 * h) - grad.means[i][j])).toBeLessThan(1e-8);
      }
    const alpha = model.weights.map(Math.log);
    const withLogits = (a: number[]) => { const m = Math.max(...a); const e = a.map((v) => Math.exp(v - m)); const s = e.reduce((x, y) => x + y); return { ...model, weights: e.map((v) => v / s) }; };
    for (let i = 0; i < 3; i++) {
      const up = alpha.slice(), dn = alpha.slice();
      up[i] += h; dn[i] -= h;
      expect(Math.abs((kl.value(withLogits(up)) - kl.value(withLogits(dn))) / (2 * h) - (grad.logWeights as number[])[i])).toBeLessThan(1e-8);
    }
    const vars = model.variances as number[];
    for (let i = 0; i < 3; i++) {
      const up = vars.slice(), dn = vars.slice();
      up[i] *= Math.exp(h); dn[i] *= Math.exp(-h);
      const fd = (kl.value({ ...model, variances: up }) - kl.value({ ...model, variances: dn })) / (2 * h);
      expect(Math.abs(fd - (grad.logVariances as number[])[i])).toBeLessThan(1e-8);
    }
    kl.dispose();
  });

  it('uses a seeded Monte Carlo sample for d > 3 (0 at the truth, same seed → same value)', async () => {
    const truth = { means: [[0, 0, 0, 0], [1, 1, 1, 1]] };
    const a = await populationObjective(truth, { samples: 5000, seed: 7 });
    const b = await populationObjective(truth, { samples: 5000, seed: 7 });
    expect(a.knownOptimum).toBeUndefined();
    expect(Math.abs(a.value(truth))).toBeLessThan(1e-14);
    const m = { means: [[0.1, 0, 0, 0], [1, 1, 0.9, 1]] };
    expect(a.value(m)).toBe(b.value(m));
    expect(a.value(m)).toBeGreaterThan(0);
    a.dispose(); b.dispose();
  });

  it('rejects bad options before any work', async () => {
    await expect(populationObjective(truth2, { nodes: 1 })).rejects.toThrow(MixfitError);
    await expect(populationObjective(truth2, { nodes: 1 })).rejects.toThrow(/options\.nodes/);
    await expect(populationObjective(truth2, { samples: 0 })).rejects.toThrow(/options\.samples/);
    await expect(populationObjective({ means: [[0, 0]], weights: [2] })).rejects.toThrow(/truth\.weights/);
  });
});

describe('sampleObjective', () => {
  it('is the mean negative log-likelihood of a seeded sample (reproducible, close to the entropy)', async () => {
    const truth = { means: [[0, 0]] };
    const a = await sampleObjective(truth, { rows: 20000, seed: 1 });
    const b = await sampleObjective(truth, { rows: 20000, seed: 1 });
    const c = await sampleObjective(truth, { rows: 20000, seed: 2 });
    expect(a.kind).toBe('sample');
    expect(a.value(truth)).toBe(b.value(truth));
    expect(a.value(truth)).not.toBe(c.value(truth));
    // H(N(0, I₂)) = log(2πe) = 2.8379; the sample mean has standard error ≈ 1/√N.
    expect(Math.abs(a.value(truth) - Math.log(2 * Math.PI * Math.E))).toBeLessThan(0.05);
    await expect(sampleObjective(truth, { rows: 0 })).rejects.toThrow(/options\.rows/);
    a.dispose(); b.dispose(); c.dispose();
  });
});
