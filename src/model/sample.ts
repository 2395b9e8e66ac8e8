/** Drawing rows from a mixture with a seeded generator. */
import { MixfitError } from '../errors.js';
import { drawRows, type Mixture } from './mixture.js';
import type { Rng } from './rng.js';

/**
 * `count` rows from the mixture `m` (any layout): a component i ~ w, then x ~ N(μ_i, Σ_i). Returns the
 * rows (count × d) and the component of each row (count), in draw order.
 */
export function sampleMixture(m: Mixture, count: number, rng: Rng): { X: number[][]; labels: number[] } {
  const X: number[][] = [], labels: number[] = [];
  drawRows(m, count, rng, (_k, i, x) => { X.push(Array.from(x)); labels.push(i); });
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
