import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';
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

export default defineConfig({
  plugins: [wasmBinary(), workerCodeVite()],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
