// The scoring rules of the solver tournament (bench/lib/tournamentScore.mjs) on hand-made curves: what counts
// as reaching a gap, as degenerate and as a worse optimum, and how starts are combined.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs bench helper without types
import { bestOfStart, firstBelow, levelCell, onFloor, summarize, LEVELS } from '../bench/lib/tournamentScore.mjs';

/** A run whose loss after k records is best + gaps[k]; evaluation k·step, k ms. */
function run(best: number, gaps: number[], opts: { step?: number; degenerate?: boolean } = {}) {
  const step = opts.step ?? 10;
  return { ev: gaps.map((_, k) => 1 + k * step), ms: gaps.map((_, k) => k), loss: gaps.map((g) => best + g), final: best + Math.min(...gaps), degenerate: !!opts.degenerate };
}

describe('tournament scoring', () => {
  it('a gap is reached at the first record whose best-so-far loss is below best + level', () => {
    const r = run(1, [1, 1e-3, 1e-5, 1e-2, 1e-7, 1e-9]);
    expect(firstBelow(r, 1, 1e-4)).toEqual({ ev: 21, ms: 2 });
    expect(firstBelow(r, 1, 1e-6)).toEqual({ ev: 41, ms: 4 });   // the rise to 1e-2 does not undo 1e-5
    expect(firstBelow(r, 1, 1e-8)).toEqual({ ev: 51, ms: 5 });
    expect(firstBelow(r, 1, 1e-10)).toBeNull();
  });

  it('the best of a start ignores degenerate runs; a start where all are degenerate has none', () => {
    const best = 2;
    expect(bestOfStart([run(best, [1, 1e-3]), run(best, [1, -5], { degenerate: true }), run(best, [1, 1e-6])])).toBeCloseTo(best + 1e-6, 15);
    expect(bestOfStart([run(best, [1, -5], { degenerate: true }), null])).toBeNaN();
  });

  it('medians over the non-degenerate starts, unreached counting as ∞; degenerate and worse counted apart', () => {
    const best = [0, 0, 0, 0, 0];
    const runs = [
      run(0, [1, 1e-5, 1e-9, 1e-11], { step: 10 }),
      run(0, [1, 1e-5, 1e-9, 1e-11], { step: 20 }),
      run(0, [1, 1e-5, 1e-7], { step: 30 }),             // never below 1e-8
      run(0, [1, 1e-3], { step: 10 }),                   // ends 1e-3 above: a worse optimum
      run(0, [1, -1], { step: 10, degenerate: true }),   // a spike: out of the medians
    ];
    const s = summarize(runs, best);
    expect(s.starts).toBe(5);
    expect(s.clean).toBe(4);
    expect(s.degenerate).toBe(1);
    expect(s.worse).toBe(1);
    expect(LEVELS).toEqual([1e-4, 1e-6, 1e-8, 1e-10]);
    expect(s.levels[0]).toMatchObject({ ev: (21 + 31) / 2, reached: 3 });   // 11, 21, 31, ∞ → median 26
    expect(s.levels[2]).toMatchObject({ ev: Infinity, reached: 2 });        // 21, 41, ∞, ∞
    expect(s.finalGap).toBeCloseTo((1e-11 + 1e-7) / 2, 20);
    expect(levelCell(s.levels[0], s.clean)).toBe('26 (1.0) [3/4]');
    expect(levelCell(s.levels[2], s.clean)).toBe('— [2/4]');
  });

  it('a variance within 2× of regCovar is on the floor, in every layout', () => {
    expect(onFloor(1.5e-6, 1e-6)).toBe(true);
    expect(onFloor([0.3, 2.5e-6], 1e-6)).toBe(false);
    expect(onFloor([[0.3, 0.2], [0.4, 1.9e-6]], 1e-6)).toBe(true);
  });
});
