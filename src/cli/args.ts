/**
 * Command-line argument parsing from one option table per subcommand. Errors are {@link UsageError}s,
 * which main.ts turns into exit code 2 with one line on stderr.
 */

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
