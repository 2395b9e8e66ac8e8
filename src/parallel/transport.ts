/**
 * Worker transports for the shard protocol: `worker_threads` in Node, Web Workers in browsers. Both start
 * from the inlined worker source text, with a prelude that hands the worker its port.
 */
import workerCode from 'mixfit:worker-code';
import type { ShardReply, ShardRequest } from './protocol.js';

/** One live worker as the pool sees it. */
export interface ShardTransport {
  post(msg: ShardRequest, transfer: ArrayBuffer[]): void;
  /** Replies; called once per reply. */
  onReply(fn: (reply: ShardReply) => void): void;
  /** A crash, an unexpected exit or an undeliverable message. */
  onFailure(fn: (err: Error) => void): void;
  /** Whether this worker may keep the process alive (Node; a no-op in browsers). */
  setBusy(busy: boolean): void;
  terminate(): void;
}

const NODE_PRELUDE = `const { parentPort } = require('node:worker_threads');
globalThis.__mixfitPort = { post: (m, t) => parentPort.postMessage(m, t), listen: (f) => parentPort.on('message', f) };\n`;
const WEB_PRELUDE = `globalThis.__mixfitPort = { post: (m, t) => self.postMessage(m, t), listen: (f) => { self.onmessage = (e) => f(e.data); } };\n`;

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

type NodeWorker = import('node:worker_threads').Worker;
let nodeWorkerCtor: Promise<typeof import('node:worker_threads').Worker> | undefined;

async function nodeTransport(code: string): Promise<ShardTransport> {
  // A computed specifier keeps bundlers for the browser from trying to resolve the Node module.
  const spec = 'node:worker_threads';
  nodeWorkerCtor ??= import(/* @vite-ignore */ spec).then((m: typeof import('node:worker_threads')) => m.Worker);
  const Ctor = await nodeWorkerCtor;
  const w: NodeWorker = new Ctor(NODE_PRELUDE + code, { eval: true });
  w.unref();
  let failed: ((e: Error) => void) | undefined;
  let done = false;
  const fail = (e: Error): void => { if (!done) { done = true; failed?.(e); } };
  w.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
  w.on('messageerror', (e) => fail(e instanceof Error ? e : new Error(String(e))));
  w.on('exit', (code) => fail(new Error(`worker exited (code ${code})`)));
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer),
    onReply: (fn) => { w.on('message', fn); },
    onFailure: (fn) => { failed = fn; },
    setBusy: (busy) => { if (busy) w.ref(); else w.unref(); },
    terminate: () => { done = true; void w.terminate(); },
  };
}

function webTransport(code: string): ShardTransport {
  const url = URL.createObjectURL(new Blob([WEB_PRELUDE + code], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  let failed: ((e: Error) => void) | undefined;
  let done = false;
  const fail = (e: Error): void => { if (!done) { done = true; failed?.(e); } };
  w.onerror = (e) => { e.preventDefault(); fail(new Error(e.message || 'worker error')); };
  w.onmessageerror = () => fail(new Error('worker message could not be deserialized'));
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer),
    onReply: (fn) => { w.onmessage = (e: MessageEvent<ShardReply>) => fn(e.data); },
    onFailure: (fn) => { failed = fn; },
    setBusy: () => {},
    terminate: () => { done = true; w.terminate(); },
  };
}

/** Starts one worker for this runtime, running `code` (a worker bundle; default the shard worker's). */
export async function startTransport(code: string = workerCode): Promise<ShardTransport> {
  if (isNode) return nodeTransport(code);
  if (typeof Worker === 'undefined') throw new Error('this runtime has neither worker_threads nor Web Workers');
  return webTransport(code);
}

/** Cores available to this process (Node: `os.availableParallelism()`) or page (`navigator.hardwareConcurrency`); ≥ 1. */
export async function availableCores(): Promise<number> {
  if (isNode) {
    const spec = 'node:os';
    const os = (await import(/* @vite-ignore */ spec)) as typeof import('node:os');
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}
