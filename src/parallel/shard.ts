/**
 * The worker side of the shard protocol, independent of the transport: turns one request into one reply
 * (plus the buffers it may transfer back).
 */
import { newPassStats, type DataBackend } from '../kernel/backend.js';
import { withPrecision } from '../kernel/precision.js';
import { loadKernels } from '../runtime/kernels.js';
import type { FlatParams } from '../types.js';
import { transferables, type ShardReply, type ShardRequest } from './protocol.js';

/** Handles requests for one shard; holds its resident data backend between them. */
export function createShardHandler(): (req: ShardRequest) => Promise<{ reply: ShardReply; transfer: ArrayBuffer[] }> {
  let backend: DataBackend | null = null;
  const live = (): DataBackend => {
    if (!backend) throw new Error('shard has no data (init first, or it was disposed)');
    return backend;
  };
  return async (req) => {
    try {
      switch (req.type) {
        case 'init': {
          backend?.dispose();
          const kernels = await loadKernels({ kernel: req.variant, wasm: req.module });
          backend = withPrecision(kernels, req.precision ?? 'float64').createBackend(req.data, req.rows, req.cols, req.weights);
          return { reply: { id: req.id, ok: true, type: 'init', variant: backend.variant, totalWeight: backend.totalWeight }, transfer: [] };
        }
        case 'pass': {
          const p = req.params as FlatParams;
          // A fresh buffer per pass: it is transferred back, so it cannot be reused here.
          const stats = live().pass(p, newPassStats(p.n, p.d, p.layout === 'diagonal'));
          return { reply: { id: req.id, ok: true, type: 'pass', stats }, transfer: transferables(stats.R, stats.S, stats.Q) };
        }
        case 'score': {
          const be = live();
          const logDensity = new Float64Array(be.rows);
          const resp = req.resp ? new Float64Array(be.rows * req.params.n) : undefined;
          be.score(req.params as FlatParams, logDensity, resp);
          return { reply: { id: req.id, ok: true, type: 'score', logDensity, resp }, transfer: transferables(logDensity, resp) };
        }
        case 'dispose':
          backend?.dispose();
          backend = null;
          return { reply: { id: req.id, ok: true, type: 'dispose' }, transfer: [] };
        case 'crash':
          // Thrown from a timer so it escapes every handler, like a real fault inside the worker.
          setTimeout(() => { throw new Error('injected worker crash'); }, 0);
          return new Promise<never>(() => {});
      }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      return { reply: { id: req.id, ok: false, error: { name: err.name, message: err.message } }, transfer: [] };
    }
  };
}
