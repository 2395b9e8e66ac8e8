/**
 * Gauss–Hermite quadrature for the standard normal: nodes z_k and weights q_k with Σ q_k f(z_k) ≈ E[f(Z)],
 * Z ~ N(0, 1) (probabilists' weight e^{−z²/2}, weights normalised to sum to 1). Exact for polynomials of
 * degree ≤ 2n − 1.
 */

/** Nodes (ascending) and weights (summing to 1) of the n-point rule for E[f(Z)], Z ~ N(0, 1). */
export interface GaussHermiteRule {
  nodes: Float64Array;
  weights: Float64Array;
}

const cache = new Map<number, GaussHermiteRule>();

/**
 * The n-point probabilists' Gauss–Hermite rule (1 ≤ n ≤ 200). Nodes come from the eigenvalues of the
 * Jacobi matrix (Golub–Welsch; off-diagonal √k), polished by Newton on the orthonormal Hermite polynomial;
 * weights from the Christoffel formula q_k = 1 / Σ_{j<n} p_j(z_k)², which keeps full relative accuracy
 * even for the tiny weights of the outer nodes (eigenvector components would not).
 */
export function gaussHermite(n: number): GaussHermiteRule {
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new RangeError(`gaussHermite: n must be an integer in [1, 200], got ${n}`);
  const hit = cache.get(n);
  if (hit) return { nodes: hit.nodes.slice(), weights: hit.weights.slice() };
  const diag = new Float64Array(n);
  const off = new Float64Array(n);
  for (let k = 1; k < n; k++) off[k - 1] = Math.sqrt(k);
  const z = tridiagonalEigenvalues(diag, off);
  z.sort();
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let x = z[k];
    for (let it = 0; it < 3; it++) {
      const { pn, pn1 } = orthoHermite(n, x);
      // p_n' = √n p_{n−1} for the orthonormal probabilists' family.
      const dx = pn / (Math.sqrt(n) * pn1);
      if (!Number.isFinite(dx)) break;
      x -= dx;
    }
    z[k] = x;
  }
  // Enforce the exact symmetry of the rule (removes the tiny asymmetry of the eigen-solver).
  for (let k = 0; k < n >> 1; k++) {
    const a = 0.5 * (z[n - 1 - k] - z[k]);
    z[k] = -a; z[n - 1 - k] = a;
  }
  if (n % 2 === 1) z[n >> 1] = 0;
  let total = 0;
  for (let k = 0; k < n; k++) {
    let s = 0, p0 = 0, p1 = 1;
    for (let j = 0; j < n; j++) {
      s += p1 * p1;
      const p2 = (z[k] * p1 - Math.sqrt(j) * p0) / Math.sqrt(j + 1);
      p0 = p1; p1 = p2;
    }
    w[k] = 1 / s;
    total += w[k];
  }
  // The Christoffel weights already sum to 1 in exact arithmetic; renormalising removes the rounding.
  for (let k = 0; k < n; k++) w[k] /= total;
  const rule = { nodes: z, weights: w };
  cache.set(n, rule);
  return { nodes: z.slice(), weights: w.slice() };
}

/** Orthonormal probabilists' Hermite p_n(x) and p_{n−1}(x) by the three-term recurrence. */
function orthoHermite(n: number, x: number): { pn: number; pn1: number } {
  let p0 = 0, p1 = 1;
  for (let j = 0; j < n; j++) {
    const p2 = (x * p1 - Math.sqrt(j) * p0) / Math.sqrt(j + 1);
    p0 = p1; p1 = p2;
  }
  return { pn: p1, pn1: p0 };
}

/**
 * Eigenvalues of a symmetric tridiagonal matrix (diagonal `d`, sub-diagonal `e[0..n−2]`) by the implicit
 * QL method with Wilkinson shifts. Inputs are copied.
 */
export function tridiagonalEigenvalues(dIn: Float64Array, eIn: Float64Array): Float64Array {
  const n = dIn.length;
  const d = dIn.slice();
  const e = new Float64Array(n);
  e.set(eIn.subarray(0, n - 1));
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > 60) throw new Error('tridiagonalEigenvalues: no convergence');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1, c = 1, p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        let f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) { d[i + 1] -= p; e[m] = 0; break; }
        s = f / r; c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        f = 0;
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p; e[l] = g; e[m] = 0;
    }
  }
  return d;
}

/** A tensor-product rule for N(0, I_d): `points` (M × d row-major) and `weights` (M, sum 1). */
export interface TensorRule {
  points: Float64Array;
  weights: Float64Array;
  count: number;
}

/**
 * The tensor grid of the n-point rule in d dimensions (n^d points), keeping only points whose weight is at
 * least `relativeCutoff` × the largest one: the dropped mass is below n^d × cutoff, far under the
 * quadrature error, and it saves most of the kernel work (2-D, 40 nodes: ~1/2 of the grid survives 1e-18).
 */
export function tensorGaussHermite(n: number, d: number, relativeCutoff = 0): TensorRule {
  if (!Number.isInteger(d) || d < 1 || d > 6) throw new RangeError(`tensorGaussHermite: d must be 1..6, got ${d}`);
  const { nodes, weights } = gaussHermite(n);
  let wmax = 0;
  for (let k = 0; k < n; k++) wmax = Math.max(wmax, weights[k]);
  const cutoff = relativeCutoff * wmax ** d;
  const total = n ** d;
  const pts: number[] = [];
  const ws: number[] = [];
  const idx = new Int32Array(d);
  for (let t = 0; t < total; t++) {
    let w = 1;
    for (let j = 0; j < d; j++) w *= weights[idx[j]];
    if (w >= cutoff && w > 0) {
      for (let j = 0; j < d; j++) pts.push(nodes[idx[j]]);
      ws.push(w);
    }
    for (let j = d - 1; j >= 0; j--) { if (++idx[j] < n) break; idx[j] = 0; }
  }
  return { points: Float64Array.from(pts), weights: Float64Array.from(ws), count: ws.length };
}
