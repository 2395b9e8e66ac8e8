/**
 * Compiled kernel modules to hand to workers: a `WebAssembly.Module` is cloned to a worker without
 * recompiling, so workers skip the compile (and share the engine's optimised code where it does that).
 */
import simdBytes from '../../build/kernels.simd.wasm';
import scalarBytes from '../../build/kernels.scalar.wasm';
import type { KernelVariant } from '../types.js';

const modules = new Map<KernelVariant, Promise<WebAssembly.Module>>();

/** The compiled module of a WASM variant (cached per process or page); undefined for 'js'. */
export function kernelModule(variant: KernelVariant): Promise<WebAssembly.Module> | undefined {
  if (variant === 'js') return undefined;
  let m = modules.get(variant);
  if (!m) {
    m = WebAssembly.compile(variant === 'simd' ? simdBytes : scalarBytes);
    modules.set(variant, m);
    m.catch(() => modules.delete(variant));
  }
  return m;
}
