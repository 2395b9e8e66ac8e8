// A tiny static server for the browser demo (and the browser benchmark): node:http on 127.0.0.1, serving
// only the demo, the built bundles and, when asked, a few more folders of this repository. No framework, no
// dependencies. Usage: `npm run serve:demo` (builds first), or `node examples/browser/serve.mjs [port]`
// with the port also taken from $PORT (default 8080; 0 picks a free one).
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.csv': 'text/csv; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
};

/**
 * Starts the server. `prefixes`: URL path prefixes that may be served (everything else is 404), so the
 * rest of the repository is never exposed. `isolate`: send COOP/COEP (crossOriginIsolated pages).
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export function startServer({ port = 8080, host = '127.0.0.1', root = repoRoot, prefixes = ['/examples/browser/', '/dist/browser/', '/build/'],
  isolate = false, log = false } = {}) {
  const server = createServer((req, res) => {
    let path;
    try { path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname); } catch { res.writeHead(400).end('bad request'); return; }
    if (path === '/' || path === '/index.html') { res.writeHead(302, { location: '/examples/browser/' }).end(); return; }
    // An empty same-origin page for scripts that only need an origin to import the bundles from (bench).
    if (path === '/blank.html') { res.writeHead(200, { 'content-type': TYPES['.html'] }).end('<!doctype html><title>mixfit</title>'); return; }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    const allowed = prefixes.some((p) => path.startsWith(p)) && file.startsWith(normalize(root + sep)) && !path.includes('..');
    let size = -1;
    if (allowed) { try { const st = statSync(file); if (st.isFile()) size = st.size; } catch { /* missing: 404 below */ } }
    if (log) console.log(`${req.method} ${path} ${size >= 0 ? 200 : 404}`);
    if (size < 0) { res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`); return; }
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-store' };
    if (isolate) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    res.writeHead(200, headers);
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolve({
        url: `http://${host}:${actual}`,
        port: actual,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? process.argv[2] ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: port must be an integer in 0..65535 (received ${process.env.PORT ?? process.argv[2]})`);
    process.exit(2);
  }
  try { statSync(join(repoRoot, 'dist/browser/worker.js')); } catch {
    console.error('serve: dist/browser/worker.js is missing: run `npm run build` first (npm run serve:demo does)');
    process.exit(2);
  }
  const s = await startServer({ port, log: process.env.LOG === '1' });
  console.log(`mixfit demo: ${s.url}/examples/browser/  (Ctrl-C to stop)`);
  const stop = () => { void s.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
