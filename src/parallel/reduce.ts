/**
 * Sums of partial statistics (shards of a resident data set, chunks of a streamed one), always added in
 * the caller's fixed order so that a given split gives bit-identical results run to run.
 */
import type { FullPassStats } from '../kernel/fullLayout.js';
import type { PassStats } from '../types.js';

/** Sets every statistic of `s` (diagonal or full/tied) to zero; returns `s`. */
export function zeroStats<S extends PassStats | FullPassStats>(s: S): S {
  s.totalWeight = 0;
  s.sumLogLik = 0;
  for (const a of arraysOf(s)) a.fill(0);
  return s;
}

/** Adds the partial statistics `s` into `acc` (the same shape). */
export function addStats<S extends PassStats | FullPassStats>(acc: S, s: S): void {
  acc.totalWeight += s.totalWeight;
  acc.sumLogLik += s.sumLogLik;
  const a = arraysOf(acc), b = arraysOf(s);
  for (let k = 0; k < a.length; k++) {
    const x = a[k], y = b[k];
    for (let i = 0; i < x.length; i++) x[i] += y[i];
  }
}

function arraysOf(s: PassStats | FullPassStats): Float64Array[] {
  return 'scatter' in s ? [s.R, s.S, s.scatter] : [s.R, s.S, s.Q];
}
