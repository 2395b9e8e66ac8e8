/**
 * Messages between a page and the `mixfit/worker` script (see {@link fitInWorker}). Everything here is
 * structured-cloneable: plain objects, arrays, numbers, strings, a Float64Array (transferred) and, for
 * `options.wasm`, a string URL or a `WebAssembly.Module`.
 *
 * Every covariance layout crosses as it is: for 'full' (n × d × d) and 'tied' (d × d) a start model's
 * `options.init.covariances` goes in, and the fitted `covariances` come out in `result.params`, in each
 * progress message's `info.params` and in the model document (version 3), exactly as `gm.fit` and
 * `gm.toJSON()` give them on the main thread.
 */
import type { FitProgress, FitResult, GaussianMixtureOptions } from '../estimator.js';
import type { ModelJSON } from '../model/json.js';

/**
 * Fit options accepted by the worker: the {@link GaussianMixtureOptions} without the callbacks, which cannot
 * cross a thread boundary (progress comes back as messages, abort is a message). `wasm` may be a URL string
 * (fetched by the worker) or a compiled `WebAssembly.Module` (structured-cloneable), not a URL object.
 */
export type WorkerFitOptions = Omit<GaussianMixtureOptions, 'onIteration' | 'signal' | 'wasm'> & { wasm?: string | WebAssembly.Module };

export type { ModelJSON };

/** One iteration as `onIteration` sees it, with the current parameters (for live drawing). */
export type ProgressInfo = FitProgress;

/** The fit result as posted back: `gm.fit`'s {@link FitResult}. */
export type WorkerFitResult = FitResult;

/** Page → worker: start a fit. `X` is row-major rows × cols and is transferred (the sender's copy detaches). */
export interface FitRequest {
  type: 'fit';
  id: number;
  X: Float64Array;
  rows: number;
  cols: number;
  sampleWeight?: Float64Array;
  options: WorkerFitOptions;
  /** Least time between two progress messages in ms [33, about 30 per second]; 0 posts every iteration, Infinity none. */
  progressIntervalMs?: number;
  /** Also score X with the fitted model (`done.score`, `done.parameterCount`): what a criterion needs [false]. */
  score?: boolean;
  /**
   * [true] false: the fit runs without an abort signal, so its solver never pauses to let an `abort` request in
   * (a request then waits for the fit to end; terminate the worker instead). Saves the solver's yields.
   */
  abortable?: boolean;
}

/** Page → worker: abort fit `id` (the worker answers with an `error` named AbortError carrying the best result). */
export interface AbortRequest {
  type: 'abort';
  id: number;
}

export type WorkerRequest = FitRequest | AbortRequest;

/** Worker → page: progress of fit `id`, throttled to `progressIntervalMs` (the first iteration always). */
export interface ProgressMessage {
  type: 'progress';
  id: number;
  info: ProgressInfo;
  /** Milliseconds since the worker received the request. */
  elapsedMs: number;
  /** Kernel passes per second since the start of the fit. */
  evaluationsPerSecond: number;
}

/** Worker → page: fit `id` finished (converged or not: see `result.status`). */
export interface DoneMessage {
  type: 'done';
  id: number;
  result: WorkerFitResult;
  model: ModelJSON;
  elapsedMs: number;
  /** With `score: true`: `gm.score(X)`, the (sample-weighted) mean log-likelihood of X in nats per row. */
  score?: number;
  /** With `score: true`: `gm.parameterCount()`. */
  parameterCount?: number;
}

/** An error as it crosses the thread boundary: MixfitError fields when it was one. */
export interface WireError {
  name: string;
  message: string;
  argument?: string;
  rule?: string;
  received?: string;
}

/** Worker → page: fit `id` failed or was aborted (`error.name === 'AbortError'`, with the best result so far). */
export interface ErrorMessage {
  type: 'error';
  id: number;
  error: WireError;
  result?: WorkerFitResult;
  model?: ModelJSON;
}

export type WorkerReply = ProgressMessage | DoneMessage | ErrorMessage;
