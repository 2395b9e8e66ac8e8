/** A known optimal value f* (e.g. 0 for a realizable population KL): f̂ never changes. */
import type { EstimatorFactory } from './estimator.js';

/** f̂ = `value` always. */
export function knownOptimum(value: number): EstimatorFactory {
  return () => ({
    name: 'known',
    estimate: () => value,
    report: () => {},
    current: () => value,
  });
}
