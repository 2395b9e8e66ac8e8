// The browser a test run uses on a machine with only Node and npm: Debian's chromium hidden (CHROMIUM_BIN pointing
// nowhere), the @sparticuz/chromium dev dependency must launch and validate WASM SIMD; with that one left out too,
// the browser suites are skipped with one line, and MIXFIT_REQUIRE_BROWSER=1 (as .ci/run sets) turns that into a failure.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper without types
import { findChromium } from '../scripts/find-chromium.mjs';

const repo = resolve(__dirname, '..');
const saved = { ...process.env };
afterEach(() => {
  for (const k of ['CHROMIUM_BIN', 'MIXFIT_NO_BUNDLED_CHROMIUM']) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
});

describe('finding a Chromium for the browser suites', () => {
  it('falls back to the bundled @sparticuz/chromium when the system browser is hidden', async () => {
    process.env.CHROMIUM_BIN = '/nonexistent/chromium';
    const found = await findChromium();
    expect(found.tried).toBeUndefined();
    expect(found.source).toMatch(/^@sparticuz\/chromium/);
    expect(found.version).toMatch(/^\d+\./); // launched, and validated a SIMD module (else findChromium throws it away)
  });

  it('reports every candidate it tried when none launches', async () => {
    process.env.CHROMIUM_BIN = '/nonexistent/chromium';
    process.env.MIXFIT_NO_BUNDLED_CHROMIUM = '1';
    expect(await findChromium()).toEqual({
      tried: ['/nonexistent/chromium: not found', '@sparticuz/chromium: left out (MIXFIT_NO_BUNDLED_CHROMIUM=1)'],
    });
  });

  it('without any browser, npm test skips the browser suites with one line, and fails with MIXFIT_REQUIRE_BROWSER=1', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CHROMIUM_BIN: '/nonexistent/chromium', MIXFIT_NO_BUNDLED_CHROMIUM: '1' };
    delete env.MIXFIT_REQUIRE_BROWSER;
    const vitest = [resolve(repo, 'node_modules/vitest/vitest.mjs'), 'run', 'test/plot.test.ts', '--project', 'node'];
    const skip = spawnSync(process.execPath, vitest, { cwd: repo, env, encoding: 'utf8', timeout: 120_000 });
    expect(skip.status).toBe(0);
    const lines = skip.stderr.split('\n').filter((l) => l.includes('browser suite SKIPPED'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mixfit: browser suite SKIPPED \(the Chromium project and test\/browser-e2e\/\*\*\): .*To run it: apt-get install chromium, or npm install/);
    const strict = spawnSync(process.execPath, vitest, { cwd: repo, env: { ...env, MIXFIT_REQUIRE_BROWSER: '1' }, encoding: 'utf8', timeout: 120_000 });
    expect(strict.status).not.toBe(0);
    expect(strict.stdout + strict.stderr).toMatch(/MIXFIT_REQUIRE_BROWSER=1 makes this a failure/);
  });
});
