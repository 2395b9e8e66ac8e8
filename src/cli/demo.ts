/**
 * `mixfit demo`: the paper's contrast on embedded synthetic data. Data are drawn from a fixed seed from two
 * unit-variance Gaussians at ±2.5·e₁ in 2-D (ALGORITHM.md E2); four components with fixed uniform weights and
 * unit variance are fitted (overparameterized: the optimum is degenerate), from one shared seeded start, with
 * every solver of {@link SOLVERS} (the tournament's, bench/solvers.mjs). The table reports evaluations (kernel
 * passes) and wall time to reach each loss gap below the best loss any solver reached, and the final loss; the
 * plot shows every solver's gap vs evaluations on one log plot.
 */
import { GaussianMixture, type FitResult } from '../estimator.js';
import { Rng } from '../model/rng.js';
import { lineChartSvg } from '../plot/lineChart.js';
import { SOLVERS } from '../solvers/options.js';
import { fmt } from './output.js';

/** Fixed demo problem: seed, sample size, truth and budget (evaluations per solver). */
export const DEMO = {
  seed: 20260530, rows: 20000, components: 4, separation: 2.5, maxEvaluations: 1000, levels: [1e-3, 1e-5, 1e-7, 1e-9],
  /** A solver stops early once its best loss has not dropped by more than stallTol·|loss| for stallEvaluations passes. */
  stallEvaluations: 100, stallTol: 1e-13,
};

/** One solver's run in the demo: result, per-record wall time (ms since start). */
export interface DemoRun { solver: string; result: FitResult; times: number[]; seconds: number }

/** Draws the demo data set (rows × 2, row-major) from the embedded seed. */
export function demoData(): { data: Float64Array; rows: number; cols: number } {
  const rng = new Rng(DEMO.seed);
  const data = new Float64Array(DEMO.rows * 2);
  for (let i = 0; i < DEMO.rows; i++) {
    const sign = rng.uniform() < 0.5 ? -1 : 1;
    data[2 * i] = sign * DEMO.separation + rng.normal();
    data[2 * i + 1] = rng.normal();
  }
  return { data, rows: DEMO.rows, cols: 2 };
}

/** Runs every solver on the demo data; `onProgress` receives a line per finished solver. */
export async function runDemo(onProgress: (line: string) => void = () => {}): Promise<{ runs: DemoRun[]; best: number; table: string[][] }> {
  const X = demoData();
  // The shared start: two components near each true centre, offset by seeded N(0, 0.5²) noise, so every solver
  // starts in the basin of the overparameterized (degenerate) optimum rather than a 3-1 split.
  const rng = new Rng(DEMO.seed + 1);
  const means = Array.from({ length: DEMO.components }, (_, k) =>
    [(k % 2 === 0 ? -1 : 1) * DEMO.separation + 0.5 * rng.normal(), 0.5 * rng.normal()]);
  const runs: DemoRun[] = [];
  for (const solver of SOLVERS) {
    const times: number[] = [];
    const gm = new GaussianMixture({
      nComponents: DEMO.components, solver, weights: 'fixed', covariance: 'fixed', variance: 1, init: { means },
      // tol 0: no solver stops on its own tolerance; each runs to the budget or until it stalls at its floor,
      // which keeps `npm start` to a few seconds with every solver.
      maxEvaluations: DEMO.maxEvaluations, maxIter: 100000, tol: 0,
      onIteration: (info) => { times.push(performance.now() - t0); return stall(info.loss, info.evaluations); },
    });
    const stall = stallDetector();
    const t0 = performance.now();
    const result = await gm.fit(X);
    const seconds = (performance.now() - t0) / 1000;
    runs.push({ solver, result, times, seconds });
    onProgress(`${solver}: ${result.nEvaluations} evaluations, loss ${result.loss.toPrecision(12)}, ${seconds.toFixed(2)} s (${result.status})`);
  }
  const best = Math.min(...runs.map((r) => Math.min(r.result.loss, ...r.result.history.map((h) => h.loss))));
  const header = ['solver', ...DEMO.levels.map((l) => `gap<${l.toExponential(0)}: evals (s)`), 'final loss', 'final loss − best', 'evals'];
  const table = [header];
  for (const r of runs) {
    const row = [r.solver];
    for (const level of DEMO.levels) {
      const i = r.result.history.findIndex((h) => h.loss - best < level);
      row.push(i < 0 ? '—' : `${r.result.history[i]!.evaluations} (${(r.times[i]! / 1000).toFixed(2)})`);
    }
    row.push(r.result.loss.toPrecision(12), fmt(r.result.loss - best, 3), String(r.result.nEvaluations));
    table.push(row);
  }
  return { runs, best, table };
}

/** Returns false (stop) once the best loss has not dropped by more than DEMO.stallTol·|loss| for DEMO.stallEvaluations passes. */
function stallDetector(): (loss: number, evaluations: number) => boolean {
  let best = Infinity, since = 0;
  return (loss, evaluations) => {
    if (loss < best - DEMO.stallTol * Math.abs(best) || !Number.isFinite(best)) { best = Math.min(best, loss); since = evaluations; }
    return evaluations - since < DEMO.stallEvaluations;
  };
}

/** Renders rows as an aligned plain-text table. */
export function formatTable(rows: string[][]): string {
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join('  ');
  return [line(rows[0]!), w.map((x) => '-'.repeat(x)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The demo's convergence plot: loss − best vs evaluations on log axes. */
export function demoPlot(runs: DemoRun[], best: number): string {
  return lineChartSvg({
    title: `Overparameterized fit: ${DEMO.components} components, 2 true, N=${DEMO.rows} (d=2)`,
    xLabel: 'evaluations (kernel passes)', yLabel: 'loss − best loss (nats)', logX: true, logY: true,
    series: runs.map((r) => ({ name: r.solver, x: r.result.history.map((h) => h.evaluations), y: r.result.history.map((h) => h.loss - best) })),
  });
}
