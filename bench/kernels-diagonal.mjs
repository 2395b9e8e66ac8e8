// Diagonal-variance pass benchmark: the fused pass with per-(component, dimension) variances, timed for
// the current build/kernels.simd.wasm and, with --before FILE, an older simd build side by side (runs
// alternate per repetition). Median of REPS (≥ 5) repetitions of ≥ 20 ms each; also times the spherical
// ('component') layout for reference.
//   node bench/kernels-diagonal.mjs [--before old.simd.wasm] [--reps 7]
import { readFileSync } from 'node:fs';
import { loadKernels } from '../dist/index.js';
import { normals } from './lib/normals.mjs';

const args = process.argv.slice(2);
const at = (k) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
const REPS = Math.max(5, Number(at('--reps') ?? 5));
const before = at('--before');

function params(n, d, layout) {
  const means = normals(n * d, 7 + n * 131 + d);
  const variances = layout === 'diagonal'
    ? new Float64Array(n * d).map((_, k) => 0.5 + ((k * 7919) % 97) / 64)
    : new Float64Array(n).map((_, i) => 0.5 + (1.5 * i) / Math.max(1, n - 1));
  return { n, d, means, logWeights: new Float64Array(n).fill(-Math.log(n)), variances, layout };
}
const stats = (n, d, diag) => ({ totalWeight: 0, sumLogLik: 0, R: new Float64Array(n), S: new Float64Array(n * d), Q: new Float64Array(diag ? n * d : n) });
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

const builds = [['now', await loadKernels({ kernel: 'simd' })]];
if (before) builds.unshift(['before', await loadKernels({ kernel: 'simd', wasm: new WebAssembly.Module(readFileSync(before)) })]);
for (const [, k] of builds) {
  const be = k.createBackend(normals(2e4 * 3, 5), 2e4, 3);
  for (const layout of ['diagonal', 'component']) {
    const p = params(4, 3, layout), out = stats(4, 3, layout === 'diagonal');
    for (const t0 = performance.now(); performance.now() - t0 < 200;) be.pass(p, out);
  }
  be.dispose();
}
console.log(`diagonal pass benchmark — node ${process.version}, median of ${REPS}, ms per pass`);
const head = ['N', 'n', 'd', 'layout', ...builds.map(([b]) => `${b} ms`), ...(before ? ['speed-up', 'same ll'] : [])];
console.log('| ' + head.join(' | ') + ' |');
for (const N of [1e4, 1e5]) for (const n of [2, 10]) for (const d of [10, 64]) for (const layout of ['diagonal', 'component']) {
  const X = normals(N * d, 11 + d);
  const bes = builds.map(([, k]) => k.createBackend(X, N, d));
  const p = params(n, d, layout);
  const outs = bes.map(() => stats(n, d, layout === 'diagonal'));
  const inner = bes.map((be, b) => { const t0 = performance.now(); be.pass(p, outs[b]); return Math.max(1, Math.ceil(20 / Math.max(performance.now() - t0, 1e-4))); });
  const times = bes.map(() => []);
  for (let r = 0; r < REPS; r++) bes.forEach((be, b) => {
    const t0 = performance.now();
    for (let k = 0; k < inner[b]; k++) be.pass(p, outs[b]);
    times[b].push((performance.now() - t0) / inner[b]);
  });
  const ms = times.map(median);
  const row = [N.toExponential(0), n, d, layout === 'diagonal' ? 'diagonal' : 'spherical', ...ms.map((x) => x.toFixed(3))];
  if (before) {
    const rel = Math.abs(outs[0].sumLogLik - outs[1].sumLogLik) / Math.abs(outs[0].sumLogLik);
    row.push(`${(ms[0] / ms[1]).toFixed(2)}×`, rel === 0 ? 'bit-identical' : rel.toExponential(1));
  }
  console.log('| ' + row.join(' | ') + ' |');
  bes.forEach((be) => be.dispose());
}
