// `gradscope evaluate`: a saved run's model scored on its validation or test split. The run's spec copy and seed
// rebuild exactly the data it trained on; its saved weights are loaded by loadRunWeights (model/runWeights.ts).
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { applyEdits, modify } from 'jsonc-parser';
import type { EvaluationResult, EvaluationSplit, RunStartEvent } from '../../shared/engineProtocol';
import { readEvents, SPEC_COPY } from '../run/runStore';
import { parseSpecText } from '../spec/parse';
import type { ParsedSpec } from '../spec/types';
import { evaluate } from './evaluate';
import { applyModel, disposeBuiltModel, type BuiltModel } from './model/buildModel';
import { loadRunWeights, RunWeightsError } from './model/runWeights';
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
function runSpec(runDir: string): { spec: ParsedSpec; start: RunStartEvent } {
  const eventsFile = path.join(runDir, 'events.jsonl');
  if (!fs.existsSync(eventsFile)) throw new EvaluationError(`${runDir} is not a gradscope run (no events.jsonl)`);
  const start = readEvents(runDir).find((e): e is RunStartEvent => e.type === 'run-start');
  if (!start) throw new EvaluationError(`${runDir}: the run has no run-start event`);
  const copy = path.join(runDir, SPEC_COPY);
  if (!fs.existsSync(copy)) throw new EvaluationError(`${runDir}: the run has no spec copy (${SPEC_COPY})`);
  // The run's own model/ holds its weights: its spec's model.initFrom source (which may be gone) is not needed.
  const text = fs.readFileSync(copy, 'utf8');
  const parsed = parseSpecText(applyEdits(text, modify(text, ['model', 'initFrom'], undefined, {})), start.specFile);
  const error = parsed.problems.find((p) => p.severity === 'error');
  if (!parsed.spec || error) {
    throw new EvaluationError(`${runDir}: the run's spec no longer parses: ${error?.message ?? 'unknown problem'}`);
  }
  // The seed the run used (a --seed override included) rebuilds its splits.
  parsed.spec.seed = start.seed;
  return { spec: parsed.spec, start };
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
    try {
      loadRunWeights(built, runDir);
    } catch (err) {
      throw err instanceof RunWeightsError ? new EvaluationError(err.message) : err;
    }
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
