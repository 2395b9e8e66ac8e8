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
import { createFitHandler } from './browser/fitHandler.js';
import type { WorkerReply, WorkerRequest } from './browser/protocol.js';

export type * from './browser/protocol.js';

/** The part of a DedicatedWorkerGlobalScope used here (tsconfig has the DOM lib, not WebWorker). */
interface WorkerScope {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<WorkerRequest>) => void): void;
}

// Only listen inside a worker: imported on a page by mistake, the script would otherwise answer the
// window's own messages. Nothing is exported at run time, so the bundle also loads as a classic worker.
declare const WorkerGlobalScope: (abstract new () => unknown) | undefined;
if (typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope) {
  const scope = globalThis as unknown as WorkerScope;
  const handle = createFitHandler((m) => scope.postMessage(m));
  scope.addEventListener('message', (e) => handle(e.data));
}
