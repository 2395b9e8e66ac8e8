// Output types follow input types (checked by `tsc --noEmit`, which `npm test` runs before vitest) and the
// runtime values agree with them.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { GaussianMixture, type Matrix } from '../src/index.js';

describe('GaussianMixture output types follow the input form', () => {
  it('number[][] in → arrays out; matrix in → typed arrays out', () => {
    const gm = GaussianMixture.fromJSON({ means: [[0, 0], [3, 3]], weights: [0.5, 0.5], variances: 1, covariance: 'fixed' });
    const rows = [[0, 0.1], [2.9, 3]];
    const M: Matrix = { data: Float64Array.from(rows.flat()), rows: 2, cols: 2 };
    const p = gm.predict(rows), pm = gm.predict(M);
    expectTypeOf(p).toEqualTypeOf<number[]>();
    expectTypeOf(pm).toEqualTypeOf<Int32Array>();
    expect(p).toStrictEqual([0, 1]);
    expect(Array.from(pm)).toStrictEqual([0, 1]);
    const q = gm.predictProba(rows), qm = gm.predictProba(M);
    expectTypeOf(q).toEqualTypeOf<number[][]>();
    expectTypeOf(qm).toEqualTypeOf<Matrix>();
    expect(qm.cols).toBe(2);
    expect(q[1]![1]).toBeCloseTo(qm.data[3]!, 15);
    const s = gm.scoreSamples(rows), sm = gm.scoreSamples(M);
    expectTypeOf(s).toEqualTypeOf<number[]>();
    expectTypeOf(sm).toEqualTypeOf<Float64Array>();
    expect(Array.from(sm)).toStrictEqual(s);
  });
});
