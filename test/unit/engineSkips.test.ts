// highway and denseBlock gradients (input and every weight) against an independent computation: the layers
// re-implemented in float64 by hand and differentiated by central finite differences, on the cpu and wasm backends.
// The measured step's gradNorm / transformGradNorm of a highway layer are checked against the same numbers.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/training/engine/backend';
import { applyModel, buildModel } from '../../src/training/engine/model/buildModel';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep } from '../../src/training/engine/step';
import type { ParsedSpec } from '../../src/training/spec/types';
import { parsedSpec, useBackend } from './support/specs';

/** Parameters by name, each a flat row-major array with its shape. */
type Params = Record<string, { shape: number[]; values: number[] }>;

/** Deterministic values in [-scale, scale) (a small LCG), so the check does not depend on tfjs's initializers. */
function values(n: number, seed: number, scale: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * 2 * scale;
  });
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** z_j = b_j + Σ_i x_i·W[i, j] for W [inputs, units]. */
function affine(x: number[], w: number[], b: number[]): number[] {
  return b.map((bj, j) => x.reduce((s, xi, i) => s + xi * w[i * b.length + j], bj));
}

/** Mean squared error over the batch and units, as the engine's meanSquaredError. */
function mse(outputs: number[][], targets: number[][]): number {
  let total = 0;
  outputs.forEach((row, n) => row.forEach((v, k) => (total += (v - targets[n][k]) ** 2)));
  return total / (outputs.length * outputs[0].length);
}

/** Central finite differences of f with respect to every entry of one parameter (or of the input batch). */
function fd(f: () => number, arr: number[], h = 1e-6): number[] {
  return arr.map((v, i) => {
    arr[i] = v + h;
    const up = f();
    arr[i] = v - h;
    const down = f();
    arr[i] = v;
    return (up - down) / (2 * h);
  });
}

function assertClose(actual: ArrayLike<number>, expected: number[], what: string, rtol = 2e-3): void {
  assert.strictEqual(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= rtol * scale + 1e-6,
      `${what}[${i}]: ${actual[i]} vs finite differences ${expected[i]}`,
    );
  }
}

const norm = (v: number[]): number => Math.hypot(...v);

interface Case {
  spec: ParsedSpec;
  params: Params;
  x: number[][];
  y: number[][];
  /** The float64 model: one output row per sample. */
  forward: (p: Params, x: number[][]) => number[][];
}

const X = [
  [0.9, -0.4, 0.3],
  [-0.7, 0.2, 1.1],
  [0.1, 0.8, -0.6],
  [-1.2, -0.5, 0.4],
];

function highwayCase(): Case {
  const spec = parsedSpec({
    data: { dataset: 'blobs', features: 3, classes: 3, samples: 60 },
    model: { inputShape: [3], layers: [{ type: 'highway', units: 3, activation: 'tanh', transformBias: -1 }] },
    training: { loss: 'meanSquaredError', optimizer: { type: 'sgd', learningRate: 0.1 } },
  });
  const params: Params = {
    kernel: { shape: [3, 3], values: values(9, 1, 0.9) },
    bias: { shape: [3], values: values(3, 2, 0.3) },
    transformKernel: { shape: [3, 3], values: values(9, 3, 0.9) },
    transformBias: { shape: [3], values: values(3, 4, 0.5).map((v) => v - 1) },
  };
  const forward = (p: Params, x: number[][]): number[][] =>
    x.map((row) => {
      const h = affine(row, p.kernel.values, p.bias.values).map(Math.tanh);
      const t = affine(row, p.transformKernel.values, p.transformBias.values).map(sigmoid);
      return row.map((xj, j) => h[j] * t[j] + xj * (1 - t[j]));
    });
  return {
    spec,
    params,
    x: X.map((r) => [...r]),
    y: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ],
    forward,
  };
}

function denseBlockCase(): Case {
  const spec = parsedSpec({
    data: { dataset: 'blobs', features: 3, classes: 7, samples: 60 },
    model: {
      inputShape: [3],
      layers: [
        {
          type: 'denseBlock',
          layers: [
            { type: 'dense', units: 2, activation: 'tanh' },
            { type: 'dense', units: 2, activation: 'sigmoid' },
          ],
        },
      ],
    },
    training: { loss: 'meanSquaredError', optimizer: { type: 'sgd', learningRate: 0.1 } },
  });
  const params: Params = {
    w1: { shape: [3, 2], values: values(6, 5, 0.8) },
    b1: { shape: [2], values: values(2, 6, 0.3) },
    w2: { shape: [5, 2], values: values(10, 7, 0.8) },
    b2: { shape: [2], values: values(2, 8, 0.3) },
  };
  const forward = (p: Params, x: number[][]): number[][] =>
    x.map((row) => {
      const f1 = affine(row, p.w1.values, p.b1.values).map(Math.tanh);
      const f2 = affine([...row, ...f1], p.w2.values, p.b2.values).map(sigmoid);
      return [...row, ...f1, ...f2];
    });
  const y = X.map((_, n) => values(7, 20 + n, 1));
  return { spec, params, x: X.map((r) => [...r]), y, forward };
}

function setWeights(built: ReturnType<typeof buildModel>, params: Params): void {
  const weights = Object.values(params).map((p) => tf.tensor(p.values, p.shape));
  built.model.setWeights(weights);
  tf.dispose(weights);
}

/** The engine's gradients of the MSE loss with respect to the input batch and every trainable weight (in order). */
function engineGradients(c: Case): { input: number[]; weights: number[][]; names: string[] } {
  const built = buildModel(c.spec, 1);
  try {
    setWeights(built, c.params);
    return tf.tidy(() => {
      const x = tf.tensor2d(c.x);
      const y = tf.tensor2d(c.y);
      const loss = (input: tf.Tensor): tf.Scalar => tf.mean(tf.squaredDifference(applyModel(built, input, true)[0], y));
      const input = Array.from(tf.grad(loss)(x).dataSync());
      const vars = built.model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => loss(x), vars);
      const names = built.model.trainableWeights.map((w) => w.originalName);
      return { input, weights: vars.map((v) => Array.from(grads[v.name].dataSync())), names };
    });
  } finally {
    built.model.dispose();
  }
}

function referenceGradients(c: Case): { input: number[]; weights: number[][] } {
  const p: Params = structuredClone(c.params);
  const x = c.x.map((r) => [...r]);
  const loss = (): number => mse(c.forward(p, x), c.y);
  const flatX = x.flat();
  const inputLoss = (): number => {
    const rows = c.x.map((r, n) => flatX.slice(n * r.length, (n + 1) * r.length));
    return mse(c.forward(p, rows), c.y);
  };
  return { input: fd(inputLoss, flatX), weights: Object.values(p).map((group) => fd(loss, group.values)) };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`highway and denseBlock gradients against float64 finite differences (${backend})`, () => {
    before(async () => {
      assert.strictEqual(await initBackend(backend), backend);
    });
    after(useBackend);

    for (const [name, make] of [
      ['highway (tanh, transformBias -1)', highwayCase],
      ['denseBlock of dense tanh and dense sigmoid', denseBlockCase],
    ] as const) {
      it(`${name}: input and weight gradients`, () => {
        const c = make();
        const before = tf.memory().numTensors;
        const engine = engineGradients(c);
        assert.strictEqual(tf.memory().numTensors, before, 'no tensor leaks');
        const ref = referenceGradients(c);
        assert.strictEqual(engine.weights.length, ref.weights.length, `weights: ${engine.names.join(', ')}`);
        assertClose(engine.input, ref.input, 'input gradient');
        Object.keys(c.params).forEach((p, i) => assertClose(engine.weights[i], ref.weights[i], `${p} (${engine.names[i]})`));
      });
    }

    it('a highway step reports gradNorm for W_H, transformGradNorm for W_T and biasGradNorm for b_H', async () => {
      const c = highwayCase();
      const built = buildModel(c.spec, 1);
      setWeights(built, c.params);
      const { optimizer } = makeOptimizer(c.spec.training.optimizer);
      const x = tf.tensor2d(c.x);
      const y = tf.tensor2d(c.y);
      const { packed, layout } = runStep(built, optimizer, c.spec.training, x, y, true);
      const n = unpackStep(built, layout, await packed.data());
      tf.dispose([packed, x, y]);
      built.model.dispose();
      optimizer.dispose();
      const ref = referenceGradients(c);
      const [layer] = n.layers!;
      assertClose([layer.gradNorm!], [norm(ref.weights[0])], 'gradNorm (W_H)');
      assertClose([layer.biasGradNorm!], [norm(ref.weights[1])], 'biasGradNorm (b_H)');
      assertClose([layer.transformGradNorm!], [norm(ref.weights[2])], 'transformGradNorm (W_T)');
      assertClose([n.globalGradNorm!], [norm(ref.weights.flat())], 'global norm: all four weights');
    });

    it('weightDecay decays both highway kernels (W_H and W_T), not the biases', () => {
      const c = highwayCase();
      const lr = 0.1;
      const wd = 0.5;
      const training = { ...c.spec.training, weightDecay: wd };
      const built = buildModel(c.spec, 1);
      setWeights(built, c.params);
      const { optimizer } = makeOptimizer({ ...training.optimizer, learningRate: lr });
      const x = tf.tensor2d(c.x);
      const y = tf.tensor2d(c.y);
      const { packed } = runStep(built, optimizer, training, x, y, false);
      const after = built.model.getWeights().map((w) => Array.from(w.dataSync()));
      tf.dispose([packed, x, y]);
      built.model.dispose();
      optimizer.dispose();
      const ref = referenceGradients(c);
      Object.entries(c.params).forEach(([name, p], i) => {
        const decay = name === 'kernel' || name === 'transformKernel' ? wd : 0;
        const expected = p.values.map((w, j) => w - lr * (ref.weights[i][j] + decay * w));
        assertClose(after[i], expected, `${name} after one SGD step`, 1e-4);
      });
    });
  });
}

describe('highway and denseBlock as built', () => {
  before(useBackend);

  it('highway starts its transform bias at transformBias (default −2) and draws W_H and W_T with different seeds', () => {
    const spec = parsedSpec({
      data: { dataset: 'blobs', features: 4, classes: 4, samples: 60 },
      model: { inputShape: [4], layers: [{ type: 'highway', units: 4, activation: 'relu', kernelInitializer: 'heNormal' }] },
      training: { loss: 'meanSquaredError' },
    });
    const built = buildModel(spec, 3);
    const [wh, bh, wt, bt] = built.model.getWeights().map((w) => Array.from(w.dataSync()));
    built.model.dispose();
    assert.deepStrictEqual(bt, [-2, -2, -2, -2]);
    assert.deepStrictEqual(bh, [0, 0, 0, 0]);
    assert.notDeepStrictEqual(wh, wt);
  });

  it('a conv2d denseBlock concatenates feature maps: 4 + 3 + 3 channels, and trains a step', async () => {
    const spec = parsedSpec({
      data: { dataset: 'mnist', samples: 64 },
      model: {
        inputShape: [28, 28, 1],
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 3, strides: 2, activation: 'relu' },
          {
            type: 'denseBlock',
            layers: [
              { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' },
              { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' },
            ],
          },
          { type: 'flatten' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      },
      training: { optimizer: { type: 'sgd', learningRate: 0.1 } },
    });
    const built = buildModel(spec, 1);
    const block = built.layers.find((l) => l.kind === 'denseBlock');
    assert.deepStrictEqual(block?.outputShape, [13, 13, 10]);
    const { optimizer } = makeOptimizer(spec.training.optimizer);
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const { packed, layout } = runStep(built, optimizer, spec.training, x, y, true);
    const n = unpackStep(built, layout, await packed.data());
    tf.dispose([packed, x, y]);
    built.model.dispose();
    optimizer.dispose();
    assert.ok(Number.isFinite(n.loss));
    assert.deepStrictEqual(
      n.layers!.map((l) => [l.name, l.units]),
      [
        ['conv2d_1', 4],
        ['conv2d_2', 3],
        ['conv2d_3', 3],
        ['dense_1', 10],
      ],
    );
    assert.ok(n.layers!.every((l) => l.gradNorm! > 0 && Number.isFinite(l.gradNorm!)));
  });
});
