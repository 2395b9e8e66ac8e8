/**
 * `mixfit select DATA --components 1..8 [--covariance spherical,diagonal]`: a BIC/AIC sweep (src/select.ts).
 * Every option, the data and every output path are checked before the first fit; --out and --plot are
 * written together after the sweep, both or neither (outputFiles.ts).
 */
import { existsSync } from 'node:fs';
import { selectModel, CRITERIA, type SelectModelResult, type SelectModelRow } from '../select.js';
import { COVARIANCES, type CovarianceType } from '../types.js';
import { checkedFlagValues, choiceOption, flagError, numberOption, positionals, stringOption, UsageError, type Parsed } from './args.js';
import { EXIT } from './help.js';
import { headerOption, readData } from './input.js';
import { modelText } from './modelFile.js';
import { fmt, note, printJson } from './output.js';
import { withOutputs, type OutputTarget } from './outputFiles.js';
import { runOptions } from './fitCommand.js';
import { lineChartSvg } from '../plot/lineChart.js';

/** --components: `A..B` (inclusive) or `k1,k2,..`, integers ≥ 1. @throws UsageError naming the flag. */
export function componentList(raw: string | undefined): number[] {
  if (raw === undefined) throw new UsageError('--components is required (a range A..B or a list 1,2,4)');
  const bad = () => new UsageError(`--components must be a range A..B with integers 1 ≤ A ≤ B, or a list of distinct integers ≥ 1 such as 1,2,4 (received ${JSON.stringify(raw)})`);
  const int = (s: string) => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN);
  const range = raw.split('..');
  let ks: number[];
  if (range.length === 2) {
    const [a, b] = range.map(int) as [number, number];
    if (!(a >= 1 && b >= a)) throw bad();
    if (b - a >= 1000) throw new UsageError(`--components: at most 1000 component counts (received ${raw})`);
    ks = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else {
    ks = raw.split(',').map(int);
    if (ks.some((k) => !(k >= 1)) || new Set(ks).size !== ks.length) throw bad();
  }
  return ks;
}

/** --covariance: distinct layouts out of COVARIANCES, comma-separated [every learned layout]. */
function covarianceList(raw: string | undefined): CovarianceType[] | undefined {
  if (raw === undefined) return undefined;
  const cs = raw.split(',').map((s) => s.trim());
  if (cs.some((c) => !(COVARIANCES as readonly string[]).includes(c)) || new Set(cs).size !== cs.length)
    throw new UsageError(`--covariance must be distinct layouts out of ${COVARIANCES.join(', ')}, separated by commas (received ${JSON.stringify(raw)})`);
  return cs as CovarianceType[];
}

/** `mixfit select`: resolves to the exit code (0). */
export async function selectCommand(p: Parsed): Promise<number> {
  const [dataPath] = positionals(p, ['DATA'], 'select');
  // Every flag before the data is read, so a bad command line fails before a large file is.
  const nComponents = componentList(stringOption(p, 'components'));
  const covariance = covarianceList(stringOption(p, 'covariance'));
  const criterion = choiceOption(p, 'criterion', CRITERIA) ?? 'bic';
  const nInit = numberOption(p, 'n-init', { integer: true, min: 1 });
  const run = { ...runOptions(p), ...checkedFlagValues(p, ['solver']) };
  const out = stringOption(p, 'out'), plot = stringOption(p, 'plot');
  if (!existsSync(dataPath!)) throw new UsageError(`${dataPath}: cannot read (ENOENT)`);
  const X = await readData(dataPath!, headerOption(p));
  const kMax = Math.max(...nComponents);
  if (kMax > X.rows) throw new UsageError(`--components must be ≤ the number of rows (${X.rows}) (received ${kMax})`);
  const targets: OutputTarget[] = [];
  if (out) targets.push({ option: 'out', path: out });
  if (plot) targets.push({ option: 'plot', path: plot });
  const quiet = p.options.has('quiet'), json = p.options.has('json');
  // Ctrl-C (or a kill) aborts the sweep through the fits' signal (which also lets the event loop see the
  // signal between passes) and exits 130 with nothing written: a sweep has no partial best. A second one exits
  // at once; the exit hook removes the reserved temp files either way.
  const controller = new AbortController();
  const onSignal = () => (controller.signal.aborted ? process.exit(EXIT.interrupted) : controller.abort());
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, onSignal);
  return withOutputs(targets, async (outputs) => {
    let r: SelectModelResult;
    try {
      r = await selectModel(X, {
        ...run, nComponents, signal: controller.signal, criterion, ...(covariance ? { covariance } : {}), ...(nInit ? { nInit } : {}),
        onCandidate: quiet ? undefined : (row, i, total) =>
          note(`[${i + 1}/${total}] ${row.covariance}, ${row.nComponents} component${row.nComponents === 1 ? "" : "s"}: ${criterion} ${fmt(row[criterion], 8)}${row.converged ? '' : ' (did not converge)'}`),
      });
    } catch (e) {
      if (!controller.signal.aborted) throw flagError(e);
      note('interrupted: nothing written');
      return EXIT.interrupted;
    }
    if (!quiet && r.workers) note(`${r.table.length} candidates fitted side by side on ${r.workers} fit workers (same table as --threads 1)`);
    const model = r.best.toJSON();
    outputs.commit((path) => (path === out ? modelText(model) : criterionPlot(r)));
    for (const f of outputs.paths) note(`wrote ${f}`);
    const best = { nComponents: r.best.options.nComponents, covariance: r.best.options.covariance };
    if (json) printJson({ criterion, table: r.table, best: { ...best, model } });
    else {
      process.stdout.write(tableText(r.table));
      process.stdout.write(`best by ${criterion}: ${best.covariance}, ${best.nComponents} component${best.nComponents === 1 ? '' : 's'}\n`);
      if (!out) process.stdout.write(modelText(model));
    }
    return EXIT.ok;
  });
}

/** The table as aligned text, one candidate per line. */
function tableText(rows: SelectModelRow[]): string {
  const head = ['covariance', 'components', 'bic', 'aic', 'logLikelihood', 'parameters', 'converged'];
  const cells = rows.map((t) => [t.covariance, String(t.nComponents), t.bic.toFixed(3), t.aic.toFixed(3), t.logLikelihood.toFixed(3), String(t.parameterCount), String(t.converged)]);
  const width = head.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j]!.length)));
  return [head, ...cells].map((c) => c.map((v, j) => v.padStart(width[j]!)).join('  ')).join('\n') + '\n';
}

/** The criterion against the component count, one curve per covariance layout (mclust's BIC plot, lower is better here). */
function criterionPlot(r: SelectModelResult): string {
  const layouts = [...new Set(r.table.map((t) => t.covariance))];
  return lineChartSvg({
    title: `mixfit select: ${r.criterion.toUpperCase()} per covariance layout (lower is better; best ${r.best.options.covariance}, ${r.best.options.nComponents})`,
    xLabel: 'components', yLabel: r.criterion.toUpperCase(),
    series: layouts.map((c) => {
      const rows = r.table.filter((t) => t.covariance === c);
      return { name: c, x: rows.map((t) => t.nComponents), y: rows.map((t) => t.value) };
    }),
  });
}
