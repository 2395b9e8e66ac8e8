/**
 * The one place where the worker calls the estimator: fit `X` with the worker options, report every
 * iteration, honour `signal`, and return the result with the model document. Kept apart from the message
 * handling in src/worker.ts, which then needs no estimator internals.
 */
import { GaussianMixture } from '../estimator.js';
import { modelToJSON } from '../model/json.js';
import type { Matrix } from '../types.js';
import type { ModelJSON, ProgressInfo, WorkerFitOptions, WorkerFitResult } from './protocol.js';

/**
 * A finished fit: the result and the model JSON, with `withScore` also `gm.score(X)` and `gm.parameterCount()`.
 * An aborted fit rejects with AbortError carrying the result and the model.
 */
export interface FitOutput { result: WorkerFitResult; model: ModelJSON; score?: number; parameterCount?: number }

/** Fits `X` (rows × cols) in this thread; `onIteration` (if any) gets each iteration, `signal` aborts. */
export async function runFit(
  X: Matrix, sampleWeight: Float64Array | undefined, options: WorkerFitOptions,
  onIteration: ((info: ProgressInfo) => void) | undefined, signal: AbortSignal | undefined, withScore = false,
): Promise<FitOutput> {
  const gm = new GaussianMixture({ ...options, ...(onIteration ? { onIteration } : {}), ...(signal ? { signal } : {}) });
  try {
    const result = await gm.fit(X, sampleWeight ? { sampleWeight } : {});
    const out: FitOutput = { result, model: gm.toJSON() };
    if (withScore) { out.score = gm.score(X, sampleWeight); out.parameterCount = gm.parameterCount(); }
    return out;
  } catch (e) {
    // An aborted fit is not committed (gm.toJSON would throw): the model is the best parameters reached.
    const r = (e as { result?: WorkerFitResult }).result;
    // The estimator's resolved options, so the document has the layout and weights the fit used (its defaults too).
    if (r?.params) Object.assign(e as object, { model: modelToJSON(r.params, gm.options.covariance, gm.options.weights) });
    throw e;
  }
}
