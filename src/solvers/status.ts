/** The one table of stopping statuses of {@link minimize}: code, whether it counts as converged, message. */

export const STATUS_TABLE = {
  'gradient-tolerance': { code: 0, converged: true, message: 'gradient norm is at or below tol' },
  'loss-tolerance': { code: 1, converged: true, message: 'loss is within lossTol of the known optimum' },
  'max-iter': { code: 2, converged: false, message: 'maximum number of iterations reached' },
  'max-evaluations': { code: 3, converged: false, message: 'maximum number of evaluations reached' },
  'rejections': { code: 4, converged: false, message: 'too many consecutive Polyak trials were rejected (no further progress at this precision)' },
  'callback': { code: 5, converged: false, message: 'stopped by onIteration returning false' },
  'aborted': { code: 6, converged: false, message: 'aborted through the AbortSignal' },
  'loss-change': { code: 8, converged: true, message: 'an EM step changed the loss by at most lossChangeTol (a fixed point of EM)' },
  'non-finite': { code: 7, converged: false, message: 'the loss became NaN or infinite; returning the best finite parameters seen' },
} as const;

/** Why {@link minimize} stopped. */
export type MinimizeStatus = keyof typeof STATUS_TABLE;
