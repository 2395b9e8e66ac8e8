/**
 * `mixfit fit DATA --components N ...`: validates everything before fitting, shows progress on stderr,
 * aborts cleanly on Ctrl-C (writing the best model so far to --out when given), and writes --out, --history
 * and --plot only after a successful (or interrupted) fit, each atomically.
 */
import { existsSync } from 'node:fs';
import { AbortError } from '../errors.js';
import { CliMixture as GaussianMixture, type CliFitOptions } from './mixture.js';
import type { MinimizeResult, HistoryRecord } from '../solvers/minimize.js';
import type { Matrix } from '../types.js';
import { choiceOption, numberOption, positionals, stringOption, UsageError, type Parsed } from './args.js';
import { readData, toRows } from './input.js';
import { modelJson, readModelFile } from './modelFile.js';
import { clearProgress, note, printJson, progress, writeFileAtomic } from './output.js';
import { lineChartSvg } from '../plot/lineChart.js';
import { scatterSvg } from '../plot/scatter.js';

const SOLVERS = ['gd-polyak', 'gradient-em', 'em', 'gd', 'polyak'] as const;
const COVARIANCES = ['fixed', 'spherical', 'diagonal'] as const;

/** Reads all fit options into GaussianMixture options; every error names its option. */
export async function fitOptions(p: Parsed, rows: number): Promise<Record<string, unknown>> {
  const nComponents = numberOption(p, 'components', { integer: true, min: 1 });
  if (nComponents === undefined) throw new UsageError('--components N is required');
  if (nComponents > rows) throw new UsageError(`--components must be ≤ the number of rows (${rows}) (received ${nComponents})`);
  const o: Record<string, unknown> = { nComponents };
  o.solver = choiceOption(p, 'solver', SOLVERS) ?? 'gd-polyak';
  o.covariance = choiceOption(p, 'covariance', COVARIANCES) ?? 'fixed';
  const w = stringOption(p, 'weights');
  if (w === 'fixed' || w === 'learned') o.weights = w;
  else if (w !== undefined) {
    const ws = w.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
    if (ws.length !== nComponents || ws.some((x) => !Number.isFinite(x) || x <= 0))
      throw new UsageError(`--weights must be fixed, learned or ${nComponents} positive numbers separated by commas (received ${JSON.stringify(w)})`);
    const s = ws.reduce((a, b) => a + b, 0);
    o.weights = 'fixed';
    o.weightsInit = ws.map((x) => x / s);
  }
  const variance = numberOption(p, 'variance', { min: 0, exclusiveMin: true });
  if (variance !== undefined) o.variance = variance;
  const opt = stringOption(p, 'optimum');
  if (opt !== undefined) {
    if (['target-level', 'aitken', 'hazan-kakade'].includes(opt)) o.optimum = opt;
    else if (opt.trim() !== '' && Number.isFinite(Number(opt))) o.optimum = Number(opt);
    else throw new UsageError(`--optimum must be a number, target-level, aitken or hazan-kakade (received ${JSON.stringify(opt)})`);
  }
  const maxIter = numberOption(p, 'max-iter', { integer: true, min: 1 });
  if (maxIter !== undefined) o.maxIter = maxIter;
  const maxEv = numberOption(p, 'max-evaluations', { integer: true, min: 1 });
  if (maxEv !== undefined) o.maxEvaluations = maxEv;
  const tol = numberOption(p, 'tol', { min: 0 });
  if (tol !== undefined) o.tol = tol;
  o.seed = numberOption(p, 'seed', { integer: true }) ?? 0;
  const threads = numberOption(p, 'threads', { integer: true, min: 1 });
  if (threads !== undefined) o.threads = threads;
  const kernel = choiceOption(p, 'kernel', ['auto', 'simd', 'scalar', 'js'] as const);
  if (kernel) o.kernel = kernel;
  const init = stringOption(p, 'init');
  if (init === 'kmeans++' || init === 'random') o.init = init;
  else if (init !== undefined) {
    const m = await readModelFile(init);
    if (m.means.length !== nComponents) throw new UsageError(`--init ${init}: has ${m.means.length} components but --components is ${nComponents}`);
    o.init = { means: m.means, weights: m.weights, variances: m.variances };
  }
  return o;
}

export async function fitCommand(p: Parsed): Promise<number> {
  const [dataPath] = positionals(p, ['DATA'], 'fit');
  const json = p.options.has('json'), quiet = p.options.has('quiet');
  const out = stringOption(p, 'out'), historyPath = stringOption(p, 'history'), plotPath = stringOption(p, 'plot');
  // Cheap checks first, so an obviously bad command line fails before a large file is read.
  if (!p.options.has('components')) throw new UsageError('--components N is required');
  numberOption(p, 'components', { integer: true, min: 1 });
  choiceOption(p, 'solver', SOLVERS);
  if (!existsSync(dataPath!)) throw new UsageError(`${dataPath}: cannot read (ENOENT)`);
  const X = await readData(dataPath!);
  const options = await fitOptions(p, X.rows);
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const started = performance.now();
  let last = 0;
  const gm = new GaussianMixture({
    ...options,
    signal: controller.signal,
    onIteration: (info) => {
      if (quiet) return;
      const now = performance.now();
      // A TTY line is cheap to overwrite; plain lines are throttled so logs stay readable.
      if (now - last < (process.stderr.isTTY ? 100 : 1000) && info.iteration > 1) return;
      last = now;
      progress(`iter ${info.iteration}  evals ${info.evaluations}  loss ${info.loss.toPrecision(12)}  |grad| ${info.gradNorm.toExponential(2)}  step ${info.kind}`);
    },
  } as CliFitOptions);
  let result: MinimizeResult;
  try {
    result = await gm.fit(X) as unknown as MinimizeResult;
  } catch (e) {
    process.off('SIGINT', onSigint);
    clearProgress();
    if (e instanceof AbortError || (e as Error)?.name === 'AbortError')
      return interruptedExit((e as AbortError & { result?: MinimizeResult }).result, out, String(options.covariance), json);
    throw e;
  }
  process.off('SIGINT', onSigint);
  clearProgress();
  // Some layers report an abort as a result with status 'aborted' instead of rejecting; treat both alike.
  if (interrupted || result.status === 'aborted') return interruptedExit(result, out, String(options.covariance), json);
  const seconds = (performance.now() - started) / 1000;
  const model = gm.toJSON();
  if (out) await writeFileAtomic(out, JSON.stringify(model, null, 2) + '\n');
  if (historyPath) await writeFileAtomic(historyPath, historyCsv(result.history));
  const plots = plotPath ? await writePlots(plotPath, result, model as { means: number[][]; weights: number[]; variances: number | number[] | number[][] }, X, String(options.solver)) : [];
  note(`${result.converged ? 'converged' : 'did not converge'}: ${result.message} (${result.status}); loss ${result.loss}, ${result.nIter} iterations, ${result.nEvaluations} evaluations, ${seconds.toFixed(2)} s`);
  for (const f of [out, historyPath, ...plots]) if (f) note(`wrote ${f}`);
  const summary = { converged: result.converged, status: result.status, message: result.message, loss: result.loss, nIter: result.nIter, nEvaluations: result.nEvaluations, seconds, model };
  if (json) printJson(summary);
  else if (!out) process.stdout.write(JSON.stringify(model, null, 2) + '\n');
  return !result.converged && p.options.has('strict') ? 1 : 0;
}

/** Ctrl-C: write the best-so-far model to --out when there is one, say so, and exit 130. */
async function interruptedExit(best: MinimizeResult | undefined, out: string | undefined, covariance: string, json: boolean): Promise<number> {
  if (out && best?.params) {
    await writeFileAtomic(out, modelJson(best.params, covariance));
    note(`interrupted: wrote the best model so far (loss ${best.loss}) to ${out}`);
  } else note('interrupted: no model written' + (out ? ' (no iterate yet)' : ' (no --out given)'));
  if (json) printJson({ interrupted: true, loss: best?.loss ?? null, out: out && best?.params ? out : null });
  return 130;
}

/** History as CSV with a header: iteration, evaluations, loss, gradNorm, kind, stepSize, optimumEstimate. */
export function historyCsv(h: HistoryRecord[]): string {
  const lines = ['iteration,evaluations,loss,gradNorm,kind,stepSize,optimumEstimate'];
  for (const r of h) lines.push([r.iteration, r.evaluations, r.loss, r.gradNorm, r.kind, r.stepSize, r.optimumEstimate ?? ''].join(','));
  return lines.join('\n') + '\n';
}

/** Writes P.svg (loss − min loss vs evaluations, log axes) and, for 2-D data, P-scatter.svg. */
async function writePlots(path: string, r: MinimizeResult, model: { means: number[][]; weights: number[]; variances: number | number[] | number[][] }, X: Matrix, solver: string): Promise<string[]> {
  const best = Math.min(r.loss, ...r.history.map((h) => h.loss));
  const written = [path];
  await writeFileAtomic(path, lineChartSvg({
    title: `mixfit fit (${solver}): final loss ${r.loss.toPrecision(10)}`, xLabel: 'evaluations (kernel passes)',
    yLabel: 'loss − final best loss (nats)', logX: true, logY: true,
    series: [{ name: solver, x: r.history.map((h) => h.evaluations), y: r.history.map((h) => h.loss - best) }],
  }));
  if (X.cols === 2) {
    const scatterPath = path.replace(/(\.svg)?$/i, '-scatter.svg');
    await writeFileAtomic(scatterPath, scatterSvg({ title: `Data and fitted components (${model.means.length})`, points: toRows(X), means: model.means, weights: model.weights, variances: model.variances }));
    written.push(scatterPath);
  }
  return written;
}
