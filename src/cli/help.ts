/** Option tables and --help texts of every subcommand (the single source for parsing and usage). */
import { KERNEL_CHOICES } from '../types.js';
import { PRECISIONS } from '../kernel/precision.js';
import type { OptionSpec } from './args.js';

const HELP: OptionSpec = { flag: 'help', alias: '-h', value: false, help: 'show this help' };
const JSON_OPT: OptionSpec = { flag: 'json', value: false, help: 'write one JSON document to stdout, messages to stderr' };

/** Per-subcommand usage line, description and options. */
export const COMMANDS: Record<string, { usage: string; about: string; options: OptionSpec[] }> = {
  fit: {
    usage: 'mixfit fit DATA --components N [options]',
    about: 'Fit a Gaussian mixture to DATA (CSV with optional header, comma/semicolon/tab; or JSON array of rows).',
    options: [
      { flag: 'components', alias: '-k', value: true, arg: 'N', help: 'number of components (1 ≤ N ≤ rows)' },
      { flag: 'solver', value: true, arg: 'S', help: 'gd-polyak (default) | gradient-em | em | gd | polyak' },
      { flag: 'weights', value: true, arg: 'W', help: 'fixed (uniform, default) | learned | w1,w2,.. (fixed, given)' },
      { flag: 'covariance', value: true, arg: 'C', help: 'fixed (default, --variance) | spherical | diagonal' },
      { flag: 'variance', value: true, arg: 'V', help: 'shared variance for --covariance fixed (default 1)' },
      { flag: 'optimum', value: true, arg: 'F', help: 'f* for Polyak steps: a number | target-level (default) | aitken | hazan-kakade' },
      { flag: 'max-iter', value: true, arg: 'M', help: 'iteration limit (default 1000)' },
      { flag: 'max-evaluations', value: true, arg: 'E', help: 'kernel-pass limit (default unlimited)' },
      { flag: 'tol', value: true, arg: 'T', help: 'gradient-norm tolerance; for em also the loss-change tolerance (default 1e-10)' },
      { flag: 'seed', value: true, arg: 'S', help: 'random seed for initialisation (default 0)' },
      { flag: 'init', value: true, arg: 'I', help: 'kmeans++ (default) | random | MODEL.json (start from a saved model)' },
      { flag: 'threads', value: true, arg: 'T', help: 'worker threads: an integer ≥ 1 or auto (default: 1 below ~52 000 rows at d = 2 or 20 000 at d = 10, else all cores)' },
      { flag: 'kernel', value: true, arg: 'K', help: `${KERNEL_CHOICES.join(' | ')} (default auto)` },
      { flag: 'precision', value: true, arg: 'P', help: `${PRECISIONS.join(' | ')}: precision of the fitting passes (default float64; float32 is faster, ~1e-6 relative error)` },
      { flag: 'out', alias: '-o', value: true, arg: 'MODEL.json', help: 'write the fitted model (also the best-so-far model on Ctrl-C)' },
      { flag: 'history', value: true, arg: 'H.csv', help: 'write per-iteration history as CSV' },
      { flag: 'plot', value: true, arg: 'P.svg', help: 'convergence plot; for 2-D data also P-scatter.svg (data + 1σ/2σ ellipses)' },
      { flag: 'strict', value: false, help: 'exit 1 when the fit did not converge' },
      { flag: 'quiet', alias: '-q', value: false, help: 'no progress output' },
      JSON_OPT, HELP,
    ],
  },
  eval: {
    usage: 'mixfit eval MODEL.json DATA [--json]',
    about: 'Mean negative log-likelihood of DATA under the model and its gradient with respect to the means.',
    options: [JSON_OPT, HELP],
  },
  score: {
    usage: 'mixfit score MODEL.json DATA [--json]',
    about: 'Per-row log-density (one per line), then the mean on stderr; --json: {"logDensity": [..], "mean": m}.',
    options: [JSON_OPT, HELP],
  },
  predict: {
    usage: 'mixfit predict MODEL.json DATA [--proba] [--json]',
    about: 'Most likely component (0-based) per row; --proba: responsibilities per row as CSV.',
    options: [{ flag: 'proba', value: false, help: 'print responsibilities instead of labels' }, JSON_OPT, HELP],
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
    about: 'Overparameterized fit (2 true components, 4 fitted) with em, gradient-em and gd-polyak; prints a comparison table and writes demo-convergence.svg.',
    options: [{ flag: 'out-dir', value: true, arg: 'DIR', help: 'where to write demo-convergence.svg (default .)' }, JSON_OPT, HELP],
  },
};

/** The --help text of one subcommand. */
export function commandHelp(name: string): string {
  const c = COMMANDS[name]!;
  const rows = c.options.map((o) => {
    const left = `${o.alias && o.alias !== `--${o.flag}` ? `${o.alias}, ` : ''}--${o.flag}${o.value ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    return `  ${left.padEnd(30)} ${o.help}`;
  });
  return `Usage: ${c.usage}\n\n${c.about}\n\nOptions:\n${rows.join('\n')}\n`;
}

/** The top-level help. */
export function mainHelp(): string {
  const rows = Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(9)} ${c.about}`);
  return `Usage: mixfit <command> [options]   (mixfit <command> --help for details)\n\nCommands:\n${rows.join('\n')}\n\nExit codes: 0 success, 1 fit did not converge (--strict only), 2 bad input, 130 interrupted.\n`;
}
