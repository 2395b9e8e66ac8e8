/**
 * The dense per-block math of the full/tied parameterization behind one interface: the float64 JS
 * implementation (src/model/fullCovariance.ts `jsMatrixMath`, the reference and the `kernel: 'js'` fallback)
 * and the WASM kernels of assembly/linalg.ts bridged here. The bridge owns one kernel instance of its own and
 * is the only code touching its pointers. Matrices are row-major d×d blocks, component-major (n blocks when
 * full, 1 when tied).
 */
import { packCoordinates, recentring, unpackCoordinates } from '../model/fullCovariance.js';
import type { FullPassStats } from './fullLayout.js';

/** The per-block operations of full/tied fits; failure indices are b·d + j (block b, pivot j), −1 for none. */
export interface MatrixMath {
  /** Which implementation ('js': src/model/fullCovariance.ts; 'wasm': assembly/linalg.ts). */
  readonly kind: 'js' | 'wasm';
  /**
   * For each block of `covariances` (lower triangles read) Σ = L·Lᵀ and U = L⁻ᵀ into `U` (blocks·d·d, upper,
   * zeros below). Returns the first failing pivot (then `U` is partly written), else −1.
   */
  precisionFactors(covariances: Float64Array, d: number, blocks: number, U: Float64Array): number;
  /** The Cholesky alone: the first failing pivot of `covariances`' blocks, else −1. */
  choleskyFailure(covariances: Float64Array, d: number, blocks: number): number;
  /**
   * The floored Cholesky factor of Σ − regCovar·I per block, packed as θ coordinates into `out`
   * (blocks·d(d+1)/2, log on the diagonal). Returns whether any pivot was floored.
   */
  floorCoordinates(covariances: Float64Array, d: number, blocks: number, regCovar: number, out: Float64Array): boolean;
  /**
   * From θ coordinates (blocks·d(d+1)/2 at theta[off…]) the factors into `A` (blocks·d·d, lower, zeros above)
   * and Σ = regCovar·I + A·Aᵀ into `covariances` (blocks·d·d, exactly symmetric).
   */
  factorsFromCoordinates(theta: Float64Array, off: number, d: number, blocks: number, regCovar: number,
    A: Float64Array, covariances: Float64Array): void;
  /**
   * ∂L/∂θ of the factor coordinates into `factor` (blocks·d(d+1)/2): U·(R_b·I − Uᵀ·M·U)·(Uᵀ·A)/W per block,
   * times A_jj on the diagonal; U, M (centred scatter), A are blocks·d·d, `counts` holds R_b (blocks), W > 0.
   */
  gradientFactor(U: Float64Array, M: Float64Array, A: Float64Array, counts: Float64Array, W: number, d: number,
    blocks: number, factor: Float64Array): void;
  /**
   * The M-step's covariance sums into `covariances` (zeros on entry; n·d·d full, d·d tied) from one pass's
   * statistics at `meansUsed` (n·d), the new means μ' (n·d) and counts nk (n): full Σ_i = (M_i + g·eᵀ + e·gᵀ +
   * R_i·e·eᵀ)/nk_i; tied Σ_i (g·eᵀ + e·gᵀ + R_i·e·eᵀ + 10ε·μ'_iμ'_iᵀ), before mStepFull adds the scatter, divides
   * and adds regCovar (src/model/fullCovariance.ts mStepFull).
   */
  mStepCovariances(stats: FullPassStats, meansUsed: Float64Array, means: Float64Array, nk: Float64Array,
    n: number, d: number, tied: boolean, covariances: Float64Array): void;
}

/** The exports of assembly/linalg.ts (and the arena) the bridge calls; pointers are byte offsets. */
export interface LinalgExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  resetArena(): void;
  cholesky(a: number, d: number): number;
  floorCholesky(a: number, d: number, regCovar: number): number;
  precisionFactor(a: number, u: number, x: number, acc: number, d: number): number;
  factorProduct(a: number, at: number, c: number, d: number, regCovar: number): void;
  gradientFactor(m: number, u: number, a: number, t: number, k: number, b: number, d: number, r: number, w: number, out: number): void;
  scatterUpdate(m: number, g: number, e: number, mu: number, d: number, r: number, nk: number, tied: number, out: number): void;
}

/** Whether an instance's exports include assembly/linalg.ts (a user-supplied older build may not). */
export function hasLinalg(exports: object): exports is LinalgExports {
  return typeof (exports as Partial<LinalgExports>).scatterUpdate === 'function';
}

/** Pointers (as f64 indices) of the bridge's d×d blocks. */
interface Blocks { a: number; u: number; x: number; t: number; k: number; b: number; m: number; out: number }

/**
 * {@link MatrixMath} on one instance of assembly/linalg.ts. Each block is copied in, worked on and copied out,
 * so the instance holds O(d²) memory whatever the number of components; the blocks are allocated for the
 * largest d seen and reused by every call.
 */
export class WasmMatrixMath implements MatrixMath {
  readonly kind = 'wasm';
  private readonly k: LinalgExports;
  /** d² the blocks hold (0: none yet). */
  private capacity = 0;
  private p: Blocks = { a: 0, u: 0, x: 0, t: 0, k: 0, b: 0, m: 0, out: 0 };
  private heap = new Float64Array(0);

  /** Takes ownership of `exports` (a fresh instance: its arena is reset). */
  constructor(exports: LinalgExports) {
    this.k = exports;
    this.k.resetArena();
  }

  /** Blocks for dimension d; views re-made after any growth. */
  private blocks(d: number): Blocks {
    if (d * d > this.capacity) {
      this.k.resetArena();
      const bytes = d * d * 8;
      const f = (): number => this.k.alloc(bytes) / 8;
      this.p = { a: f(), u: f(), x: f(), t: f(), k: f(), b: f(), m: f(), out: f() };
      this.capacity = d * d;
    }
    if (this.heap.buffer !== this.k.memory.buffer) this.heap = new Float64Array(this.k.memory.buffer);
    return this.p;
  }

  precisionFactors(covariances: Float64Array, d: number, blocks: number, U: Float64Array): number {
    const p = this.blocks(d), dd = d * d, h = this.heap;
    for (let b = 0; b < blocks; b++) {
      h.set(covariances.subarray(b * dd, (b + 1) * dd), p.a);
      const bad = this.k.precisionFactor(p.a * 8, p.u * 8, p.x * 8, p.t * 8, d);
      if (bad >= 0) return b * d + bad;
      U.set(h.subarray(p.u, p.u + dd), b * dd);
    }
    return -1;
  }

  choleskyFailure(covariances: Float64Array, d: number, blocks: number): number {
    const p = this.blocks(d), dd = d * d;
    for (let b = 0; b < blocks; b++) {
      this.heap.set(covariances.subarray(b * dd, (b + 1) * dd), p.a);
      const bad = this.k.cholesky(p.a * 8, d);
      if (bad >= 0) return b * d + bad;
    }
    return -1;
  }

  floorCoordinates(covariances: Float64Array, d: number, blocks: number, regCovar: number, out: Float64Array): boolean {
    const p = this.blocks(d), dd = d * d, t = (d * (d + 1)) / 2;
    let floored = false;
    for (let b = 0; b < blocks; b++) {
      this.heap.set(covariances.subarray(b * dd, (b + 1) * dd), p.a);
      if (this.k.floorCholesky(p.a * 8, d, regCovar)) floored = true;
      packCoordinates(this.heap, p.a, d, out, b * t);
    }
    return floored;
  }

  factorsFromCoordinates(theta: Float64Array, off: number, d: number, blocks: number, regCovar: number,
    A: Float64Array, covariances: Float64Array): void {
    const p = this.blocks(d), dd = d * d, t = (d * (d + 1)) / 2, h = this.heap;
    for (let b = 0; b < blocks; b++) {
      unpackCoordinates(theta, off + b * t, d, h, p.a);
      this.k.factorProduct(p.a * 8, p.x * 8, p.u * 8, d, regCovar);
      A.set(h.subarray(p.a, p.a + dd), b * dd);
      covariances.set(h.subarray(p.u, p.u + dd), b * dd);
    }
  }

  gradientFactor(U: Float64Array, M: Float64Array, A: Float64Array, counts: Float64Array, W: number, d: number,
    blocks: number, factor: Float64Array): void {
    const p = this.blocks(d), dd = d * d, t = (d * (d + 1)) / 2, h = this.heap;
    for (let b = 0; b < blocks; b++) {
      h.set(U.subarray(b * dd, (b + 1) * dd), p.u);
      h.set(M.subarray(b * dd, (b + 1) * dd), p.m);
      h.set(A.subarray(b * dd, (b + 1) * dd), p.a);
      this.k.gradientFactor(p.m * 8, p.u * 8, p.a * 8, p.t * 8, p.k * 8, p.b * 8, d, counts[b], W, p.out * 8);
      factor.set(h.subarray(p.out, p.out + t), b * t);
    }
  }

  mStepCovariances(stats: FullPassStats, meansUsed: Float64Array, means: Float64Array, nk: Float64Array,
    n: number, d: number, tied: boolean, covariances: Float64Array): void {
    // g, e and μ' (d each) share block x, sized for at least 3×3 so they fit for d < 3 too.
    const p = this.blocks(Math.max(d, 3)), dd = d * d, h = this.heap;
    const g = p.x, e = p.x + d, mu = p.x + 2 * d;
    if (tied) h.fill(0, p.u, p.u + dd);
    for (let i = 0; i < n; i++) {
      recentring(stats, meansUsed, means, i, d, h, g, h, e);
      if (tied) h.set(means.subarray(i * d, (i + 1) * d), mu);
      else h.set(stats.scatter.subarray(i * dd, (i + 1) * dd), p.m);
      this.k.scatterUpdate(p.m * 8, g * 8, e * 8, mu * 8, d, stats.R[i], nk[i], tied ? 1 : 0, p.u * 8);
      if (!tied) covariances.set(h.subarray(p.u, p.u + dd), i * dd);
    }
    if (tied) covariances.set(h.subarray(p.u, p.u + dd));
  }
}
