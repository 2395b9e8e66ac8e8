/**
 * A dependency-free SVG scatter of 2-D data with fitted Gaussian components drawn as 1σ and 2σ ellipses
 * (circles when the component is spherical and the axes share a scale).
 */
import { MixfitError } from '../errors.js';
import { COLORS, axesSvg, esc, legendSvg, makeScale, px, svgOpen, type Frame } from './axes.js';

/** Options for {@link scatterSvg}: points are N rows of [x, y]; means n × 2; variances as in MixtureParams. */
export interface ScatterOptions {
  title: string;
  points: ArrayLike<number>[];
  means: number[][];
  weights?: number[];
  /** One shared σ² (number), σ_i² per component (n numbers) or diagonal σ² per component (n × 2). */
  variances: number | number[] | number[][];
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** At most this many points are drawn (evenly strided) so the file stays small; default 5000. */
  maxPoints?: number;
}

/** Standard deviations (σx, σy) of component k under any of the three variance layouts. */
export function componentSigma(variances: ScatterOptions['variances'], k: number): [number, number] {
  if (typeof variances === 'number') return [Math.sqrt(variances), Math.sqrt(variances)];
  const v = variances[k];
  if (Array.isArray(v)) return [Math.sqrt(v[0]!), Math.sqrt(v[1]!)];
  return [Math.sqrt(v as number), Math.sqrt(v as number)];
}

/** Renders the scatter as one SVG document (string). Only the first two columns of points and means are used. */
export function scatterSvg(o: ScatterOptions): string {
  if (!o || typeof o !== 'object') throw new MixfitError('o', 'must be an object { title, points, means, variances }', o);
  const rowsOk = (r: unknown) => Array.isArray(r) && r.every((p) => p !== null && typeof p === 'object' && typeof (p as ArrayLike<number>).length === 'number');
  if (!rowsOk(o.points)) throw new MixfitError('o.points', 'must be an array of rows', o.points);
  if (!rowsOk(o.means)) throw new MixfitError('o.means', 'must be an array of rows', o.means);
  const width = o.width ?? 600, height = o.height ?? 520;
  const fr: Frame = { width, height, left: 64, right: 20, top: 36, bottom: 48 };
  const n = o.means.length;
  const xsVals: number[] = [], ysVals: number[] = [];
  const stride = Math.max(1, Math.ceil(o.points.length / (o.maxPoints ?? 5000)));
  for (let i = 0; i < o.points.length; i += stride) { xsVals.push(o.points[i]![0]!); ysVals.push(o.points[i]![1]!); }
  // The 2σ ellipses must fit inside the frame too.
  for (let k = 0; k < n; k++) {
    const [sx, sy] = componentSigma(o.variances, k);
    xsVals.push(o.means[k]![0]! - 2 * sx, o.means[k]![0]! + 2 * sx);
    ysVals.push(o.means[k]![1]! - 2 * sy, o.means[k]![1]! + 2 * sy);
  }
  const xs = makeScale(xsVals, fr.left, width - fr.right, false);
  const ys = makeScale(ysVals, height - fr.bottom, fr.top, false);
  const parts = [svgOpen(width, height), axesSvg(fr, xs, ys, o.title, o.xLabel ?? 'x₁', o.yLabel ?? 'x₂')];
  const dots: string[] = [];
  for (let i = 0; i < o.points.length; i += stride) {
    const x = o.points[i]![0]!, y = o.points[i]![1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    dots.push(`<circle class="pt" cx="${px(xs.map(x))}" cy="${px(ys.map(y))}" r="1.6"/>`);
  }
  parts.push(`<g fill="#777" fill-opacity="0.45">${dots.join('')}</g>`);
  const pxPerX = Math.abs(xs.map(1) - xs.map(0)), pxPerY = Math.abs(ys.map(1) - ys.map(0));
  const comps: string[] = [];
  for (let k = 0; k < n; k++) {
    const [sx, sy] = componentSigma(o.variances, k);
    const cx = px(xs.map(o.means[k]![0]!)), cy = px(ys.map(o.means[k]![1]!));
    const color = COLORS[k % COLORS.length]!;
    for (const m of [1, 2]) {
      comps.push(`<ellipse class="sigma${m}" data-k="${k}" cx="${cx}" cy="${cy}" rx="${px(m * sx * pxPerX)}" ry="${px(m * sy * pxPerY)}" fill="none" stroke="${color}" stroke-width="${m === 1 ? 2 : 1.2}"${m === 2 ? ' stroke-dasharray="5 3"' : ''}/>`);
    }
    comps.push(`<path d="M${cx} ${cy}m-5 0h10m-5 -5v10" stroke="${color}" stroke-width="2"/>`);
  }
  parts.push(`<g class="components">${comps.join('')}</g>`);
  const legend = [{ name: 'data', color: '#777', marker: true }];
  for (let k = 0; k < Math.min(n, 8); k++) {
    const w = o.weights?.[k];
    legend.push({ name: `component ${k + 1}${w !== undefined ? ` (w=${w.toFixed(3)})` : ''}`, color: COLORS[k % COLORS.length]!, marker: false });
  }
  if (n > 8) legend.push({ name: `… ${n - 8} more`, color: '#999', marker: false });
  legend.push({ name: 'solid 1σ, dashed 2σ', color: '#333', marker: false });
  parts.push(legendSvg(fr, legend), `<desc>${esc(`${n} components, ${o.points.length} points`)}</desc>`, '</svg>');
  return parts.join('\n');
}
