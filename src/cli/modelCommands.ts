/** `mixfit score | predict | sample`: apply a saved MODEL.json through GaussianMixture.fromJSON. */
import type { GaussianMixture } from '../estimator.js';
import type { Matrix } from '../types.js';
import { numberOption, positionals, UsageError, type Parsed } from './args.js';
import { checkDims } from './evalCommand.js';
import type { HeaderMode } from './csv.js';
import { headerOption, readData } from './input.js';
import { readModel } from './modelFile.js';
import { note, printJson } from './output.js';

/** The model, and the data checked against its dimension (read as a matrix, so results come back typed). */
async function load(modelPath: string, dataPath?: string, header: HeaderMode = 'auto'): Promise<{ gm: GaussianMixture; X?: Matrix }> {
  const gm = await readModel(modelPath);
  if (dataPath === undefined) return { gm };
  const X = await readData(dataPath, header);
  checkDims(gm.nFeatures!, X.cols, dataPath);
  return { gm, X };
}

/** Writes rows as CSV to stdout in one buffered write per 4096 rows. */
function writeRows(rows: ArrayLike<number>[] | number[]): void {
  let buf: string[] = [];
  for (const r of rows) {
    buf.push(typeof r === 'number' ? String(r) : Array.from(r).join(','));
    if (buf.length === 4096) { process.stdout.write(buf.join('\n') + '\n'); buf = []; }
  }
  if (buf.length) process.stdout.write(buf.join('\n') + '\n');
}

function asRows(m: unknown): number[][] {
  if (Array.isArray(m)) return m as number[][];
  const x = m as Matrix;
  return Array.from({ length: x.rows }, (_, i) => Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)));
}

/** `mixfit score`: per-row log-density (gm.scoreSamples) and its mean. */
export async function scoreCommand(p: Parsed): Promise<number> {
  const [modelPath, dataPath] = positionals(p, ['MODEL.json', 'DATA'], 'score');
  const { gm, X } = await load(modelPath!, dataPath!, headerOption(p));
  const ld = Array.from(gm.scoreSamples(X!));
  // The plain mean of the per-row values (gm.score(X) is the same sum; one pass is enough).
  const mean = ld.reduce((a, b) => a + b, 0) / ld.length;
  if (p.options.has('json')) printJson({ logDensity: ld, mean });
  else { writeRows(ld); note(`mean log-density ${mean}`); }
  return 0;
}

/** `mixfit predict`: component index per row (gm.predict), or responsibilities with --proba (gm.predictProba). */
export async function predictCommand(p: Parsed): Promise<number> {
  const [modelPath, dataPath] = positionals(p, ['MODEL.json', 'DATA'], 'predict');
  const { gm, X } = await load(modelPath!, dataPath!, headerOption(p));
  if (p.options.has('proba')) {
    const proba = asRows(gm.predictProba(X!));
    if (p.options.has('json')) printJson({ proba }); else writeRows(proba);
  } else {
    const labels = Array.from(gm.predict(X!));
    if (p.options.has('json')) printJson({ labels }); else writeRows(labels);
  }
  return 0;
}

/** `mixfit sample`: n seeded rows from the model (gm.sample), without their component labels. */
export async function sampleCommand(p: Parsed): Promise<number> {
  const [modelPath] = positionals(p, ['MODEL.json'], 'sample');
  const n = numberOption(p, 'n', { integer: true, min: 1 });
  if (n === undefined) throw new UsageError('-n N is required');
  const seed = numberOption(p, 'seed', { integer: true }) ?? 0;
  const { gm } = await load(modelPath!);
  const rows = gm.sample(n, seed).X;
  if (p.options.has('json')) printJson(rows); else writeRows(rows);
  return 0;
}
