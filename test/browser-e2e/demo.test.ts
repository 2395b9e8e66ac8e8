// End to end: serves examples/browser with its own server, opens it in Debian's headless Chromium through
// playwright-core, fits the embedded example through the mixfit/worker Web Worker, and checks what was
// drawn (pixels of the screenshot; the covariance ellipses against the fitted covariances), the exported
// model JSON and the abort button. Needs the BUILT bundles
// (`npm run build` first: dist/browser/index.js and dist/browser/worker.js), like the CLI tests.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SOLVERS } from '../../src/solvers/options.js';
import { Rng } from '../../src/model/rng.js';
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

  // Two correlated clusters, so the 'full' ellipses are visibly rotated and differ per component.
  const CLUSTERS = [
    { mean: [-3, 0], cov: [[2.0, 1.4], [1.4, 1.5]], weight: 0.55 },
    { mean: [3, 1], cov: [[0.8, -0.5], [-0.5, 0.6]], weight: 0.45 },
  ];
  function clusterCsv(rows: number, seed: number): string {
    const rng = new Rng(seed), lines = ['x,y'];
    for (let r = 0; r < rows; r++) {
      const { mean, cov } = CLUSTERS[rng.uniform() < CLUSTERS[0]!.weight ? 0 : 1]!;
      // x = μ + L z with L the Cholesky factor of Σ.
      const l00 = Math.sqrt(cov[0]![0]!), l10 = cov[1]![0]! / l00, l11 = Math.sqrt(cov[1]![1]! - l10 * l10);
      const z0 = rng.normal(), z1 = rng.normal();
      lines.push(`${(mean[0]! + l00 * z0).toFixed(5)},${(mean[1]! + l10 * z0 + l11 * z1).toFixed(5)}`);
    }
    return lines.join('\n');
  }

  /** Component i's 2 × 2 covariance on the plotted columns, read from the model document (any layout). */
  function planeCov(model: { covariance: string; covariances?: unknown; variances?: unknown }, i: number): [number, number, number] {
    if (model.covariance === 'full') { const c = (model.covariances as number[][][])[i]!; return [c[0]![0]!, c[0]![1]!, c[1]![1]!]; }
    if (model.covariance === 'tied') { const c = model.covariances as number[][]; return [c[0]![0]!, c[0]![1]!, c[1]![1]!]; }
    const v = (model.variances as number[][])[i]!;
    return [v[0]!, 0, v[1]!];
  }
  /** Mahalanobis distance of the data point (x, y) from mean m under [[a, b], [b, c]]. */
  function mahalanobis([a, b, c]: [number, number, number], m: number[], x: number, y: number): number {
    const dx = x - m[0]!, dy = y - m[1]!, det = a * c - b * b;
    return Math.sqrt((c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det);
  }

  for (const covariance of ['full', 'tied', 'diagonal'] as const) {
    it(`${covariance}: draws each component's 1σ and 2σ ellipse of the fitted covariance (geometry and pixels)`, async () => {
      // Set at once with an input event (page.fill of 3000 lines takes longer than its timeout here).
      await page.evaluate((text) => {
        const el = document.getElementById('csv') as HTMLTextAreaElement;
        el.value = text;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }, clusterCsv(3000, 11));
      await page.waitForFunction(() => /3000 rows, 2 columns/.test(document.getElementById('data-info')!.textContent ?? ''));
      await page.fill('#n-components', '2');
      await page.selectOption('#covariance', covariance);
      if (covariance !== 'diagonal') expect(await page.inputValue('#solver')).toBe('auto'); // the layout switches to a solver that fits it
      await page.selectOption('#solver', 'em');
      await page.selectOption('#weights', 'learned');
      await page.fill('#max-evals', '500');
      await page.click('#fit');
      await page.waitForFunction(() => ['done', 'error', 'aborted'].includes(document.body.dataset.state ?? ''), null, { timeout: 60_000 });
      const st = await page.evaluate(() => {
        const d = (window as any).mixfitDemo;
        return { state: d.state, error: d.error, view: d.view, ellipses: d.ellipses, json: (document.getElementById('model-json') as HTMLTextAreaElement).value };
      });
      expect(st.error).toBeNull();
      expect(st.state).toBe('done');
      const model = JSON.parse(st.json);
      expect(model.covariance).toBe(covariance);
      const { view } = st as { view: { scale: number; cx: number; cy: number; width: number; height: number } };
      const toData = (px: number, py: number) => [view.cx + (px - view.width / 2) / view.scale, view.cy - (py - view.height / 2) / view.scale];
      // The fit found both clusters; 'full' recovers each one's covariance (loosely: a 3000-point sample).
      const order = model.means.map((m: number[]) => (m[0]! < 0 ? 0 : 1));
      expect([...order].sort()).toEqual([0, 1]);
      if (covariance === 'full') order.forEach((k: number, i: number) => {
        const [a, b, c] = planeCov(model, i), t = CLUSTERS[k]!.cov;
        expect(Math.abs(a - t[0]![0]!) / t[0]![0]!).toBeLessThan(0.15);
        expect(Math.abs(b - t[0]![1]!) / Math.abs(t[0]![1]!)).toBeLessThan(0.2);
        expect(Math.abs(c - t[1]![1]!) / t[1]![1]!).toBeLessThan(0.15);
      });

      // Geometry: each drawn ellipse (centre, semi-axes, rotation in canvas pixels) is the r-σ contour of the
      // fitted covariance: points along it map back to Mahalanobis distance r from the fitted mean.
      type Ellipse = { component: number; sigma: number; x: number; y: number; rx: number; ry: number; rotation: number };
      const ellipses = st.ellipses as Ellipse[];
      expect(ellipses.map((e) => [e.component, e.sigma])).toEqual([[0, 1], [0, 2], [1, 1], [1, 2]]);
      for (const e of ellipses) {
        const mean = model.means[e.component] as number[], cov = planeCov(model, e.component);
        const [mx, my] = toData(e.x, e.y);
        expect(mx).toBeCloseTo(mean[0]!, 9);
        expect(my).toBeCloseTo(mean[1]!, 9);
        for (let k = 0; k < 16; k++) {
          const t = (k / 16) * 2 * Math.PI, u = e.rx * Math.cos(t), v = e.ry * Math.sin(t);
          const [x, y] = toData(e.x + u * Math.cos(e.rotation) - v * Math.sin(e.rotation), e.y + u * Math.sin(e.rotation) + v * Math.cos(e.rotation));
          expect(Math.abs(mahalanobis(cov, mean, x, y) - e.sigma)).toBeLessThan(1e-9);
        }
      }
      // Not circles: the correlated clusters give rotated ellipses ('full', 'tied'); the diagonal layout axis-aligned ones.
      const rot = ellipses.map((e) => Math.abs(Math.sin(2 * e.rotation)));
      if (covariance === 'diagonal') for (const r of rot) expect(r).toBeLessThan(1e-12);
      else for (const r of rot) expect(r).toBeGreaterThan(0.3);

      // Pixels: the component colours on the canvas lie on those contours (Mahalanobis distance ≈ 1 or 2 from
      // their fitted mean, beyond the centre dot), both rings are there, and the 1σ ring goes all the way round.
      const img = decodePng(await page.locator('#scatter').screenshot());
      const border = (img.width - view.width) / 2;
      expect([0, 1]).toContain(border);
      for (const k of [0, 1]) {
        const mean = model.means[k] as number[], cov = planeCov(model, k), [cr, cg, cb] = COMPONENT_RGB[k]!;
        const e1 = ellipses.find((e) => e.component === k)!;
        let on1 = 0, on2 = 0, off = 0;
        const octants = new Set<number>();
        for (let py = 0; py < view.height; py++) for (let px = 0; px < view.width; px++) {
          const o = ((py + border) * img.width + px + border) * 4;
          if (Math.abs(img.rgba[o]! - cr) > 40 || Math.abs(img.rgba[o + 1]! - cg) > 40 || Math.abs(img.rgba[o + 2]! - cb) > 40) continue;
          if (Math.hypot(px + 0.5 - e1.x, py + 0.5 - e1.y) < 6) continue; // the centre dot
          const [x, y] = toData(px + 0.5, py + 0.5), m = mahalanobis(cov, mean, x, y);
          if (Math.abs(m - 1) < 0.25) { on1++; octants.add(Math.floor(((Math.atan2(py + 0.5 - e1.y, px + 0.5 - e1.x) + Math.PI) / (2 * Math.PI)) * 8) % 8); }
          else if (Math.abs(m - 2) < 0.25) on2++;
          else off++;
        }
        expect(on1, `component ${k} 1σ ring pixels`).toBeGreaterThan(100);
        expect(on2, `component ${k} 2σ ring pixels`).toBeGreaterThan(100);
        expect(off / (on1 + on2 + off), `component ${k} pixels off both rings`).toBeLessThan(0.05);
        expect(octants.size).toBe(8);
      }
      expect(pageErrors).toEqual([]);
    });
  }

  it("compare mode with covariance 'full' runs every solver that fits the layout and names the others", async () => {
    // The page still holds the correlated clusters of the tests above.
    await page.fill('#n-components', '2');
    await page.selectOption('#covariance', 'full');
    await page.fill('#max-evals', '100');
    await page.click('#compare');
    await page.waitForFunction(() => ['done', 'error', 'aborted'].includes(document.body.dataset.state ?? ''), null, { timeout: 120_000 });
    const st = await page.evaluate(() => {
      const d = (window as any).mixfitDemo, c = d.compare;
      return { state: d.state, error: d.error, ran: c.runs.map((r: any) => r.solver), skipped: c.skipped, status: document.getElementById('status')!.textContent };
    });
    expect(st.error).toBeNull();
    expect(st.state).toBe('done');
    // Every solver is accounted for once, in SOLVERS order; 'auto' and 'em' fit every layout.
    expect([...st.ran, ...st.skipped.map((k: { solver: string }) => k.solver)].sort()).toEqual([...SOLVERS].sort());
    expect(st.ran).toEqual(expect.arrayContaining(['auto', 'em']));
    for (const k of st.skipped) expect(k.reason).toMatch(/^options\.solver: .*'full'/);
    expect(JSON.parse(await page.inputValue('#model-json')).covariance).toBe('full');
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
