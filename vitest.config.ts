import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
// @ts-expect-error plain .mjs build helper without types
import { workerCodeVite } from './scripts/worker-code.mjs';

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

const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  plugins: [wasmBinary(), workerCodeVite()],
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'node', environment: 'node', include: ['test/**/*.test.ts'], exclude: ['test/browser/**'] },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          // Listed explicitly: cli/csv/parallel spawn processes or read files, which a page cannot do.
          include: [
            'test/kernels.test.ts',
            'test/exp.test.ts',
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
            'test/browser/**/*.test.ts',
          ],
          browser: {
            enabled: true,
            headless: true,
            instances: [{ browser: 'chromium' }],
            provider: playwright({
              launchOptions: { executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', args: chromiumArgs },
            }),
          },
        },
      },
    ],
  },
});
