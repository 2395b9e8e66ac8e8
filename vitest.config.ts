import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
// @ts-expect-error plain .mjs build helper without types
import { workerCodeVite } from './scripts/worker-code.mjs';
// @ts-expect-error plain .mjs helper without types
import { findChromium } from './scripts/find-chromium.mjs';

/** Mirrors esbuild's `--loader:.wasm=binary`: `import bytes from 'x.wasm'` yields a Uint8Array. */
function wasmBinary(): Plugin {
  return {
    name: 'mixfit-wasm-binary',
    enforce: 'pre',
    load(id) {
      if (!id.endsWith('.wasm')) return null;
      const b64 = readFileSync(id).toString('base64');
      return `const s = atob(${JSON.stringify(b64)}); const b = new Uint8Array(s.length);
for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
export default b;`;
    },
  };
}

/** Files that need a browser: the 'browser' project's list and the Node-side end-to-end tests that drive one. */
const E2E = 'test/browser-e2e/**';

/**
 * The Chromium for this run (scripts/find-chromium.mjs: the system's, else the bundled dev dependency). With none,
 * the browser suites are skipped with one line saying so, unless MIXFIT_REQUIRE_BROWSER=1 (.ci/run) makes that an error.
 * Its path goes to CHROMIUM_BIN for the tests that launch it themselves (test/browser-e2e).
 */
async function chromiumForRun(): Promise<{ executablePath: string; args: string[] } | undefined> {
  const found = await findChromium();
  if (found.executablePath) {
    process.env.CHROMIUM_BIN = found.executablePath;
    if (!found.source.startsWith('system')) process.stderr.write(`mixfit: browser suite on ${found.source}, Chromium ${found.version}\n`);
    return found;
  }
  const line = `browser suite SKIPPED (the Chromium project and ${E2E}): no Chromium launches (${found.tried.join('; ')}). `
    + 'To run it: apt-get install chromium, or npm install (dev dependency @sparticuz/chromium), or CHROMIUM_BIN=/path/to/chromium.';
  if (process.env.MIXFIT_REQUIRE_BROWSER === '1') throw new Error(`mixfit: ${line} MIXFIT_REQUIRE_BROWSER=1 makes this a failure.`);
  process.stderr.write(`mixfit: ${line}\n`);
  return undefined;
}

// Vitest evaluates this file more than once per run (the projects `extends` it): look for the browser once.
const memo = globalThis as { mixfitChromium?: ReturnType<typeof chromiumForRun> };
const chromium = await (memo.mixfitChromium ??= chromiumForRun());

export default defineConfig({
  plugins: [wasmBinary(), workerCodeVite()],
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'node', environment: 'node', include: ['test/**/*.test.ts'], exclude: ['test/browser/**', ...(chromium ? [] : [E2E])] },
      },
      ...(chromium ? [{
        extends: true as const,
        test: {
          name: 'browser',
          // Listed explicitly: cli/csv/parallel spawn processes or read files, which a page cannot do.
          include: [
            'test/kernels.test.ts',
            'test/kernels-full.test.ts',
            'test/exp.test.ts',
            'test/passF32.test.ts',
            'test/passFullF32.test.ts',
            'test/bridge.test.ts',
            'test/quadrature.test.ts',
            'test/population.test.ts',
            'test/properties.test.ts',
            'test/solvers.test.ts',
            'test/solvers-experiments.test.ts',
            'test/solvers-accelerated.test.ts',
            'test/validate.test.ts',
            'test/plot.test.ts',
            'test/objective.test.ts',
            'test/estimator.test.ts',
            'test/reliability.test.ts',
            'test/public-entries.test.ts',
            'test/browser/**/*.test.ts',
          ],
          browser: {
            enabled: true,
            headless: true,
            instances: [{ browser: 'chromium' as const }],
            provider: playwright({ launchOptions: { executablePath: chromium.executablePath, args: chromium.args } }),
          },
        },
      }] : []),
    ],
  },
});
