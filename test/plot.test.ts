import { describe, expect, it } from 'vitest';
import { lineChartSvg } from '../src/plot/lineChart.js';
import { logTicks, makeScale, niceTicks } from '../src/plot/axes.js';
import { scatterSvg } from '../src/plot/scatter.js';
import { Rng } from '../src/model/rng.js';

// A minimal well-formedness check: every opened tag is closed in order (no DOMParser in Node).
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    if (m[4]) continue;
    if (m[1]) { if (stack.pop() !== m[2]) return false; } else stack.push(m[2]!);
  }
  return stack.length === 0;
}

describe('lineChartSvg', () => {
  const rng = new Rng(7);
  const n = 40;
  const x = Array.from({ length: n }, (_, i) => (i + 1) * 3);
  const y1 = x.map((v) => 10 ** (-v / 20) * (1 + 0.1 * rng.uniform()));
  const y2 = x.map((v, i) => (i === 5 ? NaN : i === 9 ? -1 : i === 12 ? 0 : 1 / v));

  it('is well-formed, contains every series and a legend, and has no NaN', () => {
    const svg = lineChartSvg({ title: 'Loss <gap> & co', xLabel: 'evaluations', yLabel: 'loss − f*', logY: true,
      series: [{ name: 'em', x, y: y1 }, { name: 'gd-polyak', x, y: y2 }] });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(balanced(svg)).toBe(true);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(svg).toContain('data-name="em"');
    expect(svg).toContain('data-name="gd-polyak"');
    expect(svg).toContain('Loss &lt;gap&gt; &amp; co');
    expect(svg).toContain('class="legend"');
    // Two series get different colours and the second a dash pattern.
    const strokes = [...svg.matchAll(/<polyline fill="none" stroke="(#[0-9A-F]+)"/g)].map((m) => m[1]);
    expect(new Set(strokes).size).toBe(2);
    expect(svg).toMatch(/stroke-dasharray/);
  });

  it('breaks a line at NaN and at non-positive values on a log axis', () => {
    const svg = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', logY: true, series: [{ name: 's', x, y: y2 }] });
    const group = svg.split('data-name="s"')[1]!.split('</g>')[0]!;
    const polylines = group.match(/<polyline/g)!.length;
    expect(polylines).toBe(4); // gaps at 5, 9, 12 split 40 points into 4 runs
    const pointCount = (group.match(/\d,\d/g) ?? []).length;
    expect(pointCount).toBe(n - 3);
  });

  it('puts log-scale ticks at powers of ten covering the data', () => {
    const svg = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', logX: true, logY: true,
      series: [{ name: 's', x: [2, 30, 4000], y: [0.5, 3e-4, 2e-7] }] });
    const yt = [...svg.matchAll(/class="tick y"[^>]*>([^<]+)</g)].map((m) => m[1]);
    const xt = [...svg.matchAll(/class="tick x"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(xt).toEqual(['1', '10', '100', '1000', '1e4']);
    expect(yt).toEqual(['1e-7', '1e-6', '1e-5', '1e-4', '1e-3', '0.01', '0.1', '1']);
  });

  it('maps log ticks evenly and linear ticks nicely', () => {
    expect(logTicks(1e-3, 1e2)).toEqual([1e-3, 1e-2, 1e-1, 1, 10, 100]);
    expect(logTicks(1e-30, 1)).toHaveLength(8);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3.2, 7.9)).toEqual([-2, 0, 2, 4, 6]);
    const s = makeScale([1e-4, 1], 0, 400, true);
    const d = s.ticks().map((t) => s.map(t));
    for (let i = 1; i < d.length; i++) expect(d[i]! - d[i - 1]!).toBeCloseTo(100, 9);
  });

  it('draws an empty chart rather than failing when nothing is drawable', () => {
    const svg = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', logY: true, series: [{ name: 's', x: [1, 2], y: [0, NaN] }] });
    expect(balanced(svg)).toBe(true);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).not.toContain('<polyline');
  });
});

describe('scatterSvg', () => {
  it('draws the points and a 1σ and 2σ ellipse per component with radii scaled from the variances', () => {
    const rng = new Rng(3);
    const points = Array.from({ length: 50 }, () => [rng.normal() * 2, rng.normal()]);
    const svg = scatterSvg({ title: 'fit', points, means: [[0, 0], [3, 1]], weights: [0.5, 0.5],
      variances: [[4, 1], [1, 1]] });
    expect(balanced(svg)).toBe(true);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect((svg.match(/<circle class="pt"/g) ?? []).length).toBe(50);
    const ellipses = [...svg.matchAll(/<ellipse class="sigma(\d)" data-k="(\d)"[^>]*rx="([\d.]+)" ry="([\d.]+)"/g)];
    expect(ellipses).toHaveLength(4);
    const c0 = ellipses.filter((m) => m[2] === '0');
    const one = c0.find((m) => m[1] === '1')!, two = c0.find((m) => m[1] === '2')!;
    expect(Number(two[3]) / Number(one[3])).toBeCloseTo(2, 2);
    expect(svg).toContain('class="legend"');
  });
});
