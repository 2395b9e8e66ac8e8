/**
 * SIMD feature probe: a 31-byte module whose only function uses v128 instructions
 * (the same probe wasm-feature-detect uses). `WebAssembly.validate` compiles nothing, so this is cheap.
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** True when this runtime validates WebAssembly fixed-width SIMD. */
export function hasWasmSimd(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Relaxed-SIMD probe: one function computing f64x2.relaxed_madd of three splats (the instruction the FMA
 * build relies on). Node 20 rejects it without --experimental-wasm-relaxed-simd; Node ≥ 22, Chrome ≥ 114 and
 * Firefox ≥ 146 accept it.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 135, 2, 11,
]);

/** True when this runtime validates relaxed SIMD (`f64x2.relaxed_madd`). */
export function hasWasmRelaxedSimd(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/** True when WebAssembly is available at all. */
export function hasWasm(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.instantiate === 'function';
}
