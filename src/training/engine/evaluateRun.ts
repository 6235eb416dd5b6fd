// `gradscope evaluate`: a saved run's model scored on its validation or test split. The run's spec copy and seed
// rebuild exactly the data it trained on; its saved weights are loaded by loadRunWeights, the one reader of them.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { EvaluationResult, EvaluationSplit, RunStartEvent } from '../../shared/engineProtocol';
import { readEvents, SPEC_COPY, WEIGHTS_DIR } from '../run/runStore';
import { parseSpecText } from '../spec/parse';
import type { ParsedSpec } from '../spec/types';
import { evaluate } from './evaluate';
import { applyModel, disposeBuiltModel, type BuiltModel } from './model/buildModel';
import { readSavedModel } from './model/saveWeights';
import { makeBatch, type EncodedSplit, type TensorShapes } from './batches';
import { prepareTraining, taskScores } from './trainer';

/** Something about the run directory that stops it from being evaluated; the message says what. */
export class EvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationError';
  }
}

const CHUNK = 1024;

/** The spec a run trained: its copy, read as if it stood at the original path (a csv path is relative to that). */
export function runSpec(runDir: string): { spec: ParsedSpec; start: RunStartEvent } {
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

/** A shape without its axes of length 1, as text: [1, 1, C, 1] and [C] hold the same values in the same order. */
const withoutOnes = (shape: number[]): string => shape.filter((d) => d !== 1).join();

/**
 * Sets the model's weights to the ones the run saved in model/, the inference model: its weighted layers keep the
 * training model's layer names, so weights are matched by layer name (each layer's in order, checked by shape up to
 * axes of length 1: a composition's last layer may hold them so). The one
 * place that reads a run's weights.
 */
function loadRunWeights(built: BuiltModel, runDir: string): void {
  const dir = path.join(runDir, WEIGHTS_DIR);
  const modelFile = path.join(dir, 'model.json');
  if (!fs.existsSync(modelFile)) throw new EvaluationError(`${runDir}: the run saved no model (no ${WEIGHTS_DIR}/model.json)`);
  const artifacts = readSavedModel(dir);
  const specs = artifacts.weightSpecs;
  const named = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, specs);
  const byLayer = new Map<string, tf.Tensor[]>();
  for (const s of specs) {
    const layer = s.name.slice(0, s.name.lastIndexOf('/'));
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), named[s.name]]);
  }
  try {
    for (const layer of built.model.layers) {
      const own = layer.getWeights();
      if (own.length === 0) continue;
      // An exported highway keeps its transform gate's weights in `<name>_transform` (see inferenceModel.ts).
      const gate = byLayer.get(`${layer.name}_transform`) ?? [];
      const saved = byLayer.has(layer.name) ? [...(byLayer.get(layer.name) ?? []), ...gate] : undefined;
      if (!saved) throw new EvaluationError(`${runDir}: the saved model has no weights for layer ${layer.name}`);
      // Same values, maybe another shape: an exported normalization's gamma is a 1×1 depthwise kernel [1, 1, C, 1].
      if (saved.length !== own.length || saved.some((w, i) => withoutOnes(w.shape) !== withoutOnes(own[i].shape))) {
        throw new EvaluationError(
          `${runDir}: layer ${layer.name}'s saved weights [${saved.map((w) => `[${w.shape.join(', ')}]`).join(', ')}] do not fit the spec's model`,
        );
      }
      const reshaped = saved.map((w, i) => tf.reshape(w, own[i].shape));
      layer.setWeights(reshaped);
      tf.dispose(reshaped);
    }
  } finally {
    tf.dispose(Object.values(named));
  }
}

/** counts[true][predicted] over a classification split, from the model's outputs (argmax, or > 0.5 for one unit). */
async function confusionMatrix(
  built: BuiltModel,
  split: EncodedSplit,
  shapes: TensorShapes,
  classes: number,
): Promise<number[][]> {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const units = shapes.outputUnits;
  for (let start = 0; start < split.count; start += CHUNK) {
    const end = Math.min(split.count, start + CHUNK);
    const batch = makeBatch(split, shapes, null, start, end);
    const predicted = tf.tidy(() => {
      const out = applyModel(built, batch.x, false)[0];
      const threshold = built.outputActivation === 'sigmoid' ? 0 : 0.5; // logits vs probabilities
      return units === 1 ? tf.cast(tf.greater(tf.reshape(out, [-1]), threshold), 'int32') : tf.argMax(out, -1);
    });
    const p = await predicted.data();
    tf.dispose([predicted, batch.x, batch.y]);
    for (let i = start; i < end; i++) {
      const row = split.y.subarray(i * units, (i + 1) * units);
      const actual = units === 1 ? (row[0] > 0.5 ? 1 : 0) : row.indexOf(1);
      counts[actual][p[i - start]]++;
    }
  }
  return counts;
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
      result.classNames = dataset.classNames ?? Array.from({ length: dataset.classes }, (_, i) => String(i));
    }
    return result;
  } finally {
    disposeBuiltModel(built);
  }
}
