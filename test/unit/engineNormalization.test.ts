// The normalization layers (groupNormalization, rmsNormalization, weight-normalized dense/conv2d): outputs and
// gradients (input and every weight) against an independent float64 reimplementation differentiated by central
// finite differences, on the cpu and the wasm backend.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { GroupNormalization } from '../../src/training/engine/model/groupNormalization';
import { RmsNormalization } from '../../src/training/engine/model/rmsNormalization';
import { WeightNormalized } from '../../src/training/engine/model/weightNormalization';
import { buildModel } from '../../src/training/engine/model/buildModel';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep } from '../../src/training/engine/step';
import { parsedSpec, useBackend } from './support/specs';

/** Deterministic values in [-scale, scale) (mulberry32). */
function detValues(size: number, seed: number, scale = 1): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale);
  }
  return out;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

// ---- float64 reimplementations, on flat row-major arrays ----

/** Group normalization of x [n, ...positions, c] (positions flattened to p). */
function groupNorm64(
  x: number[],
  n: number,
  p: number,
  c: number,
  groups: number,
  eps: number,
  gamma: number[],
  beta: number[],
): number[] {
  const out = new Array<number>(x.length);
  const per = c / groups;
  for (let s = 0; s < n; s++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let q = 0; q < p; q++) for (let k = 0; k < per; k++) idx.push((s * p + q) * c + g * per + k);
      const mean = idx.reduce((a, i) => a + x[i], 0) / idx.length;
      const variance = idx.reduce((a, i) => a + (x[i] - mean) ** 2, 0) / idx.length;
      for (const i of idx) out[i] = ((x[i] - mean) / Math.sqrt(variance + eps)) * gamma[i % c] + beta[i % c];
    }
  }
  return out;
}

/** RMS normalization over the last axis (c). */
function rmsNorm64(x: number[], c: number, eps: number, gamma: number[]): number[] {
  const out = new Array<number>(x.length);
  for (let r = 0; r < x.length / c; r++) {
    let ms = 0;
    for (let k = 0; k < c; k++) ms += x[r * c + k] ** 2;
    const scale = 1 / Math.sqrt(ms / c + eps);
    for (let k = 0; k < c; k++) out[r * c + k] = x[r * c + k] * scale * gamma[k];
  }
  return out;
}

/** w = g·v/‖v‖ per output unit; v is [..., units] flattened with units last. */
function weightNormKernel64(v: number[], g: number[]): number[] {
  const units = g.length;
  const norms = new Array<number>(units).fill(0);
  v.forEach((value, i) => (norms[i % units] += value * value));
  return v.map((value, i) => (value * g[i % units]) / Math.sqrt(norms[i % units]));
}

function dense64(x: number[], n: number, inputs: number, w: number[], bias: number[]): number[] {
  const units = bias.length;
  const out: number[] = [];
  for (let s = 0; s < n; s++)
    for (let u = 0; u < units; u++) {
      let acc = bias[u];
      for (let i = 0; i < inputs; i++) acc += x[s * inputs + i] * w[i * units + u];
      out.push(acc);
    }
  return out;
}

interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  cin: number;
  kh: number;
  kw: number;
  filters: number;
  stride: number;
  padding: 'valid' | 'same';
}

/** conv2d as TensorFlow computes it (NHWC, kernel [kh, kw, cin, filters], TF's "same" padding split). */
function conv64(x: number[], kernel: number[], bias: number[], c: ConvGeometry): { out: number[]; oh: number; ow: number } {
  const outSize = (length: number, k: number): number =>
    c.padding === 'same' ? Math.ceil(length / c.stride) : Math.floor((length - k) / c.stride) + 1;
  const oh = outSize(c.h, c.kh);
  const ow = outSize(c.w, c.kw);
  const padTop = c.padding === 'same' ? Math.floor(Math.max((oh - 1) * c.stride + c.kh - c.h, 0) / 2) : 0;
  const padLeft = c.padding === 'same' ? Math.floor(Math.max((ow - 1) * c.stride + c.kw - c.w, 0) / 2) : 0;
  const out: number[] = [];
  for (let s = 0; s < c.n; s++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let f = 0; f < c.filters; f++) {
          let acc = bias[f];
          for (let a = 0; a < c.kh; a++)
            for (let b = 0; b < c.kw; b++) {
              const y = i * c.stride + a - padTop;
              const xx = j * c.stride + b - padLeft;
              if (y < 0 || y >= c.h || xx < 0 || xx >= c.w) continue;
              for (let k = 0; k < c.cin; k++) {
                acc += x[((s * c.h + y) * c.w + xx) * c.cin + k] * kernel[((a * c.kw + b) * c.cin + k) * c.filters + f];
              }
            }
          out.push(acc);
        }
  return { out, oh, ow };
}

// ---- the check ----

interface Case {
  name: string;
  inputShape: number[];
  /** Builds (and eagerly builds the weights of) the layer under test. */
  make: () => tf.layers.Layer;
  /** float64 forward pass from the input and the weights (in the layer's trainableWeights order). */
  forward: (x: number[], weights: number[][]) => number[];
  /** Values to give each weight (same order); shapes come from the layer. */
  weightValues: (shapes: number[][]) => number[][];
}

/** Σ y·r for a fixed r: its gradient is the layer's vector-Jacobian product with r. */
function loss64(y: number[], r: number[]): number {
  return y.reduce((a, v, i) => a + v * r[i], 0);
}

function fdGradient(f: (v: number[]) => number, at: number[], h = 1e-6): number[] {
  return at.map((_, i) => {
    const up = [...at];
    const down = [...at];
    up[i] += h;
    down[i] -= h;
    return (f(up) - f(down)) / (2 * h);
  });
}

function assertClose(actual: ArrayLike<number>, expected: number[], what: string, rtol = 2e-3, atol = 2e-4): void {
  assert.strictEqual(actual.length, expected.length, `${what}: size`);
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= rtol * Math.abs(expected[i]) + atol * Math.max(1, scale),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

function check(c: Case): void {
  const batch = c.inputShape[0];
  const x = detValues(size(c.inputShape), 7, 2).map((v, i) => v + (i % 3) * 0.3); // not centered: means matter
  const before = tf.memory().numTensors;
  const layer = c.make();
  const xt = tf.tensor(x, c.inputShape);
  tf.dispose(layer.apply(xt) as tf.Tensor); // builds the weights
  const shapes = layer.trainableWeights.map((w) => w.shape as number[]);
  const values = c.weightValues(shapes);
  const initial = values.map((v, i) => tf.tensor(v, shapes[i]));
  layer.setWeights(initial);
  tf.dispose(initial);
  const y = layer.apply(xt) as tf.Tensor;
  const r = detValues(size(y.shape), 13, 1);
  const rt = tf.tensor(r, y.shape);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const out = Array.from(y.dataSync());
  const { value, grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(tf.mul(layer.apply(xt) as tf.Tensor, rt)), vars);
  const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, rt)))(xt);

  assertClose(out, c.forward(x, values), `${c.name} output`, 1e-4, 1e-5);
  assertClose(
    dx.dataSync(),
    fdGradient((v) => loss64(c.forward(v, values), r), x),
    `${c.name} input gradient`,
  );
  values.forEach((w, k) => {
    const fd = fdGradient(
      (v) =>
        loss64(
          c.forward(
            x,
            values.map((old, j) => (j === k ? v : old)),
          ),
          r,
        ),
      w,
    );
    assertClose(grads[vars[k].name].dataSync(), fd, `${c.name} gradient of ${layer.trainableWeights[k].name}`);
    assert.ok(
      fd.some((g) => Math.abs(g) > 1e-3),
      `${c.name}: ${layer.trainableWeights[k].name} gets a gradient`,
    );
  });
  assert.ok(batch > 1);
  tf.dispose([xt, y, rt, dx, value, ...Object.values(grads)]);
  layer.dispose();
  assert.strictEqual(tf.memory().numTensors, before, `${c.name}: no tensor leaks`);
}

/** gamma around 1, beta around 0, so the affine part is not the identity. */
const affine = (shapes: number[][]): number[][] =>
  shapes.map((s, i) => detValues(size(s), 21 + i, 0.5).map((v) => (i === 0 ? 1 + v : v)));

const CONV: ConvGeometry = { n: 2, h: 5, w: 4, cin: 3, kh: 3, kw: 2, filters: 4, stride: 2, padding: 'same' };

const CASES: Case[] = [
  {
    name: 'groupNormalization, 1-D input, 3 groups of 2 features',
    inputShape: [3, 6],
    make: () => new GroupNormalization({ groups: 3, epsilon: 1e-3 }),
    forward: (x, [gamma, beta]) => groupNorm64(x, 3, 1, 6, 3, 1e-3, gamma, beta),
    weightValues: affine,
  },
  {
    name: 'groupNormalization, image input 3×2×4, 2 groups',
    inputShape: [2, 3, 2, 4],
    make: () => new GroupNormalization({ groups: 2, epsilon: 1e-3 }),
    forward: (x, [gamma, beta]) => groupNorm64(x, 2, 6, 4, 2, 1e-3, gamma, beta),
    weightValues: affine,
  },
  {
    name: 'rmsNormalization, 1-D input',
    inputShape: [3, 5],
    make: () => new RmsNormalization({ epsilon: 1e-6 }),
    forward: (x, [gamma]) => rmsNorm64(x, 5, 1e-6, gamma),
    weightValues: affine,
  },
  {
    name: 'rmsNormalization, image input (over each position’s channels)',
    inputShape: [2, 2, 3, 4],
    make: () => new RmsNormalization({ epsilon: 1e-6 }),
    forward: (x, [gamma]) => rmsNorm64(x, 4, 1e-6, gamma),
    weightValues: affine,
  },
  {
    name: 'weight-normalized dense',
    inputShape: [3, 4],
    make: () =>
      new WeightNormalized({
        kind: 'dense',
        units: 3,
        useBias: true,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        biasInitializer: tf.initializers.zeros(),
      }),
    forward: (x, [v, g, bias]) => dense64(x, 3, 4, weightNormKernel64(v, g), bias),
    weightValues: (shapes) => shapes.map((s, i) => detValues(size(s), 31 + i, 0.8).map((v) => (i === 1 ? 1.5 + v : v))),
  },
  {
    name: 'weight-normalized conv2d (3×2 kernel, stride 2, same padding)',
    inputShape: [CONV.n, CONV.h, CONV.w, CONV.cin],
    make: () =>
      new WeightNormalized({
        kind: 'conv2d',
        units: CONV.filters,
        kernelSize: [CONV.kh, CONV.kw],
        strides: [CONV.stride, CONV.stride],
        padding: CONV.padding,
        useBias: true,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        biasInitializer: tf.initializers.zeros(),
      }),
    forward: (x, [v, g, bias]) => conv64(x, weightNormKernel64(v, g), bias, CONV).out,
    weightValues: (shapes) => shapes.map((s, i) => detValues(size(s), 41 + i, 0.8).map((v) => (i === 1 ? 1.5 + v : v))),
  },
];

describe('normalization layers against a float64 finite-difference reimplementation', function () {
  this.timeout(120_000);
  let initial: string;
  before(async () => {
    initial = await useBackend();
  });
  after(async () => {
    await tf.setBackend(initial);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    for (const c of CASES) {
      it(`${backend}: ${c.name}: output, input gradient and weight gradients`, async () => {
        await tf.setBackend(backend);
        check(c);
      });
    }
  }

  it('a weight-normalized layer starts at exactly the kernel its initializer drew (g = ‖v‖)', async () => {
    await tf.setBackend('cpu');
    const layer = new WeightNormalized({
      kind: 'dense',
      units: 5,
      useBias: false,
      kernelInitializer: tf.initializers.heNormal({ seed: 3 }),
      biasInitializer: tf.initializers.zeros(),
    });
    const x = tf.ones([1, 7]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const [v, g] = layer.getWeights().map((t) => Array.from(t.dataSync()));
    const w = tf.tidy(() => layer.kernel());
    assertClose(w.dataSync(), v, 'effective kernel', 1e-6, 1e-7);
    const norms = [0, 1, 2, 3, 4].map((u) => Math.hypot(...v.filter((_, i) => i % 5 === u)));
    assertClose(g, norms, 'g = per-unit norm of v', 1e-6, 1e-7);
    tf.dispose([x, w]);
    layer.dispose();
  });

  it('a weight-normalized layer’s step metrics are those of v: gradNorm = ‖∂L/∂v‖, and g’s gradient counts in the global norm', async () => {
    await tf.setBackend('wasm');
    // 2 → 3 (weight-normalized, tanh) → 2 (softmax), categorical cross-entropy over a batch of 4.
    const spec = parsedSpec({
      data: { dataset: 'xor', samples: 100 },
      model: {
        inputShape: [2],
        layers: [
          { type: 'dense', units: 3, activation: 'tanh', weightNormalization: true },
          { type: 'dense', units: 2, activation: 'softmax' },
        ],
      },
      training: { loss: 'categoricalCrossentropy', optimizer: { type: 'sgd', learningRate: 0.1 } },
    });
    const built = buildModel(spec, 1);
    const values = built.model.trainableWeights.map((w, i) => {
      const n = size(w.shape as number[]);
      return detValues(n, 50 + i, 0.8).map((v) => (w.originalName.endsWith('/g') ? 1.2 + v : v));
    });
    const names = built.model.trainableWeights.map((w) => w.originalName);
    assert.deepStrictEqual(
      names.map((n) => n.split('/')[1]),
      ['v', 'g', 'bias', 'kernel', 'bias'],
    );
    const start = values.map((v, i) => tf.tensor(v, built.model.trainableWeights[i].shape as number[]));
    built.model.setWeights(start);
    tf.dispose(start);
    const X = [1, 2, -1, 0.5, 0.3, -0.7, 2, -1];
    const Y = [1, 0, 0, 1, 1, 0, 0, 1];
    const lossOf = ([v, g, b1, w2, b2]: number[][]): number => {
      const h = dense64(X, 4, 2, weightNormKernel64(v, g), b1).map(Math.tanh);
      const z = dense64(h, 4, 3, w2, b2);
      let total = 0;
      for (let s = 0; s < 4; s++) {
        const row = z.slice(s * 2, s * 2 + 2);
        const m = Math.max(...row);
        const logSum = m + Math.log(row.reduce((a, zk) => a + Math.exp(zk - m), 0));
        total -= row.reduce((a, zk, k) => a + Y[s * 2 + k] * (zk - logSum), 0);
      }
      return total / 4;
    };
    const fdNorm = (k: number): number =>
      Math.hypot(...fdGradient((w) => lossOf(values.map((old, j) => (j === k ? w : old))), values[k]));
    const optimizer = makeOptimizer(spec.training.optimizer).optimizer;
    const x = tf.tensor2d(X, [4, 2]);
    const y = tf.tensor2d(Y, [4, 2]);
    const { packed, layout } = runStep(built, optimizer, spec.training, x, y, true);
    const numbers = unpackStep(built, layout, await packed.data());
    tf.dispose([packed, x, y]);
    built.model.dispose();
    optimizer.dispose();
    const [first] = numbers.layers!;
    const near = (a: number, b: number, what: string): void =>
      assert.ok(Math.abs(a - b) <= 2e-3 * b + 1e-7, `${what}: ${a} vs ${b}`);
    near(numbers.loss, lossOf(values), 'loss');
    near(first.gradNorm!, fdNorm(0), 'gradNorm = ‖∂L/∂v‖');
    near(first.biasGradNorm!, fdNorm(2), 'biasGradNorm');
    near(numbers.globalGradNorm!, Math.hypot(...values.map((_, k) => fdNorm(k))), 'global norm, g included');
    assert.ok(fdNorm(1) > 1e-3, 'g gets a gradient');
  });
});
