/**
 * Start parameters for a fit: k-means++ seeding (D² sampling), random distinct rows, and start variances
 * from a hard assignment of the rows to the start means. All draws come from the caller's seeded Rng, so a
 * seed fixes the start in every runtime.
 */
import type { Covariance, Matrix } from '../types.js';
import { columnVariances, inverseScale } from './dataScale.js';
import type { Rng } from './rng.js';

/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007; the variant scikit-learn uses): the first centre
 * uniformly (∝ c_k with sample weights), then for each next one 2 + ⌊ln n⌋ candidates drawn with
 * probability ∝ c_k·D² (squared distance to the nearest centre so far), keeping the candidate that
 * lowers the total c_k·D² most. Plain D² sampling puts two starts in one cluster far more often.
 * Returns n × d means, row-major (n·d). Needs rows ≥ 1; duplicate rows may be chosen only when every
 * remaining distance is 0.
 */
export function kmeansPlusPlus(X: Matrix, n: number, rng: Rng, sampleWeight?: Float64Array): Float64Array {
  const { data, rows, cols: d } = X;
  const means = new Float64Array(n * d);
  const trials = 2 + Math.floor(Math.log(n));
  const c = (r: number) => (sampleWeight ? sampleWeight[r] : 1);
  const inv = inverseScale(X);
  // Distances in units of the data's scale: only their ratios matter here.
  const sqDist = (r: number, q: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) { const t = data[r * d + j] * inv - data[q * d + j] * inv; s += t * t; }
    return s;
  };
  let dist = new Float64Array(rows);
  let bestDist = new Float64Array(rows), trial = new Float64Array(rows);
  const score = new Float64Array(rows);
  let pick = sampleWeight ? rng.categorical(sampleWeight) : rng.int(rows);
  for (let r = 0; r < rows; r++) dist[r] = sqDist(r, pick);
  for (let i = 0; ; i++) {
    means.set(data.subarray(pick * d, (pick + 1) * d), i * d);
    if (i + 1 === n) return means;
    let total = 0;
    for (let r = 0; r < rows; r++) { score[r] = c(r) * dist[r]; total += score[r]; }
    // All-zero scores (fewer distinct rows than components): fall back to a uniform draw.
    if (!(total > 0)) {
      pick = rng.int(rows);
      for (let r = 0; r < rows; r++) dist[r] = Math.min(dist[r], sqDist(r, pick));
      continue;
    }
    let bestPot = Infinity, best = -1;
    for (let t = 0; t < trials; t++) {
      const cand = rng.categorical(score);
      let pot = 0;
      for (let r = 0; r < rows; r++) { trial[r] = Math.min(dist[r], sqDist(r, cand)); pot += c(r) * trial[r]; }
      if (pot < bestPot) { bestPot = pot; best = cand; [bestDist, trial] = [trial, bestDist]; }
    }
    // The kept candidate's distances become the base for the next centre.
    [dist, bestDist] = [bestDist, dist];
    pick = best;
  }
}

/** n distinct rows drawn uniformly without replacement (partial Fisher–Yates); needs rows ≥ n. */
export function randomRows(X: Matrix, n: number, rng: Rng): Float64Array {
  const { data, rows, cols: d } = X;
  const idx = new Map<number, number>();
  const means = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(rows - i);
    const pick = idx.get(j) ?? j;
    idx.set(j, idx.get(i) ?? i);
    means.set(data.subarray(pick * d, (pick + 1) * d), i * d);
  }
  return means;
}

/**
 * Start variances for learned covariances: each row goes to its nearest start mean, and a component's
 * variance is the (weighted) mean squared deviation of its rows (per dimension for 'diagonal', averaged
 * over dimensions for 'spherical'), plus regCovar. A component with no rows, or only rows equal to its
 * mean, takes the variance of the whole data set instead — a zero start variance would make the first
 * pass degenerate. Computed in units of the data's scale (see {@link inverseScale}), so only a variance
 * that float64 cannot hold (data spread wider than about 1e154) comes out as Infinity.
 * Returns n ('spherical') or n·d ('diagonal') values.
 */
export function startVariances(X: Matrix, means: Float64Array, n: number, covariance: Exclude<Covariance, 'fixed'>,
  regCovar: number, sampleWeight?: Float64Array): Float64Array {
  const { data, rows, cols: d } = X;
  const inv = inverseScale(X);
  const mass = new Float64Array(n);
  const sq = new Float64Array(n * d);
  for (let r = 0; r < rows; r++) {
    const c = sampleWeight ? sampleWeight[r] : 1;
    let best = 0, bestD = Infinity;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) { const t = data[r * d + j] * inv - means[i * d + j] * inv; s += t * t; }
      if (s < bestD) { bestD = s; best = i; }
    }
    mass[best] += c;
    for (let j = 0; j < d; j++) {
      const t = data[r * d + j] * inv - means[best * d + j] * inv;
      sq[best * d + j] += c * t * t;
    }
  }
  const globalVar = columnVariances(X, sampleWeight, inv, false);
  const globalMean = globalVar.reduce((a, b) => a + b, 0) / d;
  // Back to the data's units: (v / inv) / inv, since 1/inv² alone may overflow.
  const unscaled = (v: number) => v / inv / inv + regCovar;
  const out = new Float64Array(covariance === 'spherical' ? n : n * d);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += sq[i * d + j];
    const usable = mass[i] > 0 && sum > 0;
    if (covariance === 'spherical') {
      out[i] = unscaled(usable ? sum / (d * mass[i]) : globalMean || 1);
    } else {
      for (let j = 0; j < d; j++) {
        const v = usable ? sq[i * d + j] / mass[i] : 0;
        out[i * d + j] = unscaled(v > 0 ? v : globalVar[j] || globalMean || 1);
      }
    }
  }
  return out;
}
