import type { MatrixMath } from './matrixMath.js';
import { MixfitError } from '../errors.js';
import type { FlatParams, KernelVariant, PassStats } from '../types.js';
import { componentConstants, scoreFarRow, type DataBackend } from './backend.js';
import { fullComponentConstants, triangleSize, type FullKernelExports, type FullParams, type FullPassStats } from './fullLayout.js';
import type { Precision } from './precision.js';
import { profileCentre, profileOf } from './dataRange.js';

/** How a float32 backend lays out its data: `center` (d) is subtracted before rounding (default: the data's column means). */
export interface Float32Layout {
  center?: Float64Array;
}

/** The raw exports of a kernel instance (assembly/index.ts). Pointers are byte offsets into `memory`. */
export interface KernelExports extends FullKernelExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  releaseTo(ptr: number): void;
  resetArena(): void;
  arenaUsed(): number;
  passScratchBytes(n: number, d: number, diag: number): number;
  pass(
    x: number, c: number, pairStart: number, pairEnd: number, d: number, n: number,
    means: number, logNorm: number, prec: number, diag: number, unit: number, out: number, scratch: number,
    shift: number, norms: number,
  ): number;
  score(
    x: number, pairStart: number, pairEnd: number, d: number, n: number,
    means: number, logNorm: number, prec: number, diag: number, logDens: number, resp: number, scratch: number,
  ): void;
  passF32ScratchBytes(n: number, d: number, diag: number): number;
  passF32(
    x: number, c: number, quadStart: number, quadEnd: number, d: number, n: number,
    means: number, logNorm: number, prec: number, diag: number, unit: number, out: number, scratch: number,
  ): number;
  passFullF32ScratchBytes(n: number, d: number, tied: number): number;
  passFullF32(
    x: number, c: number, quadStart: number, quadEnd: number, d: number, n: number,
    means: number, logNorm: number, chol: number, tied: number, out: number, scratch: number,
  ): number;
  /** Test/benchmark hook of assembly/pass.ts: 0 = the shape rule, 1 = direct form, 2 = GEMM form. */
  setPassForm(form: number): void;
  /** Test hook: the form the last pass ran, 1 = direct, 2 = GEMM. */
  lastPassForm(): number;
  /** Test/benchmark hook of assembly/passFull.ts: 0 = the shape rule (usesFullGemm), 1 = per-pair/blocked forms, 2 = GEMM form. */
  setFullPassForm(form: number): void;
  /** Test hook: the form the last SIMD full/tied pass ran, 1 = per-pair/blocked, 2 = GEMM. */
  lastFullPassForm(): number;
  expArray(x: number, y: number, count: number): void;
  logArray(x: number, y: number, count: number): void;
  packPairs(src: number, rows: number, d: number, dst: number): void;
  packQuadsF32(src: number, rows: number, d: number, center: number, dst: number): void;
  centrePairs(x: number, rows: number, d: number, shift: number, norms: number): void;
  needsCentring(n: number, d: number, diag: number): number;
}

/**
 * Parameter-sized blocks: allocated on the first evaluation for a given (n, d, layout) and reused while the
 * shape stays; a new shape releases them (and the score blocks after them) before allocating its own.
 */
interface ParamBlocks {
  key: string;
  means: number;
  logNorm: number;
  prec: number;
  out: number;
  scratch: number;
  qLen: number;
  logDens: number; // 0 until the first score call
  resp: number;
}

/** Blocks of the full/tied pass, allocated on its first evaluation for a given (n, d, tied), then reused. */
interface FullBlocks {
  key: string;
  means: number;
  logNorm: number;
  chol: number;
  out: number;
  scratch: number;
  logDens: number; // 0 until the first scoreFull call
  resp: number;
  logNormTmp: Float64Array;
  cholTmp: Float64Array;
}

/**
 * The only owner of WASM pointers. Holds one kernel instance and one data set: X (N × d row-major) is
 * packed once into pairs of interleaved rows (see assembly/pass.ts), per-row weights beside it; parameter,
 * output and scratch blocks are allocated on the first evaluation and reused by every later one, so an
 * evaluation allocates nothing. Typed views are re-created whenever memory has grown.
 * At precision 'float32' the data are instead centred and packed once as f32 quads (assembly/passF32.ts);
 * such a workspace runs passes only (scoring is float64 and has its own backend).
 */
export class Workspace implements DataBackend {
  readonly variant: Exclude<KernelVariant, 'js'>;
  readonly rows: number;
  readonly cols: number;
  readonly totalWeight: number;
  private k: KernelExports | null;
  private readonly pairs: number;
  private readonly xPtr: number;
  private readonly cPtr: number;
  /** Column means of X (d, then max‖x − mean‖²) and ‖x − mean‖² per padded row: the GEMM form's centring (assembly/pass.ts). */
  private readonly shiftPtr: number;
  private readonly normsPtr: number;
  /** Whether shift and norms hold the centring (done on the first pass whose shape may use the GEMM form). */
  private centred = false;
  /** No user weights: every c is 1 (0 on the padding row), which lets the SIMD pass skip per-point logs. */
  private readonly unitWeights: boolean;
  private blocks: ParamBlocks | null = null;
  private f64: Float64Array;
  private logNormTmp = new Float64Array(0);
  private precTmp = new Float64Array(0);
  /** Float32 only: the column means subtracted from the data before rounding to f32 (d). */
  private readonly center: Float64Array | undefined;
  private fullBlocks: FullBlocks | null = null;
  /** Arena pointer of the first parameter block (0: none allocated). */
  private paramsBase = 0;

  /** The dense math of full/tied fits on this build, made on first use (a diagonal fit never instantiates it). */
  get matrixMath(): MatrixMath | undefined { return this.mathOf?.(); }

  /**
   * Copies `X` (N × d, row-major) and optional per-row weights (N, default 1) into the instance's memory.
   * Throws when memory cannot grow to hold them. `release` receives the instance (arena reset) on dispose.
   * Float32: the data are centred at `center` (d; default their column means) before rounding.
   */
  constructor(kernels: KernelExports, variant: Exclude<KernelVariant, 'js'>, X: Float64Array, rows: number, cols: number, weights?: Float64Array,
    private readonly release?: (k: KernelExports) => void, readonly precision: Precision = 'float64', private readonly mathOf?: () => MatrixMath | undefined,
    center?: Float64Array) {
    checkKernelCapacity(rows, cols);
    this.k = kernels;
    this.variant = variant;
    this.rows = rows;
    this.cols = cols;
    this.pairs = (rows + 1) >> 1;
    this.unitWeights = weights === undefined;
    if (precision === 'float32') {
      const padded = ((rows + 3) >> 2) * 4;
      const xBytes = padded * cols * 4;
      this.xPtr = this.alloc(xBytes + padded * 4);
      this.cPtr = this.xPtr + xBytes;
      this.f64 = new Float64Array(kernels.memory.buffer);
      this.center = center ?? profileCentre(profileOf(X, rows, cols));
      this.shiftPtr = this.normsPtr = 0; // the float32 pass does its own centring
      this.packQuads(X, rows, cols, this.center);
      this.totalWeight = this.quadWeights(rows, weights);
      return;
    }
    const padded = this.pairs * 2;
    // One allocation for data, weights, shift and norms: a single memory growth instead of several.
    const xBytes = padded * cols * 8;
    const shiftBytes = ((cols + 2) >> 1) * 16;
    this.xPtr = this.alloc(xBytes + padded * 8 + shiftBytes + padded * 8);
    this.cPtr = this.xPtr + xBytes;
    this.shiftPtr = this.cPtr + padded * 8;
    this.normsPtr = this.shiftPtr + shiftBytes;
    this.f64 = new Float64Array(kernels.memory.buffer);
    this.totalWeight = this.packRows(X, rows, cols, weights);
  }

  /**
   * Packs X into interleaved row pairs at xPtr (assembly/pack.ts; an odd last row is duplicated with weight
   * 0, so the kernels never see a partial pair) through a small staging block, and the weights at cPtr.
   * Returns Σ c.
   */
  private packRows(X: Float64Array, rows: number, cols: number, weights?: Float64Array): number {
    const k = this.live();
    // An even row count per block, so every block starts a pair.
    const stageRows = Math.min(rows, Math.max(2, 2 * Math.floor(STAGE_BYTES / (16 * cols))));
    const stage = this.alloc(stageRows * cols * 8);
    for (let r = 0; r < rows; r += stageRows) {
      const m = Math.min(stageRows, rows - r);
      this.heap().set(X.subarray(r * cols, (r + m) * cols), stage >> 3);
      k.packPairs(stage, m, cols, this.xPtr + r * cols * 8);
    }
    k.releaseTo(stage);
    const h = this.heap(), c = this.cPtr >> 3;
    let total = rows;
    if (weights) {
      total = 0;
      for (let i = 0; i < rows; i++) { h[c + i] = weights[i]; total += weights[i]; }
    } else h.fill(1, c, c + rows);
    if (rows % 2 === 1) h[c + rows] = 0;
    return total;
  }

  /**
   * Packs X − center as f32 quads at xPtr (assembly/pack.ts packQuadsF32; the last quad filled with copies of
   * the last row) through a staging block of a multiple of 4 rows, so every block starts a quad.
   */
  private packQuads(X: Float64Array, rows: number, cols: number, center: Float64Array): void {
    const k = this.live();
    const stageRows = Math.min(((rows + 3) >> 2) * 4, Math.max(4, 4 * Math.floor(STAGE_BYTES / (32 * cols))));
    const c = this.alloc(cols * 8 + stageRows * cols * 8), stage = c + cols * 8;
    this.heap().set(center, c >> 3);
    for (let r = 0; r < rows; r += stageRows) {
      const m = Math.min(stageRows, rows - r);
      this.heap().set(X.subarray(r * cols, (r + m) * cols), stage >> 3);
      k.packQuadsF32(stage, m, cols, c, this.xPtr + r * cols * 4);
    }
    k.releaseTo(c);
  }

  /**
   * The f32 weights of the float32 layout at cPtr (1, or `weights`; 0 on the padding rows). Returns their Σ, so
   * the loss normalises by exactly what the kernel summed.
   */
  private quadWeights(rows: number, weights?: Float64Array): number {
    const h32 = new Float32Array(this.live().memory.buffer), c = this.cPtr >> 2;
    let total = 0;
    for (let k = 0; k < ((rows + 3) >> 2) * 4; k++) {
      h32[c + k] = k < rows ? (weights ? weights[k] : 1) : 0;
      total += h32[c + k];
    }
    return total;
  }

  private alloc(bytes: number): number {
    const p = this.live().alloc(bytes);
    if (p === 0) {
      throw new MixfitError('X', `needs more WebAssembly memory than this runtime could reserve (${this.rows} rows × ${this.cols} columns; `
        + `memory could not grow by ${bytes} bytes); use fewer rows per kernel instance (threads) or kernel: 'js'`);
    }
    return p;
  }

  private live(): KernelExports {
    if (!this.k) throw new Error('mixfit: workspace has been disposed');
    return this.k;
  }

  /** The Float64Array view over the current memory buffer (refreshed after growth). */
  private heap(): Float64Array {
    const buf = this.live().memory.buffer;
    if (this.f64.buffer !== buf) this.f64 = new Float64Array(buf);
    return this.f64;
  }

  /**
   * Frees every parameter block (both kinds, and the score buffers allocated after them): they all lie above
   * the data, from `paramsBase` on. Called when a shape changes: without it, alternating shapes (2 ↔ 3
   * components) would grow the arena by one set of blocks per change, and releasing only one kind's blocks
   * would free the other kind's memory under its cached pointers.
   */
  private releaseParamBlocks(): void {
    if (this.paramsBase !== 0) this.live().releaseTo(this.paramsBase);
    this.paramsBase = 0;
    this.blocks = null;
    this.fullBlocks = null;
  }

  /** Allocates a parameter block, remembering where the first one starts (see releaseParamBlocks). */
  private allocParams(bytes: number): number {
    const ptr = this.alloc(bytes);
    if (this.paramsBase === 0) this.paramsBase = ptr;
    return ptr;
  }

  private blocksFor(p: FlatParams): ParamBlocks {
    const diag = p.layout === 'diagonal';
    const key = `${p.n}:${p.d}:${diag}`;
    if (this.blocks?.key === key) return this.blocks;
    const { n, d } = p;
    const qLen = diag ? n * d : n;
    const k = this.live();
    this.releaseParamBlocks();
    const f32 = this.precision === 'float32';
    const bytes = f32 ? 4 : 8;
    const means = this.allocParams(n * d * bytes);
    const logNorm = this.allocParams(n * bytes);
    const prec = this.allocParams(n * d * bytes);
    const out = this.allocParams((n + n * d + qLen) * 8);
    const scratch = this.allocParams((f32 ? k.passF32ScratchBytes : k.passScratchBytes)(n, d, diag ? 1 : 0));
    this.logNormTmp = new Float64Array(n);
    this.precTmp = new Float64Array(n * d);
    this.blocks = { key, means, logNorm, prec, out, scratch, qLen, logDens: 0, resp: 0 };
    return this.blocks;
  }

  private writeParams(p: FlatParams, b: ParamBlocks): Float64Array {
    componentConstants(p, this.logNormTmp, this.precTmp);
    const h = this.heap();
    h.set(p.means, b.means >> 3);
    h.set(this.logNormTmp, b.logNorm >> 3);
    h.set(this.precTmp, b.prec >> 3);
    return h;
  }

  /** One fused pass over rows [start, end): `start` must be even (rows are processed in pairs). */
  pass(p: FlatParams, out: PassStats, start = 0, end = this.rows): PassStats {
    if (this.center) return this.passF32(p, out, start, end, this.center);
    const b = this.blocksFor(p);
    this.writeParams(p, b);
    const pairStart = start >> 1, pairEnd = (end + 1) >> 1;
    const k = this.live(), diag = p.layout === 'diagonal' ? 1 : 0;
    // Lazily: most shapes never read it, and a streamed pass builds a workspace per chunk.
    if (!this.centred && k.needsCentring(p.n, p.d, diag)) {
      k.centrePairs(this.xPtr, this.rows, this.cols, this.shiftPtr, this.normsPtr);
      this.centred = true;
    }
    const ll = k.pass(this.xPtr, this.cPtr, pairStart, pairEnd, p.d, p.n, b.means, b.logNorm, b.prec,
      diag, this.unitWeights ? 1 : 0, b.out, b.scratch, this.shiftPtr, this.normsPtr);
    const h = this.heap();
    const o = b.out >> 3, nd = p.n * p.d;
    out.R.set(h.subarray(o, o + p.n));
    out.S.set(h.subarray(o + p.n, o + p.n + nd));
    out.Q.set(h.subarray(o + p.n + nd, o + p.n + nd + b.qLen));
    out.sumLogLik = ll;
    out.totalWeight = sumRange(h, this.cPtr >> 3, pairStart * 2, pairEnd * 2, start === 0 && end === this.rows ? this.totalWeight : NaN);
    return out;
  }

  /**
   * The float32 pass over rows [start, end) (`start` a multiple of 4): parameters rounded to f32 around the
   * data's centre, statistics restored in float64 (S = S' + μ·R, diagonal Q scaled by σ⁻², ℓ shifted back).
   */
  private passF32(p: FlatParams, out: PassStats, start: number, end: number, center: Float64Array): PassStats {
    const b = this.blocksFor(p);
    const { n, d } = p;
    const diag = p.layout === 'diagonal';
    componentConstants(p, this.logNormTmp, this.precTmp);
    // One common shift keeps the f32 log-normalisers small (their differences are what the pass needs).
    let shift = -Infinity;
    for (let i = 0; i < n; i++) shift = Math.max(shift, this.logNormTmp[i]);
    const k = this.live();
    const h32 = new Float32Array(k.memory.buffer);
    const m = b.means >> 2, ln = b.logNorm >> 2, pr = b.prec >> 2;
    for (let i = 0; i < n; i++) {
      h32[ln + i] = this.logNormTmp[i] - shift;
      for (let j = 0; j < d; j++) h32[m + i * d + j] = p.means[i * d + j] - center[j];
    }
    h32.set(this.precTmp, pr);
    const quadStart = start >> 2, quadEnd = (end + 3) >> 2;
    const ll = k.passF32(this.xPtr, this.cPtr, quadStart, quadEnd, d, n, b.means, b.logNorm, b.prec, diag ? 1 : 0,
      this.unitWeights ? 1 : 0, b.out, b.scratch);
    const h = this.heap();
    const o = b.out >> 3, nd = n * d;
    out.R.set(h.subarray(o, o + n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) out.S[i * d + j] = h[o + n + i * d + j] + p.means[i * d + j] * out.R[i];
    }
    for (let q = 0; q < b.qLen; q++) out.Q[q] = h[o + n + nd + q] * (diag ? this.precTmp[q] : 1);
    const total = this.quadWeight(h32, quadStart, quadEnd, start === 0 && end === this.rows);
    out.totalWeight = total;
    out.sumLogLik = ll + shift * total;
    return out;
  }

  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void {
    if (this.center) throw new Error('mixfit: a float32 workspace runs passes only; score with a float64 backend');
    const b = this.blocksFor(p);
    if (b.logDens === 0) b.logDens = this.alloc(this.pairs * 2 * 8);
    if (resp && b.resp === 0) b.resp = this.alloc(this.pairs * 2 * p.n * 8);
    this.writeParams(p, b);
    this.live().score(this.xPtr, 0, this.pairs, p.d, p.n, b.means, b.logNorm, b.prec, p.layout === 'diagonal' ? 1 : 0,
      b.logDens, resp ? b.resp : 0, b.scratch);
    const h = this.heap();
    logDensity.set(h.subarray(b.logDens >> 3, (b.logDens >> 3) + this.rows));
    if (resp) resp.set(h.subarray(b.resp >> 3, (b.resp >> 3) + this.rows * p.n));
    for (let k = 0; k < this.rows; k++) if (!(logDensity[k] > -Infinity)) logDensity[k] = this.scoreFar(p, k, resp);
  }

  /** Row k again when every squared distance overflowed (see {@link scoreFarRow}); rare, so done here in JS. */
  private scoreFar(p: FlatParams, k: number, resp?: Float64Array): number {
    const h = this.heap(), d = p.d, x = new Float64Array(d);
    const o = (this.xPtr >> 3) + (k >> 1) * 2 * d + (k & 1);
    for (let j = 0; j < d; j++) x[j] = h[o + 2 * j];
    return scoreFarRow(x, p, this.logNormTmp, this.precTmp, new Float64Array(p.n), resp, k * p.n);
  }

  private fullBlocksFor(p: FullParams): FullBlocks {
    const key = `${p.n}:${p.d}:${p.tied}`;
    if (this.fullBlocks?.key === key) return this.fullBlocks;
    this.releaseParamBlocks();
    const { n, d, tied } = p;
    const cholLen = (tied ? 1 : n) * triangleSize(d);
    const f32 = this.precision === 'float32';
    const bytes = f32 ? 4 : 8;
    const means = this.allocParams(n * d * bytes);
    const logNorm = this.allocParams(n * bytes);
    const chol = this.allocParams(cholLen * bytes);
    const out = this.allocParams((n + n * d + (tied ? 1 : n) * d * d) * 8);
    const k = this.live();
    const scratch = this.allocParams((f32 ? k.passFullF32ScratchBytes : k.passFullScratchBytes)(n, d, tied ? 1 : 0));
    this.fullBlocks = { key, means, logNorm, chol, out, scratch, logDens: 0, resp: 0,
      logNormTmp: new Float64Array(n), cholTmp: new Float64Array(cholLen) };
    return this.fullBlocks;
  }

  private writeFullParams(p: FullParams, b: FullBlocks): void {
    fullComponentConstants(p, b.logNormTmp, b.cholTmp);
    const h = this.heap();
    h.set(p.means, b.means >> 3);
    h.set(b.logNormTmp, b.logNorm >> 3);
    h.set(b.cholTmp, b.chol >> 3);
  }

  /** One full/tied pass (assembly/passFull.ts) over rows [start, end): `start` must be even. */
  passFull(p: FullParams, out: FullPassStats, start = 0, end = this.rows): FullPassStats {
    if (this.center) return this.passFullF32(p, out, start, end, this.center);
    const b = this.fullBlocksFor(p);
    this.writeFullParams(p, b);
    const pairStart = start >> 1, pairEnd = (end + 1) >> 1;
    const ll = this.live().passFull(this.xPtr, this.cPtr, pairStart, pairEnd, p.d, p.n, b.means, b.logNorm, b.chol,
      p.tied ? 1 : 0, b.out, b.scratch);
    const h = this.heap();
    const o = b.out >> 3, nd = p.n * p.d;
    out.R.set(h.subarray(o, o + p.n));
    out.S.set(h.subarray(o + p.n, o + p.n + nd));
    out.scatter.set(h.subarray(o + p.n + nd, o + p.n + nd + out.scatter.length));
    out.sumLogLik = ll;
    out.totalWeight = sumRange(h, this.cPtr >> 3, pairStart * 2, pairEnd * 2, start === 0 && end === this.rows ? this.totalWeight : NaN);
    return out;
  }

  /**
   * The float32 full/tied pass (assembly/passFullF32.ts) over rows [start, end) (`start` a multiple of 4):
   * means rounded to f32 around the data's centre, the log-normalisers (log-determinants included) computed
   * in float64 and shifted by their maximum before rounding, the factors rounded to f32; S restored in float64
   * as S' + μ̃·R with μ̃ the f32 means the pass used (so S is consistent with the scatter, taken around μ̃),
   * ℓ shifted back.
   */
  private passFullF32(p: FullParams, out: FullPassStats, start: number, end: number, center: Float64Array): FullPassStats {
    const b = this.fullBlocksFor(p);
    const { n, d } = p;
    fullComponentConstants(p, b.logNormTmp, b.cholTmp);
    let shift = -Infinity;
    for (let i = 0; i < n; i++) shift = Math.max(shift, b.logNormTmp[i]);
    const k = this.live();
    const h32 = new Float32Array(k.memory.buffer);
    const m = b.means >> 2, ln = b.logNorm >> 2;
    for (let i = 0; i < n; i++) {
      h32[ln + i] = b.logNormTmp[i] - shift;
      // Clamped: a mean beyond f32's range (no data near it) stays finite, so x − μ does (see the kernel's header).
      for (let j = 0; j < d; j++) h32[m + i * d + j] = Math.max(-F32_MEAN_LIMIT, Math.min(F32_MEAN_LIMIT, p.means[i * d + j] - center[j]));
    }
    h32.set(b.cholTmp, b.chol >> 2);
    const quadStart = start >> 2, quadEnd = (end + 3) >> 2;
    const ll = k.passFullF32(this.xPtr, this.cPtr, quadStart, quadEnd, d, n, b.means, b.logNorm, b.chol, p.tied ? 1 : 0, b.out, b.scratch);
    const h = this.heap(), g32 = new Float32Array(k.memory.buffer);
    const o = b.out >> 3, nd = n * d;
    out.R.set(h.subarray(o, o + n));
    out.S.set(h.subarray(o + n, o + n + nd));
    out.scatter.set(h.subarray(o + n + nd, o + n + nd + out.scatter.length));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) out.S[i * d + j] += (g32[m + i * d + j] + center[j]) * out.R[i];
    }
    out.totalWeight = this.quadWeight(g32, quadStart, quadEnd, start === 0 && end === this.rows);
    out.sumLogLik = ll + shift * out.totalWeight;
    return out;
  }

  /** Σ c over quads [quadStart, quadEnd) of the float32 layout (the stored total when `all`). */
  private quadWeight(h32: Float32Array, quadStart: number, quadEnd: number, all: boolean): number {
    if (all) return this.totalWeight;
    let total = 0;
    for (let r = quadStart * 4; r < quadEnd * 4; r++) total += h32[(this.cPtr >> 2) + r];
    return total;
  }

  /** Full/tied log-density per row (N) and, when given, responsibilities (N × n row-major). */
  scoreFull(p: FullParams, logDensity: Float64Array, resp?: Float64Array): void {
    if (this.center) throw new Error('mixfit: a float32 workspace runs passes only; score with a float64 backend');
    const b = this.fullBlocksFor(p);
    if (b.logDens === 0) b.logDens = this.alloc(this.pairs * 2 * 8);
    if (resp && b.resp === 0) b.resp = this.alloc(this.pairs * 2 * p.n * 8);
    this.writeFullParams(p, b);
    this.live().scoreFull(this.xPtr, 0, this.pairs, p.d, p.n, b.means, b.logNorm, b.chol, p.tied ? 1 : 0,
      b.logDens, resp ? b.resp : 0, b.scratch);
    const h = this.heap();
    logDensity.set(h.subarray(b.logDens >> 3, (b.logDens >> 3) + this.rows));
    if (resp) resp.set(h.subarray(b.resp >> 3, (b.resp >> 3) + this.rows * p.n));
  }

  /** Bytes of WASM memory currently reserved (for tests that check evaluations do not grow it). */
  memoryBytes(): number {
    return this.live().memory.buffer.byteLength;
  }

  dispose(): void {
    if (!this.k) return;
    const k = this.k;
    k.resetArena();
    this.k = null;
    this.release?.(k);
    this.blocks = null;
    this.fullBlocks = null;
    this.paramsBase = 0;
    this.f64 = new Float64Array(0);
  }
}

/** Most bytes of memory one kernel instance can address (wasm32: 65 536 pages of 64 KiB, 4 GiB). */
export const KERNEL_MEMORY_BYTES = 2 ** 32;
/** |μ − centre| beyond which a float32 mean is clamped (far outside any f32 data: its scores underflow anyway). */
const F32_MEAN_LIMIT = 1e30;
/** Bytes of the staging block through which rows are copied into WASM memory and packed. */
const STAGE_BYTES = 2 ** 18;
/** Memory kept free for the parameter, output and scratch blocks beside the data. */
const BLOCK_RESERVE = 2 ** 24;

/**
 * Checks that `rows` × `cols` fit one kernel instance: the packed data and weights take
 * ⌈rows/2⌉·2·(cols + 1)·8 bytes, which must stay below 4 GiB − 16 MiB (about 5.3e8 values).
 * @throws MixfitError naming `name` (default `X`) with the bytes needed.
 */
export function checkKernelCapacity(rows: number, cols: number, name = 'X'): void {
  const bytes = Math.ceil(rows / 2) * 2 * (cols + 1) * 8;
  if (bytes > KERNEL_MEMORY_BYTES - BLOCK_RESERVE) {
    throw new MixfitError(name, `is too large for one kernel instance: rows × (cols + 1) × 8 bytes must stay below 4 GiB − 16 MiB `
      + `of WebAssembly memory (${rows} × ${cols} needs ${bytes} bytes); use fewer rows, or kernel: 'js' (plain float64 arrays)`);
  }
}

function sumRange(h: Float64Array, off: number, a: number, b: number, known: number): number {
  if (!Number.isNaN(known)) return known;
  let t = 0;
  for (let k = a; k < b; k++) t += h[off + k];
  return t;
}
