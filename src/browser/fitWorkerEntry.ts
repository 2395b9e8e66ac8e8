/**
 * Entry of the inlined fit-worker bundle (scripts/worker-code.mjs → 'mixfit:fit-worker-code'), started by
 * fitWorkers.ts in worker_threads or as a Web Worker. Its starter prepends a prelude that sets
 * `globalThis.__mixfitPort`, so this file has no platform imports.
 */
import { createFitHandler } from './fitHandler.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

interface Port {
  post(msg: WorkerReply): void;
  listen(fn: (msg: WorkerRequest) => void): void;
}

const port = (globalThis as unknown as { __mixfitPort: Port }).__mixfitPort;
port.listen(createFitHandler((m) => port.post(m)));
