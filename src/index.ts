/**
 * mixfit: Gaussian mixture fitting with WebAssembly SIMD kernels and the short/long-step Polyak method.
 * Public surface: explicit re-exports only.
 */
export { MixfitError, AbortError, FitError } from './errors.js';
export {
  GaussianMixture, type GaussianMixtureOptions, type FitOptions, type FitResult, type FitProgress,
} from './estimator.js';
export {
  selectModel, CRITERIA, type Criterion, type ComponentRange, type SelectModelOptions, type SelectModelResult, type SelectModelRow,
} from './select.js';
export type { ModelJSON } from './model/json.js';
export { COVARIANCES } from './types.js';
export type {
  Covariance, KernelChoice, KernelVariant, Matrix, MatrixInput, MixtureParams, MixtureGradient, PassStats,
} from './types.js';
export { loadKernels, loadKernelsSync, resolveVariant, type Kernels, type LoadKernelsOptions, type WasmSource } from './runtime/kernels.js';
export { PRECISIONS, type Precision } from './kernel/precision.js';
export { hasWasmSimd } from './runtime/probe.js';
export { fitInWorker, type FitInWorkerControl, type FitInWorkerOutput, type WorkerLike } from './browser/fitInWorker.js';
export type {
  WorkerFitOptions, WorkerFitResult, ProgressMessage, ProgressInfo, WorkerRequest, WorkerReply,
} from './browser/protocol.js';
export { empiricalObjective, type EmpiricalOptions } from './objective/empirical.js';
export { BackendObjective, type Objective, type ObjectiveKind } from './objective/objective.js';
export { populationObjective, type PopulationOptions } from './objective/population.js';
export { sampleObjective, type SampleObjectiveOptions } from './objective/sample.js';
export { PoolBackend, type PoolOptions } from './parallel/backend.js';
export { PARALLEL_MIN_WORK, type ThreadsOption } from './parallel/threads.js';
export {
  minimize, type MinimizeOptions, type MinimizeResult, type MinimizeStatus, type HistoryRecord,
} from './solvers/minimize.js';
export { STATUS_TABLE } from './solvers/status.js';
export { SOLVERS, type SolverName } from './solvers/options.js';
export { lineChartSvg, type LineChartOptions, type LineSeries } from './plot/lineChart.js';
export { scatterSvg, type ScatterOptions } from './plot/scatter.js';
export {
  minimizeFunction, type FunctionMinimizeOptions, type FunctionMinimizeResult,
} from './solvers/vector.js';
export {
  openSource, isRowSource, type RowSource, type OpenSourceOptions, type SourceFormat,
} from './stream/source.js';
export { streamingObjective, StreamBackend, type StreamingOptions, type ScoreChunk } from './stream/objective.js';
export type { StreamFitOptions } from './stream/fitSource.js';
export {
  sqlSource, sqlObjective, SqlObjective, isSqlSource, type SqlAdapter, type SqlSource, type SqlSourceOptions,
} from './sql/objective.js';
export { passQuery, passColumns, fullPassQuery, fullPassColumns, sqlNumber, DIALECTS, type SqlDialect, type SqlTable, type DialectRules } from './sql/query.js';
