import type { FlatParams, PassStats } from '../types.js';
import { componentConstants, scoreFarRow, type DataBackend } from './backend.js';
import type { FullParams, FullPassStats } from './fullLayout.js';
import { jsPassFull, jsScoreFull, type JsFullScratch } from './jsFullPass.js';

/**
 * The fused pass in plain TypeScript (float64, max-shifted log-sum-exp). It is the test oracle for the
 * WASM builds and the last-resort fallback when WebAssembly is unavailable.
 */
export class JsBackend implements DataBackend {
  readonly variant = 'js' as const;
  readonly rows: number;
  readonly cols: number;
  readonly totalWeight: number;
  private X: Float64Array | null;
  private c: Float64Array | null;
  private logNorm = new Float64Array(0);
  private prec = new Float64Array(0);
  private a = new Float64Array(0);
  private full: JsFullScratch | null = null;

  /** `X` is N × d row-major (copied); `weights` (N, ≥ 0) defaults to all ones. */
  constructor(X: Float64Array, rows: number, cols: number, weights?: Float64Array) {
    this.rows = rows;
    this.cols = cols;
    this.X = X.slice(0, rows * cols);
    this.c = weights ? weights.slice(0, rows) : null;
    let t = rows;
    if (weights) { t = 0; for (let k = 0; k < rows; k++) t += weights[k]; }
    this.totalWeight = t;
  }

  private prepare(p: FlatParams): void {
    if (this.X === null) throw new Error('backend disposed');
    if (this.logNorm.length !== p.n) { this.logNorm = new Float64Array(p.n); this.a = new Float64Array(p.n); }
    if (this.prec.length !== p.n * p.d) this.prec = new Float64Array(p.n * p.d);
    componentConstants(p, this.logNorm, this.prec);
  }

  pass(p: FlatParams, out: PassStats, start = 0, end = this.rows): PassStats {
    this.prepare(p);
    const X = this.X!, c = this.c, { n, d, means } = p;
    const diag = p.layout === 'diagonal';
    const { logNorm, prec, a } = this;
    out.R.fill(0); out.S.fill(0); out.Q.fill(0);
    let sumLL = 0, tw = 0;
    for (let k = start; k < end; k++) {
      const ck = c ? c[k] : 1;
      tw += ck;
      const xo = k * d;
      let m = -Infinity;
      for (let i = 0; i < n; i++) {
        let q = 0;
        for (let j = 0; j < d; j++) { const t = X[xo + j] - means[i * d + j]; q += t * t * prec[i * d + j]; }
        a[i] = logNorm[i] - 0.5 * q;
        if (a[i] > m) m = a[i];
      }
      let s = 0;
      for (let i = 0; i < n; i++) { a[i] = Math.exp(a[i] - m); s += a[i]; }
      sumLL += ck * (m + Math.log(s));
      const inv = ck / s;
      for (let i = 0; i < n; i++) {
        const cr = a[i] * inv;
        out.R[i] += cr;
        let q = 0;
        for (let j = 0; j < d; j++) {
          const x = X[xo + j];
          out.S[i * d + j] += cr * x;
          const t = x - means[i * d + j];
          if (diag) out.Q[i * d + j] += cr * t * t * prec[i * d + j];
          else q += t * t;
        }
        // r = 0 adds 0 even when the distance overflowed (0·∞ would be NaN).
        if (!diag && cr !== 0) out.Q[i] += cr * q * prec[i * d];
      }
    }
    out.sumLogLik = sumLL;
    out.totalWeight = tw;
    return out;
  }

  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void {
    this.prepare(p);
    const X = this.X!, { n, d, means } = p, { logNorm, prec, a } = this;
    for (let k = 0; k < this.rows; k++) {
      let m = -Infinity;
      for (let i = 0; i < n; i++) {
        let q = 0;
        for (let j = 0; j < d; j++) { const t = X[k * d + j] - means[i * d + j]; q += t * t * prec[i * d + j]; }
        a[i] = logNorm[i] - 0.5 * q;
        if (a[i] > m) m = a[i];
      }
      if (m === -Infinity) { logDensity[k] = scoreFarRow(X.subarray(k * d, (k + 1) * d), p, logNorm, prec, a, resp, k * n); continue; }
      let s = 0;
      for (let i = 0; i < n; i++) { a[i] = Math.exp(a[i] - m); s += a[i]; }
      logDensity[k] = m + Math.log(s);
      if (resp) for (let i = 0; i < n; i++) resp[k * n + i] = a[i] / s;
    }
  }

  /** The full/tied pass (src/kernel/jsFullPass.ts) over rows [start, end). */
  passFull(p: FullParams, out: FullPassStats, start = 0, end = this.rows): FullPassStats {
    if (this.X === null) throw new Error('backend disposed');
    this.full = jsPassFull(this.X, this.c, p, out, start, end, this.full).scratch;
    return out;
  }

  /** Full/tied log-density per row (N) and, when given, responsibilities (N × n). */
  scoreFull(p: FullParams, logDensity: Float64Array, resp?: Float64Array): void {
    if (this.X === null) throw new Error('backend disposed');
    this.full = jsScoreFull(this.X, this.rows, p, logDensity, resp, this.full);
  }

  dispose(): void {
    this.X = null;
    this.c = null;
  }
}
