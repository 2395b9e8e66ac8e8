/**
 * A seeded uniform sample of a source's rows in one scan (reservoir sampling, Li's Algorithm L), for
 * starting a fit on data that are not in memory. When the source has at most `capacity` rows the sample
 * is every row in file order, so a fit then starts exactly where the in-memory fit of the same rows does.
 */
import { addRows, type ColumnProfile } from '../kernel/dataRange.js';
import type { Rng } from '../model/rng.js';
import type { Matrix } from '../types.js';
import { scanSource, type RowSource } from './source.js';

/** Default sample size for starting a fit from a source (k-means++ and start variances run on it). */
export const INIT_SAMPLE_ROWS = 100_000;

/**
 * Up to `capacity` rows of `source` drawn uniformly without replacement (order: file order for the first
 * `capacity`, replaced slots in place), as a `capacity` × d (or N × d) matrix. `profile`, when given, takes
 * every row of the same scan (the float32 range check and centre, src/kernel/dataRange.ts).
 */
export async function reservoirSample(source: RowSource, capacity: number, rng: Rng, chunkRows: number, profile?: ColumnProfile): Promise<Matrix> {
  const d = source.cols, k = Math.min(capacity, source.rows);
  const data = new Float64Array(k * d);
  // Algorithm L: after the reservoir is full, skip a geometric number of rows between replacements.
  const u = () => 1 - rng.uniform(); // (0, 1]
  let w = Math.exp(Math.log(u()) / k);
  let next = k + Math.floor(Math.log(u()) / Math.log(1 - w));
  let row = 0;
  await scanSource(source, chunkRows, (X, rows) => {
    if (profile) addRows(profile, X, rows);
    for (let r = 0; r < rows; r++, row++) {
      if (row < k) { data.set(X.subarray(r * d, (r + 1) * d), row * d); continue; }
      if (row !== next) continue;
      data.set(X.subarray(r * d, (r + 1) * d), rng.int(k) * d);
      w *= Math.exp(Math.log(u()) / k);
      next += 1 + Math.floor(Math.log(u()) / Math.log(1 - w));
    }
  });
  return { data, rows: k, cols: d };
}
