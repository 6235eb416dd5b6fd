// Regularization in the engine: alphaDropout keeps a standard normal signal's mean and variance (plain dropout raises
// the variance to 1/(1 − rate)), gaussianNoise adds noise of the given size, both seeded and training-only;
// kernelRegularizer adds exactly l1·sign(W) + 2·l2·W to the update and nothing to the measured gradient or loss;
// maxNorm holds after every step. On the wasm backend (the one users get) unless said otherwise.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { AlphaDropout } from '../../src/training/engine/model/alphaDropout';
import { buildModel } from '../../src/training/engine/model/buildModel';
import { GaussianNoise } from '../../src/training/engine/model/gaussianNoise';
import { SeededDropout } from '../../src/training/engine/model/seededDropout';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep } from '../../src/training/engine/step';
import { train } from '../../src/training/engine/trainer';
import type { RunEndEvent, StepEvent } from '../../src/shared/engineProtocol';
import { parsedSpec, useBackend } from './support/specs';

function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return { mean, variance: sq / values.length };
}

/** The layer's training output on x, read back. */
function trainingOutput(layer: tf.layers.Layer, x: tf.Tensor): Float32Array {
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  const values = y.dataSync() as Float32Array;
  y.dispose();
  return values;
}

describe('alphaDropout and gaussianNoise', () => {
  before(useBackend);
  const N = 40_000;

  it('alphaDropout keeps a standard normal input at mean ≈ 0 and variance ≈ 1; plain dropout raises the variance to 1/(1 − rate)', () => {
    const x = tf.randomNormal([N], 0, 1, 'float32', 5);
    const input = moments(x.dataSync());
    for (const rate of [0.1, 0.2, 0.5]) {
      const clock = { step: 3 };
      const alpha = moments(trainingOutput(new AlphaDropout({ rate, seed: 11, clock }), x));
      const plain = moments(trainingOutput(new SeededDropout({ rate, seed: 11, clock }), x));
      // Standard error of a mean / variance over 40000 samples: ~0.005 / ~0.01.
      assert.ok(Math.abs(alpha.mean - input.mean) < 0.03, `rate ${rate}: alphaDropout mean ${alpha.mean}`);
      assert.ok(Math.abs(alpha.variance - input.variance) < 0.05, `rate ${rate}: alphaDropout variance ${alpha.variance}`);
      const expected = input.variance / (1 - rate);
      assert.ok(
        Math.abs(plain.variance - expected) < 0.05 * expected,
        `rate ${rate}: dropout variance ${plain.variance} vs ${expected}`,
      );
    }
    x.dispose();
  });

  it('alphaDropout and gaussianNoise are the identity at inference, deterministic per seed and step, fresh every step', () => {
    const x = tf.randomNormal([2000], 0, 1, 'float32', 9);
    const xs = x.dataSync();
    for (const make of [
      (clock: { step: number }) => new AlphaDropout({ rate: 0.3, seed: 4, clock }),
      (clock: { step: number }) => new GaussianNoise({ stddev: 0.5, seed: 4, clock }),
    ]) {
      const clock = { step: 0 };
      const layer = make(clock);
      const inference = layer.apply(x, { training: false }) as tf.Tensor;
      assert.deepStrictEqual(inference.dataSync(), xs, `${layer.getClassName()}: identity at inference`);
      inference.dispose();
      const first = trainingOutput(layer, x);
      const again = trainingOutput(make({ step: 0 }), x);
      assert.deepStrictEqual(again, first, `${layer.getClassName()}: same seed and step, same noise`);
      clock.step = 1;
      const next = trainingOutput(layer, x);
      assert.notDeepStrictEqual(next, first, `${layer.getClassName()}: a new step draws new noise`);
    }
    x.dispose();
  });

  it('gaussianNoise adds zero-mean noise with the given standard deviation', () => {
    const zeros = tf.zeros([N]);
    const noise = moments(trainingOutput(new GaussianNoise({ stddev: 0.3, seed: 2, clock: { step: 0 } }), zeros));
    assert.ok(Math.abs(noise.mean) < 0.01, `mean ${noise.mean}`);
    assert.ok(Math.abs(Math.sqrt(noise.variance) - 0.3) < 0.01, `stddev ${Math.sqrt(noise.variance)}`);
    zeros.dispose();
  });
});

function twoLayerSpec(hidden: object): ReturnType<typeof parsedSpec> {
  return parsedSpec({
    seed: 4,
    data: { dataset: 'xor', samples: 100 },
    model: {
      inputShape: [2],
      layers: [
        { type: 'dense', units: 5, activation: 'tanh', ...hidden },
        { type: 'dense', units: 2, activation: 'softmax' },
      ],
    },
    training: { loss: 'categoricalCrossentropy', optimizer: { type: 'sgd', learningRate: 1 } },
  });
}

describe('kernelRegularizer and kernelConstraint in the step', () => {
  before(useBackend);

  /** One measured SGD step from the spec's seeded initial weights: the step's numbers and the first kernel before/after. */
  async function oneStep(hidden: object) {
    const spec = twoLayerSpec(hidden);
    const built = buildModel(spec, spec.seed);
    const { optimizer } = makeOptimizer(spec.training.optimizer);
    const kernel = built.weighted[0].kernel;
    const before = Array.from(kernel.read().dataSync());
    const x = tf.randomNormal([4, 2], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
    const { packed, layout } = runStep(built, optimizer, spec.training, x, y, true);
    const numbers = unpackStep(built, layout, await packed.data());
    const after = Array.from(kernel.read().dataSync());
    tf.dispose([packed, x, y]);
    built.model.dispose();
    optimizer.dispose();
    return { numbers, before, after };
  }

  it('adds exactly l1·sign(W) + 2·l2·W to the update, and nothing to the reported loss or gradient norms', async () => {
    const l1 = 0.01;
    const l2 = 0.05;
    const plain = await oneStep({});
    const reg = await oneStep({ kernelRegularizer: { l1, l2 } });
    assert.deepStrictEqual(reg.before, plain.before, 'same seeded start');
    assert.strictEqual(reg.numbers.loss, plain.numbers.loss, 'the reported loss is the data loss');
    assert.strictEqual(reg.numbers.layers![0].gradNorm, plain.numbers.layers![0].gradNorm, 'measured gradient: the data loss’s');
    // SGD with learning rate 1: W' = W − (g + l1·sign(W) + 2·l2·W); the plain run gives W − g.
    reg.after.forEach((w, i) => {
      const w0 = reg.before[i];
      const expected = plain.after[i] - (l1 * Math.sign(w0) + 2 * l2 * w0);
      assert.ok(Math.abs(w - expected) < 1e-6, `kernel[${i}]: ${w} vs ${expected}`);
    });
  });

  it('on a recurrent layer both act on its input kernel (the recurrent kernel is left alone)', () => {
    const l2 = 0.05;
    const maxValue = 0.3;
    const run = (extra: object) => {
      const spec = parsedSpec({
        seed: 6,
        data: { dataset: 'adding', samples: 40, sequenceLength: 5 },
        model: {
          inputShape: [5, 2],
          layers: [
            { type: 'simpleRNN', units: 3, ...extra },
            { type: 'dense', units: 1 },
          ],
        },
        training: { loss: 'meanSquaredError', optimizer: { type: 'sgd', learningRate: 1 } },
      });
      const built = buildModel(spec, spec.seed);
      const { optimizer } = makeOptimizer(spec.training.optimizer);
      const layer = built.weighted[0];
      const read = (v: tf.LayerVariable): number[] => Array.from(v.read().dataSync());
      const before = read(layer.kernel);
      const x = tf.randomUniform([4, 5, 2], 0, 1, 'float32', 3);
      const y = tf.randomUniform([4, 1], 0, 2, 'float32', 4);
      const { packed } = runStep(built, optimizer, spec.training, x, y, false);
      const out = { before, after: read(layer.kernel), recurrent: read(layer.recurrentKernel!) };
      tf.dispose([packed, x, y]);
      built.model.dispose();
      optimizer.dispose();
      return out;
    };
    const plain = run({});
    const reg = run({ kernelRegularizer: { l1: 0, l2 } });
    reg.after.forEach((w, i) => {
      const expected = plain.after[i] - 2 * l2 * reg.before[i];
      assert.ok(Math.abs(w - expected) < 1e-6, `input kernel[${i}]: ${w} vs ${expected}`);
    });
    assert.deepStrictEqual(reg.recurrent, plain.recurrent, 'the recurrent kernel gets no penalty');
    const constrained = run({ kernelConstraint: { type: 'maxNorm', maxValue } });
    const columns = 3; // simpleRNN: [features, units]
    for (let u = 0; u < columns; u++) {
      const norm = Math.hypot(...constrained.after.filter((_, i) => i % columns === u));
      assert.ok(norm <= maxValue * (1 + 1e-5), `unit ${u}: norm ${norm}`);
    }
  });

  it('maxNorm: after every step each unit’s incoming weights have norm ≤ maxValue (and the constraint was active)', () => {
    const maxValue = 0.6;
    const unitNorms = (w: number[], units: number): number[] =>
      Array.from({ length: units }, (_unused, u) => Math.hypot(...w.filter((_, i) => i % units === u)));
    for (const hidden of [
      { kernelConstraint: { type: 'maxNorm', maxValue } },
      { kernelConstraint: { type: 'maxNorm', maxValue }, kernelRegularizer: { l1: 0, l2: 0.01 } },
    ]) {
      const spec = parsedSpec({
        seed: 2,
        data: { dataset: 'spiral', samples: 64, classes: 2 },
        model: {
          inputShape: [2],
          layers: [
            { type: 'dense', units: 6, activation: 'relu', kernelInitializer: 'heNormal', ...hidden },
            { type: 'dense', units: 2, activation: 'softmax' },
          ],
        },
        training: { epochs: 3, batchSize: 16, optimizer: { type: 'sgd', learningRate: 0.5 } },
      });
      const built = buildModel(spec, spec.seed);
      const { optimizer } = makeOptimizer(spec.training.optimizer);
      const kernel = built.weighted[0].kernel;
      const initial = unitNorms(Array.from(kernel.read().dataSync()), 6);
      assert.ok(Math.max(...initial) > maxValue, `some unit starts above ${maxValue}: ${initial.join(', ')}`);
      const x = tf.randomNormal([16, 2], 0, 1, 'float32', 1);
      const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0], 'int32'), 2);
      for (let step = 0; step < 5; step++) {
        const { packed } = runStep(built, optimizer, spec.training, x, y, false);
        packed.dispose();
        const norms = unitNorms(Array.from(kernel.read().dataSync()), 6);
        assert.ok(Math.max(...norms) <= maxValue * (1 + 1e-5), `step ${step}: norms ${norms.join(', ')}`);
        assert.ok(
          norms.some((n) => n > maxValue * 0.999),
          `step ${step}: the constraint holds some unit at maxValue`,
        );
      }
      tf.dispose([x, y]);
      built.model.dispose();
      optimizer.dispose();
    }
  });
});

describe('a spec with every new layer trains on wasm', () => {
  before(useBackend);

  it('conv2d (weight-normalized, l2) → groupNormalization → conv2d (maxNorm) → rmsNormalization → gaussianNoise → dense selu (l1/l2) → alphaDropout → dense', async function () {
    this.timeout(120_000);
    const spec = parsedSpec({
      seed: 5,
      data: { dataset: 'mnist', samples: 96 },
      model: {
        inputShape: [28, 28, 1],
        layers: [
          { type: 'maxPooling2d', poolSize: 4 },
          {
            type: 'conv2d',
            filters: 8,
            kernelSize: 3,
            activation: 'relu',
            weightNormalization: true,
            kernelRegularizer: { l1: 0, l2: 0.001 },
          },
          { type: 'groupNormalization', groups: 4 },
          { type: 'conv2d', filters: 4, kernelSize: 3, kernelConstraint: { type: 'maxNorm', maxValue: 2 } },
          { type: 'rmsNormalization' },
          { type: 'flatten' },
          { type: 'gaussianNoise', stddev: 0.1 },
          {
            type: 'dense',
            units: 16,
            activation: 'selu',
            kernelInitializer: 'lecunNormal',
            kernelRegularizer: { l1: 1e-4, l2: 1e-4 },
          },
          { type: 'alphaDropout', rate: 0.1 },
          { type: 'dense', units: 10, activation: 'softmax', weightNormalization: true },
        ],
      },
      training: { epochs: 2, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 } },
    });
    const steps: StepEvent[] = [];
    let reloaded: string[] = [];
    const end: RunEndEvent = await train({
      spec,
      specFile: '/virtual/all.gradscope.json',
      runId: 'all-new-layers',
      runDir: '/virtual',
      backend: 'wasm',
      specText: '',
      emit: (e) => {
        if (e.type === 'step') steps.push(e);
      },
      shouldStop: () => false,
      onFinished: async ({ model }) => {
        // Training models carry the custom layers' configs: the topology loads back (weights are loaded separately).
        const topology = model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'];
        const loaded = await tf.models.modelFromJSON({ modelTopology: topology });
        reloaded = loaded.layers.map((l) => l.getClassName());
        loaded.dispose();
        return undefined;
      },
    });
    assert.strictEqual(end.status, 'completed');
    for (const name of [
      'GradscopeWeightNormalized',
      'GradscopeGroupNormalization',
      'GradscopeRmsNormalization',
      'GradscopeGaussianNoise',
      'GradscopeAlphaDropout',
    ]) {
      assert.ok(reloaded.includes(name), `${name} reloads from its saved config (${reloaded.join(', ')})`);
    }
    assert.ok(steps.length > 0 && steps.every((s) => Number.isFinite(s.loss)), 'finite losses');
    const kinds = steps.find((s) => s.layers)?.layers?.map((l) => l.name);
    assert.deepStrictEqual(kinds, ['conv2d_1', 'groupNormalization_1', 'conv2d_2', 'rmsNormalization_1', 'dense_1', 'dense_2']);
  });
});
