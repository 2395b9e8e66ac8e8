/**
 * Command-line argument parsing from one option table per subcommand. Errors are {@link UsageError}s,
 * which main.ts turns into exit code 2 with one line on stderr. The flags of library options are built from
 * the option registry (src/optionRegistry.ts): their spelling, help line and string-to-value reading; the
 * library's own checks validate the values, and their errors are renamed to the flag.
 */
import type { GaussianMixtureOptions } from '../estimator.js';
import { MixfitError } from '../errors.js';
import { ESTIMATOR_OPTIONS, ESTIMATOR_TABLE, type OptionEntry } from '../optionRegistry.js';
import { resolveTable } from '../optionTable.js';

/** A bad command line or bad input file: exit code 2, message printed as one line. */
export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

/** One option: `flag` is the long name without dashes; `value` says whether it takes an argument. */
export interface OptionSpec { flag: string; value: boolean; alias?: string; help: string; arg?: string }

/** A parsed command line: positional arguments, then option values (string, or true for switches). */
export interface Parsed { positional: string[]; options: Map<string, string | true> }

/** Parses argv (after the subcommand) against `specs`; `--flag=value` and `--flag value` both work. */
export function parseArgs(argv: string[], specs: OptionSpec[], command: string): Parsed {
  const byName = new Map<string, OptionSpec>();
  for (const s of specs) { byName.set(`--${s.flag}`, s); if (s.alias) byName.set(s.alias, s); }
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-' || /^-\d/.test(a)) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option ${name} for 'mixfit ${command}' (see mixfit ${command} --help)`);
    if (!spec.value) {
      if (eq > 0) throw new UsageError(`option --${spec.flag} takes no value`);
      options.set(spec.flag, true);
      continue;
    }
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) throw new UsageError(`option --${spec.flag} needs a value (${spec.arg ?? 'VALUE'})`);
    options.set(spec.flag, v);
  }
  return { positional, options };
}

/** Reads a numeric option; `integer` and bounds are checked, naming the option on failure. */
export function numberOption(p: Parsed, flag: string, rule: { integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean } = {}): number | undefined {
  const raw = p.options.get(flag);
  if (raw === undefined) return undefined;
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const kind = rule.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(v) || (rule.integer && !Number.isInteger(v))) throw new UsageError(`--${flag} must be ${kind} (received ${JSON.stringify(raw)})`);
  if (rule.min !== undefined && (rule.exclusiveMin ? v <= rule.min : v < rule.min))
    throw new UsageError(`--${flag} must be ${rule.exclusiveMin ? '>' : '≥'} ${rule.min} (received ${raw})`);
  if (rule.max !== undefined && v > rule.max) throw new UsageError(`--${flag} must be ≤ ${rule.max} (received ${raw})`);
  return v;
}

/** Reads an option restricted to a list of words. */
export function choiceOption<T extends string>(p: Parsed, flag: string, choices: readonly T[]): T | undefined {
  const raw = p.options.get(flag);
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw))
    throw new UsageError(`--${flag} must be one of ${choices.join(', ')} (received ${JSON.stringify(raw)})`);
  return raw as T;
}

/** Reads a string option (path etc.). */
export function stringOption(p: Parsed, flag: string): string | undefined {
  const raw = p.options.get(flag);
  return typeof raw === 'string' ? raw : undefined;
}

/** Requires exactly `names.length` positional arguments and returns them. */
export function positionals(p: Parsed, names: string[], command: string): string[] {
  if (p.positional.length < names.length) throw new UsageError(`'mixfit ${command}' needs ${names.join(' ')} (missing ${names[p.positional.length]})`);
  if (p.positional.length > names.length) throw new UsageError(`'mixfit ${command}' takes ${names.join(' ')}; unexpected argument ${JSON.stringify(p.positional[names.length])}`);
  return p.positional;
}

/** An option of GaussianMixture (the registry's keys). */
export type OptionKey = keyof GaussianMixtureOptions;

const entryOf = (key: OptionKey): OptionEntry & Required<Pick<OptionEntry, 'cli'>> => {
  const e = ESTIMATOR_OPTIONS[key];
  if (!e.cli) throw new Error(`option ${key} has no command-line flag in the registry`);
  return e as OptionEntry & Required<Pick<OptionEntry, 'cli'>>;
};

/** The default as `--help` shows it (Infinity: unlimited; none: nothing). */
function defaultText(e: OptionEntry): string | undefined {
  if (e.cli?.defaultText !== undefined) return e.cli.defaultText;
  return e.default === undefined ? undefined : e.default === Infinity ? 'unlimited' : String(e.default);
}

/**
 * The flag of registry option `key`: its spelling and its help line (doc: allowed words (default); note),
 * `note` replacing the registry's note where a command says more.
 */
export function registryFlag(key: OptionKey, note?: string): OptionSpec {
  const e = entryOf(key), c = e.cli;
  const words = e.values ? [...e.values, ...(c.more ? [c.more] : [])].join(' | ') : '';
  const def = defaultText(e), after = note ?? c.note;
  const help = `${e.doc}${words ? `: ${words}` : ''}${def !== undefined ? ` (default ${def})` : ''}${after ? `; ${after}` : ''}`;
  return { flag: c.flag, value: true, arg: c.arg, help, ...(c.alias ? { alias: c.alias } : {}) };
}

/** Option key → flag, for renaming the library's errors (`weightsInit` is set by --weights w1,w2,..). */
const FLAG_OF = new Map<string, string>([
  ...(Object.entries(ESTIMATOR_OPTIONS) as [string, OptionEntry][]).flatMap(([k, e]): [string, string][] => (e.cli ? [[k, e.cli.flag]] : [])),
  ['weightsInit', 'weights'],
]);

/**
 * The values of the registry options `keys` given on the command line (absent flags are left out, so the
 * library's defaults apply), each read by its entry: a numeric literal becomes a number where the option
 * takes one, anything else stays the string given, for the library's check to reject by name.
 */
export function flagValues(p: Parsed, keys: readonly OptionKey[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const key of keys) {
    const { cli } = entryOf(key);
    const raw = p.options.get(cli.flag);
    if (typeof raw !== 'string') continue;
    const v = cli.read === 'number' && raw.trim() !== '' ? Number(raw) : NaN;
    o[key] = Number.isNaN(v) ? raw : v;
  }
  return o;
}

/**
 * {@link flagValues}, checked at once by the library's own table (for a command whose library call comes
 * after reading its data): a bad value fails before any work.
 * @throws UsageError naming the flag.
 */
export function checkedFlagValues(p: Parsed, keys: readonly OptionKey[]): Record<string, unknown> {
  const o = flagValues(p, keys);
  const table = Object.fromEntries(Object.keys(o).map((k) => [k, ESTIMATOR_TABLE[k as OptionKey]]));
  namingFlags(() => resolveTable(table, o));
  return o;
}

/**
 * A library error about `options.<key>` as the command line says it: `--flag <rule> (received …)`; any
 * other error unchanged.
 */
export function flagError(e: unknown): unknown {
  if (!(e instanceof MixfitError)) return e;
  const m = /^options\.([A-Za-z]+)(?:\.(.+))?$/.exec(e.argument);
  const flag = m ? FLAG_OF.get(m[1]!) : undefined;
  if (!flag) return e;
  return new UsageError(`--${flag}${m![2] ? ` (${m![2]})` : ''} ${e.rule}${e.received ? ` (received ${e.received})` : ''}`);
}

/** Runs a library call whose option errors should name the command-line flags. @throws UsageError for them. */
export function namingFlags<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw flagError(e);
  }
}
