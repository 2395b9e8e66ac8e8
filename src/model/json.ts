/**
 * The model file (DESIGN.md §4): `{ version, means, weights, variances, covariance, learned }` — exactly what
 * `GaussianMixture#toJSON` writes and `GaussianMixture.fromJSON` and `mixfit score|predict|sample` read.
 * Numbers go through JSON unchanged (JS prints the shortest round-tripping decimal), so a round trip is exact,
 * and `learned` records which blocks the fit estimated, so that parameterCount, bic and aic survive it too.
 */
import { MixfitError } from '../errors.js';
import { isKeyOf } from '../optionTable.js';
import { COVARIANCES, isMatrixCovariance, type CovarianceType, type FittedParams, type FullMixtureParams, type MixtureParams } from '../types.js';
import { clonePublicParams, readMatrix, readParams, readWeights } from '../validate.js';
import { readCovariances } from './fullModel.js';
import {
  COVARIANCE_OF, LAYOUT_OF, diagonalMixture, marginalVariances, matrixMixture, publicCovariances, type MatrixMixture, type Mixture,
} from './mixture.js';

/**
 * The newest schema version {@link modelToJSON} writes. 1 (or no `version`): the first format, without
 * `learned` (read as weights fixed, variances learned unless covariance is 'fixed'); 2: adds `learned`;
 * 3: adds covariance 'full'/'tied' with `covariances` in place of `variances`. Diagonal models are still
 * written as version 2 (readable by older mixfit); only full/tied ones need version 3.
 */
export const MODEL_VERSION = 3;
/** The version of diagonal-layout documents. */
const DIAGONAL_VERSION = 2;

/** Which parameter blocks a fit estimated (means always are). */
export interface LearnedBlocks {
  weights: boolean;
  variances: boolean;
}

/** The MODEL.json document. */
export interface ModelJSON {
  /** Schema version ({@link MODEL_VERSION}); absent in version-1 files. */
  version?: number;
  /** n × d. */
  means: number[][];
  /** n, summing to 1. */
  weights: number[];
  /** One shared σ² ('fixed'), n values ('spherical') or n × d ('diagonal'); absent for 'full'/'tied'. */
  variances?: number | number[] | number[][];
  /** 'full': n × d × d; 'tied': d × d (version 3). */
  covariances?: number[][][] | number[][];
  covariance: CovarianceType;
  /** Which blocks were learned (version ≥ 2); `variances` is true exactly when covariance is not 'fixed'. */
  learned?: LearnedBlocks;
}

/** A model document from public parameters (deep copies); `weights` says whether the fit learned them. */
export function modelToJSON(p: Required<MixtureParams> & FullMixtureParams, covariance: CovarianceType, weights: 'fixed' | 'learned' = 'fixed'): ModelJSON {
  const learned = { weights: weights === 'learned', variances: covariance !== 'fixed' };
  if (isMatrixCovariance(covariance)) {
    const { means, weights: w, covariances } = readFullDoc(p, covariance, 'params');
    return { version: MODEL_VERSION, means, weights: w, covariances, covariance, learned };
  }
  const { means, weights: w, variances } = clonePublicParams(p);
  return { version: DIAGONAL_VERSION, means, weights: w, variances, covariance, learned };
}

/** Validated deep copies of a full/tied model's public blocks, and the model the pass reads. */
function readFullDoc(p: FullMixtureParams, covariance: 'full' | 'tied', name: string): Required<FullMixtureParams> & { model: MatrixMixture } {
  const M = readMatrix(p.means, `${name}.means`);
  const n = M.rows, d = M.cols, tied = covariance === 'tied';
  const logW = p.weights === undefined ? new Float64Array(n).fill(-Math.log(n)) : readWeights(p.weights, n, `${name}.weights`);
  if (p.covariances === undefined) throw new MixfitError(`${name}.covariances`, `is required for covariance '${covariance}'`);
  const cov = readCovariances(p.covariances, n, d, tied, `${name}.covariances`);
  const weights = p.weights === undefined ? Array.from(logW, Math.exp) : Array.from(p.weights);
  const model = matrixMixture(new Float64Array(M.data), weights, cov, n, d, tied, { argument: `${name}.covariances` });
  return { means: p.means.map((r) => Array.from(r)), weights, covariances: publicCovariances(cov, n, d, tied), model };
}

/**
 * Reads a model document (an object or its JSON text), version 1 or 2. `covariance` may be omitted
 * (inferred from the shape of `variances`); when given it must agree with that shape. `weights` default to
 * uniform and `variances` to 1; `learned` is undefined for a version-1 file (it did not record it).
 * @throws MixfitError naming `json` or `json.<field>`.
 */
export function modelFromJSON(json: unknown): {
  params: FittedParams; model: Mixture; covariance: CovarianceType; learned: LearnedBlocks | undefined;
} {
  let doc = json;
  if (typeof json === 'string') {
    try { doc = JSON.parse(json); } catch (e) { throw new MixfitError('json', 'must be valid JSON', (e as Error).message); }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new MixfitError('json', 'must be an object { means, weights, variances, covariance }', doc);
  const o = doc as Partial<ModelJSON>;
  const own = <K extends keyof ModelJSON>(k: K): ModelJSON[K] | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);
  const version = own('version') ?? 1;
  if (version !== 1 && version !== 2 && version !== MODEL_VERSION)
    throw new MixfitError('json.version', `must be 1, 2 or ${MODEL_VERSION} (this mixfit reads model files up to version ${MODEL_VERSION})`, version);
  const covarianceGiven = own('covariance');
  if (typeof covarianceGiven === 'string' && isMatrixCovariance(covarianceGiven)) {
    if (version < MODEL_VERSION) throw new MixfitError('json.version', `must be ${MODEL_VERSION} for covariance '${covarianceGiven}'`, version);
    if (own('variances') !== undefined) throw new MixfitError('json.variances', `must not be given for covariance '${covarianceGiven}' (covariances hold the model)`, own('variances'));
    const { means, weights, covariances, model } = readFullDoc({ means: own('means') as number[][], weights: own('weights'), covariances: own('covariances') }, covarianceGiven, 'json');
    const variances = marginalVariances(model.covariances, model.pass.n, model.pass.d, model.pass.tied);
    const learned = readLearned(own('learned'), version, covarianceGiven);
    return { params: { means, weights, variances, covariances }, model, covariance: covarianceGiven, learned };
  }
  if (own('covariances') !== undefined) throw new MixfitError('json.covariances', "must be given with covariance 'full' or 'tied' only", own('covariances'));
  const flat = readParams({ means: own('means') as number[][], weights: own('weights'), variances: own('variances') }, 'json');
  const inferred = COVARIANCE_OF[flat.layout];
  const covariance = own('covariance') ?? inferred;
  if (!isKeyOf(LAYOUT_OF, covariance)) throw new MixfitError('json.covariance', `must be one of ${COVARIANCES.map((c) => `'${c}'`).join(', ')}`, covariance);
  if (LAYOUT_OF[covariance] !== flat.layout)
    throw new MixfitError('json.covariance', `must match the shape of json.variances (${inferred})`, covariance);
  const learned = readLearned(own('learned'), version, covariance);
  const params: Required<MixtureParams> = clonePublicParams({
    means: own('means') as number[][],
    weights: own('weights') ?? Array.from(flat.logWeights, Math.exp),
    variances: own('variances') ?? 1,
  });
  return { params, model: diagonalMixture(flat), covariance, learned };
}

function readLearned(v: unknown, version: number, covariance: CovarianceType): LearnedBlocks | undefined {
  const variances = covariance !== 'fixed';
  if (v === undefined) {
    if (version >= 2) throw new MixfitError('json.learned', `is required in version ${version} files ({ weights: boolean, variances: boolean })`);
    return undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new MixfitError('json.learned', 'must be an object { weights: boolean, variances: boolean }', v);
  const l = v as Record<string, unknown>;
  for (const key of Object.keys(l)) if (key !== 'weights' && key !== 'variances') throw new MixfitError(`json.learned.${key}`, 'is not a field (weights, variances)', l[key]);
  const w = Object.hasOwn(l, 'weights') ? l.weights : undefined;
  const s = Object.hasOwn(l, 'variances') ? l.variances : undefined;
  if (typeof w !== 'boolean') throw new MixfitError('json.learned.weights', 'must be true or false', w);
  if (s !== variances) throw new MixfitError('json.learned.variances', `must be ${variances} for covariance '${covariance}'`, s);
  return { weights: w, variances };
}
