/** `mixfit score | predict | sample`: apply a saved MODEL.json through GaussianMixture.fromJSON. */
import { once } from 'node:events';
import type { GaussianMixture } from '../estimator.js';
import { isRowSource, type RowSource } from '../stream/source.js';
import type { Matrix } from '../types.js';
import { numberOption, positionals, UsageError, type Parsed } from './args.js';
import { openData, type CliData } from './data.js';
import { checkDims } from './evalCommand.js';
import { readModel } from './modelFile.js';
import { jsonText, note, printJson } from './output.js';

/** The model, and DATA opened (in memory or streamed) and checked against its dimension. */
async function load(modelPath: string, dataPath: string, p: Parsed, command: string): Promise<{ gm: GaussianMixture; data: CliData }> {
  const gm = await readModel(modelPath);
  const data = await openData(p, dataPath, command, false);
  try {
    checkDims(gm.nFeatures!, data.cols, dataPath);
  } catch (e) {
    data.close();
    throw e;
  }
  return { gm, data };
}

/** Writes text to stdout, waiting while the reader is behind, so a streamed output never piles up in memory. */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

/**
 * Per-row results of `data`, chunk by chunk: `values` holds `rows` × `cols` numbers. Streamed DATA go
 * through the library's chunked methods (one chunk in memory); in-memory DATA are one chunk.
 */
type Chunks = AsyncIterable<{ values: ArrayLike<number>; rows: number }> | Iterable<{ values: ArrayLike<number>; rows: number }>;

async function* chunksOf<T extends ArrayLike<number>>(data: CliData, inMemory: (X: Matrix) => T, streamed: (s: RowSource, o: { chunkRows?: number }) => AsyncIterable<T>, cols: number): Chunks {
  if (!isRowSource(data.input)) { const v = inMemory(data.input as Matrix); yield { values: v, rows: v.length / cols }; return; }
  for await (const v of streamed(data.input, { chunkRows: data.chunkRows })) yield { values: v, rows: v.length / cols };
}

/**
 * Writes every chunk as it comes: CSV lines (one value or `cols` values per row), or with `json` the
 * array `key` of one JSON document, opened before the first chunk and closed after the last (then `tail`).
 */
async function writeChunks(chunks: Chunks, cols: number, json: string | undefined, tail: () => string = () => ''): Promise<void> {
  if (json) await write(`{${JSON.stringify(json)}:[`);
  let first = true;
  for await (const { values, rows } of chunks) {
    const lines: string[] = new Array(rows);
    for (let r = 0; r < rows; r++) {
      const row = cols === 1 ? jsonNumber(values[r]!, !!json) : Array.from({ length: cols }, (_, j) => jsonNumber(values[r * cols + j]!, !!json)).join(',');
      lines[r] = json && cols > 1 ? `[${row}]` : row;
    }
    if (rows === 0) continue;
    await write(json ? `${first ? '' : ','}${lines.join(',')}` : lines.join('\n') + '\n');
    first = false;
  }
  if (json) await write(`]${tail()}}\n`);
}

/** A number as the output writes it: as text, or in JSON (where a non-finite value is a string, as printJson writes it). */
function jsonNumber(v: number, json: boolean): string {
  return json ? jsonText(v) : String(v);
}

/** `mixfit score`: per-row log-density (gm.scoreSamples, streamed for streamed DATA) and its mean. */
export async function scoreCommand(p: Parsed): Promise<number> {
  const [modelPath, dataPath] = positionals(p, ['MODEL.json', 'DATA'], 'score');
  const { gm, data } = await load(modelPath!, dataPath!, p, 'score');
  try {
    // The plain mean of the per-row values, summed in row order as they pass (gm.score is the same sum).
    let sum = 0, rows = 0;
    const summed = async function* (): Chunks {
      for await (const c of chunksOf(data, (X) => gm.scoreSamples(X), (s, o) => gm.scoreSamplesChunks(s, o), 1)) {
        for (let r = 0; r < c.rows; r++) sum += c.values[r]!;
        rows += c.rows;
        yield c;
      }
    };
    const json = p.options.has('json');
    await writeChunks(summed(), 1, json ? 'logDensity' : undefined, () => `,"mean":${jsonText(sum / rows)}`);
    if (!json) note(`mean log-density ${sum / rows}`);
  } finally {
    data.close();
  }
  return 0;
}

/** `mixfit predict`: component index per row (gm.predict), or responsibilities with --proba (gm.predictProba); streamed for streamed DATA. */
export async function predictCommand(p: Parsed): Promise<number> {
  const [modelPath, dataPath] = positionals(p, ['MODEL.json', 'DATA'], 'predict');
  const { gm, data } = await load(modelPath!, dataPath!, p, 'predict');
  const json = p.options.has('json');
  try {
    if (p.options.has('proba')) {
      const n = gm.means!.length;
      await writeChunks(chunksOf(data, (X) => gm.predictProba(X).data, (s, o) => mapData(gm.predictProbaChunks(s, o)), n), n, json ? 'proba' : undefined);
    } else {
      await writeChunks(chunksOf(data, (X) => gm.predict(X), (s, o) => gm.predictChunks(s, o), 1), 1, json ? 'labels' : undefined);
    }
  } finally {
    data.close();
  }
  return 0;
}

async function* mapData(it: AsyncIterable<Matrix>): AsyncGenerator<Float64Array> {
  for await (const m of it) yield m.data;
}

/** `mixfit sample`: n seeded rows from the model (gm.sample), without their component labels. */
export async function sampleCommand(p: Parsed): Promise<number> {
  const [modelPath] = positionals(p, ['MODEL.json'], 'sample');
  const n = numberOption(p, 'n', { integer: true, min: 1 });
  if (n === undefined) throw new UsageError('-n N is required');
  const seed = numberOption(p, 'seed', { integer: true }) ?? 0;
  const gm = await readModel(modelPath!);
  const rows = gm.sample(n, seed).X;
  if (p.options.has('json')) printJson(rows);
  else await writeChunks([{ values: rows.flat(), rows: rows.length }], gm.nFeatures!, undefined);
  return 0;
}
