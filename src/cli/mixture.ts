/**
 * The CLI's model operations over the existing lower-level API (empiricalObjective + minimize for fitting,
 * the kernel backend's score pass for densities, the seeded Rng for sampling). Written because
 * src/estimator.ts (GaussianMixture) had not landed when the CLI was due; it mirrors the subset of the
 * DESIGN §3 API the CLI needs, so switching to GaussianMixture is a one-import change.
 */
import { AbortError } from '../errors.js';
import { Rng } from '../model/rng.js';
import { empiricalObjective } from '../objective/empirical.js';
import { loadKernels, type LoadKernelsOptions } from '../runtime/kernels.js';
import { minimize, type MinimizeOptions, type MinimizeResult } from '../solvers/minimize.js';
import type { Matrix, MixtureParams } from '../types.js';
import { readParams } from '../validate.js';

/** Fit options: MinimizeOptions plus the estimator-level ones the CLI exposes. */
export interface CliFitOptions extends MinimizeOptions {
  nComponents: number;
  seed?: number;
  init?: 'kmeans++' | 'random' | MixtureParams;
  weightsInit?: number[];
  threads?: number;
  kernel?: LoadKernelsOptions['kernel'];
}

/** A fitted or loaded mixture: means n × d, weights n, variances number | n | n × d. */
export class CliMixture {
  params?: Required<MixtureParams>;
  constructor(private readonly o: CliFitOptions = { nComponents: 1 }) {}

  /** Fits X (N × d). On abort, rejects with AbortError carrying `.result` (best iterate so far). */
  async fit(X: Matrix): Promise<MinimizeResult> {
    const { nComponents, seed, init, weightsInit, threads, kernel, onIteration, ...rest } = this.o;
    const objective = await empiricalObjective(X, { kernel, ...(threads !== undefined ? { threads } : {}) } as never);
    const start = startParams(X, nComponents, init ?? 'kmeans++', new Rng(seed ?? 0), weightsInit, rest.variance);
    let best: MinimizeResult | undefined;
    try {
      const result = await minimize(objective, start, {
        ...rest,
        onIteration: (info) => {
          if (!best || info.loss <= best.loss) best = { params: info.params, loss: info.loss } as MinimizeResult;
          return onIteration?.(info);
        },
      });
      this.params = result.params;
      if (result.status === 'aborted') throw Object.assign(new AbortError('the fit was aborted'), { result });
      return result;
    } catch (e) {
      if ((e as Error).name === 'AbortError' && !(e as { result?: unknown }).result) Object.assign(e as object, { result: best });
      throw e;
    } finally {
      objective.dispose();
    }
  }

  /** MODEL.json document: {means, weights, variances, covariance}. */
  toJSON(): { means: number[][]; weights: number[]; variances: number | number[] | number[][]; covariance: string } {
    const p = this.params!;
    return { means: p.means, weights: p.weights, variances: p.variances, covariance: this.o.covariance ?? 'fixed' };
  }

  /** Loads a model written by {@link toJSON}. */
  static fromJSON(j: { means: number[][]; weights?: number[]; variances?: number | number[] | number[][]; covariance?: string }): CliMixture {
    const m = new CliMixture({ nComponents: j.means.length, covariance: (j.covariance ?? 'fixed') as never });
    m.params = { means: j.means, weights: j.weights ?? j.means.map(() => 1 / j.means.length), variances: j.variances ?? 1 };
    return m;
  }

  /** Per-row log-density (N) and responsibilities (N × n, row-major) by one kernel score pass. */
  async scoreAll(X: Matrix): Promise<{ logDensity: Float64Array; resp: Float64Array }> {
    const flat = readParams(this.params!, 'model', X.cols);
    const backend = (await loadKernels({})).createBackend(X.data, X.rows, X.cols);
    try {
      const logDensity = new Float64Array(X.rows), resp = new Float64Array(X.rows * flat.n);
      backend.score(flat, logDensity, resp);
      return { logDensity, resp };
    } finally {
      backend.dispose();
    }
  }

  /** n rows drawn from the mixture with a seeded generator (N × d rows). */
  sample(n: number, seed = 0): number[][] {
    const p = readParams(this.params!, 'model');
    const rng = new Rng(seed);
    const w = Array.from(p.logWeights, Math.exp);
    const out: number[][] = [];
    for (let k = 0; k < n; k++) {
      const i = rng.categorical(w);
      const row: number[] = [];
      for (let j = 0; j < p.d; j++) {
        const v = p.layout === 'shared' ? p.variances[0]! : p.layout === 'component' ? p.variances[i]! : p.variances[i * p.d + j]!;
        row.push(p.means[i * p.d + j]! + Math.sqrt(v) * rng.normal());
      }
      out.push(row);
    }
    return out;
  }
}

/** Start parameters: k-means++ (D² sampling) or random distinct rows, or a user model. */
function startParams(X: Matrix, n: number, init: NonNullable<CliFitOptions['init']>, rng: Rng, weightsInit: number[] | undefined, variance: number | undefined): MixtureParams {
  if (typeof init === 'object') return { ...init, weights: weightsInit ?? init.weights };
  const d = X.cols, row = (r: number) => Array.from(X.data.subarray(r * d, (r + 1) * d));
  const chosen: number[] = [rng.int(X.rows)];
  if (init === 'random') {
    while (chosen.length < n) { const r = rng.int(X.rows); if (!chosen.includes(r) || X.rows < n) chosen.push(r); }
  } else {
    const dist = new Float64Array(X.rows).fill(Infinity);
    while (chosen.length < n) {
      const c = chosen[chosen.length - 1]!;
      for (let r = 0; r < X.rows; r++) {
        let s = 0;
        for (let j = 0; j < d; j++) { const t = X.data[r * d + j]! - X.data[c * d + j]!; s += t * t; }
        if (s < dist[r]!) dist[r] = s;
      }
      // All-zero distances (duplicated rows) fall back to a uniform draw.
      chosen.push(dist.some((v) => v > 0) ? rng.categorical(dist) : rng.int(X.rows));
    }
  }
  return { means: chosen.map(row), weights: weightsInit, variances: variance ?? 1 };
}
