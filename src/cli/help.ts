/**
 * Option tables and --help texts of every subcommand (the single source for parsing and usage). The flags of
 * library options come from the option registry (src/optionRegistry.ts) through {@link registryFlag}.
 */
import { COVARIANCES } from '../types.js';
import { CRITERIA, SELECT_THREADS_HELP } from '../select.js';
import { registryFlag, type OptionKey, type OptionSpec } from './args.js';

const HELP: OptionSpec = { flag: 'help', alias: '-h', value: false, help: 'show this help' };
const JSON_OPT: OptionSpec = { flag: 'json', value: false, help: 'write one JSON document to stdout, messages to stderr (-Infinity, Infinity, NaN as strings)' };
const COLS: OptionSpec = { flag: 'cols', value: true, arg: 'N', help: 'values per row of .f64/.f32 DATA (required there, rejected for other formats)' };
const CHUNK_ROWS: OptionSpec = { flag: 'chunk-rows', value: true, arg: 'R', help: 'rows per streamed chunk of .f64/.f32/.csv DATA (default ≈ 4 MiB of rows; a .csv is streamed when given, or from 64 MiB)' };
const DATA_FORMATS = 'DATA: .csv/.tsv/.txt (optional header, comma/semicolon/tab), .json (array of rows), .f64/.f32 (little-endian rows, --cols N; streamed from disk, memory bounded by the chunk)';
const HEADER: OptionSpec = { flag: 'header', value: false, help: 'the first line of a CSV DATA file is a header (default: only when none of its cells is a number)' };

/** The registry options of a fit's run that `fit` and `select` share (fitCommand.ts runOptions reads them). */
export const RUN_KEYS = ['maxIter', 'maxEvaluations', 'tol', 'seed', 'threads', 'kernel', 'precision'] as const satisfies readonly OptionKey[];
/** The registry options `fit` takes as flags, in --help order (fitCommand.ts fitOptions reads them). */
export const FIT_KEYS = ['nComponents', 'solver', 'weights', 'covariance', 'variance', 'optimum', ...RUN_KEYS, 'init'] as const satisfies readonly OptionKey[];

const fitFlag = (key: OptionKey) => registryFlag(key);

/** Per-subcommand usage line, description and options. */
export const COMMANDS: Record<string, { usage: string; about: string; details?: string; options: OptionSpec[] }> = {
  fit: {
    usage: 'mixfit fit DATA --components N [--cols N] [options]',
    about: 'Fit a Gaussian mixture to DATA.',
    details: `${DATA_FORMATS}, or .parquet (numeric columns, fitted inside DuckDB: npm install @duckdb/node-api).`,
    options: [
      ...FIT_KEYS.map(fitFlag),
      { flag: 'out', alias: '-o', value: true, arg: 'MODEL.json', help: 'write the fitted model (also the best-so-far model on Ctrl-C)' },
      { flag: 'history', value: true, arg: 'H.csv', help: 'write per-iteration history as CSV' },
      { flag: 'plot', value: true, arg: 'P.svg', help: 'convergence plot; for 2-D data also P-scatter.svg (data + 1σ/2σ ellipses; streamed or Parquet DATA: a sample of 10 000 rows)' },
      { flag: 'strict', value: false, help: 'exit 1 when the fit did not converge' },
      { flag: 'quiet', alias: '-q', value: false, help: 'no progress output' },
      COLS, CHUNK_ROWS, HEADER, JSON_OPT, HELP,
    ],
  },
  select: {
    usage: 'mixfit select DATA --components 1..8 [--covariance spherical,diagonal] [options]',
    about: 'Fit every (covariance, component count) candidate with learned weights and rank them by BIC or AIC (lower is better); prints the table and the best model.',
    options: [
      { flag: 'components', alias: '-k', value: true, arg: 'LIST', help: 'component counts: a range A..B or a list 1,2,4 (each ≤ rows)' },
      { flag: 'covariance', value: true, arg: 'C,..', help: `layouts to compare, out of ${COVARIANCES.join(' | ')} (default: every learned one, ${COVARIANCES.filter((c) => c !== 'fixed').join(',')})` },
      { flag: 'criterion', value: true, arg: 'C', help: `${CRITERIA.join(' | ')} (default bic)` },
      { flag: 'n-init', value: true, arg: 'R', help: 'seeded restarts per candidate (default 1)' },
      registryFlag('solver'),
      // A sweep's threads run whole candidates side by side (select.ts sweepWorkers), not row shards.
      ...RUN_KEYS.map((k) => (k === 'threads' ? { ...registryFlag(k), help: SELECT_THREADS_HELP } : registryFlag(k))),
      { flag: 'out', alias: '-o', value: true, arg: 'MODEL.json', help: 'write the best model' },
      { flag: 'plot', value: true, arg: 'P.svg', help: 'the criterion against the component count, one curve per covariance layout (as mclust\'s BIC plot)' },
      { flag: 'quiet', alias: '-q', value: false, help: 'no progress output' },
      HEADER, JSON_OPT, HELP,
    ],
  },
  eval: {
    usage: 'mixfit eval MODEL.json DATA [--header] [--json]',
    about: 'Mean negative log-likelihood of DATA under the model and its gradient with respect to the means.',
    options: [HEADER, JSON_OPT, HELP],
  },
  score: {
    usage: 'mixfit score MODEL.json DATA [--cols N] [--chunk-rows R] [--header] [--json]',
    about: 'Per-row log-density (one per line), then the mean on stderr; --json: {"logDensity": [..], "mean": m}.',
    details: `${DATA_FORMATS}. Streamed DATA (.f64, .f32, large or --chunk-rows .csv): output is written as it is computed, one chunk in memory.`,
    options: [COLS, CHUNK_ROWS, HEADER, JSON_OPT, HELP],
  },
  predict: {
    usage: 'mixfit predict MODEL.json DATA [--proba] [--cols N] [--chunk-rows R] [--header] [--json]',
    about: 'Most likely component (0-based) per row; --proba: responsibilities per row as CSV.',
    details: `${DATA_FORMATS}. Streamed DATA (.f64, .f32, large or --chunk-rows .csv): output is written as it is computed, one chunk in memory.`,
    options: [{ flag: 'proba', value: false, help: 'print responsibilities instead of labels' }, COLS, CHUNK_ROWS, HEADER, JSON_OPT, HELP],
  },
  sample: {
    usage: 'mixfit sample MODEL.json -n N [--seed S] [--json]',
    about: 'Draw N rows from the model, printed as CSV (or a JSON array of rows).',
    options: [
      { flag: 'n', alias: '-n', value: true, arg: 'N', help: 'number of rows' },
      { flag: 'seed', value: true, arg: 'S', help: 'random seed (default 0)' },
      JSON_OPT, HELP,
    ],
  },
  demo: {
    usage: 'mixfit demo [--out-dir DIR] [--json]',
    about: 'Overparameterized fit (2 true components, 4 fitted) with every solver from one start; prints a comparison table and writes demo-convergence.svg (all curves on one log plot).',
    options: [{ flag: 'out-dir', value: true, arg: 'DIR', help: 'where to write demo-convergence.svg (default .)' }, JSON_OPT, HELP],
  },
};

/** Exit codes of every subcommand (main.ts maps failures to them; mainHelp prints them). */
export const EXIT = {
  ok: 0, notConverged: 1, badInput: 2, fitFailed: 3, outputFailed: 4, internal: 70, interrupted: 130,
} as const;

const EXIT_HELP = `Exit codes:
  ${EXIT.ok}    success
  ${EXIT.notConverged}    the fit did not converge (only with --strict)
  ${EXIT.badInput}    bad input: command line, DATA or MODEL file, or an output path that cannot be written (checked before any work)
  ${EXIT.fitFailed}    the fit failed: no restart kept a finite loss (FitError, e.g. data too large for float64); nothing written
  ${EXIT.outputFailed}    an output file could not be written after the fit (e.g. disk full); none was written
  ${EXIT.internal}   internal error: a bug in mixfit (the only case that prints a stack trace)
  ${EXIT.interrupted}  interrupted (Ctrl-C or SIGTERM); fit writes the best model so far to its outputs
Every error is one line on stderr, "mixfit: <what was wrong>"; rows and columns in messages count from 1.
`;

/** The --help text of one subcommand. */
export function commandHelp(name: string): string {
  const c = COMMANDS[name]!;
  const rows = c.options.map((o) => {
    const left = `${o.alias && o.alias !== `--${o.flag}` ? `${o.alias}, ` : ''}--${o.flag}${o.value ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    return `  ${left.padEnd(30)} ${o.help}`;
  });
  return `Usage: ${c.usage}\n\n${c.about}${c.details ? `\n${c.details}` : ''}\n\nOptions:\n${rows.join('\n')}\n\n${EXIT_HELP}`;
}

/** The top-level help. */
export function mainHelp(): string {
  const rows = Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(9)} ${c.about}`);
  return `Usage: mixfit <command> [options]   (mixfit <command> --help for details)\n\nCommands:\n${rows.join('\n')}\n\n${EXIT_HELP}`;
}
