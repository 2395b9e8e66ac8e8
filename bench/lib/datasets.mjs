// The real data sets of the solver tournament: the CSVs Debian's python3-sklearn ships (read at bench time,
// never copied into the repository), and the column standardisation some of them need.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Where Debian's python3-sklearn keeps its bundled data sets. */
export const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';

/** The four data sets: file, whether it has sklearn's "N,d,class names" header line. The last column is the label. */
const FILES = {
  iris: { file: 'iris.csv', header: true },
  wine: { file: 'wine_data.csv', header: true },
  'breast-cancer': { file: 'breast_cancer.csv', header: true },
  digits: { file: 'digits.csv.gz', header: false },
};

/**
 * Reads data set `name` as { data (rows × cols, row-major), rows, cols } without its label column, or
 * returns { missing: reason } when the file is not installed.
 */
export function loadSklearn(name) {
  const spec = FILES[name];
  const path = join(SKLEARN_DATA, spec.file);
  if (!existsSync(path)) return { missing: `${path} not found (install python3-sklearn)` };
  const raw = readFileSync(path);
  const text = (spec.file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean).slice(spec.header ? 1 : 0);
  const cols = lines[0].split(',').length - 1;
  const data = new Float64Array(lines.length * cols);
  lines.forEach((l, i) => { const cells = l.split(','); for (let j = 0; j < cols; j++) data[i * cols + j] = Number(cells[j]); });
  return { data, rows: lines.length, cols };
}

/** Per-column means and variances (population, divisor rows) of a row-major matrix. */
export function columnMoments({ data, rows, cols }) {
  const mean = new Float64Array(cols), variance = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j] / rows;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) variance[j] += (data[i * cols + j] - mean[j]) ** 2 / rows;
  return { mean, variance };
}

/** Column-wise z-scores (mean 0, variance 1; a constant column stays 0). Returns a new matrix. */
export function zScore(X) {
  const { mean, variance } = columnMoments(X);
  const { rows, cols } = X;
  const data = X.data.map((x, k) => (x - mean[k % cols]) / (Math.sqrt(variance[k % cols]) || 1));
  return { data, rows, cols };
}
