/** Drawing rows from a mixture with a seeded generator. */
import { MixfitError } from '../errors.js';
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

/**
 * Most values (rows × d) one `sample` call returns: 2^27 numbers, 1 GiB as float64 and several times that
 * as number[][]; beyond it the draw would run for minutes and end in an out-of-memory crash.
 */
export const MAX_SAMPLE_VALUES = 2 ** 27;

/** @throws MixfitError naming `n` when count × d exceeds {@link MAX_SAMPLE_VALUES}. */
export function checkSampleSize(count: number, d: number): void {
  if (count * d > MAX_SAMPLE_VALUES)
    throw new MixfitError('n', `must be at most ${Math.floor(MAX_SAMPLE_VALUES / d)} for d = ${d} (n × d ≤ 2^27 = ${MAX_SAMPLE_VALUES} values per call; draw in batches with different seeds)`, count);
}
