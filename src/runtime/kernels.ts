/**
 * Loads the right kernel build for this runtime. The `.wasm` bytes are inlined into the bundles by
 * esbuild's binary loader (no fetch, no `node:fs`, no top-level await); users with a strict CSP or their own
 * hosting can pass a compiled `WebAssembly.Module`, raw bytes or a URL instead.
 */
import relaxedBytes from '../../build/kernels.relaxed.wasm';
import simdBytes from '../../build/kernels.simd.wasm';
import scalarBytes from '../../build/kernels.scalar.wasm';
import { MixfitError } from '../errors.js';
import { oneOf, resolveTable, wasmSource, type Check, type OptionTable } from '../optionTable.js';
import type { DataBackend } from '../kernel/backend.js';
import type { FullDataBackend } from '../kernel/fullLayout.js';
import { JsBackend } from '../kernel/jsPass.js';
import { hasLinalg, WasmMatrixMath, type MatrixMath } from '../kernel/matrixMath.js';
import { jsMatrixMath } from '../model/fullCovariance.js';
import { Workspace, type Float32Layout, type KernelExports } from '../kernel/workspace.js';
import { KERNEL_CHOICES, type KernelChoice, type KernelVariant } from '../types.js';
import { hasWasm, hasWasmRelaxedSimd, hasWasmSimd } from './probe.js';

/** Where a WASM build comes from when not from the inlined bytes. */
export type WasmSource = WebAssembly.Module | BufferSource | URL | string;

/** Options of {@link loadKernels}. */
export interface LoadKernelsOptions {
  /** `auto` (default): `relaxed` when validated, else `simd`, else `scalar`, else `js`. */
  kernel?: KernelChoice;
  /** Override for the chosen build: a compiled module, its bytes, or a URL to fetch. */
  wasm?: WasmSource;
}

/** A loaded kernel implementation that can hold data sets. */
export interface Kernels {
  readonly variant: KernelVariant;
  /** The compiled build (WASM variants): handed to worker threads, which then skip compiling. */
  readonly module?: WebAssembly.Module;
  /**
   * Copies `X` (N × d row-major) and optional weights (N) into a new resident data backend; with `float32`,
   * in the float32 layout (passes only; WASM builds: the `js` kernel is float64 only and ignores it; callers go
   * through withPrecision, src/kernel/precision.ts).
   */
  createBackend(X: Float64Array, rows: number, cols: number, weights?: Float64Array, float32?: Float32Layout): DataBackend & FullDataBackend;
  /** A fresh raw instance (WASM variants only; used by tests of the exp/log kernels). */
  instantiateRaw?(): KernelExports;
  /** The dense per-block math of full/tied fits on this build ({@link matrixMathOf}); absent for `js`. */
  readonly matrixMath?: MatrixMath;
}

/** One of {@link KERNEL_CHOICES}, in the words resolveVariant uses. */
export const kernelChoice: Check = oneOf(KERNEL_CHOICES);
const LOAD_TABLE: OptionTable<LoadKernelsOptions> = { kernel: [kernelChoice, undefined], wasm: [wasmSource, undefined] };
type WasmVariant = Exclude<KernelVariant, 'js'>;
/** The inlined build of each WASM variant (one source, three feature sets: asconfig.json). */
const BYTES: Record<WasmVariant, typeof simdBytes> = { relaxed: relaxedBytes, simd: simdBytes, scalar: scalarBytes };
/** What each WASM variant needs the runtime to validate. */
const SUPPORTED: Record<WasmVariant, () => boolean> = { relaxed: hasWasmRelaxedSimd, simd: hasWasmSimd, scalar: hasWasm };
const compiled = new Map<string, Promise<WebAssembly.Module>>();
/** The same builds once compiled, for {@link loadKernelsSync}. */
const ready = new Map<string, WebAssembly.Module>();

// Writing into fresh WASM pages costs the OS a page fault each (about 3× the copy itself here), so one
// released instance per module is kept for the next data set (repeated fits, restarts). Only instances
// up to POOL_MAX_BYTES are kept, so a disposed large data set does not pin its memory.
const POOL_MAX_BYTES = 64 * 2 ** 20;
const idle = new WeakMap<WebAssembly.Module, KernelExports>();

async function compileFrom(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === 'string' || source instanceof URL) {
    const res = await fetch(source);
    if (!res.ok) throw new MixfitError('options.wasm', 'must be a URL that can be fetched', `${source} (HTTP ${res.status})`);
    return WebAssembly.compile(await res.arrayBuffer());
  }
  return WebAssembly.compile(source);
}

/** Resolves `auto` to a concrete variant for this runtime. */
export function resolveVariant(choice: KernelChoice = 'auto'): KernelVariant {
  const problem = kernelChoice(choice);
  if (problem) throw new MixfitError('options.kernel', problem, choice);
  if (choice !== 'auto') return choice;
  for (const v of KERNEL_CHOICES) if (v !== 'auto' && v !== 'js' && SUPPORTED[v]()) return v;
  return 'js';
}

/**
 * Loads (and caches) the kernel build named by `options.kernel`. `simd` throws when the runtime cannot
 * validate SIMD; `auto` never does, and falls back to `js` when compiling is forbidden (strict CSP). Each
 * data backend gets its own instance, so disposing one frees its memory without touching the others.
 */
export async function loadKernels(options: LoadKernelsOptions = {}): Promise<Kernels> {
  resolveTable(LOAD_TABLE, options);
  const variant = resolveVariant(options.kernel ?? 'auto');
  if (variant === 'js') return jsKernels();
  if (!options.wasm) requireSimdSupport(variant);
  let modPromise: Promise<WebAssembly.Module>;
  if (options.wasm) modPromise = compileFrom(options.wasm);
  else {
    let cached = compiled.get(variant);
    if (!cached) {
      cached = WebAssembly.compile(BYTES[variant]);
      compiled.set(variant, cached);
      cached.catch(() => compiled.delete(variant));
    }
    modPromise = cached;
  }
  let mod: WebAssembly.Module;
  try {
    mod = await modPromise;
  } catch (e) {
    // Our own inlined bytes are valid, so a failure here means the page forbids compiling WebAssembly
    // (a CSP without 'wasm-unsafe-eval'): 'auto' promises a working kernel, so it falls back to 'js'.
    if ((options.kernel ?? 'auto') === 'auto' && !options.wasm) return jsKernels();
    throw e;
  }
  if (!options.wasm) ready.set(variant, mod);
  return kernelsFrom(variant, mod);
}

/**
 * The synchronous twin of {@link loadKernels}, for scoring a model that was never fitted in this runtime
 * (e.g. `GaussianMixture.fromJSON`). Uses a build already compiled by `loadKernels`; otherwise compiles the
 * inlined bytes synchronously, which browsers refuse on the main thread for modules over 4 KB — then it
 * falls back to the `js` kernel (same results to ~1e-12, slower).
 */
export function loadKernelsSync(options: Pick<LoadKernelsOptions, 'kernel'> = {}): Kernels {
  resolveTable({ kernel: LOAD_TABLE.kernel }, options);
  const variant = resolveVariant(options.kernel ?? 'auto');
  if (variant === 'js') return jsKernels();
  requireSimdSupport(variant);
  let mod = ready.get(variant);
  if (!mod) {
    try {
      mod = new WebAssembly.Module(BYTES[variant]);
      ready.set(variant, mod);
    } catch {
      if (options.kernel !== undefined && options.kernel !== 'auto') throw new MixfitError('options.kernel',
        `'${variant}' cannot be compiled synchronously here (browser main thread): call fit() or await loadKernels() first`, variant);
      return jsKernels();
    }
  }
  return kernelsFrom(variant, mod);
}

/**
 * An explicit 'relaxed' or 'simd' on a runtime that does not validate its instructions is an error (a
 * user-supplied module is not checked).
 */
function requireSimdSupport(variant: WasmVariant): void {
  if (variant === 'relaxed' && !hasWasmRelaxedSimd())
    throw new MixfitError('options.kernel', "'relaxed' needs WebAssembly relaxed SIMD, which this runtime does not validate (Node ≥ 22, Chrome ≥ 114, Firefox ≥ 146 do)", 'relaxed');
  if (variant === 'simd' && !hasWasmSimd())
    throw new MixfitError('options.kernel', "'simd' needs WebAssembly SIMD, which this runtime does not validate", 'simd');
}


/** One bridge per compiled build, made on first use (its instance is used synchronously, so fits can share it). */
const matrixMaths = new WeakMap<WebAssembly.Module, MatrixMath>();

/**
 * The dense per-block math of full/tied fits on the build `mod`: the WASM kernels of assembly/linalg.ts (2.7×
 * less CPU than the JS at n = 10, d = 64, simd build: bench/kernels-full.mjs --dense-only), else the float64
 * JS (a build without assembly/linalg.ts). Kernels carry it as `matrixMath`, their data backends pass it on,
 * and a fit reads it from its objective (the JS for `kernel: 'js'` and SQL engines, which have none): so a
 * fit in a worker uses the math of the very build its passes run on. The plain builds give the JS numbers bit
 * for bit, the FMA build to rounding (test/matrixMath.test.ts).
 */
export function matrixMathOf(mod: WebAssembly.Module): MatrixMath {
  let math = matrixMaths.get(mod);
  if (!math) {
    const exports = new WebAssembly.Instance(mod, {}).exports;
    math = hasLinalg(exports) ? new WasmMatrixMath(exports) : jsMatrixMath;
    matrixMaths.set(mod, math);
  }
  return math;
}

function jsKernels(): Kernels {
  return { variant: 'js', createBackend: (X, rows, cols, w) => new JsBackend(X, rows, cols, w) };
}

function kernelsFrom(variant: WasmVariant, mod: WebAssembly.Module): Kernels {
  const instantiateRaw = (): KernelExports => new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
  const release = (k: KernelExports): void => {
    if (k.memory.buffer.byteLength <= POOL_MAX_BYTES) idle.set(mod, k);
  };
  const acquire = (): KernelExports => {
    const k = idle.get(mod);
    if (!k) return instantiateRaw();
    idle.delete(mod);
    return k;
  };
  return {
    variant,
    module: mod,
    instantiateRaw,
    get matrixMath() { return matrixMathOf(mod); },
    createBackend: (X, rows, cols, w, f32) => new Workspace(acquire(), variant, X, rows, cols, w, release, f32 ? 'float32' : 'float64',
      () => matrixMathOf(mod), f32?.center),
  };
}

/**
 * Runs `f` over a data backend of `kernels` holding X (rows × cols row-major), disposed after however `f`
 * ends (its kernel instance goes back to the pool): one chunk of a stream, which is not kept.
 */
export function withChunkBackend<T>(kernels: Kernels, X: Float64Array, rows: number, cols: number,
  f: (backend: ReturnType<Kernels['createBackend']>) => T): T {
  const be = kernels.createBackend(X, rows, cols);
  try {
    return f(be);
  } finally {
    be.dispose();
  }
}
