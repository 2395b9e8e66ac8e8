/**
 * Shared types. Shapes are stated everywhere: matrices are row-major; n = components, d = dimension,
 * N = rows of data.
 */

/**
 * The covariance layouts, the one list the option tables, the model file and the CLI read. The first three
 * are diagonal: `fixed` (one shared σ² given by the user), `spherical` (σ_i² per component), `diagonal`
 * (σ_ij² per component and dimension). `full` (a d×d covariance per component) and `tied` (one d×d
 * covariance shared by all components) are the matrix layouts. Every solver covers all five, in
 * GaussianMixture and in `minimize`.
 */
export const COVARIANCES = ['fixed', 'spherical', 'diagonal', 'full', 'tied'] as const;
/** The layouts with a covariance matrix per component (full) or shared (tied). */
export const MATRIX_COVARIANCES = ['full', 'tied'] as const;
/** The diagonal layouts, those of {@link FlatParams}. */
export const DIAGONAL_COVARIANCES = COVARIANCES.filter((c): c is Covariance => !(MATRIX_COVARIANCES as readonly string[]).includes(c));
/** Any covariance layout of {@link COVARIANCES}. */
export type CovarianceType = (typeof COVARIANCES)[number];
/** A layout with covariance matrices ('full' | 'tied'). */
export type MatrixCovariance = (typeof MATRIX_COVARIANCES)[number];
/** How variances are modelled in the diagonal layouts ('fixed' | 'spherical' | 'diagonal'). */
export type Covariance = Exclude<CovarianceType, MatrixCovariance>;

/** Whether `c` is 'full' or 'tied'. */
export function isMatrixCovariance(c: string): c is MatrixCovariance {
  return (MATRIX_COVARIANCES as readonly string[]).includes(c);
}

/**
 * The kernel names, the one list the option table, the CLI and the loader read. `auto` takes the first
 * of the others this runtime validates: `relaxed` (SIMD with relaxed-SIMD fused multiply-adds), `simd`,
 * `scalar` (WebAssembly without SIMD), `js`.
 */
export const KERNEL_CHOICES = ['auto', 'relaxed', 'simd', 'scalar', 'js'] as const;
/** Which kernel implementation runs the fused pass. */
export type KernelChoice = (typeof KERNEL_CHOICES)[number];
/** A concrete kernel implementation. */
export type KernelVariant = Exclude<KernelChoice, 'auto'>;

/** A matrix in flat form: `data` is row-major `rows × cols` float64. */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Input accepted for data: an array of rows or a flat matrix. */
export type MatrixInput = number[][] | Matrix;

/** Public mixture parameters (what users pass and receive). */
export interface MixtureParams {
  /** n × d component means. */
  means: number[][];
  /** n mixing weights summing to 1 (default uniform). */
  weights?: number[];
  /** σ²: one shared number, n per-component values, or an n × d array (diagonal). Default 1. */
  variances?: number | number[] | number[][];
}

/** Public parameters of a full or tied mixture (a start model, or what a full/tied fit returns). */
export interface FullMixtureParams {
  /** n × d component means. */
  means: number[][];
  /** n mixing weights summing to 1 (default uniform). */
  weights?: number[];
  /** n × d × d covariance matrices ('full') or one d × d matrix ('tied'), symmetric positive definite. */
  covariances?: number[][][] | number[][];
}

/**
 * Fitted parameters: means n × d, weights n, variances as modelled; with covariance 'full' or 'tied' also
 * `covariances` (n × d × d, or d × d) and `variances` holding their diagonals (n × d, the marginal variances).
 */
export type FittedParams = Required<MixtureParams> & Pick<FullMixtureParams, 'covariances'>;

/** How the variance array of {@link FlatParams} is laid out. */
export type VarianceLayout = 'shared' | 'component' | 'diagonal';

/**
 * Validated parameters in the flat layout used by kernels and solvers. Never exposed to users directly.
 * `variances` has length 1 (`shared`), n (`component`) or n·d (`diagonal`, row-major n × d).
 */
export interface FlatParams {
  n: number;
  d: number;
  /** n·d, row-major n × d. */
  means: Float64Array;
  /** n, log w_i with Σ w_i = 1. */
  logWeights: Float64Array;
  variances: Float64Array;
  layout: VarianceLayout;
}

/**
 * Sufficient statistics of one fused pass (ALGORITHM.md §8), with per-point weights c_k:
 * - `totalWeight` = Σ c_k
 * - `sumLogLik` = Σ c_k ℓ(x_k)
 * - `R` (n): R_i = Σ c_k r_ik
 * - `S` (n·d): S_i = Σ c_k r_ik x_k
 * - `Q` (n, or n·d for the diagonal layout): Σ c_k r_ik ‖x_k − μ_i‖²/σ_i² (per dimension for diagonal)
 */
export interface PassStats {
  totalWeight: number;
  sumLogLik: number;
  R: Float64Array;
  S: Float64Array;
  Q: Float64Array;
}

/** Gradient in the public shapes (same shapes as the parameters). */
export interface MixtureGradient {
  /** n × d: ∂L/∂μ. */
  means: number[][];
  /** n: ∂L/∂α for softmax logits α (w = softmax(α)). */
  logWeights: number[];
  /** ∂L/∂s for s = log σ²: a number (shared), n values, or n × d (diagonal). */
  logVariances: number | number[] | number[][];
}
