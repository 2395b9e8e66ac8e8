// Node side of "Chromium == Node": the seeded pass and fit values of test/fixtures/crossRuntime.ts must match
// the committed fixture test/fixtures/cross-runtime.json to 1e-12 relative; test/browser/cross-runtime.test.ts
// checks the same fixture in Chromium, so both runtimes are held to the same numbers.
// Regenerate after an intended numerical change (new solver step, kernel change):
//   UPDATE_FIXTURES=1 npx vitest run --project node test/cross-runtime.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VARIANTS, compareValues, crossRuntimeValues, type Values } from './fixtures/crossRuntime.js';

const FIXTURE = resolve(__dirname, 'fixtures/cross-runtime.json');
const TOL = 1e-12;

describe('cross-runtime fixture (Node)', () => {
  it('Node reproduces the fixture for every kernel variant', async () => {
    const computed: Record<string, Values> = {};
    for (const v of VARIANTS) computed[v] = await crossRuntimeValues(v);
    if (process.env.UPDATE_FIXTURES === '1') {
      writeFileSync(FIXTURE, JSON.stringify({ generatedBy: `node ${process.version}`, ...computed }, null, 1) + '\n');
    }
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Values>;
    for (const v of VARIANTS) {
      const c = compareValues(computed[v]!, fixture[v]!);
      expect(c.missing, `${v}: keys missing or of another length`).toEqual([]);
      expect(c.maxRel, `${v}: ${c.where} — if this change is intended, regenerate the fixture (see the file header)`).toBeLessThanOrEqual(TOL);
    }
  });

  it('the variants agree with the plain-JS float64 kernel on the passes', () => {
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Values>;
    const passes = (v: Values) => Object.fromEntries(Object.entries(v).filter(([k]) => k.startsWith('pass')));
    for (const v of ['simd', 'scalar'] as const) expect(compareValues(passes(fixture[v]!), passes(fixture.js!)).maxRel).toBeLessThanOrEqual(TOL);
  });
});
