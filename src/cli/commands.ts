/** Subcommand dispatch: each subcommand lives in its own module. */
import { UsageError, type Parsed } from './args.js';
import { evalCommand } from './evalCommand.js';
import { demoCommand } from './demoCommand.js';
import { fitCommand } from './fitCommand.js';
import { selectCommand } from './selectCommand.js';
import { predictCommand, sampleCommand, scoreCommand } from './modelCommands.js';

const TABLE: Record<string, (p: Parsed) => Promise<number>> = {
  fit: fitCommand, select: selectCommand, eval: evalCommand, score: scoreCommand, predict: predictCommand, sample: sampleCommand, demo: demoCommand,
};

/** Runs subcommand `name`; resolves to the exit code. */
export function runCommand(name: string, p: Parsed): Promise<number> {
  const f = Object.hasOwn(TABLE, name) ? TABLE[name] : undefined;
  if (!f) throw new UsageError(`unknown command ${name}`);
  return f(p);
}
