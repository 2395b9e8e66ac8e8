/**
 * The worker side of the shard protocol, independent of the transport: turns one request into one reply
 * (plus the buffers it may transfer back).
 */
import { newPassStats } from '../kernel/backend.js';
import { newFullPassStats, type FullParams } from '../kernel/fullLayout.js';
import { withPrecision } from '../kernel/precision.js';
import { loadKernels, withChunkBackend, type Kernels } from '../runtime/kernels.js';
import type { FlatParams } from '../types.js';
import { transferables, type ShardReply, type ShardRequest } from './protocol.js';

type Backend = ReturnType<Kernels['createBackend']>;

/**
 * Handles requests for one shard: holds its resident data backend between them, or (a chunk worker) its
 * kernels, whose one released instance each chunk's backend reuses, so the arena is kept across chunks.
 */
export function createShardHandler(): (req: ShardRequest) => Promise<{ reply: ShardReply; transfer: ArrayBuffer[] }> {
  let backend: Backend | null = null;
  let kernels: Kernels | null = null;
  const live = (): Backend => {
    if (!backend) throw new Error('shard has no data (init first, or it was disposed)');
    return backend;
  };
  /** Runs `f` over a backend holding the chunk `data` (rows × cols), freed after. */
  const overChunk = <T>(data: Float64Array, rows: number, cols: number, f: (be: Backend) => T): T => {
    if (!kernels) throw new Error('chunk worker has no kernels (open first)');
    return withChunkBackend(kernels, data, rows, cols, f);
  };
  return async (req) => {
    try {
      switch (req.type) {
        case 'init': {
          backend?.dispose();
          const kernels = await loadKernels({ kernel: req.variant, wasm: req.module });
          backend = withPrecision(kernels, req.precision ?? 'float64', req.float32Center).createBackend(req.data, req.rows, req.cols, req.weights);
          return { reply: { id: req.id, ok: true, type: 'init', variant: backend.variant, totalWeight: backend.totalWeight }, transfer: [] };
        }
        case 'pass': {
          const p = req.params as FlatParams;
          // A fresh buffer per pass: it is transferred back, so it cannot be reused here.
          const stats = live().pass(p, newPassStats(p.n, p.d, p.layout === 'diagonal'));
          return { reply: { id: req.id, ok: true, type: 'pass', stats }, transfer: transferables(stats.R, stats.S, stats.Q) };
        }
        case 'passFull': {
          const p = req.params;
          const stats = live().passFull(p, newFullPassStats(p.n, p.d, p.tied));
          return { reply: { id: req.id, ok: true, type: 'passFull', stats }, transfer: transferables(stats.R, stats.S, stats.scatter) };
        }
        case 'open':
          kernels = await loadKernels({ kernel: req.variant, wasm: req.module });
          if (req.float32Center) kernels = withPrecision(kernels, 'float32', req.float32Center);
          return { reply: { id: req.id, ok: true, type: 'open' }, transfer: [] };
        case 'chunk': {
          const p = req.params as FlatParams;
          const stats = overChunk(req.data, req.rows, req.cols, (be) => be.pass(p, newPassStats(p.n, p.d, p.layout === 'diagonal')));
          return { reply: { id: req.id, ok: true, type: 'chunk', stats, data: req.data },
            transfer: transferables(stats.R, stats.S, stats.Q, req.data) };
        }
        case 'chunkFull': {
          const p: FullParams = req.params;
          const stats = overChunk(req.data, req.rows, req.cols, (be) => be.passFull(p, newFullPassStats(p.n, p.d, p.tied)));
          return { reply: { id: req.id, ok: true, type: 'chunkFull', stats, data: req.data },
            transfer: transferables(stats.R, stats.S, stats.scatter, req.data) };
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
