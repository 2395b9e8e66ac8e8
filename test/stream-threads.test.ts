// Streamed passes on workers (issue 15: `threads` shard the chunks) and full/tied covariances over sources
// and the worker pool: a pass with T workers equals the one-thread streamed pass bit for bit (chunk
// statistics are added in chunk order whoever computed them) and the in-memory pass to 1e-12; fits with
// covariance 'full'/'tied' on a file source or with threads: 2 equal the in-memory one-thread fit. Node only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GaussianMixture, openSource, type PassStats } from '../src/index.js';
import { newFullPassStats, type FullParams, type FullPassStats } from '../src/kernel/fullLayout.js';
import { newPassStats } from '../src/kernel/backend.js';
import { matrixMixture } from '../src/model/mixture.js';
import { Rng } from '../src/model/rng.js';
import { PoolBackend } from '../src/parallel/backend.js';
import { loadKernels } from '../src/runtime/kernels.js';
import { StreamBackend } from '../src/stream/objective.js';
import type { FlatParams } from '../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'mixfit-stream-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mixture(seed: number, N: number, d: number): Float64Array {
  const rng = new Rng(seed);
  const X = new Float64Array(N * d);
  for (let k = 0; k < N; k++) {
    const c = rng.int(3);
    for (let j = 0; j < d; j++) X[k * d + j] = 3 * c * (j % 2 ? -1 : 1) + (0.5 + c) * rng.normal() + 0.3 * (j > 0 ? X[k * d] : 0);
  }
  return X;
}

function writeF64(name: string, X: Float64Array): string {
  const p = join(dir, name);
  writeFileSync(p, new Uint8Array(X.buffer, X.byteOffset, X.byteLength));
  return p;
}

function flatParams(rng: Rng, n: number, d: number): FlatParams {
  return { n, d, layout: 'diagonal', means: new Float64Array(n * d).map(() => 3 * rng.normal()),
    logWeights: new Float64Array([0.2, 0.3, 0.5].slice(0, n)).map(Math.log), variances: new Float64Array(n * d).map(() => 0.5 + 2 * rng.uniform()) };
}

/** Random SPD covariances (A Aᵀ + I) as a full/tied model's pass parameters. */
function fullParams(rng: Rng, n: number, d: number, tied: boolean): FullParams {
  const blocks = tied ? 1 : n;
  const cov = new Float64Array(blocks * d * d);
  for (let b = 0; b < blocks; b++) {
    const A = Array.from({ length: d * d }, () => rng.normal());
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = i === j ? 1 : 0;
      for (let k = 0; k < d; k++) s += A[i * d + k] * A[j * d + k];
      cov[b * d * d + i * d + j] = s;
    }
  }
  const means = new Float64Array(n * d).map(() => 3 * rng.normal());
  return matrixMixture(means, [0.2, 0.3, 0.5].slice(0, n), cov, n, d, tied).pass;
}

type AnyStats = PassStats | FullPassStats;
const arrays = (s: AnyStats) => ('scatter' in s ? [s.R, s.S, s.scatter] : [s.R, s.S, s.Q]);
const copy = <S extends AnyStats>(s: S): S => JSON.parse(JSON.stringify({ ...s, arrays: arrays(s).map((a) => Array.from(a)) }));

/** Every statistic within tol of `b`, relative to its block's largest entry. */
function expectClose(a: AnyStats, b: AnyStats, tol: number): void {
  expect(Math.abs(a.sumLogLik - b.sumLogLik) / Math.abs(b.sumLogLik)).toBeLessThanOrEqual(tol);
  expect(a.totalWeight).toBe(b.totalWeight);
  const A = arrays(a), B = arrays(b);
  B.forEach((blk, k) => {
    const scale = Math.max(...Array.from(blk, Math.abs));
    blk.forEach((v, i) => expect(Math.abs(A[k][i] - v) / scale).toBeLessThanOrEqual(tol));
  });
}

describe('threads shard the chunks of a streamed pass', () => {
  const N = 1001, d = 4;
  const X = mixture(3, N, d);
  const path = writeF64('a.f64', X);

  for (const chunkRows of [97, 256]) {
    it(`T = 1, 2, 3 workers: equal bit for bit, and the in-memory pass to 1e-12 (chunks of ${chunkRows}; diagonal, full, tied)`, async () => {
      const kernels = await loadKernels();
      const src = await openSource(path, { cols: d });
      const mem = kernels.createBackend(X, N, d);
      const streams = [1, 2, 3].map((t) => new StreamBackend(kernels, src, chunkRows, t));
      try {
        expect(streams.map((s) => s.threads)).toEqual([1, 2, 3]);
        const rng = new Rng(chunkRows);
        for (let trial = 0; trial < 2; trial++) {
          const p = flatParams(rng, 3, d);
          const ref = mem.pass(p, newPassStats(3, d, true));
          const got = [];
          for (const s of streams) got.push(copy(await s.passAsync(p, newPassStats(3, d, true))));
          for (const g of got) expectClose(g, ref, 1e-12);
          expect(got[1]).toEqual(got[0]);
          expect(got[2]).toEqual(got[0]);
          for (const tied of [false, true]) {
            const q = fullParams(rng, 3, d, tied);
            const refFull = mem.passFull(q, newFullPassStats(3, d, tied));
            const full = [];
            for (const s of streams) full.push(copy(await s.passFullAsync(q, newFullPassStats(3, d, tied))));
            for (const g of full) expectClose(g, refFull, 1e-12);
            expect(full[1]).toEqual(full[0]);
            expect(full[2]).toEqual(full[0]);
            // The synchronous streamed pass, too.
            expectClose(streams[0].passFull(q, newFullPassStats(3, d, tied)), refFull, 1e-12);
          }
        }
      } finally {
        for (const s of streams) s.dispose();
        mem.dispose();
        src.close();
      }
    });
  }

  it('the resident pool runs the full/tied pass in shard order (T = 2, 3 against one instance, 1e-12)', async () => {
    const kernels = await loadKernels();
    const mem = kernels.createBackend(X, N, d);
    const pools = [2, 3].map((threads) => new PoolBackend(kernels, X, N, d, undefined, { threads }));
    try {
      const rng = new Rng(5);
      for (const tied of [false, true]) {
        const q = fullParams(rng, 3, d, tied);
        const ref = mem.passFull(q, newFullPassStats(3, d, tied));
        for (const pool of pools) {
          const a = copy(await pool.passFullAsync(q, newFullPassStats(3, d, tied)));
          expectClose(a, ref, 1e-12);
          expect(copy(await pool.passFullAsync(q, newFullPassStats(3, d, tied)))).toEqual(a);
        }
      }
    } finally {
      for (const p of pools) p.dispose();
      mem.dispose();
    }
  });
});

describe("covariance 'full' and 'tied' over a file source and over the worker pool", () => {
  const N = 3000, d = 3;
  const X = mixture(9, N, d);
  const path = writeF64('b.f64', X);
  for (const covariance of ['full', 'tied'] as const) {
    it(`${covariance}: fit(source), fit(source, threads 2) and fit(X, threads 2) equal the in-memory fit to 1e-12`, async () => {
      const options = { nComponents: 3, covariance, seed: 4, maxIter: 30, nInit: 1 };
      const ref = new GaussianMixture(options);
      const r0 = await ref.fit({ data: X, rows: N, cols: d }, {});
      const src = await openSource(path, { cols: d });
      try {
        const fits = [
          await new GaussianMixture(options).fit(src, { chunkRows: 512 }),
          await new GaussianMixture({ ...options, threads: 2 }).fit(src, { chunkRows: 512 }),
          await new GaussianMixture({ ...options, threads: 2 }).fit({ data: X, rows: N, cols: d }),
        ];
        for (const r of fits) {
          expect(r.nIter).toBe(r0.nIter);
          expect(Math.abs(r.loss - r0.loss)).toBeLessThanOrEqual(1e-12 * Math.abs(r0.loss));
          const a = (r.params.covariances as unknown as number[]).flat(2), b = (r0.params.covariances as unknown as number[]).flat(2);
          const scale = Math.max(...b.map(Math.abs));
          a.forEach((v, i) => expect(Math.abs(v - b[i]) / scale).toBeLessThanOrEqual(1e-12));
          r.params.means.flat().forEach((v, i) => expect(Math.abs(v - r0.params.means.flat()[i])).toBeLessThanOrEqual(1e-12 * 10));
          expect(r.warnings.some((w) => /threads/.test(w))).toBe(false);
        }
        // Streamed scoring of the full model equals the in-memory scoring.
        const gm = new GaussianMixture(options);
        await gm.fit(src);
        const ld: number[] = [];
        for await (const c of gm.scoreSamplesChunks(src, { chunkRows: 700 })) ld.push(...c);
        const mem = gm.scoreSamples({ data: X, rows: N, cols: d });
        ld.forEach((v, i) => expect(Math.abs(v - mem[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(mem[i]))));
      } finally {
        src.close();
      }
    });
  }
});
