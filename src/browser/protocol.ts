/**
 * Messages between a page and the `mixfit/worker` script (see {@link fitInWorker}). Everything here is
 * structured-cloneable: plain objects, arrays, numbers, strings, a Float64Array (transferred) and, for
 * `options.wasm`, a string URL or a `WebAssembly.Module`.
 */
import type { HistoryRecord } from '../solvers/driver.js';
import type { KernelChoice, MixtureParams } from '../types.js';

/**
 * Fit options accepted by the worker: the GaussianMixture options (DESIGN §3) without the callbacks, which
 * cannot cross a thread boundary (progress comes back as messages and abort is a message).
 */
export interface WorkerFitOptions {
  nComponents: number;
  solver?: 'gd-polyak' | 'gradient-em' | 'em' | 'gd' | 'polyak';
  weights?: 'fixed' | 'learned';
  weightsInit?: number[];
  covariance?: 'fixed' | 'spherical' | 'diagonal';
  variance?: number;
  regCovar?: number;
  optimum?: number | 'target-level' | 'aitken' | 'hazan-kakade';
  shortSteps?: number;
  shortStepSize?: number;
  maxPolyakStep?: number;
  adaptive?: boolean;
  init?: 'kmeans++' | 'random' | MixtureParams;
  nInit?: number;
  maxIter?: number;
  maxEvaluations?: number;
  tol?: number;
  seed?: number;
  threads?: number | 'auto';
  kernel?: KernelChoice;
  /** The kernel build as a URL string (fetched by the worker) or a compiled `WebAssembly.Module`. */
  wasm?: string | WebAssembly.Module;
}

/** The model document written by `gm.toJSON()` (and read by `GaussianMixture.fromJSON`, `mixfit eval`). */
export interface ModelJSON {
  means: number[][];
  weights: number[];
  variances: number | number[] | number[][];
  covariance: string;
}

/** One iteration as reported to `onIteration`, with the current parameters (for live drawing). */
export type ProgressInfo = HistoryRecord & { params: Required<MixtureParams> };

/** The fit result as posted back (the fields of `gm.fit`'s result; extra fields pass through). */
export interface WorkerFitResult {
  converged: boolean;
  status: string;
  message: string;
  warnings?: string[];
  nIter: number;
  nEvaluations: number;
  loss: number;
  lowerBound?: number;
  history: HistoryRecord[];
  params: Required<MixtureParams>;
  [extra: string]: unknown;
}

/** Page → worker: start a fit. `X` is row-major rows × cols and is transferred (the sender's copy detaches). */
export interface FitRequest {
  type: 'fit';
  id: number;
  X: Float64Array;
  rows: number;
  cols: number;
  sampleWeight?: Float64Array;
  options: WorkerFitOptions;
  /** Least time between two progress messages in ms [33, about 30 per second]; 0 posts every iteration. */
  progressIntervalMs?: number;
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
