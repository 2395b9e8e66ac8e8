/**
 * The request handling of a fit worker, shared by `mixfit/worker` (src/worker.ts, a page's Web Worker) and
 * the inlined fit workers of selectModel (fitWorkerEntry.ts, worker_threads or Web Workers): `fit` requests
 * run {@link runFit} and answer `done` or `error`, `abort` requests stop the fit they name.
 */
import { MixfitError } from '../errors.js';
import type { Matrix } from '../types.js';
import { runFit } from './runFit.js';
import type { ErrorMessage, FitRequest, ProgressInfo, WireError, WorkerReply, WorkerRequest } from './protocol.js';

/** Posts one reply to the page (or the thread that started the worker). */
export type PostReply = (message: WorkerReply) => void;

const DEFAULT_PROGRESS_MS = 33;

/** The error as plain data: structured clone would drop a MixfitError's class and own fields. */
function toWire(e: unknown): WireError {
  if (e instanceof MixfitError) return { name: e.name, message: e.message, argument: e.argument, rule: e.rule, received: e.received };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** A handler of {@link WorkerRequest}s that answers through `post`; several fits may run at once (they interleave). */
export function createFitHandler(post: PostReply): (req: WorkerRequest) => void {
  const running = new Map<number, AbortController>();

  async function fit(req: FitRequest): Promise<void> {
    const t0 = performance.now();
    const controller = new AbortController();
    running.set(req.id, controller);
    const interval = req.progressIntervalMs ?? DEFAULT_PROGRESS_MS;
    let lastPost = -Infinity;
    // An infinite interval asks for no progress at all: then the estimator need not copy the parameters every iteration.
    const onIteration = interval === Infinity ? undefined : (info: ProgressInfo): void => {
      const now = performance.now();
      if (now - lastPost < interval) return;
      lastPost = now;
      const elapsedMs = now - t0;
      post({
        type: 'progress', id: req.id, info, elapsedMs,
        evaluationsPerSecond: elapsedMs > 0 ? (info.evaluations / elapsedMs) * 1000 : 0,
      });
    };
    try {
      if (!(req.X instanceof Float64Array)) throw new MixfitError('X', 'must arrive as a Float64Array', req.X);
      const X: Matrix = { data: req.X, rows: req.rows, cols: req.cols };
      const signal = req.abortable === false ? undefined : controller.signal;
      const { result, model, score, parameterCount } = await runFit(X, req.sampleWeight, req.options, onIteration, signal, req.score === true);
      post({ type: 'done', id: req.id, result, model, elapsedMs: performance.now() - t0, ...(req.score ? { score, parameterCount } : {}) });
    } catch (e) {
      const msg: ErrorMessage = { type: 'error', id: req.id, error: toWire(e) };
      const extra = e as { result?: ErrorMessage['result']; model?: ErrorMessage['model'] };
      if (extra.result) msg.result = extra.result;
      if (extra.model) msg.model = extra.model;
      post(msg);
    } finally {
      running.delete(req.id);
    }
  }

  return (req) => {
    if (req?.type === 'fit') void fit(req);
    else if (req?.type === 'abort') running.get(req.id)?.abort();
  };
}
