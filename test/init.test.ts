// Start parameters: greedy k-means++ must put one start in each well-separated cluster (plain D² sampling
// misses one in ~10% of seeds on this layout), respect sample weights, and cope with too few distinct rows.
import { describe, expect, it } from 'vitest';
import { kmeansPlusPlus, randomRows, startVariances } from '../src/model/init.js';
import { Rng } from '../src/model/rng.js';

const centers = [[-12, 0], [12, 0], [0, 12], [0, -12], [12, 12]];
function clusters(seed: number, rows: number) {
  const rng = new Rng(seed), d = 2;
  const data = new Float64Array(rows * d);
  for (let k = 0; k < rows; k++) for (let j = 0; j < d; j++) data[k * d + j] = centers[k % 5]![j]! + rng.normal();
  return { data, rows, cols: d };
}
const nearest = (x: number, y: number) => {
  let b = 0, bd = Infinity;
  centers.forEach((c, q) => { const dd = (x - c[0]!) ** 2 + (y - c[1]!) ** 2; if (dd < bd) { bd = dd; b = q; } });
  return b;
};

describe('greedy k-means++', () => {
  it('covers every one of 5 separated clusters for (nearly) every seed', () => {
    const X = clusters(1, 600);
    let missed = 0;
    for (let seed = 0; seed < 400; seed++) {
      const m = kmeansPlusPlus(X, 5, new Rng(seed));
      const hit = new Set(Array.from({ length: 5 }, (_, i) => nearest(m[2 * i]!, m[2 * i + 1]!)));
      if (hit.size < 5) missed++;
    }
    expect(missed).toBeLessThanOrEqual(2);
  });

  it('never starts at a row of weight 0 while weighted rows remain, and is seeded', () => {
    const X = clusters(2, 300);
    const w = new Float64Array(300).map((_, k) => (k % 5 === 4 ? 0 : 1));
    for (let seed = 0; seed < 50; seed++) {
      const m = kmeansPlusPlus(X, 4, new Rng(seed), w);
      for (let i = 0; i < 4; i++) expect(nearest(m[2 * i]!, m[2 * i + 1]!)).not.toBe(4);
      expect(kmeansPlusPlus(X, 4, new Rng(seed), w)).toStrictEqual(m);
    }
  });

  it('returns rows of X even with fewer distinct rows than components', () => {
    const X = { data: Float64Array.from([1, 1, 1, 1, 2, 2]), rows: 3, cols: 2 };
    const m = kmeansPlusPlus(X, 3, new Rng(0));
    for (let i = 0; i < 3; i++) expect([1, 2]).toContain(m[2 * i]);
    expect(new Set([m[0], m[2], m[4]]).size).toBe(2);
  });
});

describe('randomRows and startVariances', () => {
  it('randomRows draws distinct rows', () => {
    const X = { data: Float64Array.from({ length: 20 }, (_, k) => k), rows: 20, cols: 1 };
    for (let seed = 0; seed < 30; seed++) expect(new Set(randomRows(X, 20, new Rng(seed))).size).toBe(20);
  });

  it('startVariances: per-cluster spread for separated clusters, data variance for an empty component', () => {
    const X = clusters(3, 1000);
    const means = Float64Array.from([...centers.flat(), 100, 100]);
    const v = startVariances(X, means, 6, 'diagonal', 1e-6);
    // Unit-variance clusters of 200 rows: the sample variance is 1 within ~4·√(2/200) = 0.4.
    for (let k = 0; k < 10; k++) expect(Math.abs(v[k]! - 1)).toBeLessThan(0.4);
    // The far, empty component takes the whole data's variance (about 12²·0.6 + 1 per axis here).
    expect(v[10]!).toBeGreaterThan(50);
  });
});
