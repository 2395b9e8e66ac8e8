/**
 * A dependency-free SVG line chart for convergence curves (loss or loss gap vs evaluations), readable on its own.
 */
import { MixfitError } from '../errors.js';
import { COLORS, DASHES, axesSvg, legendSvg, makeScale, px, svgOpen, type Frame } from './axes.js';

/** One curve: x[i], y[i] pairs of equal length, in data units. */
export interface LineSeries { name: string; x: ArrayLike<number>; y: ArrayLike<number> }

/** Options for {@link lineChartSvg}; width/height in pixels (default 720 × 440). */
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  series: LineSeries[];
  width?: number;
  height?: number;
}

/**
 * Renders series as polylines in one SVG document (string). Points that cannot be drawn (NaN, ±∞,
 * or ≤ 0 on a log axis) break the line into separate segments rather than being joined across.
 */
export function lineChartSvg(opts: LineChartOptions): string {
  if (!opts || typeof opts !== 'object') throw new MixfitError('opts', 'must be an object { title, xLabel, yLabel, series }', opts);
  if (!Array.isArray(opts.series) || opts.series.some((c) => !c || typeof c !== 'object' || !c.x || !c.y))
    throw new MixfitError('opts.series', 'must be an array of { name, x, y }', opts.series);
  const width = opts.width ?? 720, height = opts.height ?? 440;
  const fr: Frame = { width, height, left: 72, right: 20, top: 36, bottom: 48 };
  const xs = makeScale(allValues(opts.series, 'x'), fr.left, width - fr.right, !!opts.logX);
  const ys = makeScale(allValues(opts.series, 'y'), height - fr.bottom, fr.top, !!opts.logY);
  const parts = [svgOpen(width, height), axesSvg(fr, xs, ys, opts.title, opts.xLabel, opts.yLabel)];
  const legend: { name: string; color: string; dash: string }[] = [];
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!, dash = DASHES[i % DASHES.length]!;
    legend.push({ name: s.name, color, dash });
    const segments: string[][] = [];
    let cur: string[] = [];
    const n = Math.min(s.x.length, s.y.length);
    for (let j = 0; j < n; j++) {
      const x = s.x[j]!, y = s.y[j]!;
      if (xs.ok(x) && ys.ok(y)) cur.push(`${px(xs.map(x))},${px(ys.map(y))}`);
      else if (cur.length) { segments.push(cur); cur = []; }
    }
    if (cur.length) segments.push(cur);
    const attrs = `fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}`;
    const body = segments.map((pts) => pts.length === 1
      ? `<circle cx="${pts[0]!.split(',')[0]}" cy="${pts[0]!.split(',')[1]}" r="2" fill="${color}"/>`
      : `<polyline ${attrs} points="${pts.join(' ')}"/>`);
    parts.push(`<g class="series" data-name="${escAttr(s.name)}">${body.join('')}</g>`);
  });
  parts.push(legendSvg(fr, legend), '</svg>');
  return parts.join('\n');
}

function escAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function* allValues(series: LineSeries[], key: 'x' | 'y'): Iterable<number> {
  for (const s of series) for (let j = 0; j < s[key].length; j++) yield s[key][j]!;
}
