/**
 * MODEL.json as DESIGN.md §4 defines it: {"means": n × d, "weights": n, "variances": number | n | n × d,
 * "covariance": "fixed" | "spherical" | "diagonal"} — the format of GaussianMixture#toJSON.
 */
import { MixfitError } from '../errors.js';
import type { MixtureParams } from '../types.js';
import { readParams } from '../validate.js';
import { UsageError } from './args.js';
import { readJson } from './input.js';

/** A model file's parameters and covariance kind. */
export interface ModelFile { means: number[][]; weights: number[]; variances: number | number[] | number[][]; covariance: string }

/** Reads and validates MODEL.json; any problem becomes a one-line UsageError naming the file. */
export async function readModelFile(path: string): Promise<ModelFile> {
  const doc = await readJson(path) as Partial<ModelFile> | null;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.means)) throw new UsageError(`${path}: not a mixfit model (needs "means": [[...]])`);
  try {
    readParams(doc as MixtureParams, path);
  } catch (e) {
    if (e instanceof MixfitError) throw new UsageError(e.message);
    throw e;
  }
  const n = doc.means.length;
  const covariance = typeof doc.covariance === 'string' ? doc.covariance
    : typeof doc.variances === 'number' || doc.variances === undefined ? 'fixed' : Array.isArray(doc.variances[0]) ? 'diagonal' : 'spherical';
  return { means: doc.means, weights: doc.weights ?? Array(n).fill(1 / n), variances: doc.variances ?? 1, covariance };
}

/** Reads MODEL.json as MixtureParams for the objective layer. */
export async function readModelParams(path: string): Promise<Required<MixtureParams>> {
  const m = await readModelFile(path);
  return { means: m.means, weights: m.weights, variances: m.variances };
}

/** Serialises parameters in the MODEL.json format (used for best-so-far models after Ctrl-C). */
export function modelJson(params: Required<MixtureParams>, covariance: string): string {
  return JSON.stringify({ means: params.means, weights: params.weights, variances: params.variances, covariance }, null, 2) + '\n';
}
