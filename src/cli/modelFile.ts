/**
 * MODEL.json as DESIGN.md §4 defines it: {"means": n × d, "weights": n, "variances": number | n | n × d,
 * "covariance": "fixed" | "spherical" | "diagonal"} — exactly what GaussianMixture#toJSON writes and
 * GaussianMixture.fromJSON reads. This file only adds the file handling and the CLI's error style.
 */
import { GaussianMixture, type GaussianMixtureOptions } from '../estimator.js';
import { MixfitError } from '../errors.js';
import type { ModelJSON } from '../model/json.js';
import { UsageError } from './args.js';
import { readJson } from './input.js';

/**
 * Reads MODEL.json into a fitted GaussianMixture (GaussianMixture.fromJSON, so the CLI accepts exactly the
 * documents the library does). `options` go to fromJSON (e.g. `kernel`).
 * @throws UsageError (one line naming the file) for an unreadable, malformed or invalid model file.
 */
export async function readModel(path: string, options: Omit<GaussianMixtureOptions, 'nComponents' | 'covariance'> = {}): Promise<GaussianMixture> {
  const doc = await readJson(path) as { means?: unknown } | null;
  // Checked here first so that, say, a data file passed by mistake gets a message that says what a model is.
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.means)) throw new UsageError(`${path}: not a mixfit model (needs "means": [[...]])`);
  try {
    return GaussianMixture.fromJSON(doc as ModelJSON, options);
  } catch (e) {
    // fromJSON names fields `json.<field>`; in a file the path is the better name.
    if (e instanceof MixfitError) throw new UsageError(e.message.replace(/^json\b/, path));
    throw e;
  }
}

/** MODEL.json text (pretty-printed, newline-terminated) of a model document. */
export function modelText(doc: ModelJSON): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
