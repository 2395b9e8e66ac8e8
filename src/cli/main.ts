/**
 * The `mixfit` command: dispatches to subcommands and maps failures to exit codes
 * (0 success, 1 non-convergence with --strict, 2 bad input, 130 interrupted).
 */
import { MixfitError } from '../errors.js';
import { parseArgs, UsageError, type Parsed } from './args.js';
import { COMMANDS, commandHelp, mainHelp } from './help.js';
import { clearProgress } from './output.js';
import { runCommand } from './commands.js';

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') { process.stdout.write(mainHelp()); return cmd === undefined ? 2 : 0; }
  if (!COMMANDS[cmd]) throw new UsageError(`unknown command ${JSON.stringify(cmd)} (commands: ${Object.keys(COMMANDS).join(', ')})`);
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
    if (e instanceof UsageError || e instanceof MixfitError) {
      process.stderr.write(`mixfit: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`mixfit: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 3;
    }
  },
);
