// The run's `model/` is an inference model plain TensorFlow.js can use: a separate Node process that imports only
// @tensorflow/tfjs loads it with tf.loadLayersModel and predicts the validation set; its predictions must equal the
// engine's (the trained model's output 0, with the softmax/sigmoid the loss fused applied).
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as tf from '@tensorflow/tfjs';
import type { EpochEvent, RunEndEvent, RunStartEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { applyModel, type BuiltModel } from '../../src/training/engine/model/buildModel';
import { InferenceExportError, inferenceModel } from '../../src/training/engine/model/inferenceModel';
import { saveInferenceModel } from '../../src/training/engine/model/saveWeights';
import { train } from '../../src/training/engine/trainer';
import {
  PREPROCESSING_FILE,
  preprocessingOf,
  writePreprocessing,
  type Preprocessing,
} from '../../src/training/run/preprocessing';
import { parsedSpec, REPO, smallClassifier, useBackend } from './support/specs';

/** Run in a child process with the repository as its cwd: nothing of gradscope, only @tensorflow/tfjs. */
const PLAIN_TFJS_PREDICT = `
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
(async () => {
  const [dir, inputFile] = process.argv.slice(1);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  }));
  const input = JSON.parse(fs.readFileSync(inputFile, 'utf8'));
  const y = model.predict(tf.tensor(input.x, input.shape));
  process.stdout.write(JSON.stringify({
    backend: tf.getBackend(),
    inputs: model.inputs.length,
    outputs: model.outputs.length,
    classes: model.layers.map((l) => l.getClassName()),
    names: model.layers.map((l) => l.name),
    y: Array.from(await y.data()),
  }));
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

interface PlainPrediction {
  backend: string;
  inputs: number;
  outputs: number;
  classes: string[];
  names: string[];
  y: number[];
}

interface Exported {
  runDir: string;
  start: RunStartEvent;
  end: RunEndEvent;
  /** The engine's predictions on the validation set, flattened. */
  engine: number[];
  /** The validation inputs as the model takes them, and their targets (class indices for classification). */
  x: number[];
  shape: number[];
  y: number[];
  epochs: EpochEvent[];
}

/** Trains the spec in-process (wasm, as users get), saves model/ and preprocessing.json as the engine does. */
async function trainAndExport(spec: object): Promise<Exported> {
  const parsed = parsedSpec(spec);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-export-'));
  const events: TrainingEvent[] = [];
  let engine: number[] = [];
  let x: number[] = [];
  let shape: number[] = [];
  let y: number[] = [];
  const end = await train({
    spec: parsed,
    specFile: path.join(runDir, 'spec.gradscope.json'),
    runId: 'export',
    runDir,
    backend: 'wasm',
    specText: '',
    emit: (e) => events.push(e),
    shouldStop: () => false,
    onFinished: async (built, _status, dataset) => {
      writePreprocessing(runDir, preprocessingOf(dataset, parsed.model.inputShape));
      shape = [dataset.validation.count, ...parsed.model.inputShape];
      x = Array.from(dataset.validation.x);
      y = Array.from(dataset.validation.y);
      const input = tf.tensor(dataset.validation.x, shape);
      const outputs = applyModel(built, input, false);
      const fused = built.outputActivation;
      const p = fused === 'softmax' ? tf.softmax(outputs[0]) : fused === 'sigmoid' ? tf.sigmoid(outputs[0]) : outputs[0].clone();
      engine = Array.from(await p.data());
      tf.dispose([input, p, ...outputs]);
      const before = tf.memory().numTensors;
      const saved = await saveInferenceModel(built, path.join(runDir, 'model'));
      assert.strictEqual(tf.memory().numTensors, before, 'exporting leaves no tensor behind');
      return saved;
    },
  });
  const start = events.find((e): e is RunStartEvent => e.type === 'run-start');
  assert.ok(start);
  const epochs = events.filter((e): e is EpochEvent => e.type === 'epoch');
  return { runDir, start, end, engine, x, shape, y, epochs };
}

async function predictWithPlainTfjs(e: Exported): Promise<PlainPrediction> {
  const inputFile = path.join(e.runDir, 'validation-input.json');
  fs.writeFileSync(inputFile, JSON.stringify({ x: e.x, shape: e.shape }));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-e', PLAIN_TFJS_PREDICT, path.join(e.runDir, 'model'), inputFile],
    {
      cwd: REPO,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as PlainPrediction;
}

function maxAbsDiff(a: number[], b: number[]): number {
  assert.strictEqual(a.length, b.length, 'as many predictions');
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

/**
 * wasm (engine, with the project's own kernels) vs tfjs's cpu backend: float32 sums in a different order (measured:
 * at most 1.2e-7 on these specs).
 */
const TOLERANCE = 1e-5;

async function assertPlainTfjsAgrees(
  spec: object,
  tolerance = TOLERANCE,
): Promise<{ exported: Exported; plain: PlainPrediction }> {
  const exported = await trainAndExport(spec);
  assert.strictEqual(exported.end.status, 'completed');
  assert.strictEqual(exported.end.weightsDir, path.join(exported.runDir, 'model'));
  const plain = await predictWithPlainTfjs(exported);
  assert.strictEqual(plain.inputs, 1, 'one input');
  assert.strictEqual(plain.outputs, 1, 'one output');
  assert.deepStrictEqual(
    plain.classes.filter((c) => c.startsWith('Gradscope')),
    [],
    'standard layers only',
  );
  for (const layer of exported.start.layers.filter((l) => l.hasWeights)) {
    assert.ok(plain.names.includes(layer.name), `weighted layer ${layer.name} keeps its name (${plain.names.join(', ')})`);
  }
  const diff = maxAbsDiff(plain.y, exported.engine);
  assert.ok(diff <= tolerance, `plain tfjs predictions equal the engine's: max |Δ| ${diff}`);
  return { exported, plain };
}

describe('inference model export (model/)', () => {
  before(useBackend);

  it('dense + dropout + batchNormalization + residual: plain tfjs predicts the validation set as the engine does', async () => {
    const { exported, plain } = await assertPlainTfjsAgrees(
      smallClassifier({
        layers: [
          { type: 'dense', units: 16, activation: 'relu' },
          { type: 'batchNormalization' },
          { type: 'dropout', rate: 0.2 },
          {
            type: 'residual',
            layers: [
              { type: 'dense', units: 16, activation: 'relu' },
              { type: 'dropout', rate: 0.1 },
              { type: 'dense', units: 8, activation: 'relu' },
            ],
          },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      }),
    );
    assert.ok(plain.classes.includes('Dropout') && plain.classes.includes('BatchNormalization') && plain.classes.includes('Add'));
    // Probabilities, not logits: every row sums to 1.
    for (let r = 0; r < plain.y.length / 3; r++) {
      const sum = plain.y[3 * r] + plain.y[3 * r + 1] + plain.y[3 * r + 2];
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${r} sums to ${sum}`);
    }
    const pre = JSON.parse(fs.readFileSync(path.join(exported.runDir, PREPROCESSING_FILE), 'utf8')) as Preprocessing;
    assert.deepStrictEqual(pre.inputShape, [2]);
    assert.strictEqual(pre.task, 'classification');
    assert.strictEqual(pre.classNames, null);
    assert.ok(pre.standardize === null || pre.standardize.mean.length === 2);
  });

  it('a conv net on mnist: conv2d, maxPooling2d, flatten, dense softmax', async () => {
    const { plain } = await assertPlainTfjsAgrees({
      name: 'conv',
      seed: 4,
      data: { dataset: 'mnist', samples: 60, validationSplit: 0.25 },
      model: {
        inputShape: [28, 28, 1],
        layers: [
          { type: 'maxPooling2d', poolSize: 2 },
          { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
          { type: 'maxPooling2d', poolSize: 2 },
          { type: 'flatten' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      },
      training: { epochs: 1, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 } },
    });
    assert.ok(plain.classes.includes('Conv2D'));
  });

  it('training-only and folded layers: rrelu, weight-normalized dense, alphaDropout, gaussianNoise (regression)', async () => {
    const { plain } = await assertPlainTfjsAgrees({
      name: 'folded',
      seed: 6,
      data: { dataset: 'sine', samples: 120, validationSplit: 0.25 },
      model: {
        inputShape: [1],
        layers: [
          { type: 'gaussianNoise', stddev: 0.1 },
          { type: 'dense', units: 12, activation: 'rrelu', weightNormalization: true },
          { type: 'alphaDropout', rate: 0.1 },
          { type: 'dense', units: 1 },
        ],
      },
      training: { epochs: 2, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 } },
    });
    assert.ok(
      ['LeakyReLU', 'AlphaDropout', 'GaussianNoise', 'Dense'].every((c) => plain.classes.includes(c)),
      plain.classes.join(),
    );
  });

  it('prelu, layerNormalization, denseBlock, an activation layer, sigmoid fused into binaryCrossentropy', async () => {
    const { plain } = await assertPlainTfjsAgrees(
      smallClassifier({
        layers: [
          { type: 'dense', units: 8, activation: 'prelu' },
          { type: 'layerNormalization' },
          {
            type: 'denseBlock',
            layers: [
              { type: 'dense', units: 4, activation: 'gelu' },
              { type: 'dense', units: 4 },
            ],
          },
          { type: 'activation', activation: 'swish' },
          { type: 'dense', units: 3, activation: 'sigmoid' },
        ],
        training: { loss: 'binaryCrossentropy', epochs: 2 },
      }),
    );
    assert.ok(['PReLU', 'LayerNormalization', 'Concatenate', 'Activation'].every((c) => plain.classes.includes(c)));
    assert.ok(
      plain.y.every((p) => p > 0 && p < 1),
      'sigmoid probabilities',
    );
  });

  it('recurrent layers: simpleRNN, gru and lstm with dropout', async () => {
    await assertPlainTfjsAgrees({
      name: 'recurrent',
      seed: 2,
      data: { dataset: 'adding', samples: 60, sequenceLength: 5 },
      model: {
        inputShape: [5, 2],
        layers: [
          { type: 'simpleRNN', units: 4, returnSequences: true },
          { type: 'gru', units: 4, returnSequences: true, dropout: 0.2 },
          { type: 'lstm', units: 4, recurrentDropout: 0.2 },
          { type: 'dense', units: 1 },
        ],
      },
      training: { loss: 'meanSquaredError', epochs: 1, batchSize: 16 },
    });
  });

  it("restoreBestWeights: model/ holds the best epoch's weights (its validation loss is run-end.bestValLoss)", async () => {
    const exported = await trainAndExport(
      smallClassifier({
        training: {
          epochs: 6,
          optimizer: { type: 'sgd', learningRate: 1.5 },
          earlyStopping: { patience: 100, restoreBestWeights: true },
        },
      }),
    );
    const { end, epochs } = exported;
    assert.ok(end.bestEpoch !== undefined && end.bestValLoss !== undefined);
    const last = epochs[epochs.length - 1];
    assert.ok(end.bestEpoch < last.epoch, `the best epoch (${end.bestEpoch}) is not the last (${last.epoch})`);
    assert.ok(Math.abs(last.valLoss - end.bestValLoss) > 1e-3, `last ${last.valLoss} vs best ${end.bestValLoss}`);
    // Cross-entropy of the plain-tfjs probabilities, independently of the engine's loss code.
    const plain = await predictWithPlainTfjs(exported);
    const classes = plain.y.length / exported.y.length;
    const ce = exported.y.reduce((sum, label, r) => sum - Math.log(plain.y[r * classes + label]), 0) / exported.y.length;
    assert.ok(Math.abs(ce - end.bestValLoss) < 1e-4, `exported model's validation loss ${ce} vs bestValLoss ${end.bestValLoss}`);
  });

  it('compositions of standard layers: elu α≠1, rmsNormalization and groupNormalization on vectors (≤1e-6)', async () => {
    const { plain } = await assertPlainTfjsAgrees(
      smallClassifier({
        layers: [
          { type: 'dense', units: 8, activation: { type: 'elu', alpha: 0.5 } },
          { type: 'groupNormalization', groups: 2 },
          { type: 'dense', units: 6, activation: { type: 'elu', alpha: 1.7 } },
          { type: 'rmsNormalization' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        training: { epochs: 2 },
      }),
      1e-6,
    );
    assert.ok(['Rescaling', 'LayerNormalization', 'DepthwiseConv2D', 'Permute'].every((c) => plain.classes.includes(c)));
  });

  it('compositions on images: groupNormalization and rmsNormalization after conv2d, elu α≠1 (≤1e-6)', async () => {
    await assertPlainTfjsAgrees(
      {
        name: 'conv-norms',
        seed: 5,
        data: { dataset: 'mnist', samples: 60, validationSplit: 0.25 },
        model: {
          inputShape: [28, 28, 1],
          layers: [
            { type: 'maxPooling2d', poolSize: 2 },
            { type: 'conv2d', filters: 4, kernelSize: 3, activation: { type: 'elu', alpha: 0.3 } },
            { type: 'groupNormalization', groups: 2 },
            { type: 'conv2d', filters: 4, kernelSize: 3 },
            { type: 'rmsNormalization' },
            { type: 'flatten' },
            { type: 'dense', units: 10, activation: 'softmax' },
          ],
        },
        training: { epochs: 1, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 } },
      },
      1e-6,
    );
  });

  it('highway (relu, elu α≠1 and rrelu H): a composition of Dense, Rescaling, Add, Multiply (≤1e-6)', async () => {
    const highway = (activation: unknown): object[] => [{ type: 'highway', units: 8, activation }];
    const { plain } = await assertPlainTfjsAgrees(
      smallClassifier({
        layers: [
          { type: 'dense', units: 8, activation: 'relu' },
          ...highway('relu'),
          ...highway({ type: 'elu', alpha: 0.4 }),
          ...highway('rrelu'),
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        training: { epochs: 2 },
      }),
      1e-6,
    );
    assert.ok(['Dense', 'Rescaling', 'Add', 'Multiply', 'LeakyReLU'].every((c) => plain.classes.includes(c)));
    assert.ok(plain.names.includes('highway_2_transform'), plain.names.join());
  });

  it('a gradscope layer with no standard equivalent: InferenceExportError names it, nothing left allocated', () => {
    class GradscopeUnexportable extends tf.layers.Layer {
      static readonly className = 'GradscopeUnexportable';
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.neg(Array.isArray(inputs) ? inputs[0] : inputs);
      }
    }
    const input = tf.input({ shape: [3] });
    const dense = tf.layers.dense({ units: 3, name: 'dense_1' });
    const odd = new GradscopeUnexportable({ name: 'odd_1' });
    const model = tf.model({ inputs: input, outputs: odd.apply(dense.apply(input)) as tf.SymbolicTensor });
    const before = tf.memory().numTensors;
    assert.throws(
      () => inferenceModel({ model, outputActivation: 'linear' } as BuiltModel),
      (err: Error) => {
        assert.ok(err instanceof InferenceExportError);
        assert.strictEqual(
          err.message,
          'no inference model saved: odd_1 (Unexportable) has no standard TensorFlow.js equivalent that gradscope can export yet',
        );
        return true;
      },
    );
    assert.strictEqual(tf.memory().numTensors, before, 'no tensor left behind');
    model.dispose();
  });
});
