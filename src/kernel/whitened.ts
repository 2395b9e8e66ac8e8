/**
 * The float32 full/tied pass (assembly/passFullF32.ts) sums its statistics in whitened coordinates
 * y = L·(x − μ_i), L = Uᵀ the factor it ran with (lower triangular, packed by rows: row j holds L[j,0..j] at
 * offset j(j+1)/2). This maps them back in float64: S' = L⁻¹·S_y and M = L⁻¹·M_y·L⁻ᵀ, by forward substitution
 * (d² per mean, d³ per scatter block).
 */

/**
 * In place: S (n·d, S_y → S') and M (blocks·d·d, M_y → M, blocks = 1 when tied, else n), with `packed` the
 * factors (blocks·d(d+1)/2) and `work` scratch of d·d numbers.
 */
export function unwhitenStats(packed: Float64Array, n: number, d: number, tied: boolean, S: Float64Array, M: Float64Array,
  work: Float64Array): void {
  const tri = (d * (d + 1)) / 2;
  for (let i = 0; i < n; i++) solveLower(packed, tied ? 0 : i * tri, d, S, i * d, 1, 1);
  const blocks = tied ? 1 : n;
  for (let b = 0; b < blocks; b++) {
    const o = b * d * d;
    // X = L⁻¹·M_y (rows j of X from rows of M_y), then M = L⁻¹·Xᵀ, which is L⁻¹·M_y·L⁻ᵀ (M_y symmetric).
    solveLower(packed, b * tri, d, M, o, d, d);
    for (let j = 0; j < d; j++) for (let l = 0; l < d; l++) work[l * d + j] = M[o + j * d + l];
    // Only the upper triangle of the second solve (column l needs rows ≤ l), mirrored: exactly symmetric, as
    // the float64 pass's scatter is.
    solveLower(packed, b * tri, d, work, 0, d, d, true);
    for (let j = 0; j < d; j++) for (let l = j; l < d; l++) M[o + j * d + l] = M[o + l * d + j] = work[j * d + l];
  }
}

/**
 * Solves L·Z = B in place for `cols` right-hand sides: B's row j is a[off + j·stride … + cols), overwritten
 * by Z's row j (forward substitution, row-oriented so the inner loop is contiguous). With `upper`, only the
 * entries Z[j][c] with c ≥ j are formed (each column c depends on its rows ≤ c only).
 */
function solveLower(packed: Float64Array, lOff: number, d: number, a: Float64Array, off: number, stride: number, cols: number,
  upper = false): void {
  for (let j = 0; j < d; j++) {
    const row = lOff + (j * (j + 1)) / 2, rj = off + j * stride, c0 = upper ? j : 0;
    for (let k = 0; k < j; k++) {
      const l = packed[row + k], rk = off + k * stride;
      if (l !== 0) for (let c = c0; c < cols; c++) a[rj + c] -= l * a[rk + c];
    }
    const inv = 1 / packed[row + j];
    for (let c = c0; c < cols; c++) a[rj + c] *= inv;
  }
}
