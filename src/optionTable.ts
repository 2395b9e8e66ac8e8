/**
 * Declarative option tables: one check and one default per option, so every public entry point
 * (minimize, GaussianMixture) rejects bad options with the same kind of MixfitError — option, rule, value
 * received — before any work starts.
 */
import { MixfitError } from './errors.js';

/** Returns null when `v` is acceptable, else the rule it broke, in words. */
export type Check = (v: unknown) => string | null;

/** Whether `key` is an own entry of the lookup table `t` (never an Object.prototype member such as 'constructor'). */
export function isKeyOf<T extends object>(t: T, key: unknown): key is keyof T {
  return typeof key === 'string' && Object.hasOwn(t, key);
}

/** One string out of `vals`. */
export const oneOf = (vals: readonly string[]): Check => (v) =>
  (typeof v === 'string' && vals.includes(v) ? null : `must be one of ${vals.map((s) => `'${s}'`).join(', ')}`);
/** A finite number > 0. */
export const positive: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a finite number > 0');
/** A number > 0, Infinity allowed. */
export const positiveOrInf: Check = (v) => (typeof v === 'number' && v > 0 ? null : 'must be a number > 0 (Infinity allowed)');
/** A finite number ≥ 0. */
export const nonNegative: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : 'must be a finite number ≥ 0');
/** An integer ≥ m. */
export const intAtLeast = (m: number): Check => (v) => (typeof v === 'number' && Number.isInteger(v) && v >= m ? null : `must be an integer ≥ ${m}`);
/** An integer ≥ m or Infinity. */
export const intOrInf = (m: number): Check => (v) =>
  (v === Infinity || (typeof v === 'number' && Number.isInteger(v) && v >= m) ? null : `must be an integer ≥ ${m} or Infinity`);
/** A finite number. */
export const finite: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'must be a finite number');
/** true or false. */
export const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
/** A function. */
export const fn: Check = (v) => (typeof v === 'function' ? null : 'must be a function');
/** Anything with a boolean `aborted` (an AbortSignal from any realm). */
export const signalLike: Check = (v) =>
  (v !== null && typeof v === 'object' && typeof (v as AbortSignal).aborted === 'boolean' ? null : 'must be an AbortSignal');
/** 'auto' or an integer ≥ 1 (worker threads). */
export const threadsOption: Check = (v) => (v === 'auto' || (typeof v === 'number' && Number.isInteger(v) && v >= 1) ? null : "must be 'auto' or an integer ≥ 1");
/** A compiled module, bytes or a URL (a user's own copy of the kernel build). */
export const wasmSource: Check = (v) => (v !== null && (typeof v === 'string' || typeof v === 'object') ? null : 'must be a WebAssembly.Module, bytes or a URL');
/** No check (validated elsewhere, e.g. against the data). */
export const any: Check = () => null;

/** A table: for each option, its check and its default (undefined = none). */
export type OptionTable<T> = { [K in keyof T]-?: readonly [Check, unknown] };

/**
 * Validates `options` against `table` and fills defaults. Unknown keys are rejected too (a typo such as
 * `nComponent` would otherwise be silently ignored).
 * @throws MixfitError naming `options.<name>`.
 */
export function resolveTable<T>(table: OptionTable<T>, options: unknown): Record<string, unknown> {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options)))
    throw new MixfitError('options', 'must be an object', options);
  const o = (options ?? {}) as Record<string, unknown>;
  // Own keys only, on both sides: `key in table` would accept Object.prototype members (constructor,
  // toString, a JSON "__proto__") as options, and reading o[key] would see inherited values.
  for (const key of Object.keys(o)) {
    if (!Object.hasOwn(table, key)) {
      const near = Object.keys(table).find((k) => k.toLowerCase().startsWith(key.toLowerCase().slice(0, 4)));
      throw new MixfitError(`options.${key}`, `is not an option${near ? ` (did you mean ${near}?)` : ''}`, Object.getOwnPropertyDescriptor(o, key)?.value);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, [check, def]] of Object.entries(table) as [string, readonly [Check, unknown]][]) {
    const v = Object.hasOwn(o, key) ? o[key] : undefined;
    if (v === undefined) { out[key] = def; continue; }
    const err = check(v);
    if (err) throw new MixfitError(`options.${key}`, err, v);
    out[key] = v;
  }
  return out;
}
