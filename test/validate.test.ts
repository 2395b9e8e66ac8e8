// Bad input throws a MixfitError that names the argument (and the row/column for bad entries), before
// any WebAssembly instance exists or any kernel pass runs.
import { afterEach, describe, expect, it, vi } from 'vitest';
import simdBytes from '../build/kernels.simd.wasm';
import { MixfitError } from '../src/errors.js';
import { BackendObjective } from '../src/objective/objective.js';
import { empiricalObjective } from '../src/objective/empirical.js';
import type { DataBackend } from '../src/kernel/backend.js';
import type { MixtureParams } from '../src/types.js';

afterEach(() => { vi.restoreAllMocks(); });

const RealInstance = WebAssembly.Instance;
/** Counts `new WebAssembly.Instance` calls while still building real instances. */
function spyInstances() {
  return vi.spyOn(WebAssembly, 'Instance').mockImplementation(function (m: WebAssembly.Module, i?: WebAssembly.Imports) {
    return new RealInstance(m, i);
  } as unknown as typeof WebAssembly.Instance);
}

/** Expects `run` to reject with a MixfitError for `argument` whose message matches `pattern`, with no
 * WebAssembly instance created on the way. */
async function rejectsBeforeWasm(run: () => Promise<unknown>, argument: string, pattern: RegExp): Promise<void> {
  const inst = spyInstances();
  const instantiate = vi.spyOn(WebAssembly, 'instantiate');
  let err: unknown;
  try { await run(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(MixfitError);
  expect((err as MixfitError).argument).toBe(argument);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message.startsWith(`${argument}:`)).toBe(true);
  expect(inst).not.toHaveBeenCalled();
  expect(instantiate).not.toHaveBeenCalled();
}

describe('data X', () => {
  for (const kernel of ['simd', 'scalar', 'js'] as const) {
    it(`rejects bad data before any kernel work (${kernel})`, async () => {
      const e = (X: unknown, w?: unknown) => () => empiricalObjective(X as number[][], { kernel, sampleWeight: w as number[] });
      await rejectsBeforeWasm(e([]), 'X', /at least one row/);
      await rejectsBeforeWasm(e([[]]), 'X', /at least one column/);
      await rejectsBeforeWasm(e([[1, 2], [3]]), 'X', /ragged rows.*row 1 with 1 columns/);
      await rejectsBeforeWasm(e([[1, 2], [3, 4], [5, NaN]]), 'X', /finite.*NaN at row 2, column 1/);
      await rejectsBeforeWasm(e([[1, 2], [Infinity, 4]]), 'X', /finite.*Infinity at row 1, column 0/);
      await rejectsBeforeWasm(e([[1, 2], [3, -Infinity]]), 'X', /-Infinity at row 1, column 1/);
      await rejectsBeforeWasm(e([[1, '2']]), 'X', /numbers.*row 0, column 1/);
      await rejectsBeforeWasm(e({ data: new Float64Array(5), rows: 2, cols: 3 }), 'X', /rows × cols = 6/);
      await rejectsBeforeWasm(e({ data: new Float64Array(0), rows: 0, cols: 3 }), 'X', /at least one row/);
      await rejectsBeforeWasm(e({ data: new Float64Array([1, 2, 3, NaN]), rows: 2, cols: 2 }), 'X', /NaN at row 1, column 1/);
      await rejectsBeforeWasm(e('abc'), 'X', /number\[\]\[\]/);
    });

    it(`rejects bad sample weights before any kernel work (${kernel})`, async () => {
      const X = [[0], [1], [2]];
      const e = (w: unknown) => () => empiricalObjective(X, { kernel, sampleWeight: w as number[] });
      await rejectsBeforeWasm(e([1, -0.5, 1]), 'sampleWeight', /≥ 0.*-0.5 at index 1/);
      await rejectsBeforeWasm(e([1, 1]), 'sampleWeight', /one weight per row \(3\)/);
      await rejectsBeforeWasm(e([1, NaN, 1]), 'sampleWeight', /finite.*NaN at index 1/);
      await rejectsBeforeWasm(e([0, 0, 0]), 'sampleWeight', /all zero/);
    });
  }

  it('control: the instance spy does see kernel work for valid data', async () => {
    const inst = spyInstances();
    // Fresh module bytes: an instance released by another test cannot be reused from the pool.
    const obj = await empiricalObjective([[0], [1]], { kernel: 'simd', wasm: simdBytes });
    expect(inst).toHaveBeenCalledTimes(1);
    obj.dispose();
  });

  it('rejects an unknown kernel choice', async () => {
    await rejectsBeforeWasm(() => empiricalObjective([[1]], { kernel: 'gpu' as 'js' }), 'options.kernel', /'auto', 'relaxed', 'simd', 'scalar', 'js'/);
  });
});

describe('parameters', () => {
  /** A backend whose pass must never run: parameter errors have to come first. */
  function spyBackend(): DataBackend & { calls: number } {
    const be = {
      variant: 'js' as const, rows: 4, cols: 2, totalWeight: 4, calls: 0,
      pass() { be.calls++; throw new Error('pass ran on invalid parameters'); },
      score() { be.calls++; },
      dispose() {},
    };
    return be;
  }
  const good: MixtureParams = { means: [[0, 0], [1, 1]], weights: [0.5, 0.5], variances: [1, 2] };
  const cases: [string, MixtureParams, string, RegExp][] = [
    ['shape mismatch (means columns vs data)', { ...good, means: [[0, 0, 0], [1, 1, 1]] }, 'params.means', /must have 2 columns.*3 columns/],
    ['ragged means', { ...good, means: [[0, 0], [1]] }, 'params.means', /ragged/],
    ['NaN mean', { ...good, means: [[0, 0], [1, NaN]] }, 'params.means', /NaN at row 1, column 1/],
    ['weights not summing to 1', { ...good, weights: [0.5, 0.5 + 2e-9] }, 'params.weights', /sum to 1 \(within 1e-9\)/],
    ['negative weight', { ...good, weights: [1.5, -0.5] }, 'params.weights', /≥ 0.*index 1/],
    ['wrong number of weights', { ...good, weights: [1] }, 'params.weights', /one weight per component \(2\)/],
    ['zero shared variance', { ...good, variances: 0 }, 'params.variances', /> 0/],
    ['negative spherical variance', { ...good, variances: [1, -2] }, 'params.variances[1]', /> 0/],
    ['infinite variance', { ...good, variances: [1, Infinity] }, 'params.variances[1]', /finite/],
    ['non-positive diagonal variance', { ...good, variances: [[1, 1], [1, 0]] }, 'params.variances[1][1]', /> 0/],
    ['diagonal variances of the wrong shape', { ...good, variances: [[1, 1, 1], [1, 1, 1]] }, 'params.variances', /2 × 2/],
    ['spherical variances of the wrong length', { ...good, variances: [1, 1, 1] }, 'params.variances', /length 3/],
  ];
  for (const [name, params, argument, pattern] of cases) {
    it(`${name} → MixfitError(${argument}) before the pass`, () => {
      const be = spyBackend();
      const obj = new BackendObjective(be, 'empirical');
      let err: unknown;
      try { obj.value(params); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(MixfitError);
      expect((err as MixfitError).argument).toBe(argument);
      expect((err as Error).message).toMatch(pattern);
      expect(() => obj.valueAndGrad(params)).toThrow(MixfitError);
      expect(be.calls).toBe(0);
      expect(obj.evaluations).toBe(0);
    });
  }

  it('accepts weights that sum to 1 within 1e-9', () => {
    const be = spyBackend();
    const obj = new BackendObjective(be, 'empirical');
    // Passing validation means reaching the (throwing) pass.
    expect(() => obj.value({ ...good, weights: [0.5, 0.5 + 5e-10] })).toThrow(/pass ran/);
  });

  it('a disposed objective throws a MixfitError naming it', async () => {
    const obj = await empiricalObjective([[0, 1], [1, 0]], { kernel: 'scalar' });
    obj.dispose();
    expect(() => obj.value(good)).toThrow(MixfitError);
    expect(() => obj.value(good)).toThrow(/objective: has been disposed/);
  });
});
