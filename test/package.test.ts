// The package as a user gets it: `npm pack` (of the BUILT dist/; `npm run build` first), installed from the
// tarball into a fresh project with no network (mixfit has no runtime dependencies), then used there as ESM,
// as CommonJS, from TypeScript (ESM and CJS consumers), bundled for the browser with esbuild, and as `npx
// mixfit`; @arethetypeswrong/cli and publint check the packed files. Tools come from this repo's node_modules.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '..');
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'mixfit-pack-'));
const app = join(work, 'app');
let tarball = '';

function sh(cmd: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...options });
  const out = { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  if (r.error) throw r.error;
  return out;
}
function ok(cmd: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = sh(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const write = (name: string, text: string) => writeFileSync(join(app, name), text);

// One seeded fit; every way of loading the package must give the same model.
const FIT_BODY = `
const X = Array.from({ length: 200 }, (_, i) => [(i % 2 ? 3 : -3) + Math.sin(i * 1.7), Math.cos(i * 2.3)]);
const gm = new GaussianMixture({ nComponents: 2, seed: 1, maxIter: 50 });
await gm.fit(X);
console.log(JSON.stringify(gm.toJSON()));`;

beforeAll(() => {
  for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/browser/index.js', 'dist/types/index.d.cts', 'dist/cli.js'])
    if (!existsSync(join(repo, f))) throw new Error(`${f} is missing: run \`npm run build\` before the package test`);
  // --ignore-scripts: `prepare` would rebuild everything; the test packs what the build produced.
  const packed = JSON.parse(ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repo }));
  tarball = join(work, packed[0].filename);
  ok('mkdir', ['-p', app]);
  write('package.json', JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  ok('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: app });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball, installed into a fresh project', () => {
  it('has no runtime dependencies and ships the CJS types next to the ESM ones', () => {
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/mixfit/package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    for (const f of ['dist/index.cjs', 'dist/index.js', 'dist/browser/worker.js', 'dist/types/index.d.ts', 'dist/types/index.d.cts'])
      expect(existsSync(join(app, 'node_modules/mixfit', f))).toBe(true);
  });

  it('imports as ESM and requires as CJS (each its own build), with the same fitted model', () => {
    write('esm.mjs', `import { GaussianMixture } from 'mixfit';\nconsole.error(import.meta.resolve('mixfit'));${FIT_BODY}`);
    write('cjs.cjs', `const { GaussianMixture } = require('mixfit');\nconsole.error(require.resolve('mixfit'));\n(async () => {${FIT_BODY}\n})();`);
    const esm = sh('node', ['esm.mjs'], { cwd: app }), cjs = sh('node', ['cjs.cjs'], { cwd: app });
    expect([esm.code, cjs.code]).toEqual([0, 0]);
    expect(esm.stderr).toMatch(/node_modules\/mixfit\/dist\/index\.js\s*$/);
    expect(cjs.stderr).toMatch(/node_modules\/mixfit\/dist\/index\.cjs\s*$/);
    const model = JSON.parse(esm.stdout);
    expect(model.means).toHaveLength(2);
    expect(JSON.parse(cjs.stdout)).toEqual(model);
  });

  it('type-checks a TypeScript consumer as ESM (.mts) and as CommonJS (.cts) under node16 resolution', () => {
    const use = (imp: string) => `${imp}
const gm = new GaussianMixture({ nComponents: 2, covariance: 'diagonal' });
export async function go(X: number[][]): Promise<number> {
  const r: FitResult = await gm.fit(X);
  return r.loss + gm.score(X);
}
// @ts-expect-error nComponents is a number: an error here proves the declarations were found and read
new GaussianMixture({ nComponents: 'two' });
export const isError = (e: unknown) => e instanceof MixfitError;
`;
    write('consumer-esm.mts', use(`import { GaussianMixture, MixfitError, type FitResult } from 'mixfit';\nimport type { WorkerRequest } from 'mixfit/worker';\nexport type R = WorkerRequest;`));
    write('consumer-cjs.cts', use(`import { GaussianMixture, MixfitError, type FitResult } from 'mixfit';`));
    write('tsconfig.json', JSON.stringify({
      compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: false, skipDefaultLibCheck: true },
      files: ['consumer-esm.mts', 'consumer-cjs.cts'],
    }));
    const r = sh(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('bundles for the browser with esbuild (the browser build, no Node built-ins), and the bundle fits', async () => {
    write('browser.mjs', `import { GaussianMixture } from 'mixfit';${FIT_BODY}`);
    const out = await build({
      absWorkingDir: app, entryPoints: ['browser.mjs'], bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
      outfile: join(app, 'bundle.mjs'), metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs).toContain('node_modules/mixfit/dist/browser/index.js');
    expect(inputs.filter((i) => /^node:|dist\/index\.(c?js)$/.test(i))).toEqual([]);
    // The browser bundle is plain ES2022 + WebAssembly, so Node can run it too: same model as the ESM build.
    const run = sh('node', ['bundle.mjs'], { cwd: app });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(sh('node', ['esm.mjs'], { cwd: app }).stdout));
  });

  it('runs `npx mixfit --help` from the installed bin', () => {
    const r = sh('npx', ['--no', '--', 'mixfit', '--help'], { cwd: app });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: mixfit <command>/);
    expect(r.stdout).toMatch(/Exit codes:/);
  });

  it('@arethetypeswrong/cli finds no problem in the tarball, but the one inherent to a module worker', () => {
    // Offline: --no-definitely-typed (no @types look-up). One run over every entrypoint (the tool is slow to start).
    const r = sh(bin('attw'), ['--no-definitely-typed', '--format', 'json', tarball]);
    const { analysis } = JSON.parse(r.stdout);
    const where = (p: { entrypoint?: string; resolutionKind?: string; kind: string }) => `${p.kind} ${p.entrypoint ?? ''} ${p.resolutionKind ?? ''}`.trim();
    expect(Object.keys(analysis.entrypoints).sort()).toEqual(['.', './package.json', './worker']);
    // mixfit/worker is a browser module-worker script, ESM by nature: from CommonJS it can only be dynamic-imported.
    // That is the one finding; "mixfit" itself is clean under node10, node16 (CJS and ESM) and bundler resolution.
    expect(analysis.problems.map(where)).toEqual(['CJSResolvesToESM ./worker node16-cjs']);
  });

  it('publint finds nothing to warn about in the installed package', () => {
    const r = sh(bin('publint'), [join(app, 'node_modules/mixfit'), '--pack', 'false', '--strict']);
    expect(r.stdout).toMatch(/All good!/);
    expect(r.code).toBe(0);
  });
});
