/** `mixfit eval MODEL.json DATA`: mean negative log-likelihood and its gradient with respect to the means. */
import { empiricalObjective } from '../objective/empirical.js';
import { positionals, UsageError, type Parsed } from './args.js';
import { readData } from './input.js';
import { readModelParams } from './modelFile.js';
import { printJson } from './output.js';

export async function evalCommand(p: Parsed): Promise<number> {
  const [modelPath, dataPath] = positionals(p, ['MODEL.json', 'DATA'], 'eval');
  const params = await readModelParams(modelPath!);
  const X = await readData(dataPath!);
  checkDims(params.means[0]!.length, X.cols, dataPath!);
  const obj = await empiricalObjective(X);
  try {
    const { value, grad } = obj.valueAndGrad(params);
    const doc = { nll: value, gradMeans: grad.means, n: X.rows };
    if (p.options.has('json')) printJson(doc);
    else process.stdout.write(`nll ${value}\nn ${X.rows}\ngradMeans ${JSON.stringify(grad.means)}\n`);
  } finally {
    obj.dispose();
  }
  return 0;
}

/** Data columns must match the model dimension. */
export function checkDims(d: number, cols: number, source: string): void {
  if (d !== cols) throw new UsageError(`${source}: has ${cols} columns but the model has dimension ${d}`);
}
