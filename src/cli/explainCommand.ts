// `gradscope explain <runDir>`: Grad-CAM of a finished run's saved model, computed in the engine process (job
// `explain`) on a seeded choice of validation samples, written as one PNG per sample (explainPng.ts) under
// `<runDir>/explain/` or --out. Human mode: where the PNGs went and, per sample, the prediction and the map in words
// (summarizeHeatmap, the same text alternative the dashboard gives); `--sanity` adds the model-randomisation check;
// `--json`: the `explanation` event as one line on stdout (the PNGs are still written; where, on stderr).
import * as fs from 'fs';
import * as path from 'path';
import type { ExplainMessage, ExplainRequest, ExplanationEvent, ExplanationSanity } from '../shared/engineProtocol';
import { EXIT, type ExitCode } from '../shared/exitCodes';
import { summarizeHeatmap } from '../shared/heatmapText';
import { startExplain } from '../training/run/runner';
import { UsageError } from './args';
import { displayPath } from './displayPath';
import { className, predictionText, SANITY_PASS } from '../shared/explanationText';
import { explanationFileName, writeExplanationPngs } from './explainPng';
import { engineOptions, integerOption } from './trainCommand';

/** What to explain, from the command line (the engine checks it against the run: class range, layer names). */
export function explainRequest(values: Record<string, string | boolean>): ExplainRequest {
  const request: ExplainRequest = {};
  const samples = integerOption('samples', values.samples, 1, 'explain');
  const target = integerOption('class', values.class, 0, 'explain');
  if (samples !== undefined) request.samples = samples;
  if (target !== undefined) request.class = target;
  if (typeof values.layer === 'string') {
    if (values.layer.trim() === '') throw new UsageError('--layer needs a layer name, e.g. --layer conv2d_2', 'explain');
    request.layer = values.layer;
  }
  if (values.sanity === true) request.sanity = true;
  return request;
}

/** The run directory, refused before an engine starts when it is not there. */
function existingRunDir(runDir: string): string {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(dir)) throw new UsageError(`explain: no such run directory: ${runDir}`, 'explain');
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`explain: ${runDir} is a file, not a run directory`, 'explain');
  return dir;
}

/** The sanity check in words: the number, and what it says about the maps (true whichever side it falls). */
export function sanityLines(sanity: ExplanationSanity): string[] {
  const verdict =
    sanity.rankCorrelation < SANITY_PASS
      ? `below ${SANITY_PASS}: the maps change when the learned weights are replaced by random ones, as maps that explain what the model learned should`
      : `${SANITY_PASS} or above: the maps stay much the same with random weights, so they may show the input or the architecture more than what the model learned`;
  return [
    `sanity check (model randomisation): Spearman rank correlation between the trained model's maps and the maps after re-randomising ${sanity.randomizedLayers.join(', ')}: ${sanity.rankCorrelation.toFixed(2)}`,
    `  per sample: ${sanity.perSample.map((r) => r.toFixed(2)).join(', ')}`,
    `  ${verdict}`,
  ];
}

/** The human-readable report: what was explained, where the PNGs are, each sample's prediction and map in words. */
export function formatExplanation(event: ExplanationEvent, outDir: string): string {
  const right = event.samples.filter((s) => s.predicted === s.label).length;
  const asked = event.samples.find((s) => s.target !== s.predicted);
  const of = asked ? `class ${className(event, asked.target)}` : "each sample's predicted class";
  const lines = [
    `${event.runDir ? displayPath(event.runDir) : 'run'}: Grad-CAM of ${of} at layer ${event.layer}, weights of epoch ${event.epoch + 1}`,
    `${event.samples.length} validation samples, ${right} predicted right; ${event.samples.length} PNGs (input, map, overlay) in ${displayPath(outDir)}${path.sep}`,
  ];
  for (const s of event.samples) {
    const mark = s.predicted === s.label ? '' : '  ✗ misclassified';
    lines.push(`  ${explanationFileName(s)}: ${predictionText(event, s)}${mark}`);
    lines.push(`    ${summarizeHeatmap(s.gradCam).text}`);
    if (s.gradCamTrue)
      lines.push(`    map of the true class ${className(event, s.label)}: ${summarizeHeatmap(s.gradCamTrue).text}`);
  }
  if (event.sanity) lines.push(...sanityLines(event.sanity));
  return lines.join('\n');
}

export async function runExplain(runDir: string, values: Record<string, string | boolean>): Promise<ExitCode> {
  const options = engineOptions(runDir, values, 'explain');
  options.runDir = existingRunDir(runDir);
  options.explain = explainRequest(values);
  const outDir = typeof values.out === 'string' ? path.resolve(values.out) : path.join(options.runDir, 'explain');
  const json = values.json === true;
  const handle = startExplain(options, (m: ExplainMessage) => {
    if (m.type === 'log' && (m.level !== 'info' || !json)) process.stderr.write(`${m.message}\n`);
  });
  const outcome = await handle.done;
  if (!outcome.result) return outcome.exitCode === EXIT.usage ? EXIT.usage : EXIT.divergedOrFailed;
  const files = writeExplanationPngs(outcome.result, outDir);
  if (json) {
    process.stdout.write(`${JSON.stringify(outcome.result)}\n`);
    process.stderr.write(`wrote ${files.length} PNGs to ${displayPath(outDir)}${path.sep}\n`);
  } else process.stdout.write(`${formatExplanation(outcome.result, outDir)}\n`);
  return EXIT.ok;
}
