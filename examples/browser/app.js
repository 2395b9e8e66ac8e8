// The mixfit browser demo: data (embedded example or CSV), a fit in the mixfit/worker Web Worker, live
// drawing of points, component ellipses (1σ/2σ of each covariance on the plotted columns) and the convergence
// curve. No framework; the page only draws: every
// kernel pass runs in the worker, so the page stays responsive during a fit.
import { COVARIANCES, SOLVERS, fitInWorker } from '../../dist/browser/index.js';

const $ = (id) => document.getElementById(id);
const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#393b79'];
/** The embedded example: the truth the page draws from (README "In the browser", E2 of ALGORITHM.md). */
const TRUTH = { means: [[-2.5, 0], [2.5, 0]], weights: [0.5, 0.5], variances: 1 };

// State the end-to-end test reads (window.mixfitDemo); the page itself only reads it to draw.
// `view` is the data → canvas-pixel transform and `ellipses` what the scatter canvas shows (pixels, radians).
const demo = { state: 'loading', truth: TRUTH, data: null, result: null, model: null, error: null, progress: [], lastInfo: null, messages: 0, compare: null, view: null, ellipses: [] };
window.mixfitDemo = demo;

const worker = new Worker(new URL('../../dist/browser/worker.js', import.meta.url), { type: 'module' });
let controller = null;

/** Seeded uniform [0, 1) (mulberry32) and standard normal (Box–Muller): the same example in every browser. */
function rng(seed) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => { let x = 0; while (x === 0) x = u(); return Math.sqrt(-2 * Math.log(x)) * Math.cos(2 * Math.PI * u()); };
  return { u, normal };
}

function exampleData(rows, seed) {
  const r = rng(seed);
  const data = new Float64Array(rows * 2);
  for (let i = 0; i < rows; i++) {
    const c = r.u() < TRUTH.weights[0] ? 0 : 1;
    data[2 * i] = TRUTH.means[c][0] + r.normal();
    data[2 * i + 1] = TRUTH.means[c][1] + r.normal();
  }
  return { data, rows, cols: 2, label: `embedded example: ${rows} points, 2 columns, seed ${seed}` };
}

/** CSV/TSV/space-separated numbers; the first line may be a header. Throws with the line and column. */
function parseCsv(text) {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) throw new Error('the CSV is empty');
  const first = lines[0];
  const delim = first.includes('\t') ? '\t' : first.includes(';') ? ';' : first.includes(',') ? ',' : /\s+/;
  const split = (l) => l.split(delim).map((c) => c.trim());
  let start = 0;
  if (split(first).some((c) => c === '' || !Number.isFinite(Number(c)))) start = 1; // header
  const cols = split(lines[start] ?? '').length;
  const rows = lines.length - start;
  if (rows <= 0) throw new Error('the CSV has a header but no rows');
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const cells = split(lines[start + r]);
    if (cells.length !== cols) throw new Error(`line ${start + r + 1}: ${cells.length} columns, expected ${cols}`);
    for (let c = 0; c < cols; c++) {
      const v = Number(cells[c]);
      if (cells[c] === '' || !Number.isFinite(v)) throw new Error(`line ${start + r + 1}, column ${c + 1}: not a number: ${JSON.stringify(cells[c])}`);
      data[r * cols + c] = v;
    }
  }
  return { data, rows, cols, label: `CSV: ${rows} rows, ${cols} column${cols > 1 ? 's' : ''}${start ? ' (header skipped)' : ''}` };
}

// ---- data ------------------------------------------------------------------------------------------
function source() { return document.querySelector('input[name=source]:checked').value; }

function loadData() {
  try {
    demo.data = source() === 'example'
      ? exampleData(Math.max(100, Math.floor(Number($('ex-rows').value) || 20000)), Math.floor(Number($('ex-seed').value) || 0))
      : parseCsv($('csv').value);
    $('data-info').textContent = demo.data.label;
    $('data-info').style.color = '';
  } catch (e) {
    demo.data = null;
    $('data-info').textContent = e.message;
    $('data-info').style.color = '#b3261e';
  }
  pointsLayer = null;
  view = demo.data ? viewFor(demo.data) : null;
  demo.view = view && { scale: view.scale, cx: view.cx, cy: view.cy, width: view.width, height: view.height };
  demo.lastInfo = null;
  drawScatter();
  setState(demo.state === 'running' ? 'running' : demo.data ? 'ready' : 'no data');
}

// ---- drawing ---------------------------------------------------------------------------------------
let view = null;          // data → pixel transform of the scatter canvas
let pointsLayer = null;   // the points, drawn once per data set onto an offscreen canvas
let frameRequested = false;

function viewFor({ data, rows, cols }) {
  const c = $('scatter');
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < rows; i++) {
    const x = data[i * cols], y = cols > 1 ? data[i * cols + 1] : 0;
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  const pad = 0.06, w = c.width, h = c.height;
  const sx = (x1 - x0 || 1) * (1 + 2 * pad), sy = (y1 - y0 || 1) * (1 + 2 * pad);
  const scale = Math.min(w / sx, h / sy);  // equal scale on both axes, so circles stay circles
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return { scale, cx, cy, width: w, height: h, px: (x) => w / 2 + (x - cx) * scale, py: (y) => h / 2 - (y - cy) * scale };
}

function drawPoints() {
  const c = $('scatter');
  const layer = document.createElement('canvas');
  layer.width = c.width; layer.height = c.height;
  const g = layer.getContext('2d');
  g.fillStyle = '#ffffff'; g.fillRect(0, 0, layer.width, layer.height);
  if (!demo.data) return layer;
  const { data, rows, cols } = demo.data;
  // At most ~40k points drawn: beyond that the picture does not change, only the time to draw it.
  const stride = Math.max(1, Math.ceil(rows / 40000));
  g.fillStyle = rows > 5000 ? 'rgba(90, 100, 115, 0.35)' : 'rgba(90, 100, 115, 0.7)';
  for (let i = 0; i < rows; i += stride) g.fillRect(view.px(data[i * cols]) - 1, view.py(cols > 1 ? data[i * cols + 1] : 0) - 1, 2, 2);
  return layer;
}

/**
 * Component i's covariance on the plotted columns 0 and 1 as [a, b, c] = [[a, b], [b, c]]: the 2 × 2 block of
 * its full covariance ('full': n × d × d, 'tied': the shared d × d), which is the covariance of the projection
 * onto those columns, or diag(v₀, v₁) from the variances of the diagonal layouts. One column: the x variance twice.
 */
function planeCovariance(params, i) {
  const { covariances, variances } = params;
  if (covariances) {
    const C = Array.isArray(covariances[0][0]) ? covariances[i] : covariances;
    return C.length > 1 ? [C[0][0], C[0][1], C[1][1]] : [C[0][0], 0, C[0][0]];
  }
  const v = typeof variances === 'number' ? [variances] : Array.isArray(variances[i]) ? variances[i] : [variances[i]];
  return [v[0], 0, v.length > 1 ? v[1] : v[0]];
}

/**
 * The r-σ ellipse {x : (x − μ)ᵀ Σ⁻¹ (x − μ) = r²} of Σ = [[a, b], [b, c]] in canvas pixels: semi-axes r·√λ·scale
 * along the eigenvectors, `rotation` the canvas angle of the first axis (y points down on a canvas).
 */
function ellipseOf([a, b, c], r, scale) {
  const mid = (a + c) / 2, q = Math.hypot((a - c) / 2, b);
  const theta = 0.5 * Math.atan2(2 * b, a - c);
  return { rx: Math.max(1, r * Math.sqrt(mid + q) * scale), ry: Math.max(1, r * Math.sqrt(Math.max(0, mid - q)) * scale), rotation: -theta };
}

function drawScatter(params) {
  const c = $('scatter'), g = c.getContext('2d');
  if (!view) { g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height); return; }
  pointsLayer ??= drawPoints();
  g.drawImage(pointsLayer, 0, 0);
  demo.ellipses = [];
  if (!params) return;
  params.means.forEach((m, i) => {
    const color = COLORS[i % COLORS.length];
    const x = view.px(m[0]), y = view.py(m.length > 1 ? m[1] : 0), cov = planeCovariance(params, i);
    g.strokeStyle = color; g.fillStyle = color;
    for (const [r, dash, width] of [[1, [], 2.5], [2, [7, 5], 1.5]]) {
      const e = ellipseOf(cov, r, view.scale);
      g.setLineDash(dash); g.lineWidth = width;
      g.beginPath();
      g.ellipse(x, y, e.rx, e.ry, e.rotation, 0, 2 * Math.PI);
      g.stroke();
      demo.ellipses.push({ component: i, sigma: r, x, y, ...e });
    }
    g.setLineDash([]);
    g.beginPath(); g.arc(x, y, 4, 0, 2 * Math.PI); g.fill();
  });
}

/** What the curve canvas shows: one fit's loss gap and ‖∇‖, or every compared solver's loss gap. */
function curveSeries() {
  if (demo.compare) {
    const { runs, best } = demo.compare;
    return runs.map((r) => ({ name: r.solver, color: r.color, xs: r.evaluations, ys: r.loss.map((f) => f - best) }));
  }
  const pts = demo.progress;
  if (pts.length === 0) return [];
  const best = Math.min(...pts.map((p) => p.loss));
  const xs = pts.map((p) => p.evaluations);
  return [
    { name: 'loss − best', color: '#d62728', xs, ys: pts.map((p) => p.loss - best) },
    { name: '‖∇‖', color: '#1f77b4', xs, ys: pts.map((p) => p.gradNorm) },
  ];
}

function drawCurve() {
  const c = $('curve'), g = c.getContext('2d');
  const W = c.width, H = c.height, L = 58, R = 12, T = 12, B = 34;
  g.fillStyle = '#fff'; g.fillRect(0, 0, W, H);
  const series = curveSeries();
  const pos = series.flatMap((s) => s.ys).filter((y) => y > 0 && Number.isFinite(y));
  if (pos.length === 0) return;
  let lo = Math.floor(Math.log10(Math.min(...pos))), hi = Math.ceil(Math.log10(Math.max(...pos)));
  if (hi === lo) hi = lo + 1;
  const xmax = Math.max(1, ...series.map((s) => s.xs[s.xs.length - 1] ?? 1));
  const X = (e) => L + (e / xmax) * (W - L - R);
  const Y = (y) => T + ((hi - Math.log10(y)) / (hi - lo)) * (H - T - B);
  g.font = '11px system-ui, sans-serif'; g.fillStyle = '#5f6b7a'; g.strokeStyle = '#e6e9ee'; g.lineWidth = 1;
  const every = Math.max(1, Math.ceil((hi - lo) / 8));
  for (let p = lo; p <= hi; p += every) {
    g.beginPath(); g.moveTo(L, Y(10 ** p)); g.lineTo(W - R, Y(10 ** p)); g.stroke();
    g.fillText(`1e${p}`, 8, Y(10 ** p) + 4);
  }
  g.fillText('0', L - 3, H - B + 16);
  g.fillText(`${xmax} evaluations`, W - R - 90, H - B + 16);
  g.strokeStyle = '#9aa3ad'; g.strokeRect(L, T, W - L - R, H - T - B);
  for (const s of series) {
    g.strokeStyle = s.color; g.lineWidth = 1.8; g.beginPath();
    let pen = false;
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      if (!(y > 0) || !Number.isFinite(y)) { pen = false; return; }
      if (pen) g.lineTo(X(x), Y(y)); else g.moveTo(X(x), Y(y));
      pen = true;
    });
    g.stroke();
  }
  if (series.length <= 3) {
    series.forEach((s, i) => { g.fillStyle = s.color; g.fillRect(L + 10 + i * 110, H - 12, 14, 3); g.fillStyle = '#1d2330'; g.fillText(s.name, L + 28 + i * 110, H - 7); });
  } else {
    // Many solvers: a legend column inside the plot's top-right corner.
    const x0 = W - R - 112, rowH = 14;
    g.fillStyle = 'rgba(255, 255, 255, 0.85)'; g.fillRect(x0 - 6, T + 4, 112, series.length * rowH + 6);
    series.forEach((s, i) => {
      g.fillStyle = s.color; g.fillRect(x0, T + 12 + i * rowH, 14, 3);
      g.fillStyle = '#1d2330'; g.fillText(s.name, x0 + 20, T + 17 + i * rowH);
    });
  }
}

function drawFrame() { drawScatter(demo.lastInfo?.params); drawCurve(); }

/** Live progress: at most one redraw per animation frame, however many messages arrive. */
function requestFrame() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => { frameRequested = false; drawFrame(); });
}

// ---- progress and results ----------------------------------------------------------------------------
const fmt = (v, digits = 6) => (Number.isFinite(v) ? (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toPrecision(digits) : v.toExponential(3)) : String(v));

function showInfo(info, rate, ms) {
  $('st-iter').textContent = info.iteration ?? '–';
  $('st-evals').textContent = info.evaluations ?? '–';
  $('st-loss').textContent = fmt(info.loss, 12);
  $('st-grad').textContent = fmt(info.gradNorm, 3);
  $('st-kind').textContent = info.kind ?? '–';
  $('st-rate').textContent = Number.isFinite(rate) ? Math.round(rate).toLocaleString('en') : '–';
  $('st-time').textContent = `${(ms / 1000).toFixed(2)} s`;
}

function setState(state, text) {
  demo.state = state;
  document.body.dataset.state = state;
  $('status').dataset.state = state;
  $('status').textContent = text ?? state;
  $('fit').disabled = $('compare').disabled = state === 'running' || !demo.data;
  $('abort').disabled = state !== 'running';
}

function showModel(model) {
  const json = JSON.stringify(model, null, 2);
  $('model-json').value = json;
  const a = $('download');
  if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([json + '\n'], { type: 'application/json' }));
  a.classList.remove('disabled');
}

/**
 * A fit clicked within the CSV box's 250 ms debounce fits the text that is in the box: the pending parse runs
 * now. Left to its timer it would land during or after the fit, on the old data's result: loadData redraws
 * the points without the ellipses and sets the state back to 'ready'.
 */
function flushPendingData() {
  if (!typing) return;
  clearTimeout(typing); typing = 0;
  loadData();
}

/** The fit options from the controls; `solver` defaults to the selected one. */
function fitOptions(solver = $('solver').value) {
  const covariance = $('covariance').value;
  return {
    nComponents: Math.max(1, Math.floor(Number($('n-components').value) || 1)),
    solver,
    covariance,
    weights: $('weights').value,
    maxEvaluations: Math.max(1, Math.floor(Number($('max-evals').value) || 1500)),
    maxIter: 100000,
    seed: Math.floor(Number($('seed').value) || 0),
    ...(covariance === 'fixed' ? { variance: 1 } : {}),
  };
}

async function runFit() {
  flushPendingData();
  if (!demo.data || demo.state === 'running') return;
  const { data, rows, cols } = demo.data;
  const options = fitOptions();
  demo.compare = null; $('compare-table').hidden = true; $('curve-caption').textContent = CURVE_CAPTION.fit;
  demo.progress = []; demo.result = null; demo.model = null; demo.error = null; demo.lastInfo = null; demo.messages = 0;
  controller = new AbortController();
  setState('running', 'fitting in the worker…');
  try {
    // The data are copied (not transferred) so the page keeps its points for drawing and the next fit.
    const out = await fitInWorker(worker, { data, rows, cols }, options, {
      signal: controller.signal,
      onProgress: (m) => {
        demo.lastInfo = m.info;
        demo.messages++;
        demo.progress.push({ evaluations: m.info.evaluations, loss: m.info.loss, gradNorm: m.info.gradNorm });
        showInfo(m.info, m.evaluationsPerSecond, m.elapsedMs);
        requestFrame();
      },
    });
    finish(out.result, out.model, out.elapsedMs, 'done', `${out.result.status}: ${out.result.message}`);
  } catch (e) {
    if (e.name === 'AbortError' && e.result) finish(e.result, e.model, NaN, 'aborted', 'aborted: best parameters so far shown');
    else { demo.error = { name: e.name, message: e.message }; setState('error', `${e.name}: ${e.message}`); }
  } finally {
    controller = null;
  }
}

function finish(result, model, elapsedMs, state, text) {
  demo.result = result; demo.model = model;
  // The full history replaces the throttled progress points, so the final curve has every iteration.
  if (result.history?.length) demo.progress = result.history.map((h) => ({ evaluations: h.evaluations, loss: h.loss, gradNorm: h.gradNorm }));
  demo.lastInfo = { ...(result.history?.at(-1) ?? {}), loss: result.loss, params: result.params };
  const last = result.history?.at(-1) ?? {};
  showInfo({ ...last, evaluations: result.nEvaluations, loss: result.loss },
    Number.isFinite(elapsedMs) ? (result.nEvaluations / elapsedMs) * 1000 : NaN, Number.isFinite(elapsedMs) ? elapsedMs : 0);
  if (model) showModel(model);
  // Drawn now, not on the next animation frame: whoever sees the state 'done' (or 'aborted') also sees the
  // canvas and demo.ellipses of this result, not the last progress frame's.
  drawFrame();
  setState(state, text);
}

// ---- compare solvers -----------------------------------------------------------------------------------
const CURVE_CAPTION = {
  fit: 'log scale: loss − best loss so far, and ‖∇‖, against evaluations',
  compare: 'log scale: every solver\'s loss − the best loss any solver reached, against evaluations (same seeded start)',
};
const COMPARE_LEVELS = [1e-4, 1e-6, 1e-8];
/** Layouts with a d × d covariance per component or shared: the ones drawn as rotated ellipses. */
const MATRIX_LAYOUTS = new Set(['full', 'tied']);

/**
 * Fits the data once with every solver of mixfit's SOLVERS list, one after the other in the worker, with the
 * same options and seed (so the same k-means++ start) and tol 0 (each runs to the evaluation budget), and
 * draws all loss curves on one log plot. Abort stops the solver in flight and keeps the ones finished.
 */
async function runCompare() {
  flushPendingData();
  if (!demo.data || demo.state === 'running') return;
  const { data, rows, cols } = demo.data;
  demo.compare = { solvers: [...SOLVERS], runs: [], skipped: [], best: Infinity, done: false };
  demo.result = null; demo.model = null; demo.error = null; demo.lastInfo = null; demo.progress = []; demo.messages = 0;
  $('compare-table').hidden = true; $('curve-caption').textContent = CURVE_CAPTION.compare;
  controller = new AbortController();
  const signal = controller.signal;
  try {
    for (const [i, solver] of SOLVERS.entries()) {
      setState('running', `comparing: ${solver} (${i + 1}/${SOLVERS.length})…`);
      let out;
      try {
        out = await fitInWorker(worker, { data, rows, cols }, { ...fitOptions(solver), tol: 0 }, {
          signal,
          onProgress: (m) => { demo.lastInfo = m.info; demo.messages++; showInfo(m.info, m.evaluationsPerSecond, m.elapsedMs); requestFrame(); },
        });
      } catch (e) {
        // A solver that does not cover this covariance layout is left out of the comparison, with the reason.
        if (e.name !== 'MixfitError' || e.argument !== 'options.solver') throw e;
        demo.compare.skipped.push({ solver, reason: e.message });
        continue;
      }
      const h = out.result.history;
      demo.compare.runs.push({
        solver, color: COLORS[i % COLORS.length], evaluations: h.map((r) => r.evaluations), loss: h.map((r) => r.loss),
        finalLoss: out.result.loss, nEvaluations: out.result.nEvaluations, status: out.result.status, elapsedMs: out.elapsedMs,
      });
      demo.compare.best = Math.min(demo.compare.best, out.result.loss, ...h.map((r) => r.loss));
      demo.result = out.result; demo.model = out.model;
      demo.lastInfo = { loss: out.result.loss, params: out.result.params };
      requestFrame();
    }
    demo.compare.done = true;
    drawFrame();
    showCompareTable();
    if (demo.model) showModel(demo.model);
    const { skipped } = demo.compare;
    setState('done', `compared ${demo.compare.runs.length} solvers from the same start${skipped.length ? ` (${skipped.map((k) => k.solver).join(', ')}: not for covariance '${$('covariance').value}')` : ''}`);
  } catch (e) {
    if (e.name === 'AbortError') { drawFrame(); showCompareTable(); setState('aborted', `aborted: ${demo.compare.runs.length} of ${SOLVERS.length} solvers finished`); }
    else { demo.error = { name: e.name, message: e.message }; setState('error', `${e.name}: ${e.message}`); }
  } finally {
    controller = null;
  }
}

/** The comparison table: per solver, evaluations until loss − best < level, final gap and evaluations used. */
function showCompareTable() {
  const { runs, best } = demo.compare;
  const t = $('compare-table');
  const cell = (text, tag = 'td') => { const el = document.createElement(tag); el.textContent = text; return el; };
  const row = (cells, tag) => { const tr = document.createElement('tr'); for (const c of cells) tr.append(cell(c, tag)); return tr; };
  t.replaceChildren(row(['solver', ...COMPARE_LEVELS.map((l) => `evals to ${l.toExponential(0)}`), 'final loss − best', 'evaluations'], 'th'));
  for (const r of runs) {
    const at = COMPARE_LEVELS.map((l) => { const k = r.loss.findIndex((f) => f - best < l); return k < 0 ? '—' : String(r.evaluations[k]); });
    const tr = row([r.solver, ...at, fmt(r.finalLoss - best, 3), String(r.nEvaluations)]);
    tr.firstChild.style.color = r.color;
    t.append(tr);
  }
  t.hidden = false;
}

// ---- wiring ------------------------------------------------------------------------------------------
$('fit').addEventListener('click', () => { void runFit(); });
$('compare').addEventListener('click', () => { void runCompare(); });
$('abort').addEventListener('click', () => controller?.abort());
for (const el of document.querySelectorAll('input[name=source]')) el.addEventListener('change', loadData);
for (const id of ['ex-rows', 'ex-seed']) $(id).addEventListener('change', () => { if (source() === 'example') loadData(); });
let typing = 0;   // the pending (debounced) parse of the CSV box, 0 when none
$('csv').addEventListener('input', () => {
  document.querySelector('input[name=source][value=csv]').checked = true;
  clearTimeout(typing); typing = setTimeout(() => { typing = 0; loadData(); }, 250);
});
async function readFile(file) {
  $('csv').value = await file.text();
  document.querySelector('input[name=source][value=csv]').checked = true;
  clearTimeout(typing); typing = 0;  // the file replaces whatever was being typed
  loadData();
}
$('csv-file').addEventListener('change', (e) => { const f = e.target.files?.[0]; if (f) void readFile(f); });
document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', (e) => {
  e.preventDefault(); document.body.classList.remove('dragging');
  const f = e.dataTransfer?.files?.[0]; if (f) void readFile(f);
});
worker.addEventListener('error', (e) => { demo.error = { name: 'Error', message: e.message }; setState('error', `worker: ${e.message || 'failed to start'}`); });

// The solver and covariance menus are mixfit's own lists, so a new solver or layout shows up here without editing the page.
for (const name of SOLVERS) $('solver').append(new Option(name, name, false, name === 'gd-polyak'));
for (const name of COVARIANCES) $('covariance').append(new Option(name === 'fixed' ? 'fixed (σ² = 1)' : name, name, false, name === 'fixed'));
// 'auto' covers every layout (the solvers that do not fit 'full'/'tied' yet say so when chosen).
$('covariance').addEventListener('change', () => { if (MATRIX_LAYOUTS.has($('covariance').value)) $('solver').value = 'auto'; });
loadData();
drawCurve();
