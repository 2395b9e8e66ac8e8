// The full/tied pass and scoring (assembly/passFull.ts, both WASM builds, and the JS oracle) against an
// independent float64 reference written here from the unpacked factors U (Σ⁻¹ = U·Uᵀ).
//
// Tolerance: each result is compared with |got − ref| ≤ 1e-12·scale, the scale being the same expression
// evaluated with every term replaced by its absolute value (the forward-error scale of the computation).
// For a component score a_i that is |log w| + (d/2)log 2π + Σ|log U_jj| + ½Σ_l(Σ_k |U_kl t_k|)²; a
// responsibility inherits 2·max_i scale(a_i) relative error from the scores, so a statistic Σ c r f has
// the scale Σ c r |f|(1 + 2·max_i scale(a_i)). This is 1e-12 relative where nothing cancels and stays
// honest for covariances with condition number 1e8, whose quadratic forms lose digits in any summation order
// (measured: up to ~1e-12 of ℓ). Well-conditioned cases are also held to the plain normwise bound
// max|got − ref| ≤ 1e-12·max|ref| per statistic (Σcℓ: ≤ 1e-12·Σc|ℓ|).
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/model/rng.js';
import { loadKernels } from '../src/runtime/kernels.js';
import { hasWasmRelaxedSimd } from '../src/runtime/probe.js';
import { newFullPassStats, type FullDataBackend, type FullParams } from '../src/kernel/fullLayout.js';
import { newPassStats } from '../src/kernel/backend.js';
import { Workspace, type KernelExports } from '../src/kernel/workspace.js';
import type { FlatParams } from '../src/types.js';
import { randomFullMixture, sampleFullMixture } from './fixtures/fullCovariance.js';

// The FMA build joins wherever the runtime validates relaxed SIMD (Chromium, Node ≥ 22; Node 20 only with
// --experimental-wasm-relaxed-simd).
const VARIANTS = [...(hasWasmRelaxedSimd() ? ['relaxed'] as const : []), 'simd', 'scalar', 'js'] as const;
const TOL = 1e-12;

interface Ref {
  ll: number; llAbs: number; llScale: number; R: number[]; RScale: number[]; S: number[]; SScale: number[];
  M: number[]; MScale: number[]; logDens: number[]; logDensScale: number[]; resp: number[]; respScale: number[];
}

function reference(X: Float64Array, N: number, p: FullParams, c?: Float64Array): Ref {
  const { n, d, tied, precChol: U } = p;
  const mLen = (tied ? 1 : n) * d * d;
  const r: Ref = { ll: 0, llAbs: 0, llScale: 0, R: Array(n).fill(0), RScale: Array(n).fill(0), S: Array(n * d).fill(0),
    SScale: Array(n * d).fill(0), M: Array(mLen).fill(0), MScale: Array(mLen).fill(0), logDens: [], logDensScale: [],
    resp: [], respScale: [] };
  const half = 0.5 * d * Math.log(2 * Math.PI);
  for (let k = 0; k < N; k++) {
    const ck = c ? c[k] : 1;
    const a: number[] = [], aScale: number[] = [], t: number[][] = [];
    for (let i = 0; i < n; i++) {
      const off = tied ? 0 : i * d * d;
      const ti = Array.from({ length: d }, (_, j) => X[k * d + j] - p.means[i * d + j]);
      let logDet = 0, logDetAbs = 0, q = 0, qAbs = 0;
      for (let l = 0; l < d; l++) {
        logDet += Math.log(U[off + l * d + l]);
        logDetAbs += Math.abs(Math.log(U[off + l * d + l]));
        let y = 0, yAbs = 0;
        for (let m = 0; m <= l; m++) { y += U[off + m * d + l] * ti[m]; yAbs += Math.abs(U[off + m * d + l] * ti[m]); }
        q += y * y;
        qAbs += yAbs * yAbs;
      }
      a.push(p.logWeights[i] - half + logDet - 0.5 * q);
      aScale.push(Math.abs(p.logWeights[i]) + half + logDetAbs + 0.5 * qAbs);
      t.push(ti);
    }
    const m = Math.max(...a);
    const e = a.map((v) => Math.exp(v - m));
    const s = e.reduce((x, y) => x + y, 0);
    const l = m + Math.log(s);
    const maxScale = Math.max(...aScale);
    const amp = 1 + 2 * maxScale;
    r.logDens.push(l);
    r.logDensScale.push(Math.abs(l) + maxScale);
    r.ll += ck * l;
    r.llAbs += ck * Math.abs(l);
    r.llScale += ck * (Math.abs(l) + maxScale);
    for (let i = 0; i < n; i++) {
      const resp = e[i] / s;
      r.resp.push(resp);
      r.respScale.push(resp * amp + Number.MIN_VALUE);
      const cr = ck * resp;
      r.R[i] += cr;
      r.RScale[i] += cr * amp;
      const off = tied ? 0 : i * d * d;
      for (let j = 0; j < d; j++) {
        r.S[i * d + j] += cr * X[k * d + j];
        r.SScale[i * d + j] += cr * (Math.abs(X[k * d + j]) + Math.abs(p.means[i * d + j])) * amp;
        for (let q = 0; q < d; q++) {
          r.M[off + j * d + q] += cr * t[i][j] * t[i][q];
          r.MScale[off + j * d + q] += cr * Math.abs(t[i][j] * t[i][q]) * amp;
        }
      }
    }
  }
  return r;
}

function expectClose(got: ArrayLike<number>, want: number[], scale: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let k = 0; k < want.length; k++) {
    const err = Math.abs(got[k] - want[k]);
    if (!(err <= TOL * scale[k] + 1e-300)) throw new Error(`${what}[${k}]: got ${got[k]}, reference ${want[k]} (|err| ${err} > ${TOL}·${scale[k]})`);
  }
}

const kernelsOf = Object.fromEntries(await Promise.all(VARIANTS.map(async (v) => [v, await loadKernels({ kernel: v })])));
const backend = (v: string, X: Float64Array, N: number, d: number, c?: Float64Array): FullDataBackend & { dispose(): void } =>
  kernelsOf[v].createBackend(X, N, d, c) as unknown as FullDataBackend & { dispose(): void };

describe('full/tied pass and scoring agree with a float64 reference', () => {
  const Ns = [1, 2, 3, 17, 301];
  const ds = [1, 2, 3, 4, 7, 16];
  const rng = new Rng(Date.UTC(2026, 11, 1));
  let caseNo = 0;
  for (const N of Ns) for (const d of ds) for (const tied of [false, true]) for (const cond of [10, 1e8]) {
    const n = 1 + (caseNo * 5) % 9;
    const weighted = caseNo++ % 2 === 1;
    it(`N=${N} n=${n} d=${d} ${tied ? 'tied' : 'full'} cond=${cond}${weighted ? ' weighted' : ''}`, () => {
      checkCase(rng, N, n, d, tied, cond, weighted);
    });
  }
  for (const tied of [false, true]) for (const cond of [10, 1e8]) {
    it(`d=64 N=257 n=3 ${tied ? 'tied' : 'full'} cond=${cond} weighted`, () => checkCase(rng, 257, 3, 64, tied, cond, true));
  }
});

/** A backend of `variant` and, for a WASM SIMD build, the pass form it must run (1 per-pair/blocked, 2 GEMM). */
interface Runner { name: string; make(X: Float64Array, N: number, d: number, c?: Float64Array): FullDataBackend & { dispose(): void }; form?: number }
const DEFAULT_RUNNERS: Runner[] = VARIANTS.map((v) => ({ name: v, make: (X, N, d, c) => backend(v, X, N, d, c) }));

/** The SIMD build with the full pass's form forced (setFullPassForm), checked after each pass (lastFullPassForm). */
function forcedForm(form: 1 | 2): Runner & { raw: KernelExports } {
  const raw = kernelsOf.simd.instantiateRaw!() as KernelExports;
  raw.setFullPassForm(form);
  return { name: `simd form ${form}`, raw, form, make: (X, N, d, c) => new Workspace(raw, 'simd', X, N, d, c) };
}

function checkCase(rng: Rng, N: number, n: number, d: number, tied: boolean, cond: number, weighted: boolean,
  runners: Runner[] = DEFAULT_RUNNERS): void {
  const mix = randomFullMixture(rng, n, d, tied, cond);
  const p = mix.params;
  const X = sampleFullMixture(rng, mix, N);
  const c = weighted ? new Float64Array(N).map(() => 3 * rng.uniform()) : undefined;
  const ref = reference(X, N, p, c);
  const tw = c ? c.reduce((a, b) => a + b, 0) : N;
  for (const r of runners) {
    const v = r.name;
    const be = r.make(X, N, d, c);
    const s = be.passFull(p, newFullPassStats(n, d, tied));
    if (r.form !== undefined) expect((r as ReturnType<typeof forcedForm>).raw.lastFullPassForm(), `${v} ran`).toBe(r.form);
    expect(Math.abs(s.totalWeight - tw)).toBeLessThanOrEqual(TOL * tw);
    expectClose([s.sumLogLik], [ref.ll], [ref.llScale], `${v} Σcℓ`);
    expectClose(s.R, ref.R, ref.RScale, `${v} R`);
    expectClose(s.S, ref.S, ref.SScale, `${v} S`);
    expectClose(s.scatter, ref.M, ref.MScale, `${v} scatter`);
    const logDens = new Float64Array(N), resp = new Float64Array(N * n);
    be.scoreFull(p, logDens, resp);
    expectClose(logDens, ref.logDens, ref.logDensScale, `${v} logDensity`);
    expectClose(resp, ref.resp, ref.respScale, `${v} responsibilities`);
    // Normwise 1e-12 relative as well where the scores are well conditioned (at condition number 1e8 a
    // score can lose ~1e-12 of its value in any summation order, which the scales above account for).
    if (cond > 1e3) { be.dispose(); continue; }
    expect(Math.abs(s.sumLogLik - ref.ll), `${v} Σcℓ`).toBeLessThanOrEqual(TOL * ref.llAbs);
    expectNormwise(s.R, ref.R, `${v} R`);
    expectNormwise(s.S, ref.S, `${v} S`);
    expectNormwise(s.scatter, ref.M, `${v} scatter`);
    expectNormwise(logDens, ref.logDens, `${v} logDensity`);
    expectNormwise(resp, ref.resp, `${v} responsibilities`);
    be.dispose();
  }
}

/** max_k |got_k − ref_k| ≤ 1e-12·max_k |ref_k|. */
function expectNormwise(got: ArrayLike<number>, want: number[], what: string): void {
  const scale = Math.max(...want.map(Math.abs));
  let worst = 0;
  for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]));
  if (!(worst <= TOL * scale)) throw new Error(`${what}: max |err| ${worst} > ${TOL}·${scale}`);
}

describe('both forms of the SIMD full/tied pass, forced, against the float64 reference', () => {
  // The GEMM form (blocks of 32 points, tiles of 4 points × 4 columns and 4 rows × 4 columns, d padded to a
  // multiple of 8) and the per-pair/blocked forms on both sides of the shape rule (usesFullGemm: d ≥ 32, or
  // d ≥ 16 and a multiple of 8): N leaves partial blocks and odd pair counts, d every padding remainder.
  const rng = new Rng(Date.UTC(2026, 11, 1, 15));
  const cases: [number, number, number][] = [[1, 2, 3], [3, 4, 8], [67, 3, 12], [33, 5, 16], [301, 4, 17], [97, 2, 33], [65, 3, 64]];
  let caseNo = 0;
  for (const [N, n, d] of cases) for (const tied of [false, true]) for (const cond of [10, 1e8]) {
    const weighted = caseNo++ % 2 === 0;
    it(`N=${N} n=${n} d=${d} ${tied ? 'tied' : 'full'} cond=${cond}${weighted ? ' weighted' : ''}`, () => {
      checkCase(rng, N, n, d, tied, cond, weighted, [forcedForm(1), forcedForm(2)]);
    });
  }

  it('the shape rule picks the GEMM form from d = 32 (and at d = 16, 24) and the other forms below', () => {
    const raw = kernelsOf.simd.instantiateRaw!() as KernelExports;
    const picked: Record<number, number> = {};
    for (const d of [4, 8, 12, 15, 16, 17, 20, 24, 31, 32, 33, 64]) {
      const mix = randomFullMixture(rng, 2, d, false, 10);
      const X = sampleFullMixture(rng, mix, 8);
      const ws = new Workspace(raw, 'simd', X, 8, d);
      ws.passFull(mix.params, newFullPassStats(2, d, false));
      picked[d] = raw.lastFullPassForm();
      ws.dispose();
    }
    expect(picked).toEqual({ 4: 1, 8: 1, 12: 1, 15: 1, 16: 2, 17: 1, 20: 1, 24: 2, 31: 1, 32: 2, 33: 2, 64: 2 });
  });

  it('GEMM form: blocks whose responsibilities are all exactly 0 are skipped without changing any statistic', () => {
    const r = new Rng(61);
    const n = 3, d = 33, N = 130;
    const mix = randomFullMixture(r, n, d, false, 100);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mix.params.means[i * d + j] = 80 * i;
    const X = sampleFullMixture(r, mix, N);
    const ref = reference(X, N, mix.params);
    expect(ref.resp.filter((v) => v === 0).length).toBeGreaterThan(N);
    const run = forcedForm(2);
    const be = run.make(X, N, d);
    const s = be.passFull(mix.params, newFullPassStats(n, d, false));
    expect(run.raw.lastFullPassForm()).toBe(2);
    expectClose(s.R, ref.R, ref.RScale, 'gemm R');
    expectClose(s.S, ref.S, ref.SScale, 'gemm S');
    expectClose(s.scatter, ref.M, ref.MScale, 'gemm scatter');
    be.dispose();
  });
});

describe('full pass: separated components and row ranges', () => {
  it('components 60σ apart (responsibilities exactly 0) give the reference statistics', () => {
    const rng = new Rng(60);
    const n = 4, d = 3, N = 101;
    const mix = randomFullMixture(rng, n, d, false, 100);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mix.params.means[i * d + j] = 60 * i * 1.5;
    const X = sampleFullMixture(rng, mix, N);
    const ref = reference(X, N, mix.params);
    expect(ref.resp.filter((r) => r === 0).length).toBeGreaterThan(N);
    for (const v of VARIANTS) {
      const be = backend(v, X, N, d);
      const s = be.passFull(mix.params, newFullPassStats(n, d, false));
      expectClose(s.R, ref.R, ref.RScale, `${v} R`);
      expectClose(s.scatter, ref.M, ref.MScale, `${v} scatter`);
      be.dispose();
    }
  });

  it('passes over [0, k) and [k, N) add up to the whole pass (d = 4 blocked, d = 33 GEMM form)', () => {
    const rng = new Rng(12);
    const n = 3, N = 77;
    for (const d of [4, 33]) for (const tied of [false, true]) {
      const mix = randomFullMixture(rng, n, d, tied, 1e3);
      const X = sampleFullMixture(rng, mix, N);
      for (const v of VARIANTS) {
        const be = backend(v, X, N, d);
        const all = be.passFull(mix.params, newFullPassStats(n, d, tied));
        const a = be.passFull(mix.params, newFullPassStats(n, d, tied), 0, 30);
        const b = be.passFull(mix.params, newFullPassStats(n, d, tied), 30, N);
        const most = Math.max(...all.scatter.map(Math.abs));
        expect(a.totalWeight + b.totalWeight).toBe(N);
        expect(Math.abs(a.sumLogLik + b.sumLogLik - all.sumLogLik)).toBeLessThanOrEqual(1e-11 * Math.abs(all.sumLogLik));
        for (let k = 0; k < all.scatter.length; k++)
          expect(Math.abs(a.scatter[k] + b.scatter[k] - all.scatter[k])).toBeLessThanOrEqual(1e-11 * N * most);
        be.dispose();
      }
    }
  });
});

describe('full pass memory', () => {
  for (const v of ['simd', 'scalar'] as const) {
    it(`${v}: repeated full and tied evaluations do not grow WASM memory`, () => {
      const rng = new Rng(78);
      const n = 5, d = 6, N = 999;
      const mix = randomFullMixture(rng, n, d, false, 1e4);
      const X = sampleFullMixture(rng, mix, N);
      const be = kernelsOf[v].createBackend(X, N, d) as unknown as FullDataBackend & { memoryBytes(): number; dispose(): void };
      const out = newFullPassStats(n, d, false);
      const logDens = new Float64Array(N), resp = new Float64Array(N * n);
      be.passFull(mix.params, out);
      be.scoreFull(mix.params, logDens, resp);
      const bytes = be.memoryBytes();
      const first = out.sumLogLik;
      for (let r = 0; r < 20; r++) { be.passFull(mix.params, out); be.scoreFull(mix.params, logDens, resp); }
      expect(be.memoryBytes()).toBe(bytes);
      expect(out.sumLogLik).toBe(first);
      be.dispose();
    });
  }

  for (const v of ['simd', 'scalar'] as const) {
    it(`${v}: alternating full, tied and diagonal passes of changing shapes stay exact and bounded`, () => {
      // Both kinds of parameter blocks live above the data; a shape change of either kind must neither
      // free the other kind's blocks under it (wrong results) nor grow the arena (issue 13, item 9).
      const rng = new Rng(79);
      const d = 4, N = 301;
      const full = [2, 3].map((n) => randomFullMixture(rng, n, d, false, 100));
      const tied = randomFullMixture(rng, 3, d, true, 100);
      const X = sampleFullMixture(rng, full[1], N);
      const raw = kernelsOf[v].instantiateRaw!();
      const be = new Workspace(raw, v, X, N, d);
      const diag = (n: number): FlatParams => ({
        n, d, layout: 'diagonal', means: Float64Array.from({ length: n * d }, () => rng.normal()),
        logWeights: new Float64Array(n).fill(-Math.log(n)), variances: Float64Array.from({ length: n * d }, () => 0.5 + rng.uniform()),
      });
      const flats = [diag(2), diag(5)];
      const runFull = (m: (typeof full)[number]) => { const o = newFullPassStats(m.params.n, d, m.params.tied); be.passFull(m.params, o); return o.sumLogLik; };
      const runFlat = (p: FlatParams) => { const o = newPassStats(p.n, d, true); be.pass(p, o); return o.sumLogLik; };
      // One kind keeps its shape while the other alternates, both ways round: a cached block of the steady
      // kind must survive the other's releases, and the alternating kind must not grow the arena.
      const schedules: (() => number)[][] = [
        [() => runFull(full[0]), () => runFlat(flats[0]), () => runFull(full[0]), () => runFlat(flats[1])],
        [() => runFlat(flats[0]), () => runFull(full[0]), () => runFlat(flats[0]), () => runFull(tied), () => runFull(full[1])],
      ];
      for (const schedule of schedules) {
        const want = schedule.map((f) => f());
        let arena = 0;
        for (let r = 0; r < 50; r++) {
          expect(schedule.map((f) => f())).toEqual(want);
          if (r === 0) arena = raw.arenaUsed();
          else expect(raw.arenaUsed()).toBeLessThanOrEqual(arena);
        }
      }
      be.dispose();
    });
  }
});
