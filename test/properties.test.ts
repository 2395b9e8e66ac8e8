// Property tests of the kernels (fast-check, fixed seeds so failures reproduce): responsibilities form a
// distribution, the pass does not depend on row order, and extreme but finite inputs never produce NaN.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadKernels } from '../src/runtime/kernels.js';
import type { FlatParams, PassStats, VarianceLayout } from '../src/types.js';

const VARIANTS = ['simd', 'scalar', 'js'] as const;
const kernelsOf = Object.fromEntries(await Promise.all(VARIANTS.map(async (v) => [v, await loadKernels({ kernel: v })])));

interface Problem { N: number; n: number; d: number; X: Float64Array; p: FlatParams; perm: number[] }

/** Random problem: data in ±`span`, variances in [vmin, vmax], weights possibly extremely uneven. */
function problem(span: number, vmin: number, vmax: number): fc.Arbitrary<Problem> {
  const layout = fc.constantFrom<VarianceLayout>('shared', 'component', 'diagonal');
  return fc.record({ N: fc.integer({ min: 1, max: 40 }), n: fc.integer({ min: 1, max: 7 }), d: fc.integer({ min: 1, max: 5 }), layout })
    .chain(({ N, n, d, layout }) => {
      const val = fc.double({ min: -span, max: span, noNaN: true, noDefaultInfinity: true });
      const vlen = layout === 'shared' ? 1 : layout === 'component' ? n : n * d;
      return fc.record({
        X: fc.array(val, { minLength: N * d, maxLength: N * d }),
        means: fc.array(val, { minLength: n * d, maxLength: n * d }),
        logVar: fc.array(fc.double({ min: Math.log(vmin), max: Math.log(vmax), noNaN: true }), { minLength: vlen, maxLength: vlen }),
        logW: fc.array(fc.double({ min: -690, max: 0, noNaN: true }), { minLength: n, maxLength: n }),
        keys: fc.array(fc.double({ noNaN: true }), { minLength: N, maxLength: N }),
      }).map(({ X, means, logVar, logW, keys }) => {
        const m = Math.max(...logW);
        const lse = m + Math.log(logW.reduce((s, a) => s + Math.exp(a - m), 0));
        const p: FlatParams = { n, d, means: new Float64Array(means), logWeights: new Float64Array(logW.map((a) => a - lse)),
          variances: new Float64Array(logVar.map(Math.exp)), layout };
        const perm = keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[1]);
        return { N, n, d, X: new Float64Array(X), p, perm };
      });
    });
}

function newStats(p: FlatParams): PassStats {
  return { totalWeight: 0, sumLogLik: 0, R: new Float64Array(p.n), S: new Float64Array(p.n * p.d),
    Q: new Float64Array(p.layout === 'diagonal' ? p.n * p.d : p.n) };
}

const RUNS = { seed: 20260601, numRuns: 80 };

describe('properties', () => {
  for (const v of VARIANTS) {
    it(`${v}: responsibilities are in [0, 1] and sum to 1 for every row`, () => {
      fc.assert(fc.property(problem(50, 1e-2, 1e2), ({ N, n, d, X, p }) => {
        const be = kernelsOf[v].createBackend(X, N, d);
        const logDens = new Float64Array(N), resp = new Float64Array(N * n);
        be.score(p, logDens, resp);
        be.dispose();
        for (let k = 0; k < N; k++) {
          let t = 0;
          for (let i = 0; i < n; i++) {
            const r = resp[k * n + i];
            if (!(r >= 0 && r <= 1)) return false;
            t += r;
          }
          if (!(Math.abs(t - 1) <= 1e-14 * n)) return false;
        }
        return true;
      }), RUNS);
    });

    it(`${v}: the pass is invariant under permutations of the rows`, () => {
      fc.assert(fc.property(problem(20, 1e-1, 1e1), ({ N, n, d, X, p, perm }) => {
        const Y = new Float64Array(N * d);
        perm.forEach((src, k) => Y.set(X.subarray(src * d, (src + 1) * d), k * d));
        const a = kernelsOf[v].createBackend(X, N, d), b = kernelsOf[v].createBackend(Y, N, d);
        const sa = a.pass(p, newStats(p)), sb = b.pass(p, newStats(p));
        const logDens = new Float64Array(N);
        a.score(p, logDens);
        a.dispose(); b.dispose();
        // Scales for reordered sums: Σ|terms| bounded by N·max|term|.
        const llScale = logDens.reduce((s, l) => s + Math.abs(l), 0);
        const xMax = X.reduce((s, x) => Math.max(s, Math.abs(x)), 0);
        expect(Math.abs(sa.sumLogLik - sb.sumLogLik)).toBeLessThanOrEqual(1e-12 * llScale);
        for (let i = 0; i < n; i++) expect(Math.abs(sa.R[i] - sb.R[i])).toBeLessThanOrEqual(1e-12 * N);
        for (let k = 0; k < n * d; k++) expect(Math.abs(sa.S[k] - sb.S[k])).toBeLessThanOrEqual(1e-12 * N * xMax + 1e-300);
        for (let k = 0; k < sa.Q.length; k++) expect(Math.abs(sa.Q[k] - sb.Q[k])).toBeLessThanOrEqual(1e-12 * Math.max(sa.Q[k], sb.Q[k]) + 1e-300);
      }), RUNS);
    });

    it(`${v}: extreme finite inputs (|x| ≤ 1e100, σ² in [1e-50, 1e50], weights down to e^-690) give no NaN`, () => {
      fc.assert(fc.property(problem(1e100, 1e-50, 1e50), ({ N, n, d, X, p }) => {
        const be = kernelsOf[v].createBackend(X, N, d);
        const s = be.pass(p, newStats(p));
        const logDens = new Float64Array(N), resp = new Float64Array(N * n);
        be.score(p, logDens, resp);
        be.dispose();
        if (!Number.isFinite(s.sumLogLik)) return false;
        for (const arr of [s.R, s.S, logDens, resp]) for (const x of arr) if (!Number.isFinite(x)) return false;
        for (const x of s.Q) if (Number.isNaN(x) || x < 0) return false;
        return true;
      }), RUNS);
    });
  }
});
