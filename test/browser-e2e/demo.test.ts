// End to end: serves examples/browser with its own server, opens it in Debian's headless Chromium through
// playwright-core, fits the embedded example through the mixfit/worker Web Worker, and checks what was
// drawn (pixels of the screenshot), the exported model JSON and the abort button. Needs the BUILT bundles
// (`npm run build` first: dist/browser/index.js and dist/browser/worker.js), like the CLI tests.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SOLVERS } from '../../src/solvers/options.js';
// @ts-expect-error plain .mjs server without types
import { startServer } from '../../examples/browser/serve.mjs';

const DIST = resolve(__dirname, '../../dist/browser');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
/** The demo's first component colours (examples/browser/app.js COLORS) and its point colour family. */
const COMPONENT_RGB: [number, number, number][] = [[0xd6, 0x27, 0x28], [0x1f, 0x77, 0xb4], [0x2c, 0xa0, 0x2c], [0xff, 0x7f, 0x0e]];

let server: { url: string; close: () => Promise<void> } | undefined;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  for (const f of ['index.js', 'worker.js'])
    if (!existsSync(resolve(DIST, f))) throw new Error(`dist/browser/${f} is missing: run \`npm run build\` before the end-to-end test`);
  server = await startServer({ port: 0 });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', args: ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server!.url}/examples/browser/`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Minimal PNG decoder (8-bit RGB/RGBA, not interlaced: what Chromium's screenshots are) → RGBA pixels. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  let pos = 8, width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos), type = png.toString('latin1', pos + 4, pos + 8), body = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4); colorType = body[9]!;
      if (body[8] !== 8 || body[12] !== 0 || (colorType !== 2 && colorType !== 6)) throw new Error('unsupported PNG layout');
    } else if (type === 'IDAT') idat.push(body);
    pos += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3, stride = width * bpp, raw = inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(width * height * 4), cur = new Uint8Array(stride), prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!, line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp]! : 0, b = prev[i]!, c = i >= bpp ? prev[i - bpp]! : 0, x = line[i]!;
      let v = x;
      if (f === 1) v = x + a; else if (f === 2) v = x + b; else if (f === 3) v = x + ((a + b) >> 1);
      else if (f === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c); }
      cur[i] = v & 255;
    }
    for (let px = 0; px < width; px++) {
      const o = (y * width + px) * 4;
      out[o] = cur[px * bpp]!; out[o + 1] = cur[px * bpp + 1]!; out[o + 2] = cur[px * bpp + 2]!; out[o + 3] = bpp === 4 ? cur[px * bpp + 3]! : 255;
    }
    prev.set(cur);
  }
  return { width, height, rgba: out };
}

/** Pixels within `tol` per channel of each colour, and pixels that are grey-ish but not white (the points). */
function countColours(img: { rgba: Uint8Array }, colours: [number, number, number][], tol = 40) {
  const counts = colours.map(() => 0);
  let grey = 0;
  for (let o = 0; o < img.rgba.length; o += 4) {
    const r = img.rgba[o]!, g = img.rgba[o + 1]!, b = img.rgba[o + 2]!;
    colours.forEach(([cr, cg, cb], i) => { if (Math.abs(r - cr) <= tol && Math.abs(g - cg) <= tol && Math.abs(b - cb) <= tol) counts[i]!++; });
    if (Math.max(r, g, b) < 235 && Math.max(r, g, b) - Math.min(r, g, b) < 30) grey++;
  }
  return { counts, grey };
}

async function setOptions(o: { components: number; solver: string; maxEvals: number }) {
  await page.fill('#n-components', String(o.components));
  await page.selectOption('#solver', o.solver);
  await page.selectOption('#covariance', 'fixed');
  await page.fill('#max-evals', String(o.maxEvals));
}

describe('browser demo (examples/browser) in headless Chromium', () => {
  it('the server serves the demo and the browser bundles only', async () => {
    const get = (path: string) => fetch(server!.url + path, { redirect: 'manual' });
    expect((await get('/')).status).toBe(302);
    expect((await get('/examples/browser/')).headers.get('content-type')).toContain('text/html');
    expect((await get('/dist/browser/worker.js')).headers.get('content-type')).toContain('text/javascript');
    for (const path of ['/package.json', '/dist/index.js', '/dist/browser/../../package.json', '/dist/browser/%2e%2e/%2e%2e/package.json'])
      expect((await get(path)).status, path).toBe(404);
  });

  it('fits the embedded example in the worker, draws points, circles and the curve, and exports the model', async () => {
    await setOptions({ components: 4, solver: 'gd-polyak', maxEvals: 600 });
    await page.click('#fit');
    await page.waitForFunction(() => ['done', 'error', 'aborted'].includes(document.body.dataset.state ?? ''), null, { timeout: 60_000 });
    const st = await page.evaluate(() => {
      const d = (window as any).mixfitDemo;
      return { state: d.state, error: d.error, progress: d.progress.length, messages: d.messages, evals: d.result?.nEvaluations, truth: d.truth, status: document.getElementById('status')!.textContent,
        rate: document.getElementById('st-rate')!.textContent, json: (document.getElementById('model-json') as HTMLTextAreaElement).value,
        href: (document.getElementById('download') as HTMLAnchorElement).href };
    });
    expect(st.error).toBeNull();
    expect(st.state).toBe('done');
    expect(st.messages).toBeGreaterThanOrEqual(1); // live progress from the worker (throttled to ~30/s)
    expect(st.progress).toBeGreaterThan(100);       // then the full history (one record per iteration)
    expect(st.evals).toBeLessThanOrEqual(600);
    expect(Number(st.rate!.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(st.href.startsWith('blob:')).toBe(true);

    // The exported model: 4 components, every mean near one of the two true centres, both centres used,
    // and the weighted average of the means assigned to each centre on that centre.
    const model = JSON.parse(st.json) as { means: number[][]; weights: number[]; variances: number; covariance: string };
    expect(model.covariance).toBe('fixed');
    expect(model.means).toHaveLength(4);
    expect(model.weights).toHaveLength(4);
    const truth = st.truth.means as number[][];
    const groups = truth.map(() => ({ w: 0, x: 0, y: 0 }));
    model.means.forEach((m, i) => {
      const dist = truth.map((t) => Math.hypot(m[0]! - t[0]!, m[1]! - t[1]!));
      const k = dist.indexOf(Math.min(...dist));
      expect(dist[k]).toBeLessThan(1.0);
      groups[k]!.w += model.weights[i]!; groups[k]!.x += model.weights[i]! * m[0]!; groups[k]!.y += model.weights[i]! * m[1]!;
    });
    groups.forEach((g, k) => {
      expect(g.w).toBeGreaterThan(0.3);
      expect(Math.hypot(g.x / g.w - truth[k]![0]!, g.y / g.w - truth[k]![1]!)).toBeLessThan(0.1);
    });

    // What is on screen: the scatter canvas shows grey points and all four component colours; the
    // convergence canvas shows both curves (red loss gap, blue gradient norm).
    const scatter = countColours(decodePng(await page.locator('#scatter').screenshot()), COMPONENT_RGB);
    expect(scatter.grey).toBeGreaterThan(5000);
    for (const c of scatter.counts) expect(c).toBeGreaterThan(150);
    const curve = countColours(decodePng(await page.locator('#curve').screenshot()), COMPONENT_RGB.slice(0, 2));
    for (const c of curve.counts) expect(c).toBeGreaterThan(200);
    expect(pageErrors).toEqual([]);
  });

  it('compare mode fits with every solver from the same start and draws all their curves on one log plot', async () => {
    await setOptions({ components: 4, solver: 'gd-polyak', maxEvals: 200 });
    await page.click('#compare');
    await page.waitForFunction(() => ['done', 'error', 'aborted'].includes(document.body.dataset.state ?? ''), null, { timeout: 120_000 });
    const st = await page.evaluate(() => {
      const d = (window as any).mixfitDemo, c = d.compare;
      return {
        state: d.state, error: d.error, done: c?.done, solvers: c?.solvers, best: c?.best,
        menu: Array.from((document.getElementById('solver') as HTMLSelectElement).options).map((o) => o.value),
        runs: c?.runs.map((r: any) => ({ solver: r.solver, color: r.color, points: r.evaluations.length, last: r.evaluations.at(-1), nEvaluations: r.nEvaluations, finalLoss: r.finalLoss, minLoss: Math.min(...r.loss) })),
        tableRows: Array.from(document.querySelectorAll('#compare-table tr')).map((tr) => (tr as HTMLElement).innerText.split('\t')[0]),
        tableHidden: (document.getElementById('compare-table') as HTMLTableElement).hidden,
      };
    });
    expect(st.error).toBeNull();
    expect(st.state).toBe('done');
    expect(st.done).toBe(true);
    // Every solver mixfit has, in its order, both in the menu and in the comparison.
    expect(st.menu).toEqual([...SOLVERS]);
    expect(st.solvers).toEqual([...SOLVERS]);
    expect(st.runs.map((r: { solver: string }) => r.solver)).toEqual([...SOLVERS]);
    expect(st.tableHidden).toBe(false);
    expect(st.tableRows).toEqual(['solver', ...SOLVERS]);
    for (const r of st.runs) {
      expect(r.points, r.solver).toBeGreaterThan(1);
      expect(r.nEvaluations, r.solver).toBeLessThanOrEqual(200);
      expect(r.last, r.solver).toBe(r.nEvaluations);
      expect(r.finalLoss, r.solver).toBeCloseTo(r.minLoss, 12);  // the result is the best point of its own curve
      expect(r.finalLoss, r.solver).toBeGreaterThanOrEqual(st.best);
    }
    expect(st.best).toBe(Math.min(...st.runs.map((r: { finalLoss: number }) => r.finalLoss)));
    // From one shared start every method gets close to the same overparameterized optimum within 200 passes.
    for (const r of st.runs) expect(r.finalLoss - st.best, r.solver).toBeLessThan(1e-2);

    // On screen: each solver's colour in the legend (a 14 × 3 swatch) and, beyond the swatches, the curves.
    const colours = st.runs.map((r: { color: string }) => [1, 3, 5].map((k) => parseInt(r.color.slice(k, k + 2), 16)) as [number, number, number]);
    const curve = countColours(decodePng(await page.locator('#curve').screenshot()), colours, 24);
    for (const c of curve.counts) expect(c).toBeGreaterThanOrEqual(40);
    expect(curve.counts.reduce((a, b) => a + b, 0) - 42 * colours.length).toBeGreaterThan(600);
    expect(pageErrors).toEqual([]);
  }, 150_000);

  it('keeps the page responsive during a fit and stops it with the abort button', async () => {
    await setOptions({ components: 6, solver: 'gradient-em', maxEvals: 10_000_000 });
    await page.click('#fit');
    await page.waitForFunction(() => (window as any).mixfitDemo.progress.length >= 5, null, { timeout: 30_000 });
    // The fit runs in the worker: the page's own thread answers at once.
    const t0 = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('running');
    await page.click('#abort');
    await page.waitForFunction(() => document.body.dataset.state !== 'running', null, { timeout: 10_000 });
    const after = await page.evaluate(() => ({ state: (window as any).mixfitDemo.state, json: (document.getElementById('model-json') as HTMLTextAreaElement).value }));
    expect(after.state).toBe('aborted');
    expect(JSON.parse(after.json).means).toHaveLength(6);
    expect(pageErrors).toEqual([]);
  });

  it('fits pasted CSV data and reports a bad cell with its line and column', async () => {
    await page.fill('#csv', 'x;y\n1;2\n3;abc\n');
    await page.waitForFunction(() => /line 3, column 2/.test(document.getElementById('data-info')!.textContent ?? ''));
    expect(await page.isDisabled('#fit')).toBe(true);
    const rows = Array.from({ length: 200 }, (_, i) => `${(i % 2 ? 3 : -3) + Math.sin(i)},${Math.cos(3 * i)}`);
    await page.fill('#csv', 'a,b\n' + rows.join('\n'));
    await page.waitForFunction(() => /200 rows, 2 columns/.test(document.getElementById('data-info')!.textContent ?? ''));
    await setOptions({ components: 2, solver: 'em', maxEvals: 200 });
    await page.click('#fit');
    await page.waitForFunction(() => ['done', 'error', 'aborted'].includes(document.body.dataset.state ?? ''), null, { timeout: 30_000 });
    const model = JSON.parse(await page.inputValue('#model-json')) as { means: number[][] };
    expect(model.means.map((m) => Math.round(m[0]!)).sort((a, b) => a - b)).toEqual([-3, 3]);
  });
});
