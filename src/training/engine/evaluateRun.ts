// `gradscope evaluate`: a saved run's model scored on its validation or test split. The run's spec copy and seed
// rebuild exactly the data it trained on; its saved weights are loaded by loadRunWeights, the one reader of them.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { EvaluationResult, EvaluationSplit, RunStartEvent } from '../../shared/engineProtocol';
import { readEvents, SPEC_COPY, WEIGHTS_DIR } from '../run/runStore';
import { parseSpecText } from '../spec/parse';
import type { ParsedSpec } from '../spec/types';
import { classLabels, confusionMatrix, evaluate } from './evaluate';
import { disposeBuiltModel, type BuiltModel } from './model/buildModel';
import { prepareTraining, taskScores } from './trainer';

/** Something about the run directory that stops it from being evaluated; the message says what. */
export class EvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationError';
  }
}

/** The spec a run trained: its copy, read as if it stood at the original path (a csv path is relative to that). */
function runSpec(runDir: string): { spec: ParsedSpec; start: RunStartEvent } {
  const eventsFile = path.join(runDir, 'events.jsonl');
  if (!fs.existsSync(eventsFile)) throw new EvaluationError(`${runDir} is not a gradscope run (no events.jsonl)`);
  const start = readEvents(runDir).find((e): e is RunStartEvent => e.type === 'run-start');
  if (!start) throw new EvaluationError(`${runDir}: the run has no run-start event`);
  const copy = path.join(runDir, SPEC_COPY);
  if (!fs.existsSync(copy)) throw new EvaluationError(`${runDir}: the run has no spec copy (${SPEC_COPY})`);
  const parsed = parseSpecText(fs.readFileSync(copy, 'utf8'), start.specFile);
  const error = parsed.problems.find((p) => p.severity === 'error');
  if (!parsed.spec || error) {
    throw new EvaluationError(`${runDir}: the run's spec no longer parses: ${error?.message ?? 'unknown problem'}`);
  }
  // The seed the run used (a --seed override included) rebuilds its splits.
  parsed.spec.seed = start.seed;
  return { spec: parsed.spec, start };
}

/**
 * Sets the model's weights to the ones the run saved in model/, the inference model: its weighted layers keep the
 * training model's layer names, so weights are matched by layer name (each layer's in order, checked by shape). The one
 * place that reads a run's weights.
 */
function loadRunWeights(built: BuiltModel, runDir: string): void {
  const dir = path.join(runDir, WEIGHTS_DIR);
  const modelFile = path.join(dir, 'model.json');
  if (!fs.existsSync(modelFile)) throw new EvaluationError(`${runDir}: the run saved no model (no ${WEIGHTS_DIR}/model.json)`);
  const json = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as {
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const data = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
  const named = tf.io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), specs);
  const byLayer = new Map<string, tf.Tensor[]>();
  for (const s of specs) {
    const layer = s.name.slice(0, s.name.lastIndexOf('/'));
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), named[s.name]]);
  }
  try {
    for (const layer of built.model.layers) {
      const own = layer.getWeights();
      if (own.length === 0) continue;
      const saved = byLayer.get(layer.name);
      if (!saved) throw new EvaluationError(`${runDir}: the saved model has no weights for layer ${layer.name}`);
      if (saved.length !== own.length || saved.some((w, i) => w.shape.join() !== own[i].shape.join())) {
        throw new EvaluationError(
          `${runDir}: layer ${layer.name}'s saved weights [${saved.map((w) => `[${w.shape.join(', ')}]`).join(', ')}] do not fit the spec's model`,
        );
      }
      layer.setWeights(saved);
    }
  } finally {
    tf.dispose(Object.values(named));
  }
}

/** Scores the model a run saved on its validation or test split. Throws EvaluationError with a clear message. */
export async function evaluateRun(runDir: string, split: EvaluationSplit): Promise<EvaluationResult> {
  const { spec } = runSpec(runDir);
  const { dataset, built, shapes, validation, test } = prepareTraining(spec, undefined);
  try {
    const data = split === 'test' ? test : validation;
    if (!data) {
      throw new EvaluationError(`${runDir}: the run has no test split; its spec needs "data": { "testSplit": ... } (e.g. 0.2)`);
    }
    loadRunWeights(built, runDir);
    const classification = dataset.task === 'classification';
    const scores = taskScores(await evaluate(built, spec.training.loss, data, shapes), classification, data.count);
    const result: EvaluationResult = { type: 'evaluation', runDir, split, task: dataset.task, ...scores };
    if (classification) {
      result.confusion = await confusionMatrix(built, data, shapes, dataset.classes);
      result.classNames = classLabels(dataset);
    }
    return result;
  } finally {
    disposeBuiltModel(built);
  }
}
