// Backend selection, and training on wasm (with our kernels) giving the same numbers as the cpu backend.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/training/engine/backend';
import { convGradTuning } from '../../src/training/engine/backend/wasmConvGrad';
import { wasmKernelsInstalled } from '../../src/training/engine/backend/wasmKernels';
import { makeOptimizer as engineOptimizer } from '../../src/training/engine/optim/optimizer';
import type { OptimizerSpec } from '../../src/training/spec/types';
import { parsedSpec, smallClassifier } from './support/specs';

type Name = 'cpu' | 'wasm';
type Arrays = Float32Array[];

const RTOL = 1e-4;
const ATOL = 1e-5;

/** Deterministic values in [-scale, scale) (mulberry32), identical on every backend. */
function detValues(size: number, seed: number, scale = 0.5): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

function assertClose(actual: Arrays, expected: Arrays, what: string): void {
  assert.strictEqual(actual.length, expected.length, `${what}: number of tensors`);
  expected.forEach((exp, t) => {
    const act = actual[t];
    assert.strictEqual(act.length, exp.length, `${what}[${t}]: size`);
    let worst = 0;
    let worstAt = -1;
    for (let i = 0; i < exp.length; i++) {
      const excess = Math.abs(act[i] - exp[i]) - (ATOL + RTOL * Math.abs(exp[i]));
      if (!(excess <= worst)) {
        worst = excess;
        worstAt = i;
      }
    }
    assert.ok(worstAt < 0, `${what}[${t}][${worstAt}]: wasm ${act[worstAt]} vs cpu ${exp[worstAt]}`);
  });
}

/** Gives every trainable weight deterministic values, so both backends start from the same model. */
function setDetWeights(model: tf.LayersModel, seed: number): void {
  model.trainableWeights.forEach((w, i) => {
    const isScale = /gamma/.test(w.name);
    const shape = w.shape as number[];
    const values = detValues(tf.util.sizeFromShape(shape), seed + i, 0.5);
    if (isScale)
      values.forEach((v, j) => {
        values[j] = 1 + v;
      });
    const t = tf.tensor(values, shape);
    w.write(t);
    t.dispose();
  });
}

function read(tensors: tf.Tensor[]): Arrays {
  return tensors.map((t) => t.dataSync() as Float32Array);
}

/** Runs `fn` in a tidy and reads its tensors outside it (tidy would walk returned arrays element by element). */
function readTidy(fn: () => tf.Tensor[]): Arrays {
  const tensors = tf.tidy(fn);
  const arrays = read(tensors);
  tf.dispose(tensors);
  return arrays;
}

async function on<T>(backend: Name, fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  return fn();
}

type Loss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

const losses: Record<string, Loss> = {
  softmaxCE: (y, p) => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(y, p),
  logSoftmaxCE: (y, p) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(p)), -1))) as tf.Scalar,
  sigmoidCE: (y, p) => tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(y, p),
  binaryCE: (y, p) => tf.mean(tf.metrics.binaryCrossentropy(y, tf.sigmoid(p))),
  mse: (y, p) => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(y, p),
};

interface GradCase {
  build: () => tf.LayersModel;
  batch: number;
  loss?: Loss;
}

interface GradResult {
  loss: Arrays;
  grads: Arrays;
  weights: Arrays; // all weights after the pass (batch norm updates its moving statistics in training mode)
}

/** One forward/backward pass in training mode on the current backend; everything read back as arrays. */
function gradients(c: GradCase): GradResult {
  const model = c.build();
  try {
    setDetWeights(model, 11);
    const inShape = model.inputs[0].shape.slice(1) as number[];
    const outShape = model.outputs[0].shape.slice(1) as number[];
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor(detValues(c.batch * tf.util.sizeFromShape(inShape), 3, 1), [c.batch, ...inShape]);
      const y = tf.tensor(
        detValues(c.batch * tf.util.sizeFromShape(outShape), 5, 0.5).map((v) => v + 0.5),
        [c.batch, ...outShape],
      );
      const lossFn = c.loss ?? losses.softmaxCE;
      return tf.variableGrads(() => lossFn(y, model.apply(x, { training: true }) as tf.Tensor), vars);
    });
    const result = {
      loss: read([value]),
      grads: read(vars.map((v) => grads[v.name])),
      weights: read(model.weights.map((w) => w.read())),
    };
    tf.dispose([value, grads]);
    return result;
  } finally {
    model.dispose();
  }
}

async function assertSameGradients(c: GradCase): Promise<void> {
  const cpu = await on('cpu', () => gradients(c));
  const wasm = await on('wasm', () => gradients(c));
  assertClose(wasm.loss, cpu.loss, 'loss');
  assertClose(wasm.grads, cpu.grads, 'gradient');
  assertClose(wasm.weights, cpu.weights, 'weights after the forward pass');
  assert.ok(
    cpu.grads.some((g) => g.some((v) => v !== 0)),
    'the case produces non-zero gradients',
  );
}

/** A sequential model builder; layers are made per build (a layer instance belongs to one model). */
function seq(inputShape: number[], makeLayers: () => tf.layers.Layer[]): () => tf.LayersModel {
  return () => {
    const model = tf.sequential();
    model.add(tf.layers.inputLayer({ inputShape }));
    for (const layer of makeLayers()) model.add(layer);
    return model;
  };
}

describe('backend', function () {
  this.timeout(60_000);
  let initial: string;

  before(async () => {
    initial = await initBackend();
  });

  after(async () => {
    await tf.setBackend(initial);
  });

  describe('initBackend', () => {
    it('picks wasm on this machine (tfjs-node is not installed) and installs our kernels', () => {
      assert.strictEqual(initial, 'wasm');
      assert.strictEqual(tf.getBackend(), 'wasm');
      assert.ok(wasmKernelsInstalled());
      assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm') != null);
    });

    it('is idempotent', async () => {
      assert.strictEqual(await initBackend(), 'wasm');
      assert.strictEqual(await initBackend('wasm'), 'wasm');
    });

    it('throws a clear error when a forced backend cannot load, and keeps the current one', async () => {
      await assert.rejects(initBackend('tensorflow'), /Cannot use the 'tensorflow'.*tfjs-node/);
      assert.strictEqual(tf.getBackend(), 'wasm');
    });

    it('switches to a forced cpu backend and back, printing nothing (no "install tfjs-node" banner)', async () => {
      const printed: unknown[][] = [];
      const methods = ['log', 'info', 'warn', 'error'] as const;
      // eslint-disable-next-line @typescript-eslint/unbound-method -- kept only to be put back on console
      const originals = methods.map((m) => console[m]);
      methods.forEach((m) => {
        console[m] = (...args: unknown[]): void => {
          printed.push(args);
        };
      });
      try {
        assert.strictEqual(await initBackend('cpu'), 'cpu');
        assert.strictEqual(tf.getBackend(), 'cpu');
        tf.tidy(() => {
          tf.add(tf.ones([2]), 1).dataSync();
        }); // the banner would print on the first tensor write
        assert.strictEqual(await initBackend('wasm'), 'wasm');
        assert.strictEqual(tf.getBackend(), 'wasm');
      } finally {
        methods.forEach((m, i) => {
          console[m] = originals[i];
        });
      }
      assert.deepStrictEqual(printed, []);
    });
  });

  describe('matmul kernels match cpu', () => {
    const R = (shape: number[], seed: number): tf.Tensor => tf.tensor(detValues(tf.util.sizeFromShape(shape), seed, 1), shape);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      it(`matMul transposeA=${ta} transposeB=${tb}, 2-D, batched and broadcast`, async () => {
        const run = (): Arrays =>
          readTidy(() => [
            tf.matMul(R(ta ? [7, 5] : [5, 7], 1), R(tb ? [3, 7] : [7, 3], 2), ta, tb),
            tf.matMul(R(ta ? [2, 7, 5] : [2, 5, 7], 1), R(tb ? [2, 3, 7] : [2, 7, 3], 2), ta, tb),
            tf.matMul(R(ta ? [4, 7, 5] : [4, 5, 7], 1), R(tb ? [1, 3, 7] : [1, 7, 3], 2), ta, tb),
            tf.matMul(R(ta ? [1, 7, 5] : [1, 5, 7], 1), R(tb ? [3, 3, 7] : [3, 7, 3], 2), ta, tb),
          ]);
        assertClose(await on('wasm', run), await on('cpu', run), 'matMul');
      });

      it(`fused matMul with bias and every fusable activation, transposeA=${ta} transposeB=${tb}`, async () => {
        const run = (): Arrays =>
          readTidy(() =>
            ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'].map((activation) =>
              tf.fused.matMul({
                a: R(ta ? [7, 5] : [5, 7], 1),
                b: R(tb ? [3, 7] : [7, 3], 2),
                transposeA: ta,
                transposeB: tb,
                bias: R([3], 3),
                activation: activation as tf.fused.Activation,
                leakyreluAlpha: 0.2,
                preluActivationWeights: activation === 'prelu' ? R([3], 4) : undefined,
              }),
            ),
          );
        assertClose(await on('wasm', run), await on('cpu', run), 'fused matMul');
      });
    }

    it('stays correct when a buffer is reused with another shape (reshape shares it)', async () => {
      const run = (): Arrays =>
        readTidy(() => {
          const w = R([6, 4], 1);
          return [tf.matMul(R([2, 6], 2), w), tf.matMul(R([2, 4], 3), tf.reshape(w, [4, 6]))];
        });
      assertClose(await on('wasm', run), await on('cpu', run), 'matMul');
    });
  });

  describe('gradients match cpu', () => {
    describe('dense activations', () => {
      for (const activation of ['linear', 'relu', 'elu', 'selu', 'gelu', 'swish', 'mish', 'sigmoid', 'tanh', 'softmax']) {
        it(activation, () =>
          assertSameGradients({
            batch: 6,
            build: seq([5], () => [
              tf.layers.dense({ units: 7, activation: activation as 'relu' }),
              tf.layers.dense({ units: 3 }),
            ]),
          }),
        );
      }
    });

    describe('losses', () => {
      for (const [name, loss] of Object.entries(losses)) {
        it(name, () =>
          assertSameGradients({
            batch: 6,
            loss,
            build: seq([5], () => [tf.layers.dense({ units: 6, activation: 'relu' }), tf.layers.dense({ units: 4 })]),
          }),
        );
      }
    });

    describe('conv2d + maxPooling2d + flatten + dense', () => {
      for (const padding of ['valid', 'same'] as const) {
        for (const strides of [1, 2]) {
          for (const kernelSize of [3, 5]) {
            it(`padding ${padding}, strides ${strides}, kernel ${kernelSize}`, () =>
              assertSameGradients({
                batch: 3,
                build: seq([11, 10, 2], () => [
                  tf.layers.conv2d({ filters: 4, kernelSize, strides, padding, activation: 'relu' }),
                  tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }),
                  tf.layers.maxPooling2d({ poolSize: 2, padding }),
                  tf.layers.flatten(),
                  tf.layers.dense({ units: 3 }),
                ]),
              }));
          }
        }
      }
    });

    it("maxPool gradient sends each window's gradient to the same element as cpu when values tie", async () => {
      const run = (): Arrays =>
        readTidy(() => {
          // Rounded and relu'd: most windows hold repeated maxima (zeros, and equal positives).
          const t = tf.relu(tf.round(tf.tensor(detValues(2 * 7 * 7 * 3, 4, 2), [2, 7, 7, 3])));
          const w = tf.tensor(detValues(2 * 4 * 4 * 3, 6, 1), [2, 4, 4, 3]);
          const w3 = tf.tensor(detValues(2 * 3 * 3 * 3, 8, 1), [2, 3, 3, 3]);
          return [
            tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 2, 2, 'same'), w)))(t),
            tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 3, 2, 'valid'), w3)))(t),
            tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 3, 1, 'same'), tf.onesLike(x))))(t),
          ];
        });
      assertClose(await on('wasm', run), await on('cpu', run), 'maxPool gradient');
    });

    it('conv2d gradients with numeric and explicit padding, unequal strides, and batches split into im2col chunks', async () => {
      const run = (): Arrays =>
        readTidy(() => {
          const x = tf.tensor<tf.Rank.R4>(detValues(5 * 9 * 8 * 3, 1, 1), [5, 9, 8, 3]);
          const f = tf.tensor<tf.Rank.R4>(detValues(3 * 3 * 3 * 4, 2, 1), [3, 3, 3, 4]);
          const f53 = tf.tensor<tf.Rank.R4>(detValues(5 * 3 * 3 * 4, 3, 1), [5, 3, 3, 4]);
          // tfjs computes numeric-pad shapes from the filter height and row stride alone (wrong for non-square
          // filters or strides; stock wasm Conv2D then corrupts memory), so those cases use explicit pads.
          const explicit: [[number, number], [number, number], [number, number], [number, number]] = [
            [0, 0],
            [2, 1],
            [0, 2],
            [0, 0],
          ];
          return [
            ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 1))))([
              x,
              f,
            ]),
            ...tf.grads((a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, [1, 2], explicit))),
            )([x, f53]),
          ];
        });
      const cpu = await on('cpu', run);
      assertClose(await on('wasm', run), cpu, 'conv2d gradients');
      const saved = { ...convGradTuning };
      // The im2col path (the SIMD filter gradient off) in chunks of 3+2 images in the first case, 1 image each in
      // the second.
      Object.assign(convGradTuning, { maxColsFloats: 2000, simd: false });
      try {
        assertClose(await on('wasm', run), cpu, 'conv2d gradients, chunked');
      } finally {
        Object.assign(convGradTuning, saved);
      }
    });

    it('batchNormalization in training mode (moving statistics update too)', () =>
      assertSameGradients({
        batch: 8,
        build: seq([5], () => [
          tf.layers.dense({ units: 6 }),
          tf.layers.batchNormalization({ momentum: 0.9 }),
          tf.layers.activation({ activation: 'relu' }),
          tf.layers.dense({ units: 3 }),
        ]),
      }));

    it('batchNormalization after conv2d', () =>
      assertSameGradients({
        batch: 4,
        build: seq([6, 6, 2], () => [
          tf.layers.conv2d({ filters: 3, kernelSize: 3 }),
          tf.layers.batchNormalization(),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3 }),
        ]),
      }));

    it('layerNormalization', () =>
      assertSameGradients({
        batch: 6,
        build: seq([5], () => [tf.layers.dense({ units: 6 }), tf.layers.layerNormalization(), tf.layers.dense({ units: 3 })]),
      }));

    it('dropout (seeded, so both backends drop the same units)', () =>
      assertSameGradients({
        batch: 6,
        build: seq([5], () => [
          tf.layers.dense({ units: 8, activation: 'relu' }),
          tf.layers.dropout({ rate: 0.4, seed: 7 }),
          tf.layers.dense({ units: 3 }),
        ]),
      }));

    it('leakyReLU layer', () =>
      assertSameGradients({
        batch: 6,
        build: seq([5], () => [
          tf.layers.dense({ units: 6 }),
          tf.layers.leakyReLU({ alpha: 0.1 }),
          tf.layers.dense({ units: 3 }),
        ]),
      }));

    it('residual add (functional model)', () =>
      assertSameGradients({
        batch: 6,
        build: () => {
          const input = tf.input({ shape: [5] });
          const h = tf.layers.dense({ units: 6, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
          const r = tf.layers.dense({ units: 6, activation: 'tanh' }).apply(h) as tf.SymbolicTensor;
          const sum = tf.layers.add().apply([h, r]) as tf.SymbolicTensor;
          const out = tf.layers.dense({ units: 3 }).apply(sum) as tf.SymbolicTensor;
          return tf.model({ inputs: input, outputs: out });
        },
      }));

    it('kernels wasm lacks, borrowed from cpu: depthwise conv, embedding lookup (UnsortedSegmentSum)', async () => {
      await assertSameGradients({
        batch: 3,
        build: seq([6, 6, 2], () => [
          tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3 }),
        ]),
      });
      const run = (): Arrays => {
        const table = tf.variable(tf.tensor(detValues(40, 9), [10, 4]));
        const ids = tf.tensor1d([1, 3, 3, 7], 'int32');
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.gather(table, ids))), [table]);
        const g = read([grads[table.name]]);
        tf.dispose([table, ids, value, grads]);
        return g;
      };
      assertClose(await on('wasm', run), await on('cpu', run), 'gather gradient');
    });
  });

  describe("optimizers and the trainer's step ops", () => {
    const optimizers: Record<string, () => tf.Optimizer> = {
      sgd: () => tf.train.sgd(0.1),
      momentum: () => tf.train.momentum(0.1, 0.9),
      nesterov: () => tf.train.momentum(0.1, 0.9, true),
      adam: () => tf.train.adam(0.01),
      adagrad: () => tf.train.adagrad(0.1),
      // gradscope's own rules (engine/optim): every slot-keeping optimizer the engine builds itself.
      ...Object.fromEntries(
        (
          [
            { type: 'rmsprop', learningRate: 0.01 },
            { type: 'rmsprop', learningRate: 0.01, momentum: 0.9, centered: true },
            { type: 'adadelta', learningRate: 1, epsilon: 1e-6 },
            { type: 'nadam', learningRate: 0.01 },
            { type: 'adamax', learningRate: 0.01 },
            { type: 'adamw', learningRate: 0.01, weightDecay: 0.1, amsgrad: true },
          ] as Partial<OptimizerSpec>[]
        ).map((o) => [
          JSON.stringify(o),
          () => engineOptimizer(parsedSpec(smallClassifier({ training: { optimizer: o } })).training.optimizer).optimizer,
        ]),
      ),
    };

    /** Three steps like the trainer takes: grads, per-layer norms, clipping, dead/saturated counts, apply. */
    function train(makeOptimizer: () => tf.Optimizer): Arrays {
      const model = seq([5], () => [
        tf.layers.dense({ units: 8, activation: 'relu' }),
        tf.layers.dense({ units: 6, activation: 'tanh' }),
        tf.layers.dense({ units: 3 }),
      ])();
      const optimizer = makeOptimizer();
      try {
        setDetWeights(model, 21);
        const stats: Arrays = [];
        for (let step = 0; step < 3; step++) {
          const s = tf.tidy(() => {
            const x = tf.tensor(detValues(40, 100 + step, 1), [8, 5]);
            const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
            const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
            const { value, grads } = tf.variableGrads(
              () => losses.softmaxCE(y, model.apply(x, { training: true }) as tf.Tensor),
              vars,
            );
            const norms = tf.stack(vars.map((v) => tf.sqrt(tf.sum(tf.square(grads[v.name])))));
            optimizer.applyGradients(vars.map((v) => ({ name: v.name, tensor: tf.clipByValue(grads[v.name], -0.05, 0.05) })));
            const hidden = tf.relu(tf.matMul(x, vars[0]).add(vars[1]));
            const dead = tf.sum(tf.cast(tf.lessEqual(tf.max(hidden, 0), 0), 'int32'));
            const saturated = tf.sum(tf.cast(tf.greater(tf.abs(tf.tanh(hidden)), 0.9), 'float32'));
            const anyBig = tf.cast(tf.any(tf.greater(tf.abs(norms), 1)), 'float32');
            const clampedRange = tf.sub(tf.max(tf.maximum(hidden, 0.5)), tf.min(tf.minimum(hidden, 0.5)));
            return tf.concat([
              value.reshape([1]),
              norms,
              tf.cast(dead, 'float32').reshape([1]),
              saturated.reshape([1]),
              anyBig.reshape([1]),
              clampedRange.reshape([1]),
            ]);
          });
          stats.push(s.dataSync() as Float32Array);
          s.dispose();
        }
        return [...stats, ...read(model.weights.map((w) => w.read()))];
      } finally {
        optimizer.dispose();
        model.dispose();
      }
    }

    for (const [name, make] of Object.entries(optimizers)) {
      it(name, async () => {
        const cpu = await on('cpu', () => train(make));
        const wasm = await on('wasm', () => train(make));
        assertClose(wasm, cpu, `${name}: step stats and final weights`);
      });
    }
  });

  describe('memory', () => {
    it('a training step on wasm leaks no tensors', async () => {
      await tf.setBackend('wasm');
      const model = seq([8, 8, 1], () => [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 8 }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 3 }),
      ])();
      const optimizer = tf.train.adam(0.01);
      const x = tf.tensor(detValues(4 * 64, 1, 1), [4, 8, 8, 1]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
      const step = (): void => {
        const loss = tf.tidy(() => {
          const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
          const { value, grads } = tf.variableGrads(
            () => losses.softmaxCE(y, model.apply(x, { training: true }) as tf.Tensor),
            vars,
          );
          optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
          return value;
        });
        loss.dataSync();
        loss.dispose();
      };
      try {
        step(); // the first step creates the optimizer's slot variables
        const before = tf.memory().numTensors;
        const backendBefore = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
        step();
        step();
        assert.strictEqual(tf.memory().numTensors, before);
        assert.strictEqual((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), backendBefore);
      } finally {
        optimizer.dispose();
        model.dispose();
        x.dispose();
        y.dispose();
      }
    });
  });
});
