// The outside peer of the solver tournament: R's SQUAREM package (squarem1, scheme S3) driving the EM map of
// bench/squarem_em.R from the same starts, in the same θ parameterization. Skips with a message when Rscript,
// SQUAREM or jsonlite is missing.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from './runProcess.mjs';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'squarem_em.R');

/** Control of squarem1 that differs from the package defaults (see README "Solver tournament"). */
export const R_CONTROL = {
  // The package allows the objective to rise by 1 per cycle; on our per-row mean loss (nats) that is no
  // safeguard at all, so the peer runs the strict monotone version, like mixfit's SQUAREM.
  objfnInc: 0,
  // Its default 1e-7 on ‖F(θ) − θ‖ would stop it before the smaller gaps; this lets it run to the budget or the float64 floor.
  tol: 1e-13,
};

/** Whether the peer can run: { ok, version } or { ok: false, reason }. */
export async function rSquaremAvailable() {
  const r = await runProcess('Rscript', ['-e', 'cat(as.character(packageVersion("SQUAREM")), requireNamespace("jsonlite", quietly = TRUE))']);
  if (r.code !== 0) return { ok: false, reason: r.code === -1 ? 'Rscript not found (install r-base-core)' : 'R package SQUAREM not installed (install r-cran-squarem)' };
  const [version, json] = r.stdout.trim().split(/\s+/);
  return json === 'TRUE' ? { ok: true, version } : { ok: false, reason: 'R package jsonlite not installed (install r-cran-jsonlite)' };
}

/**
 * Runs R's SQUAREM from every start of `problem` with `budget` passes each. `peer` is { X } or { truth, nodes },
 * `starts` the public start parameters, `options` the learned parts. Returns one curve per start
 * ({ ev, loss (raw: the objective's offset is not included), ms, final, minVariance }) or { skipped }.
 */
export async function runRSquarem({ id, peer, starts, options, d, budget, workDir }) {
  const n = starts[0].means.length;
  const count = { fixed: 1, spherical: n, diagonal: n * d }[options.covariance];
  const flatVariances = (v) => (options.covariance === 'fixed' ? [options.variance ?? 1] : typeof v === 'number' ? new Array(count).fill(v) : [v].flat(2));
  const job = {
    ...peer, d, n, learnWeights: options.weights === 'learned', covariance: options.covariance, variance: options.variance ?? 1,
    regCovar: options.regCovar ?? 1e-6, maxiter: budget, ...R_CONTROL,
    starts: {
      means: starts.map((s) => s.means.flat()),
      logWeights: starts.map((s) => s.weights.map(Math.log)),
      variances: starts.map((s) => flatVariances(s.variances)),
    },
  };
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, `r-squarem-${id}-${process.pid}.json`); // pid: concurrent runs share bench/out
  writeFileSync(path, JSON.stringify(job));
  const r = await runProcess('Rscript', [SCRIPT, path]);
  rmSync(path, { force: true });
  if (r.code !== 0) return { skipped: `Rscript failed (${r.stderr.trim().split('\n').pop()})` };
  const out = JSON.parse(r.stdout);
  if (out.skipped) return { skipped: out.skipped };
  return {
    version: out.squarem,
    runs: out.runs.map((run) => {
      const ev = [run.evaluations].flat(), loss = [run.loss].flat(), ms = [run.ms].flat();
      const keep = ev.filter((e) => e <= budget).length; // squarem1 counts only fixptfn calls against maxiter
      return { ev: ev.slice(0, keep), loss: loss.slice(0, keep), ms: ms.slice(0, keep), error: run.error, minVariance: run.minVariance };
    }),
  };
}
