/**
 * The `threads` option: how many workers a data set of a given size gets (a fact shared by the in-memory
 * backends, the streamed passes and the estimator).
 */
import { MixfitError } from '../errors.js';
import { availableCores } from './transport.js';

/**
 * Work per pass, in rows·(5·cols + 15) (the per-component flop count of one pass), below which one thread
 * is the default: bench/parallel.mjs at d = n = 10 on 2 cores shows workers losing at N = 1e4 (message
 * round trips and the solver's own work dominate) and winning 1.6–1.8× from N = 2e4–3e4 on; this is N = 2e4
 * at d = 10.
 */
export const PARALLEL_MIN_WORK = 20_000 * 65;

/**
 * Fewest rows per worker that a requested thread count is held to: each worker holds its own kernel
 * instance (about 10 MB with its thread), which a shard of fewer rows never pays back.
 */
export const MIN_ROWS_PER_WORKER = 1000;

/** Threads option: a positive integer, or 'auto' (1 below {@link PARALLEL_MIN_WORK}, else all cores). */
export type ThreadsOption = number | 'auto';

/**
 * Resolves `threads` for data of `rows` × `cols`. A number is capped at the available cores and at one
 * worker per {@link MIN_ROWS_PER_WORKER} rows (at least 1), so `threads: 1000` on 100 rows runs one thread;
 * {@link threadsCapNote} words the cap. (`PoolBackend` itself takes its count as given.)
 * @throws MixfitError when `threads` is neither 'auto' nor a positive integer.
 */
export async function resolveThreads(threads: ThreadsOption | undefined, rows: number, cols: number, argument = 'options.threads'): Promise<number> {
  if (threads === undefined || threads === 'auto') return rows * (5 * cols + 15) < PARALLEL_MIN_WORK ? 1 : availableCores();
  if (!Number.isInteger(threads) || threads < 1) throw new MixfitError(argument, "must be 'auto' or a positive integer", threads);
  return Math.max(1, Math.min(threads, await availableCores(), Math.floor(rows / MIN_ROWS_PER_WORKER)));
}

/** Why fewer threads than requested run (for a result's warnings), or undefined when none were cut. */
export function threadsCapNote(requested: ThreadsOption | undefined, used: number, rows: number): string | undefined {
  if (typeof requested !== 'number' || used >= requested) return undefined;
  return `threads: ${requested} requested, ${used} used (capped at the available cores and at one worker per ${MIN_ROWS_PER_WORKER} rows; X has ${rows} rows)`;
}
