/** `mixfit demo`: runs the embedded comparison, prints the table and writes demo-convergence.svg. */
import { join } from 'node:path';
import { stringOption, type Parsed } from './args.js';
import { demoPlot, formatTable, runDemo, DEMO } from './demo.js';
import { note, printJson } from './output.js';
import { withOutputs, type OutputSet } from './outputFiles.js';

export async function demoCommand(p: Parsed): Promise<number> {
  const json = p.options.has('json');
  const svgPath = join(stringOption(p, 'out-dir') ?? '.', 'demo-convergence.svg');
  // Checked (and its temp file made) before the two-second run, so a bad --out-dir fails at once.
  return withOutputs([{ option: 'out-dir', path: svgPath }], (output) => runAndWrite(json, svgPath, output));
}

async function runAndWrite(json: boolean, svgPath: string, output: OutputSet): Promise<number> {
  note(`mixfit demo: ${DEMO.rows} points from 2 unit Gaussians at ±${DEMO.separation}·e1 (seed ${DEMO.seed}), fitting ${DEMO.components} components (fixed weights, variance 1), ${DEMO.maxEvaluations} evaluations per solver`);
  const { runs, best, table } = await runDemo(note);
  output.commit(() => demoPlot(runs, best));
  if (json) {
    printJson({ best, svg: svgPath, runs: runs.map((r) => ({ solver: r.solver, loss: r.result.loss, nEvaluations: r.result.nEvaluations, seconds: r.seconds, status: r.result.status })), table });
  } else {
    process.stdout.write(`\nEvaluations (wall seconds) until loss − best < level; best = ${best.toPrecision(12)} nats\n${formatTable(table)}\n\nwrote ${svgPath}\n`);
  }
  return 0;
}
