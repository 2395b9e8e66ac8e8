// Writes a CommonJS twin of every declaration file: dist/types/**/X.d.ts → X.d.cts, relative imports
// rewritten from './y.js' to './y.cjs'. The package is "type": "module", so a .d.ts is read as ESM; a
// `require('mixfit')` consumer must get declarations that TypeScript reads as CJS, as dist/index.cjs is.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? 'dist/types';
const relativeJs = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.js\2/g;
let count = 0;
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath ?? entry.path, entry.name);
  const text = readFileSync(file, 'utf8').replace(relativeJs, '$1$2$3.cjs$2');
  writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text);
  count++;
}
if (count === 0) throw new Error(`cjs-types: no .d.ts files under ${root} (run tsc -p tsconfig.build.json first)`);
