// Bundles the TypeScript layer with esbuild: ESM and CJS for Node, a self-contained ESM bundle for browsers,
// and the CLI. The .wasm builds are inlined as bytes; an explicit target keeps esbuild from emitting
// Uint8Array.fromBase64, which Node 20 lacks.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { workerCodeEsbuild } from './worker-code.mjs';

const common = { bundle: true, loader: { '.wasm': 'binary' }, sourcemap: true, logLevel: 'warning', legalComments: 'none',
  plugins: [workerCodeEsbuild] };
const nodeTarget = 'node20';
const browserTarget = ['es2022', 'chrome114', 'firefox115', 'safari16'];
const jobs = [
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', format: 'esm', platform: 'node', target: nodeTarget }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.cjs', format: 'cjs', platform: 'node', target: nodeTarget }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/browser/index.js', format: 'esm', platform: 'browser', target: browserTarget }),
];
if (existsSync('src/cli/main.ts'))
  jobs.push(build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', format: 'esm', platform: 'node', target: nodeTarget,
    banner: { js: '#!/usr/bin/env node' } }));
for (const extra of ['src/worker.ts', 'src/parallel/nodeWorker.ts', 'src/parallel/browserWorker.ts']) {
  if (!existsSync(extra)) continue;
  const name = extra.split('/').pop().replace('.ts', '.js');
  const browser = !extra.includes('node');
  // The worker entries export nothing; `export {}` marks them as the ES modules they are (module workers), so
  // tools that sniff the syntax (publint) do not take them for CommonJS.
  jobs.push(build({ ...common, entryPoints: [extra], outfile: browser ? `dist/browser/${name}` : `dist/${name}`, format: 'esm',
    platform: browser ? 'browser' : 'node', target: browser ? browserTarget : nodeTarget, footer: { js: 'export {};' } }));
}
await Promise.all(jobs);
