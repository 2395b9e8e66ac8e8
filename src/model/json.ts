/**
 * The model file (DESIGN.md §4): `{ means, weights, variances, covariance }` — exactly what
 * `GaussianMixture#toJSON` writes and `GaussianMixture.fromJSON` and `mixfit score|predict|sample` read.
 * Numbers go through JSON unchanged (JS prints the shortest round-tripping decimal), so a round trip is exact.
 */
import { MixfitError } from '../errors.js';
import type { Covariance, FlatParams, MixtureParams } from '../types.js';
import { clonePublicParams, readParams } from '../validate.js';

/** The MODEL.json document. */
export interface ModelJSON {
  /** n × d. */
  means: number[][];
  /** n, summing to 1. */
  weights: number[];
  /** One shared σ² ('fixed'), n values ('spherical') or n × d ('diagonal'). */
  variances: number | number[] | number[][];
  covariance: Covariance;
}

const LAYOUT_OF: Record<Covariance, FlatParams['layout']> = { fixed: 'shared', spherical: 'component', diagonal: 'diagonal' };
const COVARIANCE_OF: Record<FlatParams['layout'], Covariance> = { shared: 'fixed', component: 'spherical', diagonal: 'diagonal' };

/** A model document from public parameters (deep copies). */
export function modelToJSON(p: Required<MixtureParams>, covariance: Covariance): ModelJSON {
  const { means, weights, variances } = clonePublicParams(p);
  return { means, weights, variances, covariance };
}

/**
 * Reads a model document (an object or its JSON text). `covariance` may be omitted (inferred from the
 * shape of `variances`); when given it must agree with that shape. `weights` default to uniform and
 * `variances` to 1.
 * @throws MixfitError naming `json` or `json.<field>`.
 */
export function modelFromJSON(json: unknown): { params: Required<MixtureParams>; flat: FlatParams; covariance: Covariance } {
  let doc = json;
  if (typeof json === 'string') {
    try { doc = JSON.parse(json); } catch (e) { throw new MixfitError('json', 'must be valid JSON', (e as Error).message); }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new MixfitError('json', 'must be an object { means, weights, variances, covariance }', doc);
  const o = doc as Partial<ModelJSON>;
  const flat = readParams({ means: o.means as number[][], weights: o.weights, variances: o.variances }, 'json');
  const inferred = COVARIANCE_OF[flat.layout];
  const covariance = o.covariance ?? inferred;
  if (!(covariance in LAYOUT_OF)) throw new MixfitError('json.covariance', "must be one of 'fixed', 'spherical', 'diagonal'", covariance);
  if (LAYOUT_OF[covariance] !== flat.layout)
    throw new MixfitError('json.covariance', `must match the shape of json.variances (${inferred})`, covariance);
  const params: Required<MixtureParams> = clonePublicParams({
    means: o.means as number[][],
    weights: o.weights ?? Array.from(flat.logWeights, Math.exp),
    variances: o.variances ?? 1,
  });
  return { params, flat, covariance };
}
