/**
 * The shard protocol: plain structured-cloneable messages, so any transport that can post a message and
 * transfer ArrayBuffers (worker_threads, Web Workers, later a socket) can carry it. One shard is a
 * contiguous block of rows held by one kernel instance; per evaluation only parameters go out and
 * statistics come back.
 */
import type { FullParams, FullPassStats } from '../kernel/fullLayout.js';
import type { Precision } from '../kernel/precision.js';
import type { FlatParams, KernelVariant, PassStats } from '../types.js';

/** Parameters as sent to a shard (the typed arrays are copied by the structured clone). */
export type WireParams = Pick<FlatParams, 'n' | 'd' | 'layout' | 'means' | 'logWeights' | 'variances'>;

/** Requests from the owner to one shard. `id` pairs a reply with its request. */
export type ShardRequest =
  | { id: number; type: 'init'; variant: KernelVariant; precision?: Precision; float32Center?: Float64Array; module?: WebAssembly.Module; data: Float64Array; rows: number; cols: number; weights?: Float64Array }
  | { id: number; type: 'pass'; params: WireParams }
  | { id: number; type: 'passFull'; params: FullParams }
  | { id: number; type: 'score'; params: WireParams; resp: boolean }
  /** A chunk worker: loads the kernels and holds no rows; chunks come with each request (float32 passes around `float32Center` when given). */
  | { id: number; type: 'open'; variant: KernelVariant; module?: WebAssembly.Module; float32Center?: Float64Array }
  /** One pass over the `rows` × `cols` rows of `data` (transferred; sent back with the reply for reuse). */
  | { id: number; type: 'chunk'; params: WireParams; data: Float64Array; rows: number; cols: number }
  | { id: number; type: 'chunkFull'; params: FullParams; data: Float64Array; rows: number; cols: number }
  | { id: number; type: 'dispose' }
  /** Test hook: makes the worker throw outside any handler, as a crash would. */
  | { id: number; type: 'crash' };

/** Replies from a shard. */
export type ShardReply =
  | { id: number; ok: true; type: 'init'; variant: KernelVariant; totalWeight: number }
  | { id: number; ok: true; type: 'pass'; stats: PassStats }
  | { id: number; ok: true; type: 'passFull'; stats: FullPassStats }
  | { id: number; ok: true; type: 'open' }
  | { id: number; ok: true; type: 'chunk'; stats: PassStats; data: Float64Array }
  | { id: number; ok: true; type: 'chunkFull'; stats: FullPassStats; data: Float64Array }
  | { id: number; ok: true; type: 'score'; logDensity: Float64Array; resp?: Float64Array }
  | { id: number; ok: true; type: 'dispose' }
  | { id: number; ok: false; error: { name: string; message: string } };

/** Strips a FullParams to the fields a shard needs. */
export function wireFullParams(p: FullParams): FullParams {
  return { n: p.n, d: p.d, tied: p.tied, means: p.means, logWeights: p.logWeights, precChol: p.precChol };
}

/** Strips a FlatParams to the fields a shard needs. */
export function wireParams(p: FlatParams): WireParams {
  return { n: p.n, d: p.d, layout: p.layout, means: p.means, logWeights: p.logWeights, variances: p.variances };
}

/** The ArrayBuffers a message may transfer rather than copy (typed arrays that own their whole buffer). */
export function transferables(...arrays: (Float64Array | undefined)[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of arrays) {
    if (a && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer))
      out.push(a.buffer);
  }
  return out;
}
