// The models every benchmark times, and the helpers they share (parsing a bench spec, fixed random batches, medians).
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { parseSpecText } from '../src/training/spec/parse';
import type { ParsedSpec } from '../src/training/spec/types';

export interface BenchModel {
  name: string;
  batchSize: number;
  spec: object;
}

const dense = (units: number, activation: string): object => ({ type: 'dense', units, activation });

export const BENCH_MODELS: BenchModel[] = [
  {
    name: 'mlp-784-256-256-10',
    batchSize: 128,
    spec: {
      data: { dataset: 'mnist', samples: 1000 },
      model: { inputShape: [784], layers: [dense(256, 'relu'), dense(256, 'relu'), dense(10, 'softmax')] },
      training: { optimizer: { type: 'adam', learningRate: 0.001 } },
    },
  },
  {
    name: 'sigmoid-20x64',
    batchSize: 64,
    spec: {
      data: { dataset: 'spiral', samples: 1000 },
      model: { inputShape: [2], layers: [{ repeat: 20, layers: [dense(64, 'sigmoid')] }, dense(3, 'softmax')] },
      training: { optimizer: { type: 'sgd', learningRate: 0.01 } },
    },
  },
  {
    name: 'conv-16-32-mnist',
    batchSize: 64,
    spec: {
      data: { dataset: 'mnist', samples: 1000 },
      model: {
        inputShape: [28, 28, 1],
        layers: [
          { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu' },
          { type: 'maxPooling2d' },
          { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
          { type: 'maxPooling2d' },
          { type: 'flatten' },
          dense(10, 'softmax'),
        ],
      },
      training: { optimizer: { type: 'adam', learningRate: 0.001 } },
    },
  },
];

/** The bench model's spec parsed (as if it were a file in bench/), with properties of `data`/`training` added. */
export function benchSpec(model: BenchModel, extra: { data?: object; training?: object } = {}): ParsedSpec {
  const base = model.spec as { data: object; training: object };
  const spec = { ...base, data: { ...base.data, ...extra.data }, training: { ...base.training, ...extra.training } };
  const parsed = parseSpecText(JSON.stringify(spec), path.join(__dirname, 'bench.gradscope.json'));
  if (!parsed.spec) throw new Error(`${model.name}: ${parsed.problems.map((p) => p.message).join('; ')}`);
  return parsed.spec;
}

/** The bench model by name (an error naming the known ones otherwise). */
export function benchModel(name: string): BenchModel {
  const found = BENCH_MODELS.find((m) => m.name === name);
  if (!found) throw new Error(`unknown model ${name}: ${BENCH_MODELS.map((m) => m.name).join(', ')}`);
  return found;
}

/** Four fixed random batches (inputs in [0, 1), one-hot labels): benchmarks time the step, not data loading. */
export function randomBatches(spec: ParsedSpec, batchSize: number, classes: number): { xs: tf.Tensor[]; ys: tf.Tensor[] } {
  const xs = [0, 1, 2, 3].map((i) => tf.randomUniform([batchSize, ...spec.model.inputShape], 0, 1, 'float32', i));
  const ys = [0, 1, 2, 3].map((i) => tf.oneHot(tf.randomUniform([batchSize], 0, classes, 'int32', 10 + i), classes).toFloat());
  return { xs, ys };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
