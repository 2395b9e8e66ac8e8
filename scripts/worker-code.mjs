// Bundles the worker entries into scripts and exposes each as a virtual module whose default export is its
// source text, so workers start from a string: the same code then runs from dist/ and from the TypeScript
// sources under vitest, with no worker file to locate at run time.
//   'mixfit:worker-code'     src/parallel/workerEntry.ts   shard workers of one objective (kernels only)
//   'mixfit:fit-worker-code' src/browser/fitWorkerEntry.ts whole fits (the estimator; selectModel's candidates)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export const WORKER_MODULE = 'mixfit:worker-code';
export const FIT_WORKER_MODULE = 'mixfit:fit-worker-code';
const ENTRIES = {
  [WORKER_MODULE]: fileURLToPath(new URL('../src/parallel/workerEntry.ts', import.meta.url)),
  [FIT_WORKER_MODULE]: fileURLToPath(new URL('../src/browser/fitWorkerEntry.ts', import.meta.url)),
};

/**
 * A fit worker runs its candidate on one thread, so it never starts shard workers: their code (which the
 * estimator imports) is left out of its bundle, which keeps each main bundle one copy of the kernels lighter.
 */
const noShardCode = {
  name: 'mixfit-no-shard-code',
  setup(b) {
    b.onResolve({ filter: /^mixfit:worker-code$/ }, () => ({ path: WORKER_MODULE, namespace: 'mixfit-no-shard' }));
    b.onLoad({ filter: /.*/, namespace: 'mixfit-no-shard' }, () => ({
      contents: 'export default "throw new Error(\'mixfit: a fit worker does not start shard workers\')";', loader: 'js',
    }));
  },
};

/** A worker bundle as source text (IIFE, platform-neutral: the starter's prelude supplies the port). */
export async function bundleWorkerCode(module = WORKER_MODULE) {
  const r = await build({
    entryPoints: [ENTRIES[module]], bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2022',
    loader: { '.wasm': 'binary' }, minify: true, legalComments: 'none', logLevel: 'warning',
    plugins: module === FIT_WORKER_MODULE ? [noShardCode] : [],
  });
  return r.outputFiles[0].text;
}

const FILTER = /^mixfit:(fit-)?worker-code$/;

/** esbuild plugin resolving the worker-code modules. */
export const workerCodeEsbuild = {
  name: 'mixfit-worker-code',
  setup(b) {
    b.onResolve({ filter: FILTER }, (a) => ({ path: a.path, namespace: 'mixfit-worker' }));
    b.onLoad({ filter: /.*/, namespace: 'mixfit-worker' }, async (a) => ({
      contents: `export default ${JSON.stringify(await bundleWorkerCode(a.path))};`, loader: 'js',
    }));
  },
};

/** Vite/vitest plugin resolving the worker-code modules (rebuilt on each load, so edits are picked up). */
export function workerCodeVite() {
  return {
    name: 'mixfit-worker-code',
    enforce: 'pre',
    resolveId(id) { return FILTER.test(id) ? '\0' + id : null; },
    async load(id) {
      if (!id.startsWith('\0') || !FILTER.test(id.slice(1))) return null;
      return `export default ${JSON.stringify(await bundleWorkerCode(id.slice(1)))};`;
    },
  };
}
