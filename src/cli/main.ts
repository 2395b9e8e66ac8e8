/**
 * The `mixfit` command: dispatches to subcommands and maps failures to exit codes, one line on stderr each.
 * The codes live in EXIT (help.ts prints them from there).
 */
import { FitError, MixfitError } from '../errors.js';
import { parseArgs, UsageError, type Parsed } from './args.js';
import { COMMANDS, commandHelp, EXIT, mainHelp } from './help.js';
import { clearProgress } from './output.js';
import { OutputError } from './outputFiles.js';
import { runCommand } from './commands.js';

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') { process.stdout.write(mainHelp()); return cmd === undefined ? 2 : 0; }
  // Own keys only: `mixfit constructor` is an unknown command, not Object.prototype.constructor.
  if (!Object.hasOwn(COMMANDS, cmd)) throw new UsageError(`unknown command ${JSON.stringify(cmd)} (commands: ${Object.keys(COMMANDS).join(', ')})`);
  const parsed: Parsed = parseArgs(rest, COMMANDS[cmd]!.options, cmd);
  if (parsed.options.has('help')) { process.stdout.write(commandHelp(cmd)); return 0; }
  return runCommand(cmd, parsed);
}

// `mixfit predict ... | head` closes stdout early; that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

main(process.argv.slice(2)).then(
  (code) => { clearProgress(); process.exitCode = code; },
  (e: unknown) => {
    clearProgress();
    const [code, message] = describeFailure(e);
    process.stderr.write(`mixfit: ${message}\n`);
    process.exitCode = code;
  },
);

/** Exit code and message of a failure; only an unexpected error (a bug) prints its stack. */
function describeFailure(e: unknown): [number, string] {
  const oneLine = (m: string) => m.replace(/\s*\n\s*/g, ' ');
  if (e instanceof UsageError || e instanceof MixfitError) return [EXIT.badInput, oneLine(e.message)];
  // By name too: a FitError raised in a worker arrives rebuilt from its parts.
  if (e instanceof FitError || (e as Error)?.name === 'FitError') return [EXIT.fitFailed, `the fit failed: ${oneLine((e as Error).message)}`];
  if (e instanceof OutputError) return [EXIT.outputFailed, oneLine(e.message)];
  return [EXIT.internal, `internal error (a bug in mixfit; please report it with this trace): ${(e as Error)?.stack ?? String(e)}`];
}
