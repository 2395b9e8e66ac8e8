import { MixfitError } from '../errors.js';
import { resolveTable } from '../optionTable.js';
import { newPassStats } from '../kernel/backend.js';
import { varianceAt } from '../model/mixture.js';
import { Rng } from '../model/rng.js';
import { PoolBackend } from '../parallel/backend.js';
import { resolveThreads, type ThreadsOption } from '../parallel/threads.js';
import { loadKernels, type LoadKernelsOptions } from '../runtime/kernels.js';
import type { FlatParams, MixtureParams } from '../types.js';
import { readParams } from '../validate.js';
import { BackendObjective } from './objective.js';
import { POPULATION_TABLE } from './options.js';
import { tensorGaussHermite } from './quadrature.js';
import { sampleMixture } from './sample.js';

/** Options of {@link populationObjective}. */
export interface PopulationOptions extends LoadKernelsOptions {
  /** Worker threads for asynchronous passes: a positive integer or 'auto' (default; see README "Parallel"). */
  threads?: ThreadsOption;
  /** Gauss–Hermite nodes per dimension (d ≤ 3), integer in [2, 200]; default 40. */
  nodes?: number;
  /** Use a seeded Monte Carlo sample of this many points instead of quadrature (default for d > 3: 200 000). */
  samples?: number;
  /** Seed of the Monte Carlo sample (default 0). */
  seed?: number;
}

/** Weights below this fraction of the largest grid weight are dropped (mass < 1e-14 even in 3-D at 40 nodes). */
const NODE_CUTOFF = 1e-18;
/** Monte Carlo rows used when d > 3 and `samples` is not given. */
export const DEFAULT_POPULATION_SAMPLES = 200_000;

/**
 * KL(p* ‖ p_θ) in nats for a known mixture `truth` (means m × d, weights, variances):
 * F(θ) = E_{p*}[log p*(x)] − E_{p*}[log p_θ(x)], as one kernel pass over weighted points.
 * - d ≤ 3 (and no `samples`): each true component's tensor Gauss–Hermite grid (nodes^d points, mapped by
 *   μ*_j + σ*_j z), with per-point weight w*_j × node weight. The offset E_{p*}[log p*] is computed with
 *   the SAME points, so F is 0 at the truth and ≥ 0 up to quadrature error; `knownOptimum` is 0 (the
 *   optimum when the model can represent the truth; a lower bound otherwise).
 * - d > 3 or `samples` given: a fixed seeded sample from the truth (default 200 000 rows); the loss is the
 *   sample log-likelihood ratio, which is 0 at the truth but can dip slightly below 0 elsewhere, so
 *   `knownOptimum` is undefined there.
 * Accuracy: log p* has complex poles near the real axis between true components, so the rule converges
 * geometrically but not fast. Far from the truth (separated components, unequal variances) 40 nodes give
 * ~1e-6 relative error; near the optimum the integrand is small and the absolute error is ~1e-11 (E2:
 * the quadrature KL dips to about −2e-11 at its own minimiser). Raise `nodes` for tighter floors.
 * @throws MixfitError for invalid `truth`, `nodes`, `samples` or `seed`.
 */
export async function populationObjective(truth: MixtureParams, options: PopulationOptions = {}): Promise<BackendObjective> {
  const p = readParams(truth, 'truth');
  resolveTable(POPULATION_TABLE, options);
  const nodes = options.nodes ?? 40;
  if (typeof nodes !== 'number' || !Number.isInteger(nodes) || nodes < 2 || nodes > 200)
    throw new MixfitError('options.nodes', 'must be an integer in [2, 200]', nodes);
  const samples = options.samples ?? (p.d > 3 ? DEFAULT_POPULATION_SAMPLES : undefined);
  if (samples !== undefined && (typeof samples !== 'number' || !Number.isInteger(samples) || samples < 1))
    throw new MixfitError('options.samples', 'must be an integer ≥ 1', samples);
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new MixfitError('options.seed', 'must be a finite number', seed);

  const kernels = await loadKernels({ kernel: options.kernel, wasm: options.wasm });
  let X: Float64Array, c: Float64Array | undefined, rows: number;
  if (samples === undefined) ({ X, c, rows } = quadraturePoints(p, nodes));
  else { X = sampleMixture(p, samples, new Rng(seed)); rows = samples; c = undefined; }
  const backend = kernels.createBackend(X, rows, p.d, c);
  // The offset goes through the very same pass as the loss, so F(truth) cancels to rounding.
  const s = backend.pass(p, newPassStats(p.n, p.d, p.layout === 'diagonal'));
  const offset = s.sumLogLik / s.totalWeight;
  if (!Number.isFinite(offset)) {
    backend.dispose();
    throw new MixfitError('truth', 'must have a finite log-density at its own quadrature nodes', offset);
  }
  const knownOpt = samples === undefined ? 0 : undefined;
  const threads = await resolveThreads(options.threads, rows, p.d);
  if (threads > 1) {
    backend.dispose();
    return new BackendObjective(new PoolBackend(kernels, X, rows, p.d, c, { threads }), 'population', offset, knownOpt);
  }
  return new BackendObjective(backend, 'population', offset, knownOpt);
}

/** Tensor Gauss–Hermite points of every true component with weights w*_j × node weight. */
function quadraturePoints(p: FlatParams, nodes: number): { X: Float64Array; c: Float64Array; rows: number } {
  const { n, d } = p;
  const rule = tensorGaussHermite(nodes, d, NODE_CUTOFF);
  const M = rule.count;
  const X = new Float64Array(n * M * d);
  const c = new Float64Array(n * M);
  for (let i = 0; i < n; i++) {
    const wi = Math.exp(p.logWeights[i]);
    for (let k = 0; k < M; k++) {
      const row = i * M + k;
      c[row] = wi * rule.weights[k];
      for (let j = 0; j < d; j++) {
        X[row * d + j] = p.means[i * d + j] + Math.sqrt(varianceAt(p, i, j)) * rule.points[k * d + j];
      }
    }
  }
  return { X, c, rows: n * M };
}
