/**
 * The start model of one restart, in the internal model's form: means from init (k-means++, random rows or
 * the user's model), weights from weightsInit/init/uniform, and variances per covariance layout (the
 * diagonal layouts) or scikit-learn's hard-assignment covariances ('full'/'tied').
 */
import { FitError } from '../errors.js';
import { spreadMessage } from '../model/dataScale.js';
import { hardAssignmentStart, readCovariances } from '../model/fullModel.js';
import { kmeansPlusPlus, randomRows, startVariances } from '../model/init.js';
import { diagonalMixture, matrixMixture, type DiagonalMixture, type MatrixMixture } from '../model/mixture.js';
import type { Rng } from '../model/rng.js';
import type { FlatParams, FullMixtureParams, Matrix } from '../types.js';
import { readMatrix } from '../validate.js';
import type { Resolved } from './options.js';

function spreadError(M: Matrix): FitError {
  return new FitError(spreadMessage(M.data.reduce((a, x) => Math.max(a, Math.abs(x)), 0)));
}

/** σ² of covariance 'fixed': options.variance, else the init's shared value, else 1. */
export function fixedVariance(o: Readonly<Resolved>, init: FlatParams | undefined): number {
  return o.variance ?? (init?.layout === 'shared' ? init.variances[0] : 1);
}

/**
 * The start of one diagonal-layout restart over data M (N × d, row weights `w`). `init` is the user's start
 * model validated at construction (undefined for 'kmeans++'/'random'); its variances, when given, are kept
 * in their own layout (the solver broadcasts them). 'fixed' takes σ² = options.variance, the init's shared
 * value, else 1. @throws FitError when the start variances overflow float64.
 */
export function diagonalStart(o: Readonly<Resolved>, init: FlatParams | undefined, hasVariances: boolean, M: Matrix,
  w: Float64Array | undefined, rng: Rng): DiagonalMixture {
  const n = o.nComponents, d = M.cols;
  const means = init ? init.means.slice() : o.init === 'random' ? randomRows(M, n, rng) : kmeansPlusPlus(M, n, rng, w);
  // weightsInit and init.weights are never both given; an init without weights holds uniform ones.
  const logWeights = o.weightsInit ? Float64Array.from(o.weightsInit, Math.log) : init ? init.logWeights.slice() : new Float64Array(n).fill(-Math.log(n));
  let flat: FlatParams;
  if (o.covariance === 'fixed') {
    flat = { n, d, means, logWeights, variances: new Float64Array([fixedVariance(o, init)]), layout: 'shared' };
  } else if (init && hasVariances) {
    flat = { n, d, means, logWeights, variances: init.variances.slice(), layout: init.layout };
  } else {
    const cov = o.covariance as 'spherical' | 'diagonal';
    const v = startVariances(M, means, n, cov, o.regCovar, w);
    if (!v.every(Number.isFinite)) throw spreadError(M);
    flat = { n, d, means, logWeights, variances: v, layout: cov === 'spherical' ? 'component' : 'diagonal' };
  }
  return diagonalMixture(flat);
}

/**
 * The start of one full/tied restart: means from init (or k-means++ / random rows, then scikit-learn's
 * hard-assignment M-step: cluster means, fractions and scatter + regCovar·I), weights from
 * weightsInit/init/the clusters (uniform when fixed), covariances from init or the clusters.
 */
export function matrixStart(o: Readonly<Resolved>, M: Matrix, w: Float64Array | undefined, rng: Rng): MatrixMixture {
  const n = o.nComponents, d = M.cols, tied = o.covariance === 'tied';
  const init = typeof o.init === 'object' ? o.init as FullMixtureParams : undefined;
  const centres = init ? readMatrix(init.means, 'options.init.means', d).data
    : o.init === 'random' ? randomRows(M, n, rng) : kmeansPlusPlus(M, n, rng, w);
  const hard = !init?.covariances ? hardAssignmentStart(M, w, centres, n, tied, o.regCovar) : undefined;
  if (hard && !hard.covariances.every(Number.isFinite)) throw spreadError(M);
  const means = init ? centres : hard!.means;
  const covariances = init?.covariances ? readCovariances(init.covariances, n, d, tied, 'options.init.covariances') : hard!.covariances;
  const weights = init?.weights ?? o.weightsInit ?? (o.weights === 'learned' && hard ? hard.weights : new Array<number>(n).fill(1 / n));
  return matrixMixture(means, weights, covariances, n, d, tied, { regCovar: o.regCovar });
}
