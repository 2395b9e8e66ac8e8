/**
 * The option tables of the objective constructors (empiricalObjective, populationObjective,
 * sampleObjective): the kernel and thread options they share, plus each one's own. Checked by
 * resolveTable, so an unknown option is rejected as it is by GaussianMixture and minimize.
 */
import { any, signalLike, threadsOption, wasmSource, type OptionTable } from '../optionTable.js';
import { kernelChoice, type LoadKernelsOptions } from '../runtime/kernels.js';
import type { ThreadsOption } from '../parallel/threads.js';

/** Options every objective constructor takes. */
const SHARED: OptionTable<LoadKernelsOptions & { threads?: ThreadsOption }> = {
  kernel: [kernelChoice, undefined],
  wasm: [wasmSource, undefined],
  threads: [threadsOption, undefined],
};

/** empiricalObjective: sample weights (checked against the data), an abort signal and the precision (checked by readPrecision). */
export const EMPIRICAL_TABLE = { ...SHARED, sampleWeight: [any, undefined], signal: [signalLike, undefined], precision: [any, undefined] } as const;
/** populationObjective: nodes, samples and seed are checked where their ranges are known. */
export const POPULATION_TABLE = { ...SHARED, nodes: [any, undefined], samples: [any, undefined], seed: [any, undefined] } as const;
/** sampleObjective: rows and seed, checked where they are used. */
export const SAMPLE_TABLE = { ...SHARED, rows: [any, undefined], seed: [any, undefined] } as const;
