/**
 * Workers for streamed passes: they hold no rows; the calling thread reads the source and hands each chunk
 * to the least busy worker (transferred, and sent back with the reply for reuse). Each worker keeps one
 * kernel instance whose arena every chunk reuses. Chunk statistics are added in chunk order whatever
 * worker finished first, so a pass equals the one-thread streamed pass bit for bit.
 */
import type { FullPassStats } from '../kernel/fullLayout.js';
import type { KernelVariant, PassStats } from '../types.js';
import { AbortError } from '../errors.js';
import { startShards, type Reply, type Shard } from './pool.js';
import type { ShardRequest } from './protocol.js';
import { addStats, zeroStats } from './reduce.js';

/** One chunk: `rows` × cols values at the start of `data`, which the pool may transfer away. */
export interface Chunk {
  data: Float64Array;
  rows: number;
}

/** The request that runs one chunk (its `data` is transferred with it). */
export type ChunkRequest = Extract<ShardRequest, { type: 'chunk' | 'chunkFull' }> extends infer R
  ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Worker pool over chunks of a streamed source (see the module comment). */
export class ChunkPool {
  readonly threads: number;
  private shards: Promise<Shard[]> | null = null;
  /** Chunk buffers back from the workers, reused for later chunks. */
  private free: ArrayBuffer[] = [];

  /**
   * `module`: the compiled build the workers instantiate (the caller's, so a user-supplied `wasm` reaches them).
   * `float32Center`: the workers run float32 passes, every chunk centred there (d; see StreamBackend).
   */
  constructor(threads: number, private readonly variant: KernelVariant, private readonly module: WebAssembly.Module | undefined,
    private readonly float32Center?: Float64Array) {
    this.threads = Math.max(1, threads);
  }

  /** Whether workers are running (or starting). */
  get running(): boolean { return this.shards !== null; }

  private start(): Promise<Shard[]> {
    if (this.shards) return this.shards;
    const starting = startShards(this.threads, (e) => this.terminate(e), (s) => s.request({ type: 'open', variant: this.variant, module: this.module, float32Center: this.float32Center }));
    this.shards = starting;
    starting.catch(() => { if (this.shards === starting) this.shards = null; });
    return starting;
  }

  /** A copy of the chunk X (rows × cols, valid only now) in a buffer the pool may transfer. */
  copy(X: Float64Array, rows: number, cols: number): Chunk {
    const len = rows * cols;
    const i = this.free.findIndex((b) => b.byteLength >= len * 8);
    const buf = i >= 0 ? this.free.splice(i, 1)[0] : new ArrayBuffer(len * 8);
    const data = new Float64Array(buf, 0, len);
    data.set(X.subarray(0, len));
    return { data, rows };
  }

  /**
   * One pass: every chunk of `chunks` (in source order) is run by `request` on some worker, at most two
   * per worker in flight while the next chunks are read; the statistics are summed into `out` in chunk order.
   */
  async run<S extends PassStats | FullPassStats>(chunks: AsyncIterable<Chunk>, request: (c: Chunk) => ChunkRequest, out: S): Promise<S> {
    const shards = await this.start();
    zeroStats(out);
    const done = new Map<number, S>();
    const busy = shards.map(() => 0);
    const inflight = new Set<Promise<void>>();
    let next = 0, index = 0, failure: unknown = null;
    try {
      for await (const c of chunks) {
        while (inflight.size >= 2 * shards.length) await Promise.race(inflight);
        if (failure) throw failure;
        const i = index++;
        const k = busy.indexOf(Math.min(...busy));
        busy[k]++;
        const reply = shards[k].request(request(c), [c.data.buffer as ArrayBuffer]) as Promise<Reply<'chunk' | 'chunkFull'>>;
        const tracked: Promise<void> = reply.then((r) => {
          busy[k]--;
          if (this.free.length < 2 * shards.length + 2) this.free.push(r.data.buffer as ArrayBuffer);
          done.set(i, r.stats as S);
          for (let s = done.get(next); s; s = done.get(next)) { addStats(out, s); done.delete(next++); }
        }, (e) => { failure ??= e; }).finally(() => { inflight.delete(tracked); });
        inflight.add(tracked);
      }
    } finally {
      await Promise.all(inflight);
    }
    if (failure) throw failure;
    return out;
  }

  /** Stops every worker; pending passes reject with `reason` (default: an AbortError). The next pass restarts them. */
  terminate(reason: Error = new AbortError()): void {
    const current = this.shards;
    this.shards = null;
    this.free = [];
    current?.then((shards) => { for (const s of shards) s.kill(reason); }, () => {});
  }
}
