// Output activations that are not fused into the loss (relu with cross-entropy, sigmoid with categorical
// cross-entropy, any bounded activation with mean squared error) train, and their units are measured on the
// model output itself, which the model lists once.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { RunEndEvent, StepEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { buildModel, ModelBuildError } from '../../src/training/engine/model/buildModel';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep } from '../../src/training/engine/step';
import { train } from '../../src/training/engine/trainer';
import { parseSpecText } from '../../src/training/spec/parse';
import type { ParsedSpec } from '../../src/training/spec/types';
import { parsedSpec, useBackend } from './support/specs';

/** A conv2d layer in the place of a dense one: on a flat input the parser never lets this through, TensorFlow.js refuses it. */
function asConv2d(layer: ParsedSpec['model']['layers'][number]): ParsedSpec['model']['layers'][number] {
  return {
    ...layer,
    type: 'conv2d',
    filters: 2,
    kernelSize: [3, 3],
    strides: [1, 1],
    padding: 'valid',
    activation: 'relu',
  } as ParsedSpec['model']['layers'][number];
}

function spec(outputActivation: string, loss: string, lastLayers?: object[]): ParsedSpec {
  return parsedSpec({
    name: 'output',
    seed: 2,
    data:
      loss === 'meanSquaredError'
        ? { dataset: 'sine', samples: 48, validationSplit: 0.25 }
        : { dataset: 'blobs', features: 4, classes: loss === 'binaryCrossentropy' ? 2 : 3, samples: 48, validationSplit: 0.25 },
    model: {
      inputShape: [loss === 'meanSquaredError' ? 1 : 4],
      layers: [
        { type: 'dense', units: 6, activation: 'tanh' },
        ...(lastLayers ?? [
          {
            type: 'dense',
            units: loss === 'meanSquaredError' ? 1 : loss === 'binaryCrossentropy' ? 1 : 3,
            activation: outputActivation,
          },
        ]),
      ],
    },
    training: { epochs: 1, batchSize: 12, loss, optimizer: { type: 'sgd', learningRate: 0.01 } },
  });
}

async function trainRun(s: ParsedSpec): Promise<{ end: RunEndEvent; steps: StepEvent[] }> {
  const events: TrainingEvent[] = [];
  const end = await train({
    spec: s,
    specFile: '/virtual/output.gradscope.json',
    runId: 'output',
    runDir: '/virtual',
    backend: 'wasm',
    emit: (e) => events.push(e),
    shouldStop: () => false,
  });
  return { end, steps: events.filter((e): e is StepEvent => e.type === 'step') };
}

describe('output activations not fused into the loss', () => {
  before(useBackend);

  const cases: [string, string][] = [
    ['relu', 'categoricalCrossentropy'],
    ['sigmoid', 'categoricalCrossentropy'],
    ['tanh', 'binaryCrossentropy'],
    ['relu', 'binaryCrossentropy'],
    ['sigmoid', 'meanSquaredError'],
    ['tanh', 'meanSquaredError'],
    ['relu', 'meanSquaredError'],
  ];
  for (const [activation, loss] of cases) {
    it(`a ${activation} output with ${loss} trains and its units are measured`, async () => {
      const before = tf.memory().numTensors;
      const { end, steps } = await trainRun(spec(activation, loss));
      assert.strictEqual(end.error, undefined);
      assert.ok(end.status === 'completed' || end.status === 'early-stopped', `status ${end.status}`);
      assert.strictEqual(steps.length, 3);
      const last = steps[0].layers?.[1];
      assert.ok(last, 'the output layer has its step entry');
      if (activation === 'relu') assert.ok(last.deadUnits !== undefined && last.saturation === undefined);
      else assert.ok(last.saturation !== undefined && last.deadUnits === undefined);
      assert.strictEqual(tf.memory().numTensors, before, 'no tensor leaks');
    });
  }

  it("lists the output once and reads the output layer's activation from output 0", () => {
    const built = buildModel(spec('relu', 'categoricalCrossentropy'), 1);
    const names = built.model.outputs.map((t) => t.name);
    assert.deepStrictEqual(names.length, new Set(names).size, `outputs ${names.join(', ')}`);
    // relu's dead units are counted on its output (out > 0 exactly where pre > 0): no pre-activation output.
    assert.strictEqual(built.model.outputs.length, 2, 'the output and the hidden tanh');
    assert.strictEqual(built.weighted[1].activationOutput, 0);
    assert.strictEqual(built.weighted[0].activationOutput, 1);
    assert.strictEqual(built.weighted[1].deadOnSignal, true);
    assert.strictEqual(built.weighted[1].preActivationOutput, undefined);
    built.model.dispose();
    // elu's dead units are judged by the slope at its input (its output alone does not tell): that is an output.
    const elu = buildModel(spec('elu', 'categoricalCrossentropy'), 1);
    assert.strictEqual(elu.model.outputs.length, 3, "the output, the hidden tanh and the output elu's pre-activation");
    assert.strictEqual(elu.weighted[1].preActivationOutput, 2);
    assert.strictEqual(elu.weighted[1].deadOnSignal, undefined);
    elu.model.dispose();
  });

  it('a trailing `activation` layer after a linear dense layer is measured on output 0 too', async () => {
    const { end, steps } = await trainRun(
      spec('', 'meanSquaredError', [
        { type: 'dense', units: 1 },
        { type: 'activation', activation: 'sigmoid' },
      ]),
    );
    assert.strictEqual(end.status, 'completed', end.error);
    assert.ok(steps[0].layers?.[1].saturation !== undefined);
  });

  it('counts dead output units from the output itself', async () => {
    // Output biases −100 on 2 of the 3 relu units: whatever the input, those outputs are 0.
    const s = spec('relu', 'categoricalCrossentropy');
    const built = buildModel(s, 1);
    const w = built.model.getWeights();
    built.model.setWeights([w[0], w[1], tf.fill([6, 3], 0.01), tf.tensor1d([-100, 1, -100])]);
    const { optimizer } = makeOptimizer(s.training.optimizer);
    const x = tf.randomNormal([12, 4], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.zeros([12], 'int32'), 3).toFloat();
    const { packed, layout } = runStep(built, optimizer, s.training, x, y, true);
    const numbers = unpackStep(built, layout, await packed.data());
    tf.dispose([packed, x, y]);
    built.model.dispose();
    optimizer.dispose();
    assert.strictEqual(numbers.layers?.[1].deadUnits, 2);
    assert.strictEqual(numbers.layers?.[1].units, 3);
  });

  it('a layer TensorFlow.js cannot build is reported with its spec entry, not a null-pointer error', () => {
    const s = spec('softmax', 'categoricalCrossentropy');
    s.model.layers[0] = asConv2d(s.model.layers[0]);
    assert.throws(
      () => buildModel(s, 1),
      (err: unknown) =>
        err instanceof ModelBuildError &&
        err.message.startsWith('cannot build the conv2d layer at /model/layers/0: ') &&
        err.specPath === '/model/layers/0',
    );
  });

  it("a run whose model cannot be built fails with the layer's line and column in the spec text", async () => {
    const text =
      '{\n  "data": { "dataset": "blobs", "features": 4, "classes": 3, "samples": 24 },\n  "model": { "inputShape": [4], "layers": [\n' +
      '    { "type": "dense", "units": 6, "activation": "tanh" },\n    { "type": "dense", "units": 3, "activation": "softmax" }\n  ] }\n}\n';
    const s = parseSpecText(text, '/virtual/unbuildable.gradscope.json').spec;
    assert.ok(s);
    // The second layer fails: the weights of the first one, already made, must go too.
    s.model.layers[1] = asConv2d(s.model.layers[1]);
    const before = tf.memory().numTensors;
    await assert.rejects(
      train({
        spec: s,
        specFile: '/virtual/unbuildable.gradscope.json',
        runId: 'unbuildable',
        runDir: '/virtual',
        backend: 'wasm',
        emit: () => undefined,
        shouldStop: () => false,
        specText: text,
      }),
      /^ModelBuildError: cannot build the conv2d layer at \/model\/layers\/1 \(line 5, column 5\): /,
    );
    assert.strictEqual(tf.memory().numTensors, before, 'nothing is left of the half-built model');
  });
});
