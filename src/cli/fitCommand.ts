/**
 * `mixfit fit DATA --components N ...`: validates everything before fitting (options, data, and every output
 * path), shows progress on stderr, aborts cleanly on Ctrl-C (writing the best fit so far to the outputs), and
 * writes --out, --history and --plot together after the fit, all of them or none (see outputFiles.ts).
 */
import { existsSync } from 'node:fs';
import { AbortError } from '../errors.js';
import { GaussianMixture, type FitResult, type GaussianMixtureOptions } from '../estimator.js';
import { modelToJSON, type ModelJSON } from '../model/json.js';
import type { HistoryRecord } from '../solvers/minimize.js';
import { INIT_METHODS, WEIGHT_MODES, type WeightMode } from '../optionRegistry.js';
import type { CovarianceType } from '../types.js';
import { checkedFlagValues, flagError, flagValues, namingFlags, positionals, stringOption, UsageError, type Parsed } from './args.js';
import { EXIT, FIT_KEYS, RUN_KEYS } from './help.js';
import { openData, type CliData } from './data.js';
import { modelText, readModel } from './modelFile.js';
import { clearProgress, note, printJson, progress } from './output.js';
import { withOutputs, type OutputSet, type OutputTarget } from './outputFiles.js';
import { lineChartSvg } from '../plot/lineChart.js';
import { scatterSvg } from '../plot/scatter.js';

/**
 * Reads the fit flags into GaussianMixture options by the option registry (unset flags are left out, so the
 * estimator's defaults apply). Two spellings are the command line's own: `--weights w1,w2,..` (fixed weights,
 * normalised: weights 'fixed' with weightsInit) and `--init MODEL.json` (an `init` model: { means, weights,
 * variances } of the file, or its covariances; the file's layout unless --covariance is given). The values are
 * checked by GaussianMixture, not here.
 * @throws UsageError for a malformed --weights list or an unreadable --init model.
 */
export async function fitOptions(p: Parsed): Promise<GaussianMixtureOptions> {
  const o = flagValues(p, FIT_KEYS);
  const w = o.weights;
  if (typeof w === 'string' && !(WEIGHT_MODES as readonly string[]).includes(w)) {
    const ws = w.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
    if (ws.some((x) => !Number.isFinite(x) || x <= 0))
      throw new UsageError(`--weights must be ${WEIGHT_MODES.join(', ')} or positive numbers separated by commas, one per component (received ${JSON.stringify(w)})`);
    const s = ws.reduce((a, b) => a + b, 0);
    o.weights = 'fixed';
    o.weightsInit = ws.map((x) => x / s);
  }
  const init = o.init;
  if (typeof init === 'string' && !(INIT_METHODS as readonly string[]).includes(init)) {
    const m = (await readModel(init)).toJSON();
    // weightsInit (from --weights w1,..) and init.weights may not both be given: the explicit option wins.
    o.init = { means: m.means, ...(o.weightsInit ? {} : { weights: m.weights }), ...(m.covariances ? { covariances: m.covariances } : { variances: m.variances }) };
    // Starting from a saved model continues its layout unless --covariance says otherwise (the default layout,
    // 'full', cannot start from a diagonal model's variances).
    if (o.covariance === undefined) o.covariance = m.covariance;
  }
  return o as unknown as GaussianMixtureOptions;
}

/**
 * The flags `fit` and `select` share (iteration limits, tolerance, seed, threads, kernel, precision) as
 * GaussianMixture options, checked by the estimator's table; unset flags are left out so the estimator's
 * defaults apply.
 * @throws UsageError naming the flag.
 */
export function runOptions(p: Parsed): Record<string, unknown> {
  return checkedFlagValues(p, RUN_KEYS);
}

/** `mixfit fit`: resolves to the exit code (0, 1 with --strict when not converged, 130 when interrupted). */
export async function fitCommand(p: Parsed): Promise<number> {
  const [dataPath] = positionals(p, ['DATA'], 'fit');
  const files: OutputPaths = { out: stringOption(p, 'out'), history: stringOption(p, 'history'), plot: stringOption(p, 'plot') };
  // Every flag before the data is read, so a bad command line fails before a large file is: the estimator is
  // constructed (its constructor checks every option) from the flags alone.
  if (!p.options.has('components')) throw new UsageError('--components N is required');
  const options = await fitOptions(p);
  const controller = new AbortController();
  const gm = namingFlags(() => new GaussianMixture({ ...options, signal: controller.signal, onIteration: progressLines(p.options.has('quiet')) }));
  if (!existsSync(dataPath!)) throw new UsageError(`${dataPath}: cannot read (ENOENT)`);
  const data = await openData(p, dataPath!, 'fit', true);
  try {
    const n = gm.options.nComponents;
    if (n > data.rows) throw new UsageError(`--components must be ≤ the number of rows (${data.rows}) (received ${n})`);
    return await fitData(p, data, files, gm, controller);
  } finally {
    data.close();
  }
}

/** Progress on stderr, one line per iteration (throttled when stderr is not a terminal); none when `quiet`. */
function progressLines(quiet: boolean): GaussianMixtureOptions['onIteration'] {
  if (quiet) return undefined;
  let last = 0;
  return (info) => {
    const now = performance.now();
    // A TTY line is cheap to overwrite; plain lines are throttled so logs stay readable.
    if (now - last < (process.stderr.isTTY ? 100 : 1000) && info.iteration > 1) return;
    last = now;
    progress(`iter ${info.iteration}  evals ${info.evaluations}  loss ${info.loss.toPrecision(12)}  |grad| ${info.gradNorm.toExponential(2)}  step ${info.kind}`);
  };
}

/** The fit of opened DATA: options, output checks (before any fit work), the fit, the outputs. */
async function fitData(p: Parsed, data: CliData, files: OutputPaths, gm: GaussianMixture, controller: AbortController): Promise<number> {
  let interrupted = false;
  // Ctrl-C (or a kill) stops the fit; a second one exits at once, and the exit hook removes the temp files.
  const onSignal = () => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    controller.abort();
  };
  const signals = ['SIGINT', 'SIGTERM'] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    return await withOutputs(outputTargets(files, data.cols), async (outputs) => {
      // Streamed or Parquet DATA: the scatter plot draws a sample (one extra scan, only when it is drawn).
      const scatter = files.plot && data.cols === 2 ? await data.plotRows() : undefined;
      return fitAndWrite(p, data, gm, () => interrupted, outputs, files, scatter);
    });
  } finally {
    // After a first Ctrl-C the handler stays until the process exits: a second one arriving while the fit
    // unwinds must still exit 130 at once, not kill the process by the default action (no exit code, temps left).
    if (!interrupted) for (const s of signals) process.off(s, onSignal);
  }
}

/** The output paths a fit was given (--out, --history, --plot). */
interface OutputPaths { out?: string; history?: string; plot?: string }

/** Every output file of a fit, in writing order: --out, --history, --plot (and its scatter plot for 2-D data). */
function outputTargets({ out, history, plot }: OutputPaths, cols: number): OutputTarget[] {
  const t: OutputTarget[] = [];
  if (out) t.push({ option: 'out', path: out });
  if (history) t.push({ option: 'history', path: history });
  if (plot) {
    t.push({ option: 'plot', path: plot });
    if (cols === 2) t.push({ option: 'plot', path: scatterPath(plot) });
  }
  return t;
}

/** P.svg → P-scatter.svg (P → P-scatter.svg without the extension). */
function scatterPath(plot: string): string {
  return plot.replace(/(\.svg)?$/i, '-scatter.svg');
}

/** Points of the scatter plot (all rows or a sample) and the words its title uses for them. */
type Scatter = { points: number[][]; label: string } | undefined;

async function fitAndWrite(p: Parsed, data: CliData, gm: GaussianMixture, interrupted: () => boolean, outputs: OutputSet,
  files: OutputPaths, scatter: Scatter): Promise<number> {
  const json = p.options.has('json');
  const started = performance.now();
  // The resolved options (the estimator's defaults filled in): recorded in a model written after Ctrl-C.
  const { covariance, weights, solver } = gm.options;
  let result: FitResult;
  try {
    result = await gm.fit(data.input, data.chunkRows === undefined ? {} : { chunkRows: data.chunkRows });
  } catch (e) {
    clearProgress();
    // GaussianMixture rejects an aborted fit with AbortError; `.result` is the best fit so far (not committed).
    // By name too: an abort raised inside the signal plumbing may be a DOMException without `.result`.
    if (e instanceof AbortError || (e as Error)?.name === 'AbortError')
      return interruptedExit((e as AbortError & { result?: FitResult }).result, outputs, files, covariance, weights, json, scatter, solver);
    throw flagError(e);
  }
  clearProgress();
  // A Ctrl-C that lands after the last iteration finished: the fit is complete, but the user asked to stop.
  if (interrupted()) return interruptedExit(result, outputs, files, covariance, weights, json, scatter, solver);
  const seconds = (performance.now() - started) / 1000;
  const model = gm.toJSON();
  outputs.commit(outputTexts(files, result, model, scatter, solver));
  note(`${result.converged ? 'converged' : 'did not converge'}: ${result.message} (${result.status}); loss ${result.loss}, ${result.nIter} iterations, ${result.nEvaluations} evaluations, ${seconds.toFixed(2)} s`);
  // The non-convergence warning repeats the line above; the others (collapsed or empty components) are news.
  for (const w of result.warnings) if (!w.startsWith('did not converge')) note(`warning: ${w}`);
  for (const f of outputs.paths) note(`wrote ${f}`);
  const summary = {
    converged: result.converged, status: result.status, message: result.message, loss: result.loss, nIter: result.nIter,
    nEvaluations: result.nEvaluations, warnings: result.warnings, seconds, model,
  };
  if (json) printJson(summary);
  else if (!files.out) process.stdout.write(modelText(model));
  return !result.converged && p.options.has('strict') ? EXIT.notConverged : EXIT.ok;
}

/** Ctrl-C: write the best fit so far to every output when there is one (else none), say so, and exit 130. */
function interruptedExit(best: FitResult | undefined, outputs: OutputSet, files: OutputPaths, covariance: CovarianceType,
  weights: WeightMode, json: boolean,
  scatter: Scatter, solver: string): number {
  const paths = outputs.paths;
  const written = paths.length > 0 && best?.params !== undefined;
  if (written) {
    outputs.commit(outputTexts(files, best!, modelToJSON(best!.params, covariance, weights), scatter, solver));
    note(`interrupted: wrote the best model so far (loss ${best!.loss}) to ${paths.join(', ')}`);
  } else {
    outputs.discard();
    note('interrupted: nothing written' + (paths.length ? ' (no iterate yet)' : ' (no --out given)'));
  }
  if (json) printJson({ interrupted: true, loss: best?.loss ?? null, out: written && files.out ? files.out : null, written: written ? paths : [] });
  return EXIT.interrupted;
}

/** History as CSV with a header: iteration, evaluations, loss, gradNorm, kind, stepSize, optimumEstimate. */
export function historyCsv(h: HistoryRecord[]): string {
  const lines = ['iteration,evaluations,loss,gradNorm,kind,stepSize,optimumEstimate'];
  for (const r of h) lines.push([r.iteration, r.evaluations, r.loss, r.gradNorm, r.kind, r.stepSize, r.optimumEstimate ?? ''].join(','));
  return lines.join('\n') + '\n';
}

/**
 * The text of each output path: the model (--out), the history CSV (--history), the convergence plot
 * (--plot P.svg: loss − min loss vs evaluations, log axes) and, for 2-D data, P-scatter.svg.
 */
function outputTexts({ out, history, plot }: OutputPaths, r: FitResult, model: ModelJSON, scatter: Scatter, solver: string): (path: string) => string {
  return (path) => {
    if (path === out) return modelText(model);
    if (path === history) return historyCsv(r.history);
    if (path === plot) {
      const best = Math.min(r.loss, ...r.history.map((h) => h.loss));
      return lineChartSvg({
        title: `mixfit fit (${solver}): final loss ${r.loss.toPrecision(10)}`, xLabel: 'evaluations (kernel passes)',
        yLabel: 'loss − final best loss (nats)', logX: true, logY: true,
        series: [{ name: solver, x: r.history.map((h) => h.evaluations), y: r.history.map((h) => h.loss - best) }],
      });
    }
    return scatterSvg({ title: `${scatter!.label} and fitted components (${model.means.length})`, points: scatter!.points, means: model.means, weights: model.weights, variances: model.variances ?? r.params.variances });
  };
}
