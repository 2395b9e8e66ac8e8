/**
 * Shared SVG primitives for mixfit's dependency-free plots: scales, tick choice, number labels, escaping.
 * Coordinates are SVG user units (pixels); data units are whatever the caller plots.
 */

/** A map from data units to pixels; `ok(v)` says whether v can be drawn (finite, and positive on a log scale). */
export interface Scale {
  readonly log: boolean;
  readonly lo: number;
  readonly hi: number;
  map(v: number): number;
  ok(v: number): boolean;
  ticks(): number[];
}

/** Escapes text for SVG element content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Formats a number compactly for SVG attributes (3 decimals is sub-pixel precision). */
export function px(v: number): string {
  return (Math.round(v * 1000) / 1000).toString();
}

/** Tick label: plain for moderate magnitudes, 1e±k for powers of ten and extremes. */
export function tickLabel(v: number, log: boolean): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (log) {
    const k = Math.round(Math.log10(a));
    return k >= -2 && k <= 3 ? String(Number(`1e${k}`)) : `1e${k}`;
  }
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
  return String(Number(v.toPrecision(6)));
}

/** "Nice" linear ticks (steps of 1, 2 or 5 × 10^k) covering [lo, hi] with about `count` intervals. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  // Index-based stepping avoids accumulating rounding error across ticks.
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

/** Powers of ten within [lo, hi] (lo > 0); thinned to at most ~8 labels when the range spans many decades. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.ceil(Math.log10(lo) - 1e-9), b = Math.floor(Math.log10(hi) + 1e-9);
  const every = Math.max(1, Math.ceil((b - a + 1) / 8));
  const out: number[] = [];
  for (let k = a; k <= b; k += every) out.push(10 ** k);
  return out;
}

/**
 * Builds a scale over the drawable values in `values`, mapped onto pixels [p0, p1].
 * Linear ranges are widened to nice ticks; log ranges to whole decades, so the ends carry a labelled tick.
 */
export function makeScale(values: Iterable<number>, p0: number, p1: number, log: boolean): Scale {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) { lo = log ? 1 : 0; hi = log ? 10 : 1; }
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo) + 1e-12);
    hi = 10 ** Math.ceil(Math.log10(hi) - 1e-12);
    if (hi <= lo) hi = lo * 10;
  } else {
    if (hi === lo) { const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1; lo -= pad; hi += pad; }
    const t = niceTicks(lo, hi);
    const step = t.length > 1 ? t[1]! - t[0]! : 0;
    if (step > 0) { lo = Math.min(lo, Math.floor(lo / step) * step); hi = Math.max(hi, Math.ceil(hi / step) * step); }
  }
  const f = log ? Math.log10 : (v: number) => v;
  const a = f(lo), span = f(hi) - a || 1;
  return {
    log, lo, hi,
    map: (v) => p0 + ((f(v) - a) / span) * (p1 - p0),
    ok: (v) => Number.isFinite(v) && (!log || v > 0),
    ticks: () => (log ? logTicks(lo, hi) : niceTicks(lo, hi)),
  };
}

/** Colour-blind-friendly palette (Okabe–Ito) and dash patterns, so series differ in more than hue. */
export const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
export const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4'];

/** Frame size and margins shared by the plots. */
export interface Frame { width: number; height: number; left: number; right: number; top: number; bottom: number }

/** Draws the axes box, ticks with labels and grid, axis labels and the title; returns SVG elements. */
export function axesSvg(fr: Frame, xs: Scale, ys: Scale, title: string, xLabel: string, yLabel: string): string {
  const x0 = fr.left, x1 = fr.width - fr.right, y0 = fr.height - fr.bottom, y1 = fr.top;
  const parts: string[] = [];
  parts.push(`<rect x="${px(x0)}" y="${px(y1)}" width="${px(x1 - x0)}" height="${px(y0 - y1)}" fill="none" stroke="#333"/>`);
  for (const t of xs.ticks()) {
    const x = xs.map(t);
    parts.push(`<line x1="${px(x)}" y1="${px(y1)}" x2="${px(x)}" y2="${px(y0)}" stroke="#ddd"/>`);
    parts.push(`<line x1="${px(x)}" y1="${px(y0)}" x2="${px(x)}" y2="${px(y0 + 5)}" stroke="#333"/>`);
    parts.push(`<text class="tick x" x="${px(x)}" y="${px(y0 + 18)}" text-anchor="middle">${esc(tickLabel(t, xs.log))}</text>`);
  }
  for (const t of ys.ticks()) {
    const y = ys.map(t);
    parts.push(`<line x1="${px(x0)}" y1="${px(y)}" x2="${px(x1)}" y2="${px(y)}" stroke="#ddd"/>`);
    parts.push(`<line x1="${px(x0 - 5)}" y1="${px(y)}" x2="${px(x0)}" y2="${px(y)}" stroke="#333"/>`);
    parts.push(`<text class="tick y" x="${px(x0 - 8)}" y="${px(y + 4)}" text-anchor="end">${esc(tickLabel(t, ys.log))}</text>`);
  }
  parts.push(`<text class="title" x="${px((x0 + x1) / 2)}" y="${px(fr.top / 2 + 6)}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text class="xlabel" x="${px((x0 + x1) / 2)}" y="${px(fr.height - 10)}" text-anchor="middle">${esc(xLabel)}</text>`);
  const yl = 16, ym = (y0 + y1) / 2;
  parts.push(`<text class="ylabel" x="${yl}" y="${px(ym)}" text-anchor="middle" transform="rotate(-90 ${yl} ${px(ym)})">${esc(yLabel)}</text>`);
  return parts.join('\n');
}

/** Opening <svg> tag with white background and a readable default font. */
export function svgOpen(width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>`;
}

/** Legend box in the top-right corner of the plot area; each entry is a short sample line (or marker) and a name. */
export function legendSvg(fr: Frame, entries: { name: string; color: string; dash?: string; marker?: boolean }[]): string {
  if (entries.length === 0) return '';
  const w = Math.min(260, 40 + 7 * Math.max(...entries.map((e) => e.name.length)));
  const x = fr.width - fr.right - w - 8, y = fr.top + 8, h = 8 + 18 * entries.length;
  const parts = [`<g class="legend"><rect x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${h}" fill="white" fill-opacity="0.85" stroke="#999"/>`];
  entries.forEach((e, i) => {
    const ly = y + 14 + 18 * i;
    parts.push(e.marker
      ? `<circle cx="${px(x + 18)}" cy="${px(ly - 4)}" r="3" fill="${e.color}"/>`
      : `<line x1="${px(x + 6)}" y1="${px(ly - 4)}" x2="${px(x + 30)}" y2="${px(ly - 4)}" stroke="${e.color}" stroke-width="2"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`);
    parts.push(`<text x="${px(x + 36)}" y="${px(ly)}">${esc(e.name)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}
