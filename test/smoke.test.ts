import { describe, expect, it } from 'vitest';
import { empiricalObjective } from '../src/objective/empirical.js';

describe('smoke', () => {
  it('all variants agree', async () => {
    const X = Array.from({ length: 7 }, (_, k) => [Math.sin(k), Math.cos(3 * k), k / 7]);
    const params = { means: [[0, 0, 0], [1, 1, 1]], weights: [0.3, 0.7], variances: [0.5, 2] };
    const vals = [];
    for (const kernel of ['js', 'scalar', 'simd'] as const) {
      const o = await empiricalObjective(X, { kernel });
      vals.push(o.valueAndGrad(params));
      o.dispose();
    }
    console.log(JSON.stringify(vals));
    expect(vals[1].value).toBeCloseTo(vals[0].value, 12);
    expect(vals[2].value).toBeCloseTo(vals[0].value, 12);
  });
});
