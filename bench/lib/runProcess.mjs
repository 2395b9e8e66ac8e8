// Runs a peer process (the Python benchmarks) to completion and collects its output; never rejects, so a
// missing interpreter becomes { code: -1 } and the caller can skip the peer with a message.
import { spawn } from 'node:child_process';

/** Runs `cmd argv` with `env`, writing `input` (if any) to stdin; resolves { code, stdout, stderr }. */
export function runProcess(cmd, argv, { env = process.env, input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { env });
    let stdout = '', stderr = '';
    child.stdout.on('data', (b) => { stdout += b; });
    child.stderr.on('data', (b) => { stderr += b; });
    child.on('error', (e) => resolve({ code: -1, stdout, stderr: String(e) }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
  });
}
