/**
 * `mixfit/worker`: a ready Web Worker script that fits mixtures off the main thread.
 *
 * Start it as a module worker and drive it with {@link fitInWorker} (or post the messages of
 * ./browser/protocol.ts yourself):
 * ```js
 * const worker = new Worker(new URL('mixfit/worker', import.meta.url), { type: 'module' });
 * const { result, model } = await fitInWorker(worker, X, { nComponents: 4 }, { onProgress, signal });
 * ```
 * The worker takes `fit` requests (data transferred once), posts throttled `progress` messages with the
 * current parameters, and answers each request with `done` (result + model JSON) or `error` (name, message
 * and, for a MixfitError, the argument, rule and value received). An `abort` request stops the fit within
 * one yield of the solver loop (≤ about 16 ms plus one pass) and answers with an `error` named
 * AbortError that carries the best result so far. Several fits may run at once; they interleave.
 * Covariance 'full' and 'tied' fit here too (covariances in through `init`, out in the result and the model).
 */
import { MixfitError } from './errors.js';
import type { Matrix } from './types.js';
import { runFit } from './browser/runFit.js';
import type { ErrorMessage, FitRequest, ProgressInfo, WireError, WorkerReply, WorkerRequest } from './browser/protocol.js';

export type * from './browser/protocol.js';

/** The part of a DedicatedWorkerGlobalScope used here (tsconfig has the DOM lib, not WebWorker). */
interface WorkerScope {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<WorkerRequest>) => void): void;
}

const DEFAULT_PROGRESS_MS = 33;
const running = new Map<number, AbortController>();

/** The error as plain data: structured clone would drop a MixfitError's class and own fields. */
function toWire(e: unknown): WireError {
  if (e instanceof MixfitError) return { name: e.name, message: e.message, argument: e.argument, rule: e.rule, received: e.received };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

async function fit(scope: WorkerScope, req: FitRequest): Promise<void> {
  const t0 = performance.now();
  const controller = new AbortController();
  running.set(req.id, controller);
  const interval = req.progressIntervalMs ?? DEFAULT_PROGRESS_MS;
  let lastPost = -Infinity;
  const onIteration = (info: ProgressInfo): void => {
    const now = performance.now();
    if (now - lastPost < interval) return;
    lastPost = now;
    const elapsedMs = now - t0;
    scope.postMessage({
      type: 'progress', id: req.id, info, elapsedMs,
      evaluationsPerSecond: elapsedMs > 0 ? (info.evaluations / elapsedMs) * 1000 : 0,
    });
  };
  try {
    if (!(req.X instanceof Float64Array)) throw new MixfitError('X', 'must arrive as a Float64Array', req.X);
    const X: Matrix = { data: req.X, rows: req.rows, cols: req.cols };
    const { result, model } = await runFit(X, req.sampleWeight, req.options, onIteration, controller.signal);
    scope.postMessage({ type: 'done', id: req.id, result, model, elapsedMs: performance.now() - t0 });
  } catch (e) {
    const msg: ErrorMessage = { type: 'error', id: req.id, error: toWire(e) };
    const extra = e as { result?: ErrorMessage['result']; model?: ErrorMessage['model'] };
    if (extra.result) msg.result = extra.result;
    if (extra.model) msg.model = extra.model;
    scope.postMessage(msg);
  } finally {
    running.delete(req.id);
  }
}

/** Handles one request. Nothing is exported at run time, so the bundle also loads as a classic worker. */
function handleRequest(scope: WorkerScope, req: WorkerRequest): void {
  if (req?.type === 'fit') void fit(scope, req);
  else if (req?.type === 'abort') running.get(req.id)?.abort();
}

// Only listen inside a worker: imported on a page by mistake, the script would otherwise answer the
// window's own messages.
declare const WorkerGlobalScope: (abstract new () => unknown) | undefined;
if (typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope) {
  const scope = globalThis as unknown as WorkerScope;
  scope.addEventListener('message', (e) => handleRequest(scope, e.data));
}
