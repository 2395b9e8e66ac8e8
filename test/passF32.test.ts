// The float32 pass (precision: 'float32', assembly/passF32.ts) against the float64 JS oracle on fresh seeded
// inputs, over several f32 accumulation blocks (32 quads = 128 rows each) plus remainder quads and rows.
//
// Stated tolerance: each statistic T = Σ_k t_k is compared as |T − T_ref| ≤ f32Tolerance(d)·scale, with
// scale = R_i for R, R_i·(max_k ‖x_k − μ_i‖∞ + |μ_ij|) for S (a bound on Σ_k |t_k|), Q_i for Q and |Σ c·ℓ|
// for the log-likelihood (non-negative or one-signed terms). f32Tolerance(d) = 1e-6·(1 + d): a score
// a_i = log w_i − ½·dist_i is a d-term f32 sum whose rounding (2⁻²⁴ per term) shifts each responsibility by
// that relative amount. Measured here: ≤ 4.2e-7 for d ≤ 10, 1.1e-5 (simd) and 2.6e-5 (scalar, one
// accumulator) at d = 50, against bounds of 2e-6…1.1e-5 and 5.1e-5. The f32 exp returns exactly 0 below −87
// (e⁻⁸⁷ ≈ 1.6e-38, the f32 normal range), so a component whose responsibilities all lie below it has R = 0
// where float64 has e.g. 2e-58: every scale is floored at the mass such terms can carry, W·1e-37 (W = Σ c).
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/model/rng.js';
import { loadKernels } from '../src/runtime/kernels.js';
import { hasWasmRelaxedSimd } from '../src/runtime/probe.js';
import { withPrecision, floorTolerances, FLOAT32_FLOORS } from '../src/kernel/precision.js';
import { newPassStats, type DataBackend } from '../src/kernel/backend.js';
import { Workspace } from '../src/kernel/workspace.js';
import { gradientFromStats, newFlatGradient } from '../src/objective/gradient.js';
import { empiricalObjective } from '../src/objective/empirical.js';
import type { FlatParams, VarianceLayout } from '../src/types.js';

const f32Tolerance = (d: number): number => 1e-6 * (1 + d);
// The FMA build joins wherever the runtime validates relaxed SIMD (this file also runs in the Chromium project).
const VARIANTS = [...(hasWasmRelaxedSimd() ? ['relaxed'] as const : []), 'simd', 'scalar'] as const;

function data(rng: Rng, N: number, d: number, offset: number): Float64Array {
  return new Float64Array(N * d).map((_, k) => offset + 2 * rng.normal() + (k % d === 0 ? 3 * Math.sign(rng.normal()) : 0));
}

function params(rng: Rng, n: number, d: number, layout: VarianceLayout, offset: number): FlatParams {
  const means = new Float64Array(n * d).map(() => offset + 2 * rng.normal());
  const w = Array.from({ length: n }, () => 0.05 + rng.uniform());
  const sw = w.reduce((a, b) => a + b, 0);
  const len = layout === 'shared' ? 1 : layout === 'component' ? n : n * d;
  return { n, d, means, logWeights: new Float64Array(w.map((x) => Math.log(x / sw))), variances: new Float64Array(len).map(() => 0.5 + 3 * rng.uniform()), layout };
}

function run(be: DataBackend, p: FlatParams) {
  return be.pass(p, newPassStats(p.n, p.d, p.layout === 'diagonal'));
}

/** Worst |got − ref| / scale over every statistic (the scales described in the header). */
function worstError(X: Float64Array, N: number, p: FlatParams, got: ReturnType<typeof run>, ref: ReturnType<typeof run>): number {
  const { n, d } = p;
  let worst = Math.abs(got.sumLogLik - ref.sumLogLik) / Math.abs(ref.sumLogLik);
  const floor = ref.totalWeight * 1e-37;
  for (let i = 0; i < n; i++) {
    worst = Math.max(worst, Math.abs(got.R[i] - ref.R[i]) / Math.max(ref.R[i], floor));
    let spread = 0;
    for (let k = 0; k < N; k++) for (let j = 0; j < d; j++) spread = Math.max(spread, Math.abs(X[k * d + j] - p.means[i * d + j]));
    for (let j = 0; j < d; j++) {
      const scale = Math.max(ref.R[i], floor) * (spread + Math.abs(p.means[i * d + j])) + 1e-300;
      worst = Math.max(worst, Math.abs(got.S[i * d + j] - ref.S[i * d + j]) / scale);
    }
  }
  for (let q = 0; q < ref.Q.length; q++) worst = Math.max(worst, Math.abs(got.Q[q] - ref.Q[q]) / Math.max(ref.Q[q], floor));
  return worst;
}

describe('float32 pass agrees with the float64 oracle within the stated tolerance', async () => {
  const js = await loadKernels({ kernel: 'js' });
  // N: one row, a partial quad, exactly one block, several blocks plus remainder quads and rows.
  const cases: [number, number, number, VarianceLayout, boolean, number][] = [
    [1, 1, 1, 'component', false, 0], [3, 2, 2, 'shared', false, 0], [128, 3, 5, 'diagonal', true, 0],
    [3 * 128 + 4 * 5 + 3, 3, 7, 'component', false, 0], [3 * 128 + 4 * 5 + 1, 5, 3, 'diagonal', false, 0],
    [2 * 128 + 2, 4, 10, 'diagonal', true, 1000], [401, 6, 50, 'component', false, -300], [257, 2, 1, 'diagonal', true, 0],
  ];
  for (const variant of VARIANTS) {
    const kernels = withPrecision(await loadKernels({ kernel: variant }), 'float32');
    for (const [N, n, d, layout, weighted, offset] of cases) {
      it(`${variant} N=${N} n=${n} d=${d} ${layout}${weighted ? ' weighted' : ''}${offset ? ` offset ${offset}` : ''}`, () => {
        const rng = new Rng(N * 31 + n * 7 + d);
        const X = data(rng, N, d, offset);
        const w = weighted ? new Float64Array(N).map(() => rng.uniform() * 2) : undefined;
        const p = params(rng, n, d, layout, offset);
        const f32 = kernels.createBackend(X, N, d, w);
        const ref = js.createBackend(X, N, d, w);
        try {
          const got = run(f32, p), want = run(ref, p);
          expect(got.totalWeight).toBeCloseTo(want.totalWeight, 4);
          expect(worstError(X, N, p, got, want)).toBeLessThan(f32Tolerance(d));
          // The float32 result really is float32: identical to float64 would mean the f32 path did not run.
          if (N > 100 && d > 1) expect(got.sumLogLik).not.toBe(want.sumLogLik);
        } finally {
          f32.dispose();
          ref.dispose();
        }
      });
    }
  }
});

describe('float32 tile form (forced) and direct form against the float64 oracle', async () => {
  // Tile blocks are 16 quads (64 rows) and tiles 2 quads × 4 components × 1–2 dimensions: these N, n and d
  // leave every kind of remainder (a partial last block and quad, n not a multiple of 4, odd d), with
  // offsets and weights. Both forms run on the same data; the tile form must really have run.
  const js = await loadKernels({ kernel: 'js' });
  const builds = VARIANTS.filter((v) => v !== 'scalar');
  const cases: [number, number, number, VarianceLayout, boolean, number][] = [
    [3 * 64 + 4 * 3 + 1, 9, 12, 'component', false, 0], [2 * 64 + 2, 5, 8, 'diagonal', true, 0],
    [401, 13, 33, 'shared', false, -300], [301, 17, 9, 'diagonal', false, 1000], [65, 8, 50, 'component', true, 0],
    [7, 4, 4, 'diagonal', false, 0],
  ];
  for (const [N, n, d, layout, weighted, offset] of cases) {
    it(`N=${N} n=${n} d=${d} ${layout}${weighted ? ' weighted' : ''}${offset ? ` offset ${offset}` : ''}`, async () => {
      const rng = new Rng(N * 17 + n * 5 + d);
      const X = data(rng, N, d, offset);
      const w = weighted ? new Float64Array(N).map(() => rng.uniform() * 2) : undefined;
      const p = params(rng, n, d, layout, offset);
      const ref = js.createBackend(X, N, d, w);
      try {
        const want = run(ref, p);
        for (const v of builds) for (const form of [2, 1]) {
          const raw = (await loadKernels({ kernel: v })).instantiateRaw!();
          raw.setPassForm(form);
          const ws = new Workspace(raw, v, X, N, d, w, undefined, 'float32');
          const got = run(ws, p);
          expect(raw.lastPassForm(), `${v} form ${form} ran`).toBe(form);
          expect(worstError(X, N, p, got, want), `${v} form ${form}`).toBeLessThan(f32Tolerance(d));
          ws.dispose();
        }
      } finally {
        ref.dispose();
      }
    });
  }
});

describe('f32x4 exp (assembly/passF32.ts)', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: ≤ 3e-7 relative to Math.exp on [−87, 0], exactly 0 below −87 and 1 at 0`, async () => {
      const k = (await loadKernels({ kernel: variant })).instantiateRaw!() as unknown as {
        memory: WebAssembly.Memory; alloc(b: number): number; expF32Array(x: number, y: number, n: number): void };
      const rng = new Rng(3);
      const M = 100003; // not a multiple of 4: the scalar remainder runs too
      const px = k.alloc(M * 4), py = k.alloc(M * 4);
      const x = new Float32Array(k.memory.buffer, px, M);
      for (let i = 0; i < M; i++) x[i] = i < 4 ? [0, -87, -87.5, -1000][i] : -87 * rng.uniform();
      k.expF32Array(px, py, M);
      const y = new Float32Array(k.memory.buffer, py, M);
      let worst = 0;
      for (let i = 1; i < M; i++) if (x[i] >= -87) worst = Math.max(worst, Math.abs(y[i] - Math.exp(x[i])) / Math.exp(x[i]));
      expect(worst).toBeLessThan(3e-7);
      expect(y[0]).toBe(1);
      if (variant === 'simd') expect([y[2], y[3]]).toEqual([0, 0]);
    });
  }
});

describe('float32 gradients and objectives', () => {
  it('mean gradient error stays below the tolerance floor the solvers use', async () => {
    const rng = new Rng(5);
    const N = 20000, n = 8, d = 10;
    const X = data(rng, N, d, 50);
    const p = params(rng, n, d, 'diagonal', 50);
    const f32 = await empiricalObjective({ data: X, rows: N, cols: d }, { precision: 'float32', threads: 1 });
    const f64 = await empiricalObjective({ data: X, rows: N, cols: d }, { threads: 1 });
    try {
      expect(f32.precision).toBe('float32');
      expect(f64.precision).toBe('float64');
      const a = f32.stats(p), b = f64.stats(p);
      const ga = gradientFromStats(p, a, newFlatGradient(p)), gb = gradientFromStats(p, b, newFlatGradient(p));
      let err = 0;
      for (let k = 0; k < ga.means.length; k++) err = Math.max(err, Math.abs(ga.means[k] - gb.means[k]));
      const norm = (v: Float64Array) => Math.hypot(...v);
      // The floor must sit above the float32 noise of the gradient norm, else a fit would chase it.
      expect(err * Math.sqrt(ga.means.length)).toBeLessThan(FLOAT32_FLOORS.tol);
      expect(Math.abs(f32.lossFromStats(a) - f64.lossFromStats(b)) / Math.abs(f64.lossFromStats(b))).toBeLessThan(FLOAT32_FLOORS.lossChangeTol);
      expect(norm(ga.means)).toBeGreaterThan(0);
    } finally {
      f32.dispose();
      f64.dispose();
    }
  });

  it('tolerance floors apply under float32 only, and keep 0 meaning off', () => {
    expect(floorTolerances({ tol: 1e-10, lossChangeTol: 0 }, 'float32')).toEqual({ tol: FLOAT32_FLOORS.tol, lossChangeTol: 0 });
    expect(floorTolerances({ tol: 1e-10, lossChangeTol: 1e-9 }, 'float32').lossChangeTol).toBe(FLOAT32_FLOORS.lossChangeTol);
    expect(floorTolerances({ tol: 1e-3, lossChangeTol: 1e-3 }, 'float32')).toEqual({ tol: 1e-3, lossChangeTol: 1e-3 });
    expect(floorTolerances({ tol: 1e-10, lossChangeTol: 1e-9 }, 'float64')).toEqual({ tol: 1e-10, lossChangeTol: 1e-9 });
  });

  it('the js kernel has no float32 pass and stays float64', async () => {
    const o = await empiricalObjective([[0], [1], [2]], { precision: 'float32', kernel: 'js' });
    expect(o.precision).toBe('float64');
    o.dispose();
  });
});

describe('GaussianMixture with precision float32', () => {
  it('fits to the float64 solution within float32 accuracy and validates the option', async () => {
    const { GaussianMixture } = await import('../src/estimator.js');
    const { MixfitError } = await import('../src/errors.js');
    expect(() => new GaussianMixture({ nComponents: 2, precision: 'float16' as never })).toThrow(MixfitError);
    const rng = new Rng(11);
    const N = 3000, d = 3;
    const X = new Float64Array(N * d).map((_, k) => (Math.floor(k / d) % 2 ? 4 : -4) + rng.normal());
    const fit = async (precision: 'float32' | 'float64') => {
      const gm = new GaussianMixture({ nComponents: 2, covariance: 'diagonal', weights: 'learned', solver: 'em', precision, threads: 1, seed: 3, maxIter: 300 });
      const r = await gm.fit({ data: X, rows: N, cols: d });
      return { gm, r };
    };
    const a = await fit('float32'), b = await fit('float64');
    expect(a.r.converged).toBe(true);
    expect(Math.abs(a.r.loss - b.r.loss) / Math.abs(b.r.loss)).toBeLessThan(1e-5);
    const ma = a.gm.means as number[][], mb = b.gm.means as number[][];
    for (let i = 0; i < 2; i++) for (let j = 0; j < d; j++) expect(Math.abs(ma[i][j] - mb[i][j])).toBeLessThan(1e-3);
  });
});

describe('float32 on worker shards', () => {
  it('the shards run the float32 pass too (their sums differ from float64 at float32 level, not float64 level)', async () => {
    const rng = new Rng(21);
    const N = 4001, n = 4, d = 10;
    const X = data(rng, N, d, 0);
    const p = params(rng, n, d, 'diagonal', 0);
    const par = await empiricalObjective({ data: X, rows: N, cols: d }, { precision: 'float32', threads: 2 });
    const f64 = await empiricalObjective({ data: X, rows: N, cols: d }, { threads: 1 });
    try {
      expect(par.precision).toBe('float32');
      const a = await par.statsAsync(p), b = f64.stats(p);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a.R[i] - b.R[i]) / b.R[i]);
      expect(worst).toBeGreaterThan(1e-12);
      expect(worst).toBeLessThan(f32Tolerance(d));
    } finally {
      par.dispose();
      f64.dispose();
    }
  });
});
