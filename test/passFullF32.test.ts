// The float32 full/tied pass (precision: 'float32', assembly/passFullF32.ts) against the float64 JS oracle
// (src/kernel/jsFullPass.ts) on fresh seeded mixtures and data drawn from them.
//
// Stated tolerance, from f32 rounding (u = 2⁻²⁴ ≈ 6e-8). A score a_i = logNorm_i − ½‖y‖², y = Uᵀ(x − μ_i),
// is formed from f32 data, means and factor entries: y_j is a sum of j + 1 products, each term's rounding
// ≤ u·|U_kj t_k|, so |δy_j| ≲ u·(j + 1)·‖U‖‖t‖ where ‖U‖‖t‖ ≈ √κ·‖y‖ (κ the condition number of Σ), and
// |δa| ≲ u·(1 + d)·√κ·‖y‖² (the loss: relative). A responsibility moves by δa relative, so every statistic
// T = Σ c·r·f is compared as |T − T_ref| ≤ tol·scale with tol = 4u·(1 + d)·√κ and the scale of
// one-signed terms: R_i for R; R_i·(spread_i + |μ_ij|) for S (Σ c·r·|x_j| ≤ that); √(M_jj·M_ll) for the
// scatter entry M_jl (Cauchy–Schwarz); |Σ c·ℓ| for the log-likelihood. The f32 exp returns 0 below −87, so a
// component whose responsibilities all lie below e⁻⁸⁷ has R = 0 where float64 has ~1e-40: scales are floored
// at W·1e-37 (W = Σ c), as in test/passF32.test.ts. Measured (every build, d ≤ 64, κ ≤ 1e4): worst ratio
// 2e-7 (scatter), at most 0.19 of the bound (d = 1), typically 0.01–0.001 of it (the √κ and (1 + d) factors
// are worst cases that random data rarely meet); the loss alone is also held to 1e-6 relative (measured
// ≤ 1e-7). Set MEASURE=1 to print the errors.
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/model/rng.js';
import { loadKernels } from '../src/runtime/kernels.js';
import { hasWasmRelaxedSimd } from '../src/runtime/probe.js';
import { withPrecision } from '../src/kernel/precision.js';
import { newFullPassStats, type FullDataBackend, type FullParams, type FullPassStats } from '../src/kernel/fullLayout.js';
import { GaussianMixture } from '../src/index.js';
import { empiricalObjective } from '../src/objective/empirical.js';
import { randomFullMixture, sampleFullMixture } from './fixtures/fullCovariance.js';

// The FMA build joins wherever the runtime validates relaxed SIMD.
const VARIANTS = [...(hasWasmRelaxedSimd() ? ['relaxed'] as const : []), 'simd', 'scalar'] as const;
const DIMS = [1, 2, 3, 4, 5, 8, 10, 16, 17, 24, 32, 64];
const U32 = 2 ** -24;
const tolerance = (d: number, cond: number): number => 4 * U32 * (1 + d) * Math.sqrt(cond);
/** The loss alone: ~1e-6 relative whatever d (issue 14's float32 contract; measured ≤ 1e-7 here). */
const LOSS_TOL = 1e-6;
/** MEASURE=1 (Node) prints the measured errors. */
const MEASURE = typeof process !== 'undefined' && process.env.MEASURE === '1';

function run(be: FullDataBackend, p: FullParams): FullPassStats {
  return be.passFull(p, newFullPassStats(p.n, p.d, p.tied));
}

/** Worst |got − ref| / scale over every statistic (scales in the header), per kind. */
function errors(X: Float64Array, N: number, p: FullParams, got: FullPassStats, ref: FullPassStats) {
  const { n, d, tied } = p;
  const floor = ref.totalWeight * 1e-37;
  const e = { ll: Math.abs(got.sumLogLik - ref.sumLogLik) / Math.abs(ref.sumLogLik), R: 0, S: 0, M: 0 };
  for (let i = 0; i < n; i++) {
    e.R = Math.max(e.R, Math.abs(got.R[i] - ref.R[i]) / Math.max(ref.R[i], floor));
    let spread = 0;
    for (let k = 0; k < N; k++) for (let j = 0; j < d; j++) spread = Math.max(spread, Math.abs(X[k * d + j] - p.means[i * d + j]));
    for (let j = 0; j < d; j++) {
      const scale = Math.max(ref.R[i], floor) * (spread + Math.abs(p.means[i * d + j])) + 1e-300;
      e.S = Math.max(e.S, Math.abs(got.S[i * d + j] - ref.S[i * d + j]) / scale);
    }
  }
  for (let b = 0; b < (tied ? 1 : n); b++) {
    const o = b * d * d;
    for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) {
      const scale = Math.max(Math.sqrt(ref.scatter[o + j * d + j] * ref.scatter[o + l * d + l]), floor) + 1e-300;
      e.M = Math.max(e.M, Math.abs(got.scatter[o + j * d + l] - ref.scatter[o + j * d + l]) / scale);
    }
  }
  return e;
}

const allFinite = (s: FullPassStats): boolean =>
  Number.isFinite(s.sumLogLik) && [s.R, s.S, s.scatter].every((a) => a.every(Number.isFinite));

describe('float32 full/tied pass agrees with the float64 oracle within the stated tolerance', async () => {
  const js = await loadKernels({ kernel: 'js' });
  for (const variant of VARIANTS) {
    const kernels = withPrecision(await loadKernels({ kernel: variant }), 'float32');
    for (const tied of [false, true]) {
      for (const d of DIMS) {
        // N: two blocks of 64 rows, a partial block, a partial quad; n = 3 (n = 1 and 5 at a few d).
        const n = d === 4 ? 1 : d === 17 ? 5 : 3;
        const N = 2 * 64 + 4 * 6 + 1; // 39 quads: 16 + 16 + 7 (a 4-quad tile and 3 single quads)
        it(`${variant} ${tied ? 'tied' : 'full'} d=${d} n=${n}`, () => {
          const rng = new Rng(1000 * d + n + (tied ? 7 : 0));
          const cond = d === 1 ? 1 : 100;
          const m = randomFullMixture(rng, n, d, tied, cond);
          const X = sampleFullMixture(rng, m, N);
          const w = d % 2 ? new Float64Array(N).map(() => 2 * rng.uniform()) : undefined;
          const f32 = kernels.createBackend(X, N, d, w), ref = js.createBackend(X, N, d, w);
          try {
            const got = run(f32 as unknown as FullDataBackend, m.params), want = run(ref as unknown as FullDataBackend, m.params);
            expect(got.totalWeight).toBeCloseTo(want.totalWeight, 4);
            const e = errors(X, N, m.params, got, want);
            const tol = tolerance(d, cond);
            if (MEASURE) console.log(`M ${variant} ${tied} d=${d}`, JSON.stringify(e), tol);
            for (const [k, v] of Object.entries(e)) expect(v, `${k} (tolerance ${tol.toExponential(1)})`).toBeLessThan(tol);
            expect(e.ll).toBeLessThan(LOSS_TOL);
            // Really float32: bit-identical to float64 would mean the f32 pass did not run.
            if (d > 1) expect(got.sumLogLik).not.toBe(want.sumLogLik);
          } finally {
            f32.dispose();
            ref.dispose();
          }
        });
      }
    }
  }
});

describe('float32 full pass: condition number, offsets and extreme inputs', async () => {
  const js = await loadKernels({ kernel: 'js' });
  const builds = await Promise.all(VARIANTS.map(async (v) => withPrecision(await loadKernels({ kernel: v }), 'float32')));

  it('holds the tolerance up to condition number 1e4 (d = 10, 64), with a data offset of 1e4', () => {
    for (const d of [10, 64]) for (const cond of [1, 1e2, 1e4]) {
      const rng = new Rng(77 + d + cond);
      const m = randomFullMixture(rng, 3, d, false, cond);
      const N = 700;
      const X = sampleFullMixture(rng, m, N);
      // The offset moves data and means together: the centring must keep it from costing digits.
      for (let k = 0; k < X.length; k++) X[k] += 1e4;
      const p = { ...m.params, means: m.params.means.map((v) => v + 1e4) };
      const ref = js.createBackend(X, N, d);
      const want = run(ref as unknown as FullDataBackend, p);
      ref.dispose();
      for (const k of builds) {
        const be = k.createBackend(X, N, d);
        const e = errors(X, N, p, run(be as unknown as FullDataBackend, p), want);
        be.dispose();
        if (MEASURE) console.log(`C ${k.variant} d=${d} k=${cond}`, JSON.stringify(e));
        for (const [s, v] of Object.entries(e)) expect(v, `${k.variant} d=${d} κ=${cond} ${s}`).toBeLessThan(tolerance(d, cond));
        expect(e.ll, `${k.variant} d=${d} κ=${cond}`).toBeLessThan(LOSS_TOL);
      }
    }
  });

  it('condition numbers 1e4 to 1e8: the loss keeps ~1e-7 and the scatter its thinnest direction', () => {
    // Tied, means 1e-3 apart: overlapping components whose responsibilities hinge on the thin directions.
    // The thinnest eigen-direction v of Σ has 1/κ of the largest variance, so vᵀMv is where an error relative
    // to M's largest entries shows: summed as x − μ in f32 the measured error was 7e-4 at κ = 1e6 and 2e-2 at
    // 1e8; summed whitened (y = L·(x − μ), mapped back in float64 at the pass's end) it is ≤ 1.7e-7 at
    // 1e4, ≤ 9.2e-7 at 1e6, ≤ 8.3e-6 at 1e8 (d = 10, 64, every build). Bounds: 4u·(1 + d) up to 1e6, 3e-5 at 1e8.
    for (const d of [10, 64]) for (const cond of [1e4, 1e6, 1e8]) {
      const rng = new Rng(3 + d);
      const m = randomFullMixture(rng, 3, d, true, cond);
      for (let q = 0; q < m.params.means.length; q++) m.params.means[q] *= 1e-3;
      const N = 2000;
      const X = sampleFullMixture(rng, m, N);
      const ref = js.createBackend(X, N, d);
      const want = run(ref as unknown as FullDataBackend, m.params);
      ref.dispose();
      // The thinnest direction v (the last column of the covariance's square-root factor).
      const B = m.blocks[0].sqrt, v = Array.from({ length: d }, (_, r) => B[r * d + d - 1]);
      const thin = (M: Float64Array) => { let q = 0; for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) q += v[j] * M[j * d + l] * v[l]; return q; };
      for (const k of builds) {
        const be = k.createBackend(X, N, d);
        const got = run(be as unknown as FullDataBackend, m.params);
        be.dispose();
        const what = `${k.variant} d=${d} κ=${cond}`;
        expect(allFinite(got), what).toBe(true);
        expect(Math.abs(got.sumLogLik - want.sumLogLik) / Math.abs(want.sumLogLik), what).toBeLessThan(LOSS_TOL);
        const thinErr = Math.abs(thin(got.scatter) - thin(want.scatter)) / thin(want.scatter);
        if (MEASURE) console.log(`T ${what} thin ${thinErr.toExponential(2)}`);
        expect(thinErr, what).toBeLessThan(cond <= 1e6 ? tolerance(d, 1) : 3e-5);
      }
    }
  });

  it('never produces non-finite results on extreme but valid inputs', () => {
    const d = 5, N = 37;
    const rng = new Rng(9);
    const m = randomFullMixture(rng, 3, d, false, 10);
    const X = sampleFullMixture(rng, m, N);
    X[3 * d] = 1e18; // one point so far that ‖y‖² overflows f32 for every component
    const cases: [string, FullParams][] = [
      ['far point', m.params],
      // A mean beyond f32's range from the data (clamped by the bridge).
      ['far mean', { ...m.params, means: m.params.means.map((v, k) => (k < d ? 1e35 : v)) }],
      // A tiny covariance (precision factor 1e10) and a huge one (1e-10).
      ['scaled factors', { ...m.params, precChol: m.params.precChol.map((v, k) => v * (k < d * d ? 1e10 : 1e-10)) }],
    ];
    for (const [what, p] of cases) for (const k of builds) {
      const be = k.createBackend(X, N, d);
      const s = run(be as unknown as FullDataBackend, p);
      be.dispose();
      expect(allFinite(s), `${k.variant} ${what}`).toBe(true);
      expect(s.R.reduce((a, b) => a + b, 0), `${k.variant} ${what}`).toBeCloseTo(N, 3);
    }
  });
});

describe('GaussianMixture with precision float32 and covariance full/tied', () => {
  for (const covariance of ['full', 'tied'] as const) {
    it(`${covariance}: EM converges to within 1e-6 relative of the float64 fit's loss`, async () => {
      const rng = new Rng(covariance === 'full' ? 11 : 12);
      const d = 6, N = 20000;
      const m = randomFullMixture(rng, 3, d, covariance === 'tied', 20);
      for (let k = 0; k < m.params.means.length; k++) m.params.means[k] *= 3;
      const X = sampleFullMixture(rng, m, N, 1);
      const data = { data: X, rows: N, cols: d };
      const fit = async (precision: 'float32' | 'float64') => {
        const gm = new GaussianMixture({ nComponents: 3, covariance, solver: 'em', seed: 3, precision, kernel: 'simd' });
        const r = await gm.fit(data);
        return { r, gm };
      };
      const a = await fit('float32'), b = await fit('float64');
      expect(a.r.converged).toBe(true);
      expect(Math.abs(a.r.loss - b.r.loss) / Math.abs(b.r.loss)).toBeLessThan(1e-6);
      // Same optimum: means within 1e-3 (their own sampling error at this N is ~1e-2).
      const order = (gm: GaussianMixture) => gm.means!.map((r) => r.slice()).sort((p, q) => p[0] - q[0]);
      const ma = order(a.gm), mb = order(b.gm);
      for (let i = 0; i < 3; i++) for (let j = 0; j < d; j++) expect(Math.abs(ma[i][j] - mb[i][j])).toBeLessThan(1e-3);
    });
  }
});

describe('float32 full pass on worker shards', () => {
  it('the shards run the float32 full pass (sums differ from float64 at float32 level, not float64 level)', async () => {
    const rng = new Rng(21);
    const N = 4001, d = 8;
    const m = randomFullMixture(rng, 3, d, false, 30);
    const X = sampleFullMixture(rng, m, N);
    const par = await empiricalObjective({ data: X, rows: N, cols: d }, { precision: 'float32', threads: 2 });
    const f64 = await empiricalObjective({ data: X, rows: N, cols: d }, { threads: 1 });
    try {
      expect(par.precision).toBe('float32');
      const a = await par.fullStatsAsync(m.params), b = await f64.fullStatsAsync(m.params);
      const e = errors(X, N, m.params, a, b);
      expect(Math.max(e.R, e.M)).toBeGreaterThan(1e-12);
      for (const [k, v] of Object.entries(e)) expect(v, k).toBeLessThan(tolerance(d, 30));
    } finally {
      par.dispose();
      f64.dispose();
    }
  });
});
