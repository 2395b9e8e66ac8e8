import type { FlatParams, PassStats } from '../types.js';
import { componentConstants, type DataBackend } from './backend.js';
import { fullComponentConstants, triangleSize, type FullKernelExports, type FullParams, type FullPassStats } from './fullLayout.js';

/** The raw exports of a kernel instance (assembly/index.ts). Pointers are byte offsets into `memory`. */
export interface KernelExports extends FullKernelExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  resetArena(): void;
  arenaUsed(): number;
  passScratchBytes(n: number, d: number, diag: number): number;
  pass(
    x: number, c: number, pairStart: number, pairEnd: number, d: number, n: number,
    means: number, logNorm: number, prec: number, diag: number, unit: number, out: number, scratch: number,
  ): number;
  score(
    x: number, pairStart: number, pairEnd: number, d: number, n: number,
    means: number, logNorm: number, prec: number, diag: number, logDens: number, resp: number, scratch: number,
  ): void;
  expArray(x: number, y: number, count: number): void;
  logArray(x: number, y: number, count: number): void;
}

/** Parameter-sized blocks: allocated on the first evaluation for a given (n, layout), then reused. */
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
 */
export class Workspace implements DataBackend {
  readonly variant: 'simd' | 'scalar';
  readonly rows: number;
  readonly cols: number;
  readonly totalWeight: number;
  private k: KernelExports | null;
  private readonly pairs: number;
  private readonly xPtr: number;
  private readonly cPtr: number;
  /** No user weights: every c is 1 (0 on the padding row), which lets the SIMD pass skip per-point logs. */
  private readonly unitWeights: boolean;
  private blocks: ParamBlocks | null = null;
  private f64: Float64Array;
  private logNormTmp = new Float64Array(0);
  private precTmp = new Float64Array(0);
  private fullBlocks: FullBlocks | null = null;

  /**
   * Copies `X` (N × d, row-major) and optional per-row weights (N, default 1) into the instance's memory.
   * Throws when memory cannot grow to hold them. `release` receives the instance (arena reset) on dispose.
   */
  constructor(kernels: KernelExports, variant: 'simd' | 'scalar', X: Float64Array, rows: number, cols: number, weights?: Float64Array,
    private readonly release?: (k: KernelExports) => void) {
    this.k = kernels;
    this.variant = variant;
    this.rows = rows;
    this.cols = cols;
    this.pairs = (rows + 1) >> 1;
    this.unitWeights = weights === undefined;
    const padded = this.pairs * 2;
    // One allocation for data and weights: a single memory growth instead of two.
    const xBytes = padded * cols * 8;
    this.xPtr = this.alloc(xBytes + padded * 8);
    this.cPtr = this.xPtr + xBytes;
    this.f64 = new Float64Array(kernels.memory.buffer);
    this.totalWeight = packRows(this.f64, this.xPtr >> 3, this.cPtr >> 3, X, rows, cols, weights);
  }

  private alloc(bytes: number): number {
    const p = this.live().alloc(bytes);
    if (p === 0) throw new RangeError(`mixfit: WebAssembly memory could not grow by ${bytes} bytes`);
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

  private blocksFor(p: FlatParams): ParamBlocks {
    const diag = p.layout === 'diagonal';
    const key = `${p.n}:${p.d}:${diag}`;
    if (this.blocks?.key === key) return this.blocks;
    const { n, d } = p;
    const qLen = diag ? n * d : n;
    const k = this.live();
    const means = this.alloc(n * d * 8);
    const logNorm = this.alloc(n * 8);
    const prec = this.alloc(n * d * 8);
    const out = this.alloc((n + n * d + qLen) * 8);
    const scratch = this.alloc(k.passScratchBytes(n, d, diag ? 1 : 0));
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
    const b = this.blocksFor(p);
    this.writeParams(p, b);
    const pairStart = start >> 1, pairEnd = (end + 1) >> 1;
    const ll = this.live().pass(this.xPtr, this.cPtr, pairStart, pairEnd, p.d, p.n, b.means, b.logNorm, b.prec,
      p.layout === 'diagonal' ? 1 : 0, this.unitWeights ? 1 : 0, b.out, b.scratch);
    const h = this.heap();
    const o = b.out >> 3, nd = p.n * p.d;
    out.R.set(h.subarray(o, o + p.n));
    out.S.set(h.subarray(o + p.n, o + p.n + nd));
    out.Q.set(h.subarray(o + p.n + nd, o + p.n + nd + b.qLen));
    out.sumLogLik = ll;
    out.totalWeight = sumRange(h, this.cPtr >> 3, pairStart * 2, pairEnd * 2, start === 0 && end === this.rows ? this.totalWeight : NaN);
    return out;
  }

  score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): void {
    const b = this.blocksFor(p);
    if (b.logDens === 0) b.logDens = this.alloc(this.pairs * 2 * 8);
    if (resp && b.resp === 0) b.resp = this.alloc(this.pairs * 2 * p.n * 8);
    this.writeParams(p, b);
    this.live().score(this.xPtr, 0, this.pairs, p.d, p.n, b.means, b.logNorm, b.prec, p.layout === 'diagonal' ? 1 : 0,
      b.logDens, resp ? b.resp : 0, b.scratch);
    const h = this.heap();
    logDensity.set(h.subarray(b.logDens >> 3, (b.logDens >> 3) + this.rows));
    if (resp) resp.set(h.subarray(b.resp >> 3, (b.resp >> 3) + this.rows * p.n));
  }

  private fullBlocksFor(p: FullParams): FullBlocks {
    const key = `${p.n}:${p.d}:${p.tied}`;
    if (this.fullBlocks?.key === key) return this.fullBlocks;
    const { n, d, tied } = p;
    const cholLen = (tied ? 1 : n) * triangleSize(d);
    const means = this.alloc(n * d * 8);
    const logNorm = this.alloc(n * 8);
    const chol = this.alloc(cholLen * 8);
    const out = this.alloc((n + n * d + (tied ? 1 : n) * d * d) * 8);
    const scratch = this.alloc(this.live().passFullScratchBytes(n, d, tied ? 1 : 0));
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

  /** Full/tied log-density per row (N) and, when given, responsibilities (N × n row-major). */
  scoreFull(p: FullParams, logDensity: Float64Array, resp?: Float64Array): void {
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
    this.f64 = new Float64Array(0);
  }
}

/**
 * Packs X (N × d row-major) into interleaved row pairs at heap[xOff…] and the weights at heap[cOff…]; an
 * odd last row is duplicated with weight 0 so that the kernels never see a partial pair. Returns Σ c.
 */
function packRows(heap: Float64Array, xOff: number, cOff: number, X: Float64Array, rows: number, d: number,
  weights?: Float64Array): number {
  const pairs = (rows + 1) >> 1;
  for (let p = 0; p < pairs; p++) {
    const r0 = 2 * p, r1 = Math.min(2 * p + 1, rows - 1);
    const a = r0 * d, b = r1 * d, o = xOff + p * 2 * d;
    for (let j = 0; j < d; j++) {
      heap[o + 2 * j] = X[a + j];
      heap[o + 2 * j + 1] = X[b + j];
    }
  }
  let total = 0;
  for (let k = 0; k < rows; k++) {
    const w = weights ? weights[k] : 1;
    heap[cOff + k] = w;
    total += w;
  }
  if (rows % 2 === 1) heap[cOff + rows] = 0;
  return total;
}

function sumRange(h: Float64Array, off: number, a: number, b: number, known: number): number {
  if (!Number.isNaN(known)) return known;
  let t = 0;
  for (let k = a; k < b; k++) t += h[off + k];
  return t;
}
