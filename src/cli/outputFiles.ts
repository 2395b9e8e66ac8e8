/**
 * Output files written all together or not at all. `reserveOutputs` runs before any work: it checks every
 * target (not a directory, not named twice) and creates each one's temp file next to it, which proves the
 * directory exists and is writable. After the work, `commit` fills the temp files and only then renames them
 * over the targets; every failure, and every exit (including a second Ctrl-C), removes the temp files.
 */
import { closeSync, openSync, rmSync, statSync, writeSync, renameSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './args.js';

/** An output to reserve: the command-line option that named it (for messages) and its path. */
export interface OutputTarget { option: string; path: string }

/** A write that failed after the checks passed (e.g. disk full): exit code 4, nothing was written. */
export class OutputError extends Error {
  constructor(message: string) { super(message); this.name = 'OutputError'; }
}

interface Reserved extends OutputTarget { tmp: string }

const live = new Set<Reserved>();
let exitHookInstalled = false;

function removeTemps(files: Iterable<Reserved>): void {
  for (const f of files) { rmSync(f.tmp, { force: true }); live.delete(f); }
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? err.message ?? String(e);
}

/** Temp files reserved for a set of outputs; see the module comment. */
export class OutputSet {
  private constructor(private readonly files: Reserved[]) {}

  /**
   * Checks every target and creates its temp file (`.NAME.PID.tmp` beside it).
   * @throws UsageError (exit 2) naming the option of the first unusable path; nothing is left behind.
   */
  static reserve(targets: OutputTarget[]): OutputSet {
    if (!exitHookInstalled) {
      // process.exit (second Ctrl-C) and normal ends both run 'exit' handlers: no temp file outlives the process.
      process.on('exit', () => removeTemps([...live]));
      exitHookInstalled = true;
    }
    const seen = new Map<string, string>();
    const files: Reserved[] = [];
    try {
      for (const t of targets) {
        const abs = resolve(t.path);
        const other = seen.get(abs);
        if (other) throw new UsageError(`--${t.option} ${t.path}: the same file as --${other}`);
        seen.set(abs, t.option);
        let isDir = false;
        try { isDir = statSync(abs).isDirectory(); } catch { /* absent: created by the rename */ }
        if (isDir) throw new UsageError(`--${t.option} ${t.path}: is a directory (give a file name)`);
        const tmp = join(dirname(abs), `.${basename(abs)}.${process.pid}.tmp`);
        try {
          closeSync(openSync(tmp, 'wx'));
        } catch (e) {
          throw new UsageError(`--${t.option} ${t.path}: cannot write there (${reason(e)} for directory ${dirname(t.path)})`);
        }
        const r = { ...t, tmp };
        files.push(r);
        live.add(r);
      }
    } catch (e) {
      removeTemps(files);
      throw e;
    }
    return new OutputSet(files);
  }

  /** The reserved paths, in the order given. */
  get paths(): string[] { return this.files.map((f) => f.path); }

  /**
   * Writes `text(path)` for every target to its temp file, then renames all of them into place.
   * @throws OutputError when a write fails; then no target was changed and the temp files are gone.
   */
  commit(text: (path: string) => string): void {
    try {
      for (const f of this.files) {
        const fd = openSync(f.tmp, 'w');
        try { writeSync(fd, text(f.path)); } finally { closeSync(fd); }
      }
    } catch (e) {
      this.discard();
      throw new OutputError(`could not write the outputs (${reason(e)}); none was written`);
    }
    // Same directory, checked writable, contents on disk: a rename failing here means another process interfered.
    const renamed: string[] = [];
    for (const f of this.files) {
      try {
        renameSync(f.tmp, resolve(f.path));
      } catch (e) {
        this.discard();
        throw new OutputError(`could not rename a temp file onto ${f.path} (${reason(e)}); ${renamed.length ? `already written: ${renamed.join(', ')}` : 'none was written'}`);
      }
      live.delete(f);
      renamed.push(f.path);
    }
  }

  /** Removes the temp files without writing anything. */
  discard(): void { removeTemps(this.files); }
}

/** Reserves `targets`, runs `work` with them, and removes whatever temp files `work` did not commit. */
export async function withOutputs<T>(targets: OutputTarget[], work: (outputs: OutputSet) => Promise<T>): Promise<T> {
  const outputs = OutputSet.reserve(targets);
  try {
    return await work(outputs);
  } finally {
    outputs.discard();
  }
}
