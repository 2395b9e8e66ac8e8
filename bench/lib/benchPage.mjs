// One way for a benchmark to run a function inside headless Chromium on the browser bundle: a local server
// for an empty page and dist/browser/index.js, Debian's chromium (or CHROMIUM_BIN), the page closed after.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

/**
 * Runs `fn(mixfit, arg)` in a fresh Chromium page, where `mixfit` is the browser bundle's module; `fn` must be
 * self-contained (it is sent as source text). Resolves with `{ result, version, cores }` (Chromium's version,
 * the page's navigator.hardwareConcurrency). Needs `npm run build` (dist/browser) and playwright-core.
 */
export async function inChromiumPage(fn, arg) {
  const { chromium } = await import('playwright-core');
  const dist = fileURLToPath(new URL('../../dist/browser/', import.meta.url));
  const server = createServer((req, res) => {
    if (req.url === '/') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>mixfit bench</title>'); return; }
    if (req.url === '/index.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(readFileSync(dist + 'index.js')); return; }
    res.writeHead(404); res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const result = await page.evaluate(async ([src, a]) => {
      const m = await import('/index.js');
      return (0, eval)(`(${src})`)(m, a);
    }, [fn.toString(), arg]);
    return { result, version: browser.version(), cores };
  } finally {
    await browser.close();
    server.close();
  }
}

/**
 * A long-lived headless Chromium page holding `session(mixfit, arg)` (self-contained, sent as source) on the
 * browser bundle served from dist/browser/: `call(method, args)` runs one of the session object's methods in
 * the page. Resolves with `{ page, call, version, close }`; for benchmarks that time many calls in one page.
 */
export async function openSessionPage(session, arg) {
  const { chromium } = await import('playwright-core');
  const { startServer } = await import('../../examples/browser/serve.mjs');
  const server = await startServer({ port: 0, prefixes: ['/dist/browser/'] });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.goto(`${server.url}/blank.html`);
  await page.evaluate(async ([src, a]) => {
    const m = await import('/dist/browser/index.js');
    globalThis.__session = (0, eval)(`(${src})`)(m, a);
  }, [session.toString(), arg]);
  return {
    page,
    version: browser.version(),
    call: (m, a) => page.evaluate(([mm, aa]) => globalThis.__session[mm](...aa), [m, a]),
    close: async () => { await browser.close(); await server.close(); },
  };
}
