// Chromium side of "Chromium == Node": the same seeded passes and fits as test/cross-runtime.test.ts (Node),
// compared with the same committed fixture, to 1e-12 relative, for the simd, scalar and js kernels.
import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/cross-runtime.json';
import { VARIANTS, compareValues, crossRuntimeValues, type Values } from '../fixtures/crossRuntime.js';

const TOL = 1e-12;
const want = fixture as unknown as Record<string, Values>;

describe('cross-runtime fixture (Chromium)', () => {
  it('runs in Chromium', () => {
    expect(navigator.userAgent).toContain('HeadlessChrome');
  });

  for (const v of VARIANTS) {
    it(`${v}: passes and short fits equal Node's (fixture) to 1e-12`, async () => {
      const got = await crossRuntimeValues(v);
      const c = compareValues(got, want[v]!);
      expect(c.missing).toEqual([]);
      expect(c.maxRel, c.where).toBeLessThanOrEqual(TOL);
    });
  }

  it('simd and scalar passes equal the plain-JS float64 kernel computed in this page to 1e-12', async () => {
    const js = await crossRuntimeValues('js');
    const passes = (x: Values) => Object.fromEntries(Object.entries(x).filter(([k]) => k.startsWith('pass')));
    for (const v of ['simd', 'scalar'] as const) {
      const c = compareValues(passes(await crossRuntimeValues(v)), passes(js));
      expect(c.maxRel, `${v}: ${c.where}`).toBeLessThanOrEqual(TOL);
    }
  });
});
