// `gradscope predict`: a saved run's model/ applied to new rows. The model is loaded with plain tf.loadLayersModel (it
// is the inference model: final activation applied), the inputs go through the run's preprocessing.json first. Rows
// come from a csv (read by predictInput.ts) or are drawn from the run's own validation split (`--dataset-sample N`),
// rebuilt unstandardised from the run's spec copy and seed so that both paths standardise the same way.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { PredictionResult, PredictionRow, RunEndEvent } from '../../shared/engineProtocol';
import { loadDataset } from '../data/load';
import { createRng, shuffledIndices } from '../data/random';
import { PREPROCESSING_FILE, type Preprocessing } from '../run/preprocessing';
import { readPredictInput, standardizeInputs } from '../run/predictInput';
import { readEvents, WEIGHTS_DIR } from '../run/runStore';
import { runSpec } from './evaluateRun';
import { readSavedModel } from './model/saveWeights';

/** Something about the run directory or the request that stops the prediction; the message says what. */
export class PredictionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictionError';
  }
}

/** What to predict: the rows of a csv file, or N samples of the run's validation split. */
export type PredictRequest = { input: string } | { datasetSample: number };

const CHUNK = 1024;

function readPreprocessing(runDir: string): Preprocessing {
  const file = path.join(runDir, PREPROCESSING_FILE);
  if (!fs.existsSync(file)) {
    throw new PredictionError(
      `${runDir}: no ${PREPROCESSING_FILE} (a run writes it when training ends; runs of older gradscope versions have none: train the spec again)`,
    );
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Preprocessing;
  } catch (err) {
    throw new PredictionError(`${file}: not readable JSON: ${(err as Error).message}`);
  }
}

/** Why a run has no model/: the reason its run-end gave, or what to do. */
function noModelReason(runDir: string): string {
  const end = readEvents(runDir).find((e): e is RunEndEvent => e.type === 'run-end');
  if (end?.modelNotSaved) return end.modelNotSaved;
  if (!end) return 'the run has not ended (a model is saved when training ends)';
  return `the run ended ${end.status} without saving one`;
}

async function loadModel(runDir: string): Promise<tf.LayersModel> {
  const dir = path.join(runDir, WEIGHTS_DIR);
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    throw new PredictionError(`${runDir}: no ${WEIGHTS_DIR}/ to predict with: ${noModelReason(runDir)}`);
  }
  return tf.loadLayersModel(tf.io.fromMemory(readSavedModel(dir)));
}

/** The model's outputs for `count` rows of standardised inputs, row-major. */
async function outputsOf(model: tf.LayersModel, x: Float32Array, count: number, inputShape: number[]): Promise<Float32Array[]> {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const rows: Float32Array[] = [];
  for (let start = 0; start < count; start += CHUNK) {
    const end = Math.min(count, start + CHUNK);
    const y = tf.tidy(
      () => model.predict(tf.tensor(x.subarray(start * size, end * size), [end - start, ...inputShape])) as tf.Tensor,
    );
    const data = (await y.data()) as Float32Array;
    y.dispose();
    const units = data.length / (end - start);
    for (let r = 0; r < end - start; r++) rows.push(data.slice(r * units, (r + 1) * units));
  }
  return rows;
}

/** Rows drawn from the validation split: raw inputs, their indices, and their true labels. */
function datasetSample(
  runDir: string,
  n: number,
): { x: Float32Array; indices: number[]; actual: (number | number[])[]; source: string } {
  const { spec, start } = runSpec(runDir);
  const dataset = loadDataset({ ...spec.data, standardize: false }, spec.seed);
  const split = dataset.validation;
  if (!Number.isInteger(n) || n < 1 || n > split.count) {
    throw new PredictionError(
      `--dataset-sample must be from 1 to ${split.count} (the run's validation split has ${split.count} samples), got ${n}`,
    );
  }
  const indices = Array.from(shuffledIndices(split.count, createRng(start.seed, 'predict-sample')).subarray(0, n)).sort(
    (a, b) => a - b,
  );
  const size = spec.model.inputShape.reduce((a, b) => a * b, 1);
  const targets = dataset.task === 'classification' ? 1 : dataset.classes;
  const x = new Float32Array(n * size);
  indices.forEach((from, to) => x.set(split.x.subarray(from * size, (from + 1) * size), to * size));
  const actual = indices.map((i) =>
    targets === 1 && dataset.task === 'classification'
      ? split.y[i]
      : Array.from(split.y.subarray(i * targets, (i + 1) * targets)),
  );
  const source = `${n} of the ${split.count} validation samples, drawn with the run's seed ${start.seed} (validation indices ${indices.join(', ')})`;
  return { x, indices, actual, source };
}

/** Applies a saved run's model to the requested rows. Throws PredictionError (or EvaluationError) with a clear message. */
export async function predictRun(runDir: string, request: PredictRequest): Promise<PredictionResult> {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) throw new PredictionError(`${runDir}: no such run directory`);
  const pre = readPreprocessing(runDir);
  let x: Float32Array;
  let count: number;
  let where: Pick<PredictionRow, 'line' | 'index'>[];
  let actual: (string | number | number[] | undefined)[];
  let source: string;
  const warnings: string[] = [];
  if ('input' in request) {
    const input = readPredictInput(request.input, pre);
    ({ x, count } = input);
    where = input.lines.map((line) => ({ line }));
    actual = input.labels ? input.labels.map((l) => (pre.task === 'regression' ? [Number(l)] : l)) : [];
    source = request.input;
    const brightest = x.reduce((a, b) => Math.max(a, b), -Infinity);
    if (pre.datasetDescription.startsWith('mnist') && brightest > 1) {
      warnings.push(
        `${request.input}: pixel values up to ${brightest}, but the model was trained on mnist pixels from 0 to 1; divide 0–255 grey levels by 255`,
      );
    }
  } else {
    const sample = datasetSample(runDir, request.datasetSample);
    ({ x, source } = sample);
    count = sample.indices.length;
    where = sample.indices.map((index) => ({ index }));
    actual = sample.actual;
  }
  const model = await loadModel(runDir);
  let outputs: Float32Array[];
  try {
    standardizeInputs(x, pre);
    outputs = await outputsOf(model, x, count, pre.inputShape);
  } finally {
    model.dispose();
  }
  const classification = pre.task === 'classification';
  const units = outputs[0]?.length ?? 1;
  const classNames = classification
    ? (pre.classNames ?? Array.from({ length: units === 1 ? 2 : units }, (_, i) => String(i)))
    : undefined;
  const rows = outputs.map((out, r): PredictionRow => {
    const row: PredictionRow = { ...where[r] };
    if (classNames) {
      const probabilities = units === 1 ? [1 - out[0], out[0]] : Array.from(out);
      const best = probabilities.indexOf(Math.max(...probabilities));
      row.predicted = classNames[best];
      row.probabilities = probabilities;
    } else {
      row.values = Array.from(out);
    }
    const truth = actual[r];
    if (truth !== undefined) row.actual = typeof truth === 'number' ? (classNames?.[truth] ?? String(truth)) : truth;
    return row;
  });
  return {
    type: 'prediction',
    runDir,
    task: pre.task,
    ...(classNames ? { classNames } : {}),
    source,
    rows,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
