/**
 * Deterministic standard normal draws (xorshift32 + Box–Muller), so every kernel variant and every run of
 * a benchmark sees the same data. (bench/parallel.mjs keeps a copy inside the function it ships to the
 * browser page, which cannot import.)
 */
export function normals(count, seed) {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float64Array(count);
  for (let k = 0; k < count; k += 2) {
    const r = Math.sqrt(-2 * Math.log(u())), t = 2 * Math.PI * u();
    out[k] = r * Math.cos(t);
    if (k + 1 < count) out[k + 1] = r * Math.sin(t);
  }
  return out;
}
