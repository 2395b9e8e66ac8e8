/**
 * Entry of the worker bundle (built into a string and inlined into the main bundles). The pool prepends
 * a prelude that sets `globalThis.__mixfitPort` for its transport, so this file has no platform imports.
 */
import type { ShardRequest } from './protocol.js';
import { createShardHandler } from './shard.js';

interface Port {
  post(msg: unknown, transfer: ArrayBuffer[]): void;
  listen(fn: (msg: ShardRequest) => void): void;
}

const port = (globalThis as unknown as { __mixfitPort: Port }).__mixfitPort;
const handle = createShardHandler();
// Requests are handled one at a time, in arrival order, so replies keep the order of requests.
let queue: Promise<void> = Promise.resolve();
port.listen((msg) => {
  queue = queue.then(async () => {
    const { reply, transfer } = await handle(msg);
    port.post(reply, transfer);
  });
});
