/**
 * Errors thrown at the public boundary. Every message names the argument, the rule it broke and what was
 * received, so that a user can fix the call without reading our source.
 */

/** Thrown for invalid arguments or data: `argument` names the parameter, `rule` what was expected. */
export class MixfitError extends Error {
  /** The argument (or option) that was wrong, e.g. `"X"`, `"options.nComponents"`. */
  readonly argument: string;
  /** What the argument must satisfy, in words. */
  readonly rule: string;
  /** A short rendering of the received value (may be empty when irrelevant). */
  readonly received: string;

  constructor(argument: string, rule: string, received?: unknown) {
    const got = received === undefined ? '' : received instanceof RenderedValue ? received.text : describeValue(received);
    super(`${argument}: ${rule}${got ? ` (received ${got})` : ''}`);
    this.name = 'MixfitError';
    this.argument = argument;
    this.rule = rule;
    this.received = got;
  }
}

/** A value already described (e.g. a MixfitError's `received` sent from a worker): used verbatim. */
export class RenderedValue {
  constructor(readonly text: string) {}
}

/** Thrown when an operation is aborted through an `AbortSignal`. */
export class AbortError extends Error {
  constructor(message = 'the operation was aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

/** Thrown when a fit cannot produce a model (every restart's loss became NaN or infinite). */
export class FitError extends Error {
  /** The best partial result, when there is one (never committed to the model). */
  readonly result: unknown;
  constructor(message: string, result?: unknown) {
    super(message);
    this.name = 'FitError';
    this.result = result;
  }
}

/** Short, bounded description of a value for error messages. */
export function describeValue(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as { length: number }).length}`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}
