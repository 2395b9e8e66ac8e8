// Scoring of the solver tournament: from each method's curve (evaluations, wall ms, loss per record) and the
// best non-degenerate loss reached from the same start, the evaluations and time to each gap, the final gap,
// and the degenerate / worse-optimum counts, as medians over the starts.

/** Gaps below the best non-degenerate loss of a start that the table reports. */
export const LEVELS = [1e-4, 1e-6, 1e-8, 1e-10];
/** A non-degenerate run that ends more than this above the best is counted as a worse optimum (it never reached the first level). */
export const WORSE_GAP = LEVELS[0];
/** A learned variance within this factor of regCovar counts as floored: the run found a degenerate spike. */
export const FLOOR_FACTOR = 2;

/** Whether a fitted variance (number, array or array of arrays) sits on the regCovar floor. */
export function onFloor(variances, regCovar) {
  return [variances].flat(2).some((v) => v <= FLOOR_FACTOR * regCovar);
}

/** The first record whose best-so-far loss is below best + level: { ev, ms }, or null. */
export function firstBelow(run, best, level) {
  let low = Infinity;
  for (let k = 0; k < run.loss.length; k++) {
    low = Math.min(low, run.loss[k]);
    if (low - best < level) return { ev: run.ev[k], ms: run.ms[k] };
  }
  return null;
}

/** The lowest final loss among the non-degenerate runs of one start (NaN when every run was degenerate). */
export function bestOfStart(runs) {
  const ok = runs.filter((r) => r && !r.degenerate && Number.isFinite(r.final)).map((r) => r.final);
  return ok.length ? Math.min(...ok) : NaN;
}

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; // Infinity + Infinity stays Infinity: "not reached by most"
};

/**
 * One method's summary over the starts. `runs[s]` is its run from start s (or null if it failed), `best[s]` the
 * start's best non-degenerate loss. Medians are over the starts where the method ended non-degenerate (a start
 * where it never reached a level counts as ∞ there).
 */
export function summarize(runs, best) {
  const scored = runs.map((r, s) => ({ r, best: best[s] })).filter(({ r, best: b }) => r && Number.isFinite(b));
  const clean = scored.filter(({ r }) => !r.degenerate);
  const levels = LEVELS.map((level) => {
    const hits = clean.map(({ r, best: b }) => firstBelow(r, b, level));
    return {
      ev: median(hits.map((h) => (h ? h.ev : Infinity))), ms: median(hits.map((h) => (h ? h.ms : Infinity))),
      reached: hits.filter(Boolean).length,
    };
  });
  const gaps = clean.map(({ r, best: b }) => Math.max(r.final - b, 0));
  return {
    levels, starts: scored.length, clean: clean.length, failed: runs.filter((r) => !r).length,
    finalGap: median(gaps), degenerate: scored.length - clean.length, worse: gaps.filter((g) => g > WORSE_GAP).length,
  };
}

/** A level cell: "evals (ms)", "—" when most starts never got there, and [k/n] when only k of n did. */
export function levelCell(l, clean) {
  const main = Number.isFinite(l.ev) ? `${Math.round(l.ev)} (${l.ms < 10 ? l.ms.toFixed(1) : Math.round(l.ms)})` : '—';
  return l.reached < clean && l.reached > 0 ? `${main} [${l.reached}/${clean}]` : main;
}

/** A gap as the table shows it. */
export const gapCell = (g) => (!Number.isFinite(g) ? '—' : g === 0 ? '0' : g.toExponential(1));
