// Dead-unit counts and saturation fractions on layers whose weights are constructed so the answer is known.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/training/engine/model/buildModel';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep, type StepNumbers } from '../../src/training/engine/step';
import { parsedSpec, useBackend } from './support/specs';

async function measure(
  layers: object[],
  inputShape: number[],
  weights: (model: tf.LayersModel) => tf.Tensor[],
  x: tf.Tensor,
  outUnits: number,
): Promise<StepNumbers> {
  const spec = parsedSpec({
    data:
      inputShape.length === 3
        ? { dataset: 'mnist', samples: 20 }
        : { dataset: 'blobs', features: inputShape[0], classes: outUnits, samples: 50 },
    model: { inputShape, layers },
    training: { optimizer: { type: 'sgd', learningRate: 1e-9 } },
  });
  const built = buildModel(spec, 1);
  built.model.setWeights(weights(built.model));
  const { optimizer } = makeOptimizer(spec.training.optimizer);
  const y = tf.oneHot(tf.zeros([x.shape[0]], 'int32'), outUnits).toFloat();
  const { packed, layout } = runStep(built, optimizer, spec.training, x, y, true);
  const numbers = unpackStep(built, layout, await packed.data());
  tf.dispose([packed, y, x]);
  built.model.dispose();
  optimizer.dispose();
  return numbers;
}

const batch = (): tf.Tensor => tf.randomNormal([16, 4], 0, 1, 'float32', 5);

describe('dead units and saturation on constructed weights', () => {
  before(useBackend);

  it('counts ReLU units whose output is 0 for every sample', async () => {
    // 8 units; bias −100 on units 0–2 makes them dead whatever the input, +1 keeps the others alive
    const bias = [-100, -100, -100, 1, 1, 1, 1, 1];
    const n = await measure(
      [
        { type: 'dense', units: 8, activation: 'relu' },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
      [4],
      (m) => [tf.fill([4, 8], 0.01), tf.tensor1d(bias), ...m.getWeights().slice(2)],
      batch(),
      2,
    );
    assert.strictEqual(n.layers![0].deadUnits, 3);
    assert.strictEqual(n.layers![0].units, 8);
    assert.strictEqual(n.layers![0].saturation, undefined, 'ReLU layers report dead units, not saturation');
  });

  it('attributes an `activation` layer after batch normalization to the dense layer before it', async () => {
    const n = await measure(
      [
        { type: 'dense', units: 6 },
        { type: 'batchNormalization' },
        { type: 'activation', activation: 'relu' },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
      [4],
      (m) => {
        const w = m.getWeights();
        // BN: gamma 1, beta −50 on 2 units ⇒ those outputs are ≤ 0 for every sample
        return [w[0], w[1], tf.ones([6]), tf.tensor1d([-50, -50, 0, 0, 0, 0]), w[4], w[5], w[6], w[7]];
      },
      batch(),
      2,
    );
    assert.strictEqual(n.layers![0].deadUnits, 2, 'dense_1 owns the units the relu acts on');
    assert.strictEqual(n.layers![1].deadUnits, undefined, 'batch normalization reports no units of its own');
  });

  it('does not attribute an `activation` layer to a linear layer two kernel layers back', async () => {
    // dense_1 (linear, 3 units) → dense_2 (relu, 5 units) → tanh: the tanh acts on dense_2's units, not dense_1's.
    const n = await measure(
      [
        { type: 'dense', units: 3 },
        { type: 'dense', units: 5, activation: 'relu' },
        { type: 'activation', activation: 'tanh' },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
      [4],
      (m) => m.getWeights(),
      batch(),
      2,
    );
    assert.strictEqual(n.layers![0].saturation, undefined, 'dense_1 has no measured activation');
    assert.strictEqual(n.layers![0].deadUnits, undefined);
    assert.ok(n.layers![1].deadUnits !== undefined && n.layers![1].deadUnits <= 5, 'dense_2 reports its relu units');
  });

  it('counts a conv filter as dead when it is ≤ 0 at every position of every sample', async () => {
    const n = await measure(
      [
        { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
      [28, 28, 1],
      (m) => {
        const w = m.getWeights();
        return [tf.fill([3, 3, 1, 4], 0.1), tf.tensor1d([-10, 0.5, -10, 0.5]), w[2], w[3]];
      },
      tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 2),
      10,
    );
    assert.strictEqual(n.layers![0].deadUnits, 2);
    assert.strictEqual(n.layers![0].units, 4);
  });

  it('measures the fraction of sigmoid and tanh outputs in the flat tails', async () => {
    const bias = [10, -10, 0, 0];
    for (const activation of ['sigmoid', 'tanh']) {
      const n = await measure(
        [
          { type: 'dense', units: 4, activation },
          { type: 'dense', units: 2, activation: 'softmax' },
        ],
        [4],
        (m) => [tf.zeros([4, 4]), tf.tensor1d(bias), ...m.getWeights().slice(2)],
        batch(),
        2,
      );
      assert.strictEqual(n.layers![0].saturation, 0.5, `${activation}: 2 of 4 units saturated on every sample`);
      assert.strictEqual(n.layers![0].deadUnits, undefined);
    }
  });
});

describe('dead units are judged by the activation slope, not by the output sign', () => {
  before(useBackend);

  // 6 units with biases from −100 to +1 on weights of 0.01: pre-activations ≈ the bias for every sample.
  const bias = [-100, -30, -8, -2, -0.5, 1];
  const layerWith = (activation: object | string): Promise<StepNumbers> =>
    measure(
      [
        { type: 'dense', units: 6, activation },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
      [4],
      (m) => [tf.fill([4, 6], 0.01), tf.tensor1d(bias), ...m.getWeights().slice(2)],
      batch(),
      2,
    );

  it('a leaky ReLU with negative outputs reports no dead units (its slope is α, never 0)', async () => {
    const n = await layerWith('leakyRelu');
    assert.strictEqual(n.layers![0].deadUnits, undefined, 'leakyRelu cannot die: not counted');
    assert.ok(n.layers![0].activationMean! < 0, 'its outputs are mostly negative');
  });

  it('elu, selu, gelu, swish and mish count a unit dead only deep in the negative tail (slope < 1e-3)', async () => {
    // |slope| < 1e-3 below: elu −6.9, selu −7.5, gelu −3.8, swish/mish −9.1 ⇒ biases −100, −30 are dead for all
    // five, −8 also for elu/selu/gelu; −2 and −0.5 (negative outputs, live slope) are not. relu: all five negative.
    const expected: Record<string, number> = { elu: 3, selu: 3, gelu: 3, swish: 2, mish: 2, relu: 5 };
    for (const [activation, dead] of Object.entries(expected)) {
      const n = await layerWith(activation);
      assert.strictEqual(n.layers![0].deadUnits, dead, activation);
    }
  });
});

describe('forward signal statistics (activationMean / activationStd)', () => {
  before(useBackend);

  it("are the mean and std of the layer's activation output, or of its own output for linear and normalization layers", async () => {
    const n = await measure(
      [
        { type: 'dense', units: 6 },
        { type: 'batchNormalization' },
        { type: 'activation', activation: 'relu' },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
      [4],
      (m) => m.getWeights(),
      batch(),
      2,
    );
    // dense_1's signal is the relu output (the activation claims its units): ≥ 0; batch normalization's is its own
    // output, normalized over the batch in training: mean ≈ 0, std ≈ 1.
    const [dense1, bn, out] = n.layers!;
    assert.ok(dense1.activationMean! > 0 && dense1.activationStd! > 0, 'relu outputs: positive mean');
    assert.ok(
      Math.abs(bn.activationMean!) < 1e-3 && Math.abs(bn.activationStd! - 1) < 0.02,
      `bn: ${bn.activationMean}, ${bn.activationStd}`,
    );
    assert.ok(out.activationStd! > 0, 'the fused softmax layer reports its logits');
  });

  // The lessons' demo: σ = 0.01 weights shrink the signal layer after layer; He keeps it about the same.
  const deepNet = (activation: string, kernelInitializer: object | string): object[] => [
    ...Array.from({ length: 10 }, () => ({ type: 'dense', units: 64, activation, kernelInitializer })),
    { type: 'dense', units: 2, activation: 'softmax' },
  ];
  const stds = async (layers: object[]): Promise<number[]> => {
    const n = await measure(layers, [16], (m) => m.getWeights(), tf.randomNormal([128, 16], 0, 1, 'float32', 7), 2);
    return n.layers!.slice(0, 10).map((l) => l.activationStd!);
  };

  it('tanh with randomNormal σ = 0.01: the signal shrinks toward 0 with depth', async () => {
    const s = await stds(deepNet('tanh', { type: 'randomNormal', mean: 0, stddev: 0.01 }));
    for (let i = 1; i < s.length; i++) assert.ok(s[i] < s[i - 1], `layer ${i + 1}: ${s[i]} < ${s[i - 1]}`);
    assert.ok(s[9] < 1e-3 * s[0], `last ${s[9]} vs first ${s[0]}`);
  });

  it('relu with heNormal: the signal keeps its size through the same depth', async () => {
    const s = await stds(deepNet('relu', 'heNormal'));
    for (const v of s) assert.ok(v > s[0] / 4 && v < s[0] * 4, `std ${v} within 4× of the first layer's ${s[0]}`);
  });
});
