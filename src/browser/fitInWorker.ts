/**
 * The main-thread side of `mixfit/worker`: send data and options once, receive progress, abort through an
 * AbortSignal, and get the result and the model JSON back as a promise.
 */
import { AbortError, FitError, MixfitError, RenderedValue } from '../errors.js';
import type { MatrixInput } from '../types.js';
import { readMatrix, readSampleWeight } from '../validate.js';
import type {
  DoneMessage, ModelJSON, ProgressMessage, WorkerFitOptions, WorkerFitResult, WorkerReply, WorkerRequest,
} from './protocol.js';

/** What {@link fitInWorker} needs of a worker: a `Worker`, or anything with the same message methods. */
export interface WorkerLike {
  postMessage(message: WorkerRequest, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<WorkerReply>) => void): void;
  addEventListener(type: 'error', listener: (e: ErrorEvent) => void): void;
  removeEventListener(type: 'message', listener: (e: MessageEvent<WorkerReply>) => void): void;
  removeEventListener(type: 'error', listener: (e: ErrorEvent) => void): void;
}

/** Callbacks and controls of {@link fitInWorker}. */
export interface FitInWorkerControl {
  /** Called with each progress message (throttled in the worker to `progressIntervalMs`). */
  onProgress?: (progress: ProgressMessage) => void;
  /** Aborting it stops the fit; the promise then rejects with an AbortError carrying `.result` and `.model`. */
  signal?: AbortSignal;
  /** Least time between progress messages in ms [33]; 0 sends every iteration, Infinity none (the fit then skips copying its parameters for them). */
  progressIntervalMs?: number;
  /** Per-row weights (N, ≥ 0). */
  sampleWeight?: ArrayLike<number>;
  /**
   * Transfer `X.data` to the worker instead of copying it (only for `{ data, rows, cols }` input; your
   * Float64Array is detached afterwards) [false]. `number[][]` input is always converted into a fresh array
   * that is transferred.
   */
  transfer?: boolean;
  /** Also score X with the fitted model in the worker: `score` and `parameterCount` in the output [false]. */
  score?: boolean;
  /**
   * [true] false: the worker fits without an abort signal (no solver yields, slightly faster); `signal` can then
   * not stop the fit: terminate the worker instead.
   */
  abortable?: boolean;
}

/** A finished fit: `gm.fit`'s result, the model as `gm.toJSON()` writes it, and the time in the worker. */
export interface FitInWorkerOutput {
  result: WorkerFitResult;
  model: ModelJSON;
  elapsedMs: number;
  /** With `control.score`: `gm.score(X)` in the worker (mean log-likelihood, nats per row). */
  score?: number;
  /** With `control.score`: `gm.parameterCount()`. */
  parameterCount?: number;
}

let nextId = 1;

/**
 * Fits a Gaussian mixture to `X` (N × d: `number[][]` or `{ data: Float64Array, rows, cols }`) inside
 * `worker`, a Web Worker started from `mixfit/worker`. The data are validated here, then sent once.
 * @param options GaussianMixture options (DESIGN §3) without `onIteration`/`signal`; `wasm` may be a URL
 *   string or a `WebAssembly.Module`.
 * @returns `{ result, model, elapsedMs }` once the worker is done (also when the fit did not converge:
 *   see `result.status` and `result.warnings`).
 * @throws MixfitError for bad `X` or `sampleWeight` (synchronously checked, before posting) and for options
 *   the worker's estimator rejects (same argument, rule and received as in the main thread); AbortError
 *   (with `.result`, `.model`) when `control.signal` aborts; Error when the worker fails to run.
 * @example
 * const worker = new Worker(new URL('mixfit/worker', import.meta.url), { type: 'module' });
 * const { result, model } = await fitInWorker(worker, [[0, 1], [2, 3], [4, 5]], { nComponents: 2 },
 *   { onProgress: (p) => console.log(p.info.iteration, p.info.loss) });
 */
export function fitInWorker(
  worker: WorkerLike, X: MatrixInput, options: WorkerFitOptions, control: FitInWorkerControl = {},
): Promise<FitInWorkerOutput> {
  if (!worker || typeof worker.postMessage !== 'function' || typeof worker.addEventListener !== 'function')
    throw new MixfitError('worker', 'must be a Worker started from mixfit/worker', worker);
  if (!options || typeof options !== 'object') throw new MixfitError('options', 'must be an object with nComponents', options);
  const M = readMatrix(X, 'X');
  const sampleWeight = readSampleWeight(control.sampleWeight, M.rows, 'control.sampleWeight');
  // A Matrix input is used as is by readMatrix: copy it unless the caller allowed the transfer.
  const data = Array.isArray(X) || control.transfer ? M.data : M.data.slice();
  const id = nextId++;
  const { signal, onProgress } = control;
  return new Promise<FitInWorkerOutput>((resolve, reject) => {
    const cleanup = (): void => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => worker.postMessage({ type: 'abort', id }, []);
    const onError = (e: ErrorEvent): void => {
      cleanup();
      reject(new Error(`mixfit worker failed: ${e.message || 'could not load or run the worker script'}`));
    };
    const onMessage = (e: MessageEvent<WorkerReply>): void => {
      const m = e.data;
      if (!m || m.id !== id) return;
      if (m.type === 'progress') { onProgress?.(m); return; }
      cleanup();
      if (m.type === 'done') {
        const { result, model, elapsedMs, score, parameterCount } = m as DoneMessage;
        resolve({ result, model, elapsedMs, ...(control.score ? { score, parameterCount } : {}) });
        return;
      }
      const w = m.error;
      let err: Error;
      if (w.name === 'AbortError') err = Object.assign(new AbortError(w.message), { result: m.result, model: m.model });
      // The worker rendered the received value already: rebuild the same error from its parts.
      else if (w.name === 'MixfitError' && w.argument !== undefined) err = new MixfitError(w.argument, w.rule ?? '', w.received ? new RenderedValue(w.received) : undefined);
      else if (w.name === 'FitError') err = new FitError(w.message);
      else err = Object.assign(new Error(w.message), { name: w.name });
      reject(err);
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    if (signal?.aborted) {
      cleanup();
      reject(new AbortError('the fit was aborted before it started'));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const transfer: Transferable[] = [data.buffer as ArrayBuffer];
    if (sampleWeight) transfer.push(sampleWeight.buffer as ArrayBuffer);
    const req: WorkerRequest = {
      type: 'fit', id, X: data, rows: M.rows, cols: M.cols, options,
      ...(sampleWeight ? { sampleWeight } : {}),
      ...(control.progressIntervalMs !== undefined ? { progressIntervalMs: control.progressIntervalMs } : {}),
      ...(control.score ? { score: true } : {}),
      ...(control.abortable === false ? { abortable: false } : {}),
    };
    worker.postMessage(req, transfer);
  });
}
