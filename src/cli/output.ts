/**
 * Where output goes: with --json, stdout carries exactly one JSON document; messages and progress always go
 * to stderr, as one updating line on a terminal and as plain lines otherwise.
 */

/**
 * Writes one JSON document (plus newline) to stdout. JSON has no Infinity or NaN (JSON.stringify would write
 * null): a non-finite number is written as the string "-Infinity", "Infinity" or "NaN".
 */
export function printJson(doc: unknown): void {
  process.stdout.write(jsonText(doc) + '\n');
}

/** JSON text of `doc` with non-finite numbers as strings (see {@link printJson}). */
export function jsonText(doc: unknown): string {
  return JSON.stringify(doc, nonFiniteAsString);
}

function nonFiniteAsString(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** Writes a message line to stderr. */
export function note(msg: string): void {
  clearProgress();
  process.stderr.write(msg + '\n');
}

let progressShown = false;
/** Shows one progress line: overwritten in place on a TTY, appended otherwise (every `every`-th call). */
export function progress(line: string): void {
  if (process.stderr.isTTY) {
    process.stderr.write('\r\x1b[2K' + line);
    progressShown = true;
  } else {
    process.stderr.write(line + '\n');
  }
}

/** Ends an in-place progress line so the next message starts on a fresh line. */
export function clearProgress(): void {
  if (progressShown) { process.stderr.write('\n'); progressShown = false; }
}

/** Formats a number for tables: fixed for moderate values, exponential for tiny/huge ones. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e6 ? v.toPrecision(digits) : v.toExponential(digits - 2);
}
