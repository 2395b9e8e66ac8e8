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
