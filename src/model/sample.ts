/** Drawing rows from a mixture with a seeded generator. */
import type { FlatParams } from '../types.js';
import type { Rng } from './rng.js';

/**
 * `count` rows from the mixture `p`: a component i ~ w, then x ~ N(μ_i, diag σ_i²). Returns the rows
 * (count × d) and the component of each row (count), in draw order.
 */
export function sampleMixture(p: FlatParams, count: number, rng: Rng): { X: number[][]; labels: number[] } {
  const w = Array.from(p.logWeights, Math.exp);
  const X: number[][] = [], labels: number[] = [];
  for (let k = 0; k < count; k++) {
    const i = rng.categorical(w);
    const row = new Array<number>(p.d);
    for (let j = 0; j < p.d; j++) {
      const v = p.layout === 'shared' ? p.variances[0] : p.layout === 'component' ? p.variances[i] : p.variances[i * p.d + j];
      row[j] = p.means[i * p.d + j] + Math.sqrt(v) * rng.normal();
    }
    X.push(row);
    labels.push(i);
  }
  return { X, labels };
}
