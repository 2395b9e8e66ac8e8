// The FMA (relaxed-SIMD) build in Chromium: selected by 'auto', forced off by 'simd', and within 1e-12 of the
// plain build on passes that take the direct and the GEMM forms, spherical and diagonal.
import { describe, expect, it } from 'vitest';
import { loadKernels, resolveVariant } from '../../src/runtime/kernels.js';
import { hasWasmRelaxedSimd } from '../../src/runtime/probe.js';
import { newPassStats } from '../../src/kernel/backend.js';
import { Rng } from '../../src/model/rng.js';
import type { FlatParams, PassStats, VarianceLayout } from '../../src/types.js';

const TOL = 1e-12;

function setup(rng: Rng, N: number, n: number, d: number, layout: VarianceLayout): { X: Float64Array; p: FlatParams } {
  const means = new Float64Array(n * d).map(() => 2 * rng.normal());
  const logWeights = new Float64Array(n).fill(-Math.log(n));
  const variances = new Float64Array(layout === 'diagonal' ? n * d : n).map(() => 0.5 + 2 * rng.uniform());
  const X = new Float64Array(N * d).map(() => 3 * rng.normal());
  return { X, p: { n, d, means, logWeights, variances, layout } };
}

/** |a − b| ≤ TOL·(|b| + ‖b‖∞·1e-3) entrywise: relative, with a floor for entries far below the largest. */
function expectNear(a: PassStats, b: PassStats, what: string): void {
  const check = (x: ArrayLike<number>, y: ArrayLike<number>, name: string) => {
    let big = 0;
    for (let k = 0; k < y.length; k++) big = Math.max(big, Math.abs(y[k]));
    for (let k = 0; k < y.length; k++) {
      const err = Math.abs(x[k] - y[k]);
      if (!(err <= TOL * (Math.abs(y[k]) + 1e-3 * big))) throw new Error(`${what} ${name}[${k}]: ${x[k]} vs ${y[k]}`);
    }
  };
  check([a.sumLogLik], [b.sumLogLik], 'Σcℓ');
  check(a.R, b.R, 'R');
  check(a.S, b.S, 'S');
  check(a.Q, b.Q, 'Q');
}

describe('FMA build (Chromium)', () => {
  it('Chromium validates relaxed SIMD, and auto selects the FMA build', async () => {
    expect(hasWasmRelaxedSimd()).toBe(true);
    expect(resolveVariant('auto')).toBe('relaxed');
    expect((await loadKernels()).variant).toBe('relaxed');
    expect((await loadKernels({ kernel: 'simd' })).variant).toBe('simd');
  });

  it('matches the plain build to 1e-12 (direct and GEMM forms, spherical and diagonal)', async () => {
    const fma = await loadKernels({ kernel: 'relaxed' });
    const plain = await loadKernels({ kernel: 'simd' });
    expect(fma.module).not.toBe(plain.module);
    const rng = new Rng(20261201);
    for (const [N, n, d] of [[1001, 3, 2], [2001, 10, 10], [999, 12, 33]] as const) {
      for (const layout of ['component', 'diagonal'] as VarianceLayout[]) {
        const { X, p } = setup(rng, N, n, d, layout);
        const a = fma.createBackend(X, N, d), b = plain.createBackend(X, N, d);
        const diag = layout === 'diagonal';
        expectNear(a.pass(p, newPassStats(n, d, diag)), b.pass(p, newPassStats(n, d, diag)), `N=${N} n=${n} d=${d} ${layout}`);
        a.dispose();
        b.dispose();
      }
    }
  });
});
