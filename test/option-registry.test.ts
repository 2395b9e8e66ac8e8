// The option registry (src/optionRegistry.ts) feeds the library's option tables, the CLI's flags and their
// reading, and `--help`: these tests check that every consumer reads it, so adding a name to a list is one edit.
import { describe, expect, it } from 'vitest';
import { GaussianMixture, MixfitError } from '../src/index.js';
import { PRECISIONS } from '../src/kernel/precision.js';
import { ESTIMATOR_OPTIONS, ESTIMATOR_TABLE, INIT_METHODS, OPTIMUM_ESTIMATORS, SOLVER_OPTIONS, SOLVERS, WEIGHT_MODES } from '../src/optionRegistry.js';
import { MINIMIZE_TABLE } from '../src/solvers/options.js';
import { COVARIANCES, KERNEL_CHOICES } from '../src/types.js';
import { checkedFlagValues, flagError, flagValues, namingFlags, parseArgs, registryFlag, UsageError } from '../src/cli/args.js';
import { COMMANDS, commandHelp, FIT_KEYS, RUN_KEYS } from '../src/cli/help.js';

const parse = (argv: string[], command = 'fit') => parseArgs(argv, COMMANDS[command]!.options, command);

describe('option registry', () => {
  it('is the option tables of minimize and GaussianMixture: the same checks and defaults, key for key', () => {
    expect(Object.keys(MINIMIZE_TABLE).sort()).toEqual(Object.keys(SOLVER_OPTIONS).sort());
    for (const [k, [check, def]] of Object.entries(MINIMIZE_TABLE)) {
      expect(check).toBe(SOLVER_OPTIONS[k as keyof typeof SOLVER_OPTIONS].check);
      expect(def).toBe(SOLVER_OPTIONS[k as keyof typeof SOLVER_OPTIONS].default);
    }
    for (const [k, [check, def]] of Object.entries(ESTIMATOR_TABLE)) {
      expect(check).toBe(ESTIMATOR_OPTIONS[k as keyof typeof ESTIMATOR_OPTIONS].check);
      expect(def).toBe(ESTIMATOR_OPTIONS[k as keyof typeof ESTIMATOR_OPTIONS].default);
    }
    // The estimator's own defaults, resolved by the constructor from that table.
    const o = new GaussianMixture({ nComponents: 2 }).options;
    for (const k of Object.keys(ESTIMATOR_TABLE) as (keyof typeof o)[])
      if (ESTIMATOR_OPTIONS[k].default !== undefined) expect(o[k]).toEqual(ESTIMATOR_OPTIONS[k].default);
  });

  it('fit --help lists every name of every list, and each flag its default', () => {
    const help = commandHelp('fit');
    for (const list of [SOLVERS, COVARIANCES, KERNEL_CHOICES, PRECISIONS, INIT_METHODS, OPTIMUM_ESTIMATORS, WEIGHT_MODES])
      for (const name of list) expect(help).toContain(name);
    for (const key of FIT_KEYS) {
      const e = ESTIMATOR_OPTIONS[key], line = help.split('\n').find((l) => l.startsWith('  ') && l.includes(`--${e.cli!.flag} `))!;
      expect(line, key).toContain(e.doc);
      if (e.values) expect(line).toContain(e.values.join(' | '));
      if (e.default !== undefined) expect(line).toContain(`(default ${e.default === Infinity ? 'unlimited' : e.default})`);
    }
    expect(commandHelp('select')).toContain(registryFlag('solver').help);
  });

  it('reads flags into typed values: numeric literals become numbers where the option takes one, words stay strings', () => {
    const p = parse(['d.csv', '-k', '3', '--solver', 'em', '--max-iter', '20', '--tol', '1e-8', '--threads', 'auto', '--optimum', '0.5', '--seed', 'x']);
    expect(flagValues(p, FIT_KEYS)).toEqual({ nComponents: 3, solver: 'em', maxIter: 20, tol: 1e-8, threads: 'auto', optimum: 0.5, seed: 'x' });
    expect(flagValues(parse(['d.csv', '--optimum', 'aitken', '--max-iter', ' ']), FIT_KEYS)).toEqual({ optimum: 'aitken', maxIter: ' ' });
  });

  it("lets the library check the values, its errors renamed to the flag (one line, 'received' as the library says it)", () => {
    const bad: [string[], string][] = [
      [['--solver', 'newton'], `--solver must be one of ${SOLVERS.map((s) => `'${s}'`).join(', ')} (received "newton")`],
      [['--max-iter', '-1'], '--max-iter must be an integer ≥ 0 (received -1)'],
      [['--max-iter', 'ten'], '--max-iter must be an integer ≥ 0 (received "ten")'],
      [['--kernel', 'gpu'], `--kernel must be one of ${KERNEL_CHOICES.map((s) => `'${s}'`).join(', ')} (received "gpu")`],
      [['--threads', '0'], "--threads must be 'auto' or an integer ≥ 1 (received 0)"],
      [['-k', '1.5'], '--components must be an integer ≥ 1 (received 1.5)'],
    ];
    for (const [argv, message] of bad) {
      const values = flagValues(parse(['d.csv', '-k', '2', ...argv]), FIT_KEYS);
      expect(() => namingFlags(() => new GaussianMixture(values as never)), argv.join(' ')).toThrow(new UsageError(message));
    }
    // checkedFlagValues: the same check before any library call (select reads its data first).
    expect(() => checkedFlagValues(parse(['d.csv', '--tol', '-1'], 'select'), RUN_KEYS)).toThrow(new UsageError('--tol must be a finite number ≥ 0 (received -1)'));
    // Nested arguments keep their path; errors about other arguments pass through unchanged.
    expect((flagError(new MixfitError('options.init.means', 'must have nComponents = 2 rows', '3 rows')) as Error).message).toBe('--init (means) must have nComponents = 2 rows (received "3 rows")');
    expect((flagError(new MixfitError('options.weightsInit', 'must sum to 1')) as Error).message).toBe('--weights must sum to 1');
    const other = new MixfitError('X', 'must not be empty');
    expect(flagError(other)).toBe(other);
  });
});
