// Bundles src/parallel/workerEntry.ts into one script (kernels included) and exposes it as the virtual
// module 'mixfit:worker-code', so the pools can start workers from a string: the same code then runs
// from dist/ and from the TypeScript sources under vitest, with no worker file to locate at run time.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../src/parallel/workerEntry.ts', import.meta.url));
export const WORKER_MODULE = 'mixfit:worker-code';

/** The worker bundle as source text (IIFE, platform-neutral: the pool's prelude supplies the port). */
export async function bundleWorkerCode() {
  const r = await build({
    entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2022',
    loader: { '.wasm': 'binary' }, minify: true, legalComments: 'none', logLevel: 'warning',
  });
  return r.outputFiles[0].text;
}

/** esbuild plugin resolving 'mixfit:worker-code'. */
export const workerCodeEsbuild = {
  name: 'mixfit-worker-code',
  setup(b) {
    b.onResolve({ filter: /^mixfit:worker-code$/ }, () => ({ path: WORKER_MODULE, namespace: 'mixfit-worker' }));
    b.onLoad({ filter: /.*/, namespace: 'mixfit-worker' }, async () => ({
      contents: `export default ${JSON.stringify(await bundleWorkerCode())};`, loader: 'js',
    }));
  },
};

/** Vite/vitest plugin resolving 'mixfit:worker-code' (rebuilt on each load, so edits are picked up). */
export function workerCodeVite() {
  return {
    name: 'mixfit-worker-code',
    enforce: 'pre',
    resolveId(id) { return id === WORKER_MODULE ? '\0' + WORKER_MODULE : null; },
    async load(id) {
      if (id !== '\0' + WORKER_MODULE) return null;
      return `export default ${JSON.stringify(await bundleWorkerCode())};`;
    },
  };
}
