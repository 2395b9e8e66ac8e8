import { normals } from './normals.mjs';

/**
 * N × d rows (row-major Float64Array) of a seeded 3-component mixture with weights 0.5 / 0.3 / 0.2 and
 * correlated covariances: component c is μ_c + A_c z (A_c lower triangular, its off-diagonal entries tilting
 * each cloud its own way), μ_c = spacing·c·(1, −½, 1, −½, …) + `offset`
 * (spacing 2.5: overlapping clouds; 4: well separated). Shared by bench/online.mjs and
 * test/onlineFull.test.ts, so the README's measured gaps are the tested stream's.
 */
export function correlatedStream(seed, N, d, offset = 0, spacing = 2.5) {
  const z = normals(N * (d + 1), seed);
  const X = new Float64Array(N * d);
  for (let k = 0; k < N; k++) {
    // Φ(0) = 0.5, Φ(0.8416) = 0.8: one standard normal picks the component.
    const g = z[k * (d + 1) + d], c = g < 0 ? 0 : g < 0.8416212335729143 ? 1 : 2;
    for (let j = 0; j < d; j++) {
      let v = spacing * c * (j % 2 === 0 ? 1 : -0.5);
      for (let l = 0; l <= j; l++) v += (l === j ? 0.5 + 0.3 * c + 0.1 * j : (c - 1) * 0.4 + 0.2 * (j - l)) * z[k * (d + 1) + l];
      X[k * d + j] = offset + v;
    }
  }
  return X;
}
