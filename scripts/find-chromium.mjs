// Finds a headless Chromium that actually launches, for the browser test suites: the system's (CHROMIUM_BIN,
// else Debian's `chromium`), else the one shipped inside the @sparticuz/chromium dev dependency (unpacked on
// first use by its executablePath()), so `npm test` runs the browser suite on a machine with only Node and npm.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Flags for headless runs in containers (no sandbox, no GPU, no background traffic). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function executable(path) {
  try { accessSync(path, constants.X_OK); return true; } catch { return false; }
}

/** CHROMIUM_BIN when set (even when it points nowhere: that is how a test run hides the system browser), else `chromium` on PATH. */
function systemChromium() {
  if (process.env.CHROMIUM_BIN !== undefined) return process.env.CHROMIUM_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return '/usr/bin/chromium';
}

async function launches(executablePath, args) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args, timeout: 60_000 });
  const simd = await (await browser.newPage()).evaluate(() => WebAssembly.validate(new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11])));
  const version = browser.version();
  await browser.close();
  if (!simd) throw new Error(`Chromium ${version} does not validate WebAssembly SIMD`);
  return version;
}

/**
 * The first Chromium that launches and validates WASM SIMD: `{ executablePath, args, source, version }`, or
 * `{ tried }` (one reason per candidate) when none does. MIXFIT_NO_BUNDLED_CHROMIUM=1 leaves out the bundled one.
 */
export async function findChromium() {
  const tried = [];
  const system = systemChromium();
  if (executable(system)) {
    try {
      return { executablePath: system, args: CHROMIUM_ARGS, source: `system (${system})`, version: await launches(system, CHROMIUM_ARGS) };
    } catch (e) { tried.push(`${system}: ${firstLine(e)}`); }
  } else tried.push(`${system}: not found`);
  if (process.env.MIXFIT_NO_BUNDLED_CHROMIUM === '1') {
    tried.push('@sparticuz/chromium: left out (MIXFIT_NO_BUNDLED_CHROMIUM=1)');
    return { tried };
  }
  try {
    const { default: bundled } = await import('@sparticuz/chromium');
    const path = await bundled.executablePath();
    // Its own flags (single process, SwiftShader, ...) are what it is built to run with; ours add nothing it lacks.
    const args = [...bundled.args];
    return { executablePath: path, args, source: `@sparticuz/chromium (${path})`, version: await launches(path, args) };
  } catch (e) {
    tried.push(`@sparticuz/chromium: ${firstLine(e)}`);
  }
  return { tried };
}

function firstLine(e) {
  return String(e?.message ?? e).split('\n')[0];
}
