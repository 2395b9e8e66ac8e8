// Every kernel variant against an independent float64 reference (plain loops written here, not the JS
// backend), plus finite-difference gradients, responsibilities, far points, memory reuse and disposal.
//
// Tolerance: a computed sum Σ_k t_k may differ from the reference by rounding of order N·ε·Σ|t_k|, so each
// statistic is compared with |got − ref| ≤ 1e-12·Σ_k |t_k| (its condition-aware scale), which is
// "1e-12 relative" for sums without cancellation and stays meaningful for sums that cancel.
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/model/rng.js';
import { loadKernels, resolveVariant } from '../src/runtime/kernels.js';
import { hasWasmRelaxedSimd } from '../src/runtime/probe.js';
import { MixfitError } from '../src/errors.js';
import { Workspace } from '../src/kernel/workspace.js';
import { empiricalObjective } from '../src/objective/empirical.js';
import type { FlatParams, MixtureParams, PassStats, VarianceLayout } from '../src/types.js';

// The FMA build joins wherever the runtime validates relaxed SIMD (Chromium, Node ≥ 22; not Node 20).
const VARIANTS = [...(hasWasmRelaxedSimd() ? ['relaxed'] as const : []), 'simd', 'scalar', 'js'] as const;
const TOL = 1e-12;
/** The WASM builds that run the SIMD (and GEMM) pass here. */
const WASM_SIMD = [...(hasWasmRelaxedSimd() ? ['relaxed'] as const : []), 'simd'] as const;

interface Ref { ll: number; llAbs: number; R: number[]; S: number[]; SAbs: number[]; Q: number[]; QAbs: number[]; logDens: number[]; resp: number[] }

function variance(p: FlatParams, i: number, j: number): number {
  return p.layout === 'shared' ? p.variances[0] : p.layout === 'component' ? p.variances[i] : p.variances[i * p.d + j];
}

/** The pass of ALGORITHM.md §8, written out directly with Math.exp/Math.log. */
function reference(X: Float64Array, N: number, p: FlatParams, c?: Float64Array): Ref {
  const { n, d } = p;
  const diag = p.layout === 'diagonal';
  const qLen = diag ? n * d : n;
  const r: Ref = { ll: 0, llAbs: 0, R: Array(n).fill(0), S: Array(n * d).fill(0), SAbs: Array(n * d).fill(0),
    Q: Array(qLen).fill(0), QAbs: Array(qLen).fill(0), logDens: [], resp: [] };
  for (let k = 0; k < N; k++) {
    const ck = c ? c[k] : 1;
    const logp: number[] = [];
    const dist: number[][] = [];
    for (let i = 0; i < n; i++) {
      let lp = p.logWeights[i];
      const di: number[] = [];
      for (let j = 0; j < d; j++) {
        const v = variance(p, i, j);
        const t = X[k * d + j] - p.means[i * d + j];
        di.push((t * t) / v);
        lp += -0.5 * Math.log(2 * Math.PI * v) - (0.5 * t * t) / v;
      }
      logp.push(lp);
      dist.push(di);
    }
    const m = Math.max(...logp);
    const e = logp.map((a) => Math.exp(a - m));
    const s = e.reduce((a, b) => a + b, 0);
    const l = m + Math.log(s);
    r.logDens.push(l);
    r.ll += ck * l;
    r.llAbs += Math.abs(ck * l);
    for (let i = 0; i < n; i++) {
      const resp = e[i] / s;
      r.resp.push(resp);
      r.R[i] += ck * resp;
      for (let j = 0; j < d; j++) {
        const t = ck * resp * X[k * d + j];
        r.S[i * d + j] += t;
        r.SAbs[i * d + j] += Math.abs(t);
        const q = ck * resp * dist[i][j];
        const qi = diag ? i * d + j : i;
        r.Q[qi] += q;
        r.QAbs[qi] += q;
      }
    }
  }
  return r;
}

/** Random parameters with the given layout; components spread so responsibilities are mixed, not 0/1. */
function randomParams(rng: Rng, n: number, d: number, layout: VarianceLayout): FlatParams {
  const means = new Float64Array(n * d).map(() => 2 * rng.normal());
  const w = Array.from({ length: n }, () => 0.05 + rng.uniform());
  const sw = w.reduce((a, b) => a + b, 0);
  const logWeights = new Float64Array(w.map((x) => Math.log(x / sw)));
  const len = layout === 'shared' ? 1 : layout === 'component' ? n : n * d;
  const variances = new Float64Array(len).map(() => 0.3 + 3 * rng.uniform());
  return { n, d, means, logWeights, variances, layout };
}

function randomData(rng: Rng, N: number, d: number, p: FlatParams): Float64Array {
  const X = new Float64Array(N * d);
  for (let k = 0; k < N; k++) {
    const i = rng.int(p.n);
    for (let j = 0; j < d; j++) X[k * d + j] = p.means[i * d + j] + Math.sqrt(variance(p, i, j)) * 1.5 * rng.normal();
  }
  return X;
}

function newStats(p: FlatParams): PassStats {
  return { totalWeight: 0, sumLogLik: 0, R: new Float64Array(p.n), S: new Float64Array(p.n * p.d),
    Q: new Float64Array(p.layout === 'diagonal' ? p.n * p.d : p.n) };
}

function expectClose(got: ArrayLike<number>, want: number[], scale: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let k = 0; k < want.length; k++) {
    const err = Math.abs(got[k] - want[k]);
    if (!(err <= TOL * scale[k] + 1e-300)) throw new Error(`${what}[${k}]: got ${got[k]}, reference ${want[k]} (|err| ${err} > ${TOL}·${scale[k]})`);
  }
}

const kernelsOf = Object.fromEntries(await Promise.all(VARIANTS.map(async (v) => [v, await loadKernels({ kernel: v })])));

describe('fused pass and scoring agree with a float64 reference', () => {
  const Ns = [1, 2, 3, 17, 1001];
  const ds = [1, 2, 3, 7, 33];
  const layouts: VarianceLayout[] = ['shared', 'component', 'diagonal'];
  const rng = new Rng(Date.UTC(2026, 5, 1));
  let caseNo = 0;
  for (const N of Ns) for (const d of ds) for (const layout of layouts) for (const weighted of [false, true]) {
    // n cycles through 1..20 so every component count meets several shapes.
    const n = 1 + (caseNo++ * 7) % 20;
    it(`N=${N} n=${n} d=${d} ${layout}${weighted ? ' weighted' : ''}`, () => {
      const p = randomParams(rng, n, d, layout);
      const X = randomData(rng, N, d, p);
      const c = weighted ? new Float64Array(N).map(() => 3 * rng.uniform()) : undefined;
      const ref = reference(X, N, p, c);
      const tw = c ? c.reduce((a, b) => a + b, 0) : N;
      const respScale = ref.resp.map(() => 1);
      for (const v of VARIANTS) {
        const be = kernelsOf[v].createBackend(X, N, d, c);
        const s = be.pass(p, newStats(p));
        expect(Math.abs(s.totalWeight - tw)).toBeLessThanOrEqual(TOL * tw);
        expectClose([s.sumLogLik], [ref.ll], [ref.llAbs], `${v} Σcℓ`);
        expectClose(s.R, ref.R, ref.R, `${v} R`);
        expectClose(s.S, ref.S, ref.SAbs, `${v} S`);
        expectClose(s.Q, ref.Q, ref.QAbs, `${v} Q`);
        const logDens = new Float64Array(N), resp = new Float64Array(N * n);
        be.score(p, logDens, resp);
        expectClose(logDens, ref.logDens, ref.logDens.map(Math.abs), `${v} logDensity`);
        expectClose(resp, ref.resp, respScale, `${v} responsibilities`);
        be.dispose();
      }
    });
  }
});

describe('separated components (responsibilities that underflow to exactly 0)', () => {
  // Components 60σ apart: a point's responsibility for every other component is exactly 0 in float64, so the
  // SIMD pass takes its skip path for whole component/point pairs; the statistics must not change.
  const rng = new Rng(Date.UTC(2026, 10, 29));
  for (const layout of ['shared', 'component', 'diagonal'] as VarianceLayout[]) for (const d of [1, 3, 8]) {
    it(`${layout} d=${d}`, () => {
      const n = 5, N = 203;
      const p = randomParams(rng, n, d, layout);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) p.means[i * d + j] = 60 * i * Math.sqrt(2.5) + 0.1 * rng.normal();
      const X = randomData(rng, N, d, p);
      const ref = reference(X, N, p);
      expect(ref.resp.filter((r) => r === 0).length).toBeGreaterThan(N * (n - 1) / 2);
      for (const v of VARIANTS) {
        const be = kernelsOf[v].createBackend(X, N, d);
        const s = be.pass(p, newStats(p));
        expectClose([s.sumLogLik], [ref.ll], [ref.llAbs], `${v} Σcℓ`);
        expectClose(s.R, ref.R, ref.R, `${v} R`);
        expectClose(s.S, ref.S, ref.SAbs, `${v} S`);
        expectClose(s.Q, ref.Q, ref.QAbs, `${v} Q`);
        be.dispose();
      }
    });
  }
});

describe('GEMM form (forced) against the float64 reference: several blocks, remainders, far from the origin', () => {
  // Blocks are 16 pairs and tiles 2 pairs × 4 components × 2 dimensions: these N, n and d leave every kind of
  // remainder (odd pair counts, a partial last block, n not a multiple of 4, odd d). The offset moves the data
  // and the means 1e6 away from the origin, where the uncentred expansion ‖x‖² − 2xᵀμ + ‖μ‖² would lose all
  // its digits; the centring in the pack step keeps the 1e-12 tolerance.
  const rng = new Rng(Date.UTC(2026, 11, 1));
  const cases: [number, number, number][] = [[1, 4, 8], [3, 5, 9], [33, 7, 8], [67, 9, 17], [257, 13, 10], [1001, 8, 33]];
  for (const [N, n, d] of cases) for (const layout of ['shared', 'component', 'diagonal'] as VarianceLayout[]) for (const offset of [0, 1e6]) {
    it(`N=${N} n=${n} d=${d} ${layout} offset ${offset}`, () => {
      const p = randomParams(rng, n, d, layout);
      const X = randomData(rng, N, d, p);
      for (let k = 0; k < X.length; k++) X[k] += offset;
      for (let k = 0; k < p.means.length; k++) p.means[k] += offset;
      for (const weighted of [false, true]) {
        const c = weighted ? new Float64Array(N).map(() => 3 * rng.uniform()) : undefined;
        const ref = reference(X, N, p, c);
        for (const v of WASM_SIMD) {
          const raw = kernelsOf[v].instantiateRaw!();
          raw.setPassForm(2);
          const ws = new Workspace(raw, v, X, N, d, c);
          const s = ws.pass(p, newStats(p));
          expect(raw.lastPassForm(), 'the GEMM form ran').toBe(2);
          const what = `${v} gemm${weighted ? ' weighted' : ''}`;
          expectClose([s.sumLogLik], [ref.ll], [ref.llAbs], `${what} Σcℓ`);
          expectClose(s.R, ref.R, ref.R, `${what} R`);
          expectClose(s.S, ref.S, ref.SAbs, `${what} S`);
          expectClose(s.Q, ref.Q, ref.QAbs, `${what} Q`);
          if (N > 2) {
            // Row ranges (workers): two halves add up to the whole pass.
            const k = 2 * Math.floor(N / 4);
            const a = ws.pass(p, newStats(p), 0, k), b = ws.pass(p, newStats(p), k, N);
            expectClose([a.sumLogLik + b.sumLogLik], [ref.ll], [ref.llAbs], `${what} split Σcℓ`);
            expectClose(s.R.map((_, i) => a.R[i] + b.R[i]), ref.R, ref.R, `${what} split R`);
          }
          ws.dispose();
        }
      }
    });
  }
});

describe('GEMM guard: tight clusters far from the data centre fall back to the direct form', () => {
  // 60σ-separated spherical components: the expansion's exponent error would reach ~1e-8 here, so the guard
  // must route the pass to the direct form, which stays within 1e-12; well-separated diagonal components keep
  // the GEMM form (no expansion there) and must stay within 1e-12 too.
  const rng = new Rng(Date.UTC(2026, 11, 2));
  for (const layout of ['component', 'diagonal'] as VarianceLayout[]) {
    it(layout, () => {
      const n = 9, d = 8, N = 301;
      const p = randomParams(rng, n, d, layout);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) p.means[i * d + j] = 60 * i * Math.sqrt(2.5) + 0.1 * rng.normal();
      const X = randomData(rng, N, d, p);
      const ref = reference(X, N, p);
      for (const v of WASM_SIMD) {
        const raw = kernelsOf[v].instantiateRaw!();
        raw.setPassForm(2); // the GEMM form wherever it applies: the guard still has its say
        const ws = new Workspace(raw, v, X, N, d);
        const s = ws.pass(p, newStats(p));
        expect(raw.lastPassForm()).toBe(layout === 'diagonal' ? 2 : 1);
        expectClose([s.sumLogLik], [ref.ll], [ref.llAbs], `${v} Σcℓ`);
        expectClose(s.R, ref.R, ref.R, `${v} R`);
        expectClose(s.S, ref.S, ref.SAbs, `${v} S`);
        expectClose(s.Q, ref.Q, ref.QAbs, `${v} Q`);
        ws.dispose();
      }
    });
  }
});

describe('row ranges (for workers)', () => {
  it('passes over [0, k) and [k, N) add up to the whole pass', () => {
    const rng = new Rng(11);
    const p = randomParams(rng, 4, 5, 'diagonal');
    const N = 101;
    const X = randomData(rng, N, 5, p);
    for (const v of VARIANTS) {
      const be = kernelsOf[v].createBackend(X, N, 5);
      const all = be.pass(p, newStats(p));
      const a = be.pass(p, newStats(p), 0, 40);
      const b = be.pass(p, newStats(p), 40, N);
      expect(a.totalWeight + b.totalWeight).toBe(N);
      expect(Math.abs(a.sumLogLik + b.sumLogLik - all.sumLogLik)).toBeLessThanOrEqual(1e-12 * Math.abs(all.sumLogLik) * 10);
      for (let i = 0; i < p.n; i++) expect(Math.abs(a.R[i] + b.R[i] - all.R[i])).toBeLessThanOrEqual(1e-11 * N);
      be.dispose();
    }
  });
});

/** Public params from flat ones; `theta` = [means…, logits…, log-variances…] for finite differences. */
function unpack(theta: number[], n: number, d: number, layout: VarianceLayout): MixtureParams {
  const means = Array.from({ length: n }, (_, i) => theta.slice(i * d, (i + 1) * d));
  const logits = theta.slice(n * d, n * d + n);
  const mx = Math.max(...logits);
  const ex = logits.map((a) => Math.exp(a - mx));
  const se = ex.reduce((a, b) => a + b, 0);
  const weights = ex.map((x) => x / se);
  const lv = theta.slice(n * d + n).map(Math.exp);
  const variances = layout === 'shared' ? lv[0] : layout === 'component' ? lv
    : Array.from({ length: n }, (_, i) => lv.slice(i * d, (i + 1) * d));
  return { means, weights, variances };
}

describe('gradients agree with central finite differences', () => {
  for (const v of VARIANTS) for (const layout of ['shared', 'component', 'diagonal'] as VarianceLayout[]) {
    it(`${v} ${layout}`, async () => {
      const rng = new Rng(404 + layout.length);
      const n = 3, d = 2;
      const p = randomParams(rng, n, d, layout);
      const X = randomData(rng, 300, d, p);
      const rows = Array.from({ length: 300 }, (_, k) => Array.from(X.subarray(k * d, (k + 1) * d)));
      const sampleWeight = Array.from({ length: 300 }, () => rng.uniform());
      const obj = await empiricalObjective(rows, { kernel: v, sampleWeight });
      const theta = [...p.means, ...p.logWeights, ...Array.from(p.variances, Math.log)];
      // Move off the generating parameters so the gradient is not near zero.
      for (let k = 0; k < theta.length; k++) theta[k] += 0.3 * rng.normal();
      const { grad } = obj.valueAndGrad(unpack(theta, n, d, layout));
      const analytic = [...grad.means.flat(), ...grad.logWeights,
        ...(typeof grad.logVariances === 'number' ? [grad.logVariances] : (grad.logVariances as (number | number[])[]).flat())];
      expect(analytic.length).toBe(theta.length);
      const h = 1e-5;
      for (let k = 0; k < theta.length; k++) {
        const tp = theta.slice(), tm = theta.slice();
        tp[k] += h; tm[k] -= h;
        const fd = (obj.value(unpack(tp, n, d, layout)) - obj.value(unpack(tm, n, d, layout))) / (2 * h);
        expect(Math.abs(fd - analytic[k]), `θ[${k}]: fd ${fd}, analytic ${analytic[k]}`).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(fd));
      }
      obj.dispose();
    });
  }
});

describe('robustness', () => {
  it('a point 1e3 away from every component gives finite values and responsibilities summing to 1', () => {
    const rng = new Rng(5);
    for (const layout of ['component', 'diagonal'] as VarianceLayout[]) {
      const p = randomParams(rng, 6, 3, layout);
      const X = randomData(rng, 9, 3, p);
      X.set([1e3, -1e3, 1e3], 4 * 3);
      const ref = reference(X, 9, p);
      for (const v of VARIANTS) {
        const be = kernelsOf[v].createBackend(X, 9, 3);
        const s = be.pass(p, newStats(p));
        for (const a of [[s.sumLogLik], s.R, s.S, s.Q]) for (const x of a) expect(Number.isFinite(x)).toBe(true);
        expectClose([s.sumLogLik], [ref.ll], [ref.llAbs], `${v} Σcℓ`);
        const logDens = new Float64Array(9), resp = new Float64Array(9 * 6);
        be.score(p, logDens, resp);
        expect(Number.isFinite(logDens[4])).toBe(true);
        expect(logDens[4]).toBeLessThan(-1e5);
        for (let k = 0; k < 9; k++) {
          let t = 0;
          for (let i = 0; i < 6; i++) { expect(Number.isFinite(resp[k * 6 + i])).toBe(true); t += resp[k * 6 + i]; }
          expect(Math.abs(t - 1)).toBeLessThanOrEqual(1e-14);
        }
        be.dispose();
      }
    }
  });
});

describe('memory', () => {
  for (const v of ['simd', 'scalar'] as const) {
    it(`${v}: repeated evaluations grow neither the arena nor WASM memory; dispose frees`, () => {
      const rng = new Rng(77);
      const raw = kernelsOf[v].instantiateRaw!();
      const p = randomParams(rng, 8, 5, 'diagonal');
      const N = 5001;
      const X = randomData(rng, N, 5, p);
      const ws = new Workspace(raw, v, X, N, 5);
      const out = newStats(p);
      const logDens = new Float64Array(N), resp = new Float64Array(N * 8);
      ws.pass(p, out);
      ws.score(p, logDens, resp);
      const arena = raw.arenaUsed(), bytes = raw.memory.buffer.byteLength;
      expect(arena).toBeGreaterThan(N * 5 * 8);
      for (let it = 0; it < 200; it++) {
        const q = randomParams(rng, 8, 5, 'diagonal');
        ws.pass(q, out);
        if (it % 20 === 0) ws.score(q, logDens, resp);
      }
      expect(raw.arenaUsed()).toBe(arena);
      expect(raw.memory.buffer.byteLength).toBe(bytes);
      expect(ws.memoryBytes()).toBe(bytes);
      ws.dispose();
      expect(raw.arenaUsed()).toBe(0);
      expect(() => ws.pass(p, out)).toThrow(/disposed/);
      expect(() => ws.score(p, logDens)).toThrow(/disposed/);
    });
  }

  it('views are refreshed after memory grows (a second data set in the same instance)', () => {
    const rng = new Rng(8);
    const raw = kernelsOf.simd.instantiateRaw!();
    const p = randomParams(rng, 3, 4, 'component');
    const X1 = randomData(rng, 10, 4, p);
    const ws1 = new Workspace(raw, 'simd', X1, 10, 4);
    const before = ws1.pass(p, newStats(p)).sumLogLik;
    // 40 MB more forces growth, detaching ws1's old buffer view.
    const X2 = randomData(rng, 1_250_000, 4, p);
    const ws2 = new Workspace(raw, 'simd', X2, 1_250_000, 4);
    expect(raw.memory.buffer.byteLength).toBeGreaterThan(40e6);
    expect(ws1.pass(p, newStats(p)).sumLogLik).toBe(before);
    expectClose([ws1.pass(p, newStats(p)).sumLogLik], [reference(X1, 10, p).ll], [reference(X1, 10, p).llAbs], 'after growth');
    ws2.dispose();
  });

  it('js: dispose makes later calls throw', () => {
    const rng = new Rng(9);
    const p = randomParams(rng, 2, 2, 'shared');
    const be = kernelsOf.js.createBackend(randomData(rng, 5, 2, p), 5, 2);
    be.dispose();
    expect(() => be.pass(p, newStats(p))).toThrow(/disposed/);
  });
});

describe('kernel selection', () => {
  it("'auto' takes the FMA build exactly where relaxed SIMD validates; 'simd' always forces the plain one", async () => {
    const relaxed = hasWasmRelaxedSimd();
    expect(resolveVariant('auto')).toBe(relaxed ? 'relaxed' : 'simd');
    expect((await loadKernels({ kernel: 'simd' })).variant).toBe('simd');
    if (relaxed) expect((await loadKernels()).variant).toBe('relaxed');
    else await expect(loadKernels({ kernel: 'relaxed' })).rejects.toThrow(MixfitError);
  });
});
