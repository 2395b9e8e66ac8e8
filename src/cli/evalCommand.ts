/** `mixfit eval MODEL.json DATA`: mean negative log-likelihood and its gradient with respect to the means. */
import { empiricalObjective } from '../objective/empirical.js';
import { positionals, UsageError, type Parsed } from './args.js';
import { headerOption, readData } from './input.js';
import { readModel } from './modelFile.js';
import { printJson } from './output.js';

/**
 * Prints {"nll", "gradMeans", "n"} for the model on DATA. The model is read and checked by
 * GaussianMixture.fromJSON like every other command; the value and gradient come from one pass of the
 * empirical objective, because the estimator exposes scores but not gradients.
 */
export async function evalCommand(p: Parsed): Promise<number> {
  const [modelPath, dataPath] = positionals(p, ['MODEL.json', 'DATA'], 'eval');
  const model = (await readModel(modelPath!)).toJSON();
  const X = await readData(dataPath!, headerOption(p));
  checkDims(model.means[0]!.length, X.cols, dataPath!);
  const obj = await empiricalObjective(X);
  try {
    const { value, grad } = obj.valueAndGrad(model);
    const doc = { nll: value, gradMeans: grad.means, n: X.rows };
    if (p.options.has('json')) printJson(doc);
    else process.stdout.write(`nll ${value}\nn ${X.rows}\ngradMeans ${JSON.stringify(grad.means)}\n`);
  } finally {
    obj.dispose();
  }
  return 0;
}

/**
 * Data columns must match the model dimension.
 * @throws UsageError naming the data file when they differ.
 */
export function checkDims(d: number, cols: number, source: string): void {
  if (d !== cols) throw new UsageError(`${source}: has ${cols} columns but the model has dimension ${d}`);
}
