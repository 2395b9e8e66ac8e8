import { describe, expect, it } from 'vitest';
import { gaussHermite, tensorGaussHermite, tridiagonalEigenvalues } from '../src/objective/quadrature.js';
import { Rng } from '../src/model/rng.js';

/** E[Z^k] for Z ~ N(0, 1): (k−1)!! for even k, 0 for odd k. */
function normalMoment(k: number): number {
  if (k % 2 === 1) return 0;
  let m = 1;
  for (let j = k - 1; j > 1; j -= 2) m *= j;
  return m;
}

describe('gaussHermite', () => {
  it('matches the closed-form rules for n = 1, 2, 3', () => {
    expect(Array.from(gaussHermite(1).nodes)).toEqual([0]);
    const r2 = gaussHermite(2);
    expect(r2.nodes[1]).toBeCloseTo(1, 15);
    expect(r2.weights[0]).toBeCloseTo(0.5, 15);
    const r3 = gaussHermite(3);
    expect(r3.nodes[2]).toBeCloseTo(Math.sqrt(3), 14);
    expect(r3.weights[1]).toBeCloseTo(2 / 3, 14);
    expect(r3.weights[0]).toBeCloseTo(1 / 6, 14);
  });

  it('integrates every monomial of degree ≤ 2n − 1 exactly (to 1e-13 of Σ w|z|^k)', () => {
    for (const n of [4, 7, 10, 16]) {
      const { nodes, weights } = gaussHermite(n);
      for (let k = 0; k <= 2 * n - 1; k++) {
        let s = 0, scale = 0;
        for (let i = 0; i < n; i++) { s += weights[i] * nodes[i] ** k; scale += weights[i] * Math.abs(nodes[i]) ** k; }
        // Rounding is relative to Σ w|z|^k (odd moments cancel to 0 from large terms).
        expect(Math.abs(s - normalMoment(k))).toBeLessThanOrEqual(1e-13 * Math.max(1, scale));
      }
    }
  });

  it('integrates E[exp(tZ)] = exp(t²/2) to 1e-14 at n = 40, weights positive, symmetric, summing to 1', () => {
    const { nodes, weights } = gaussHermite(40);
    const rng = new Rng(3);
    for (let rep = 0; rep < 5; rep++) {
      const t = 2 * rng.uniform() - 1;
      let s = 0;
      for (let i = 0; i < 40; i++) s += weights[i] * Math.exp(t * nodes[i]);
      expect(Math.abs(s - Math.exp(t * t / 2))).toBeLessThan(1e-14);
    }
    let total = 0;
    for (let i = 0; i < 40; i++) {
      expect(weights[i]).toBeGreaterThan(0);
      expect(nodes[i]).toBe(-nodes[39 - i]);
      total += weights[i];
    }
    expect(total).toBeCloseTo(1, 15);
  });

  it('rejects bad n', () => {
    expect(() => gaussHermite(0)).toThrow(RangeError);
    expect(() => gaussHermite(2.5)).toThrow(RangeError);
  });
});

describe('tridiagonalEigenvalues', () => {
  it('finds the eigenvalues of the 1-D Laplacian, 2 − 2cos(kπ/(n+1))', () => {
    const n = 12;
    const ev = Array.from(tridiagonalEigenvalues(new Float64Array(n).fill(2), new Float64Array(n - 1).fill(-1))).sort((a, b) => a - b);
    for (let k = 1; k <= n; k++) expect(ev[k - 1]).toBeCloseTo(2 - 2 * Math.cos((k * Math.PI) / (n + 1)), 13);
  });
});

describe('tensorGaussHermite', () => {
  it('integrates E[exp(aᵀZ)] = exp(‖a‖²/2) in 2-D and 3-D with the weight cutoff', () => {
    for (const d of [2, 3]) {
      const r = tensorGaussHermite(20, d, 1e-18);
      expect(r.count).toBeLessThanOrEqual(20 ** d);
      const a = [0.3, -0.7, 0.5].slice(0, d);
      let s = 0, tw = 0;
      for (let k = 0; k < r.count; k++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += a[j] * r.points[k * d + j];
        s += r.weights[k] * Math.exp(dot);
        tw += r.weights[k];
      }
      expect(Math.abs(tw - 1)).toBeLessThan(1e-13);
      expect(Math.abs(s - Math.exp(a.reduce((t, v) => t + v * v, 0) / 2))).toBeLessThan(1e-13);
    }
  });
});
