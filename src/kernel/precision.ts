/**
 * Arithmetic precision of the fitting passes (`precision: 'float64' | 'float32'`). Under 'float32' the
 * WASM builds run assembly/passF32.ts (diagonal layouts) or assembly/passFullF32.ts (full/tied): f32x4
 * distances, triangular products and exp, float64 statistics; the `js` kernel has no float32 pass and stays
 * float64. Scoring (predict, scoreSamples, score, bic, aic) is always float64.
 */
import { MixfitError } from '../errors.js';
import { oneOf } from '../optionTable.js';
import type { Kernels } from '../runtime/kernels.js';

/** The precision of the fitting passes. */
export type Precision = 'float64' | 'float32';

/** Allowed values of the `precision` option, in one place for the option tables and the CLI. */
export const PRECISIONS: readonly Precision[] = ['float64', 'float32'];

/** Validates a `precision` option (default 'float64'). @throws MixfitError naming `argument`. */
export function readPrecision(value: unknown, argument = 'options.precision'): Precision {
  if (value === undefined) return 'float64';
  const problem = oneOf(PRECISIONS)(value);
  if (problem) throw new MixfitError(argument, problem, value);
  return value as Precision;
}

/** The precision `kernels` actually run at when asked for `precision` (the `js` kernel is float64 only). */
export function effectivePrecision(kernels: Kernels, precision: Precision): Precision {
  return precision === 'float32' && kernels.variant !== 'js' && kernels.instantiateRaw ? 'float32' : 'float64';
}

/**
 * Tolerance floors under float32. Measured (test/passF32.test.ts, bench data with N = 1e5): the mean loss
 * differs from float64 by 1e-9…1.4e-8 relative (more for small N, where fewer per-point f32 roundings
 * average out: up to ~1e-7), each gradient coordinate by 1e-8…1e-7 absolute, so the gradient norm by up to
 * ~1e-7·√(n·d). A relative loss change below 1e-7 or a gradient-norm tolerance below 1e-5 (n·d up to
 * 10⁴) would chase rounding noise. The full/tied pass (assembly/passFullF32.ts; `node bench/kernels-full.mjs
 * --float32 [--tied]`, N = 1e4 and 1e5, n = 3 and 10, d = 10…64) stays inside the same floors near an
 * optimum with well-conditioned covariances (after 10 EM iterations: loss ≤ 1.3e-8 relative, gradient norm
 * ≤ 2.5e-7); a component collapsing toward a degenerate spike (κ ≳ 3e4) amplifies the factor gradient's
 * error (measured up to 1.6e-3), which no floor would make meaningful: the floors stay (README Precision).
 */
export const FLOAT32_FLOORS = { tol: 1e-5, lossChangeTol: 1e-7 } as const;

/**
 * The solver tolerances to use at `precision`: unchanged under float64; under float32 `tol` and a
 * non-zero `lossChangeTol` are raised to {@link FLOAT32_FLOORS} (0 keeps meaning "off").
 */
export function floorTolerances<T extends { tol: number; lossChangeTol?: number }>(o: T, precision: Precision | undefined): T {
  if (precision !== 'float32') return o;
  const out = { ...o, tol: Math.max(o.tol, FLOAT32_FLOORS.tol) };
  if (o.lossChangeTol) out.lossChangeTol = Math.max(o.lossChangeTol, FLOAT32_FLOORS.lossChangeTol);
  return out;
}

/**
 * `kernels` whose data backends run the fitting passes at `precision`. Float32 backends pack the data once
 * as f32 quads around `center` (d; default each data set's own column means, see src/kernel/dataRange.ts);
 * `js` kernels and float64 are returned unchanged. A streamed fit passes the whole source's centre, so every
 * chunk holds the f32 values the in-memory layout of all rows would.
 */
export function withPrecision(kernels: Kernels, precision: Precision, center?: Float64Array): Kernels {
  if (!kernels.instantiateRaw || effectivePrecision(kernels, precision) === 'float64') return kernels;
  // Not a spread of `kernels`: that would read its lazy matrixMath now, instantiating the dense math for any fit.
  return {
    variant: kernels.variant,
    module: kernels.module,
    instantiateRaw: kernels.instantiateRaw,
    get matrixMath() { return kernels.matrixMath; },
    createBackend: (X, rows, cols, w) => kernels.createBackend(X, rows, cols, w, { center }),
  };
}
