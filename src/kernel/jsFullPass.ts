import { fullComponentConstants, triangleSize, type FullParams, type FullPassStats } from './fullLayout.js';

/** Per-parameter-shape buffers of the JS full pass, reused across evaluations. */
export interface JsFullScratch {
  logNorm: Float64Array;
  packed: Float64Array;
  a: Float64Array;
  t: Float64Array;
}

function scratchFor(p: FullParams, s: JsFullScratch | null): JsFullScratch {
  const packedLen = (p.tied ? 1 : p.n) * triangleSize(p.d);
  if (!s || s.logNorm.length !== p.n || s.packed.length !== packedLen || s.t.length !== p.n * p.d)
    s = { logNorm: new Float64Array(p.n), packed: new Float64Array(packedLen), a: new Float64Array(p.n), t: new Float64Array(p.n * p.d) };
  fullComponentConstants(p, s.logNorm, s.packed);
  return s;
}

/**
 * Scores row k (X: N × d row-major): fills s.a with exp(a_i − max) and s.t with x − μ_i (n·d); returns
 * ℓ(x_k) and leaves Σ exp in the return's `sum`.
 */
function scoreRow(X: Float64Array, k: number, p: FullParams, s: JsFullScratch): { l: number; sum: number } {
  const { n, d, means, tied } = p;
  const tri = triangleSize(d);
  const { a, t, logNorm, packed } = s;
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) t[i * d + j] = X[k * d + j] - means[i * d + j];
    const L = tied ? 0 : i * tri;
    let q = 0;
    for (let j = 0; j < d; j++) {
      let y = 0;
      const row = L + (j * (j + 1)) / 2;
      for (let kk = 0; kk <= j; kk++) y += packed[row + kk] * t[i * d + kk];
      q += y * y;
    }
    a[i] = logNorm[i] - 0.5 * q;
    if (a[i] > m) m = a[i];
  }
  let sum = 0;
  for (let i = 0; i < n; i++) { a[i] = Math.exp(a[i] - m); sum += a[i]; }
  return { l: m + Math.log(sum), sum };
}

/**
 * The full/tied pass in plain float64 (the oracle of assembly/passFull.ts) over rows [start, end) of X
 * (N × d row-major) with weights c (N, or null for all ones). Fills and returns `out`.
 */
export function jsPassFull(X: Float64Array, c: Float64Array | null, p: FullParams, out: FullPassStats,
  start: number, end: number, scratch: JsFullScratch | null = null): { out: FullPassStats; scratch: JsFullScratch } {
  const s = scratchFor(p, scratch);
  const { n, d, tied } = p;
  out.R.fill(0); out.S.fill(0); out.scatter.fill(0);
  let sumLL = 0, tw = 0;
  for (let k = start; k < end; k++) {
    const ck = c ? c[k] : 1;
    tw += ck;
    const { l, sum } = scoreRow(X, k, p, s);
    sumLL += ck * l;
    const inv = ck / sum;
    for (let i = 0; i < n; i++) {
      const cr = s.a[i] * inv;
      out.R[i] += cr;
      const M = tied ? 0 : i * d * d;
      for (let j = 0; j < d; j++) {
        const u = cr * s.t[i * d + j];
        out.S[i * d + j] += cr * X[k * d + j];
        for (let l2 = j; l2 < d; l2++) out.scatter[M + j * d + l2] += u * s.t[i * d + l2];
      }
    }
  }
  const blocks = tied ? 1 : n;
  for (let b = 0; b < blocks; b++)
    for (let j = 0; j < d; j++) for (let l2 = 0; l2 < j; l2++) out.scatter[b * d * d + j * d + l2] = out.scatter[b * d * d + l2 * d + j];
  out.sumLogLik = sumLL;
  out.totalWeight = tw;
  return { out, scratch: s };
}

/** Per-row log-density into logDensity (N) and, when given, responsibilities into resp (N × n). */
export function jsScoreFull(X: Float64Array, rows: number, p: FullParams, logDensity: Float64Array, resp?: Float64Array,
  scratch: JsFullScratch | null = null): JsFullScratch {
  const s = scratchFor(p, scratch);
  for (let k = 0; k < rows; k++) {
    const { l, sum } = scoreRow(X, k, p, s);
    logDensity[k] = l;
    if (resp) for (let i = 0; i < p.n; i++) resp[k * p.n + i] = s.a[i] / sum;
  }
  return s;
}
