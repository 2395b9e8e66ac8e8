/** The estimator's import path: `GaussianMixture` and its types (the code lives in src/estimator/). */
export { GaussianMixture } from './estimator/gaussianMixture.js';
export {
  DEFAULT_COVARIANCE, type FitOptions, type FitProgress, type FitResult, type FittedParams, type GaussianMixtureOptions, type SourceScoreOptions,
} from './estimator/options.js';
