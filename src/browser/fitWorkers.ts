/**
 * Fit workers started by the library itself (selectModel's candidates side by side): the inlined fit-worker
 * bundle in `worker_threads` (Node) or a Web Worker (browsers, from a `blob:` URL), each wrapped as the
 * {@link WorkerLike} that {@link fitInWorker} drives, so both runtimes speak the `mixfit/worker` protocol.
 */
import fitWorkerCode from 'mixfit:fit-worker-code';
import { startTransport, type ShardTransport } from '../parallel/transport.js';
import type { WorkerLike } from './fitInWorker.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

type MessageListener = (e: MessageEvent<WorkerReply>) => void;
type ErrorListener = (e: ErrorEvent) => void;

/** A started fit worker: what fitInWorker drives, and how to stop it. */
export interface FitWorker {
  worker: WorkerLike;
  /** Stops the worker at once (a fit in flight is dropped: its fitInWorker promise never settles). */
  terminate(): void;
}

/** The transport's single reply/failure callbacks fanned out to add/removeEventListener listeners. */
class TransportWorker implements WorkerLike {
  private readonly onMessage = new Set<MessageListener>();
  private readonly onError = new Set<ErrorListener>();

  constructor(private readonly t: ShardTransport) {
    t.onReply((reply) => { for (const l of [...this.onMessage]) l({ data: reply as unknown as WorkerReply } as MessageEvent<WorkerReply>); });
    t.onFailure((e) => { for (const l of [...this.onError]) l({ message: e.message } as ErrorEvent); });
  }

  postMessage(message: WorkerRequest, transfer: Transferable[]): void {
    this.t.post(message as never, transfer as ArrayBuffer[]);
  }

  addEventListener(type: 'message' | 'error', listener: MessageListener | ErrorListener): void {
    if (type === 'message') this.onMessage.add(listener as MessageListener);
    else this.onError.add(listener as ErrorListener);
  }

  removeEventListener(type: 'message' | 'error', listener: MessageListener | ErrorListener): void {
    if (type === 'message') this.onMessage.delete(listener as MessageListener);
    else this.onError.delete(listener as ErrorListener);
  }
}

/** Starts one fit worker for this runtime; it keeps a Node process alive until terminated. */
export async function startFitWorker(): Promise<FitWorker> {
  const t = await startTransport(fitWorkerCode);
  t.setBusy(true);
  return { worker: new TransportWorker(t), terminate: () => t.terminate() };
}
