// Builds the relaxed (FMA), simd, scalar and debug kernels from the one AssemblyScript source.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
mkdirSync('build', { recursive: true });
const asc = new URL('../node_modules/assemblyscript/bin/asc.js', import.meta.url).pathname;
for (const target of ['relaxed', 'simd', 'scalar', 'debug']) {
  execFileSync(process.execPath, [asc, '--config', 'asconfig.json', '--target', target], { stdio: 'inherit' });
}
