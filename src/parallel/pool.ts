/**
 * A pool of shard workers over one data set: rows split into contiguous shards, one kernel instance per
 * worker, statistics reduced on the calling thread in shard order 0, 1, 2, … so a given thread count
 * gives bit-identical results run to run.
 */
import { AbortError } from '../errors.js';
import type { FullParams, FullPassStats } from '../kernel/fullLayout.js';
import type { FlatParams, KernelVariant, PassStats } from '../types.js';
import type { Precision } from '../kernel/precision.js';
import { transferables, wireFullParams, wireParams, type ShardReply, type ShardRequest } from './protocol.js';
import { addStats, zeroStats } from './reduce.js';
import { startTransport, type ShardTransport } from './transport.js';

/** The successful reply to a request of type T. */
export type Reply<T extends string> = Extract<ShardReply, { ok: true; type: T }>;
type Body = ShardRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** One worker and its pending requests. */
export class Shard {
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: ShardReply) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  constructor(private readonly t: ShardTransport, onFailure: (e: Error) => void) {
    t.onReply((r) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) t.setBusy(false);
      if (r.ok) p.resolve(r);
      else p.reject(Object.assign(new Error(`worker: ${r.error.message}`), { name: r.error.name === 'MixfitError' ? 'MixfitError' : 'Error' }));
    });
    t.onFailure((e) => { this.kill(e); onFailure(e); });
  }

  request(body: Body, transfer: ArrayBuffer[] = []): Promise<ShardReply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.t.setBusy(true);
      this.t.post({ ...body, id } as ShardRequest, transfer);
    });
  }

  /** Terminates the worker and rejects whatever it still owed. */
  kill(reason: Error): void {
    if (this.dead) return;
    this.dead = reason;
    this.t.terminate();
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
  }
}

/**
 * Starts `threads` workers and sends each its first request (`init(shard, i)`); a worker that fails later calls
 * `onFailure`. If any start or first request fails, every worker started is killed and the error is thrown.
 */
export async function startShards(threads: number, onFailure: (e: Error) => void,
  init: (shard: Shard, i: number) => Promise<unknown>): Promise<Shard[]> {
  const shards: Shard[] = [];
  try {
    const transports = await Promise.all(Array.from({ length: threads }, () => startTransport()));
    for (const t of transports) shards.push(new Shard(t, onFailure));
    await Promise.all(shards.map(init));
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    for (const s of shards) s.kill(err);
    throw err;
  }
  return shards;
}

/** Row bounds of shard `i` of `threads` over `rows` rows (sizes differ by at most one). */
export function shardBounds(rows: number, threads: number, i: number): [number, number] {
  return [Math.floor((i * rows) / threads), Math.floor(((i + 1) * rows) / threads)];
}

/**
 * Worker pool over data `X` (N × d row-major) with optional row weights (N). Workers start lazily on the
 * first pass, stay up across passes (and fits), and stop on {@link ShardPool.terminate}, on an abort of
 * `signal`, or when any of them fails; a later pass starts them again from the data kept here.
 */
export class ShardPool {
  readonly threads: number;
  private shards: Promise<Shard[]> | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly X: Float64Array,
    private readonly rows: number,
    private readonly cols: number,
    private readonly weights: Float64Array | undefined,
    threads: number,
    private readonly variant: KernelVariant,
    /** The compiled build workers instantiate (the caller's, so a user-supplied `wasm` reaches them too). */
    private readonly module: WebAssembly.Module | undefined,
    private readonly precision: Precision = 'float64',
    /** Float32: the centre every shard's layout subtracts (see PoolOptions.center). */
    private readonly center?: Float64Array,
  ) {
    this.threads = Math.max(1, Math.min(threads, rows));
  }

  /** Whether workers are running (or starting). */
  get running(): boolean { return this.shards !== null; }

  private start(): Promise<Shard[]> {
    if (this.shards) return this.shards;
    this.failure = null;
    const starting = startShards(this.threads, (e) => this.fail(e), (s, i) => {
      const [a, b] = shardBounds(this.rows, this.threads, i);
      // Copies of the shard's rows, transferred (not cloned) to the worker.
      const data = this.X.slice(a * this.cols, b * this.cols);
      const weights = this.weights?.slice(a, b);
      return s.request({ type: 'init', variant: this.variant, precision: this.precision, float32Center: this.center, module: this.module, data, rows: b - a, cols: this.cols, weights }, transferables(data, weights));
    });
    this.shards = starting;
    starting.catch(() => { if (this.shards === starting) this.shards = null; });
    return starting;
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.terminate(e);
  }

  /** One pass over all shards, reduced in shard order into `out` (sized for `p`). */
  pass(p: FlatParams, out: PassStats): Promise<PassStats> {
    return this.reduced({ type: 'pass', params: wireParams(p) }, out);
  }

  /** One full/tied pass over all shards, reduced in shard order into `out` (sized for `p`). */
  passFull(p: FullParams, out: FullPassStats): Promise<FullPassStats> {
    return this.reduced({ type: 'passFull', params: wireFullParams(p) }, out);
  }

  /** Sends `body` to every shard and sums their statistics into `out` in shard order (so runs are bit-identical). */
  private async reduced<S extends PassStats | FullPassStats>(body: Extract<Body, { type: 'pass' | 'passFull' }>, out: S): Promise<S> {
    const shards = await this.start();
    const replies = (await Promise.all(shards.map((s) => s.request(body)))) as (Reply<'pass'> | Reply<'passFull'>)[];
    zeroStats(out);
    for (const { stats } of replies) addStats(out, stats as S);
    return out;
  }

  /** Per-row log-density (N) and optionally responsibilities (N × n), gathered from the shards. */
  async score(p: FlatParams, logDensity: Float64Array, resp?: Float64Array): Promise<void> {
    const shards = await this.start();
    const params = wireParams(p);
    const replies = (await Promise.all(shards.map((s) => s.request({ type: 'score', params, resp: !!resp })))) as Reply<'score'>[];
    replies.forEach((r, i) => {
      const [a] = shardBounds(this.rows, this.threads, i);
      logDensity.set(r.logDensity, a);
      if (resp && r.resp) resp.set(r.resp, a * p.n);
    });
  }

  /** Test hook: makes worker `i` crash as an uncaught error would. */
  async crashForTest(i: number): Promise<void> {
    const shards = await this.start();
    void shards[i].request({ type: 'crash' }).catch(() => {});
  }

  /** Stops every worker; pending passes reject with `reason` (default: an AbortError). */
  terminate(reason: Error = new AbortError()): void {
    const current = this.shards;
    this.shards = null;
    current?.then((shards) => { for (const s of shards) s.kill(reason); }, () => {});
  }
}
