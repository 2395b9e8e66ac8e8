/**
 * The one place where the worker calls the estimator: fit `X` with the worker options, report every
 * iteration, honour `signal`, and return the result with the model document. Kept separate so that the
 * message handling in src/worker.ts does not depend on the estimator's internals.
 */
import { AbortError } from '../errors.js';
import { CliMixture } from '../cli/mixture.js';
import type { Matrix } from '../types.js';
import type { ModelJSON, ProgressInfo, WorkerFitOptions, WorkerFitResult } from './protocol.js';

/** A finished fit: the result and the model JSON. An aborted fit rejects with AbortError carrying both. */
export interface FitOutput { result: WorkerFitResult; model: ModelJSON }

/** Fits `X` (rows × cols) in this thread; `onIteration` gets each iteration, `signal` aborts. */
export async function runFit(
  X: Matrix, sampleWeight: Float64Array | undefined, options: WorkerFitOptions,
  onIteration: (info: ProgressInfo) => void, signal: AbortSignal,
): Promise<FitOutput> {
  const { wasm: _wasm, ...rest } = options;
  void sampleWeight;
  const gm = new CliMixture({ ...(rest as object), onIteration, signal } as ConstructorParameters<typeof CliMixture>[0]);
  const covariance = options.covariance ?? 'fixed';
  try {
    const result = await gm.fit(X);
    return { result: result as unknown as WorkerFitResult, model: gm.toJSON() as ModelJSON };
  } catch (e) {
    const r = (e as { result?: WorkerFitResult }).result;
    if ((e as Error).name === 'AbortError' && r?.params) {
      throw Object.assign(new AbortError((e as Error).message), { result: r, model: { ...r.params, covariance } });
    }
    throw e;
  }
}
