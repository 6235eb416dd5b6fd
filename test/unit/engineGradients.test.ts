// Gradient norms, clipping and update ratios from the measured step, checked against an independent
// computation: a float64 forward pass written by hand, differentiated by central finite differences.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/training/engine/model/buildModel';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep } from '../../src/training/engine/step';
import { parsedSpec, useBackend } from './support/specs';

// 2 → 3 (sigmoid) → 2 (softmax), categorical cross-entropy, mean over a batch of 4.
const W1 = [
  [0.5, -0.3, 0.8],
  [-0.6, 0.2, 0.4],
];
const B1 = [0.1, -0.2, 0.05];
const W2 = [
  [0.7, -0.5],
  [-0.4, 0.9],
  [0.3, 0.2],
];
const B2 = [0.05, -0.05];
const X = [
  [1, 2],
  [-1, 0.5],
  [0.3, -0.7],
  [2, -1],
];
const Y = [
  [1, 0],
  [0, 1],
  [1, 0],
  [0, 1],
];

type Params = { w1: number[][]; b1: number[]; w2: number[][]; b2: number[] };

function lossOf(p: Params): number {
  let total = 0;
  X.forEach((x, n) => {
    const h = p.b1.map((b, j) => 1 / (1 + Math.exp(-(b + x[0] * p.w1[0][j] + x[1] * p.w1[1][j]))));
    const z = p.b2.map((b, k) => b + h.reduce((s, hj, j) => s + hj * p.w2[j][k], 0));
    const m = Math.max(...z);
    const logSum = m + Math.log(z.reduce((s, zk) => s + Math.exp(zk - m), 0));
    total += -Y[n].reduce((s, yk, k) => s + yk * (z[k] - logSum), 0);
  });
  return total / X.length;
}

/** Finite-difference gradient of one parameter group, flattened row-major. */
function fdGrad(which: keyof Params): number[] {
  const base: Params = { w1: W1.map((r) => [...r]), b1: [...B1], w2: W2.map((r) => [...r]), b2: [...B2] };
  const h = 1e-6;
  const group = base[which];
  const rows: number[][] = Array.isArray(group[0]) ? (group as number[][]) : [group as number[]];
  const grad: number[] = [];
  for (const row of rows) {
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      row[j] = v + h;
      const up = lossOf(base);
      row[j] = v - h;
      const down = lossOf(base);
      row[j] = v;
      grad.push((up - down) / (2 * h));
    }
  }
  return grad;
}

const fdNorm = (which: keyof Params): number => Math.hypot(...fdGrad(which));

function frob(m: number[][] | number[]): number {
  return Math.sqrt((m as number[][]).flat().reduce((s: number, v: number) => s + v * v, 0));
}

const close = (actual: number, expected: number, rtol = 2e-3, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= rtol * Math.abs(expected) + 1e-7, `${what}: ${actual} vs ${expected}`);
};

describe('measured step against an independent gradient computation', () => {
  before(useBackend);

  function setup(training: object) {
    const spec = parsedSpec({
      data: { dataset: 'xor', samples: 100 },
      model: {
        inputShape: [2],
        layers: [
          { type: 'dense', units: 3, activation: 'sigmoid' },
          { type: 'dense', units: 2, activation: 'softmax' },
        ],
      },
      training: { loss: 'categoricalCrossentropy', ...training },
    });
    const built = buildModel(spec, 1);
    built.model.setWeights([tf.tensor2d(W1), tf.tensor1d(B1), tf.tensor2d(W2), tf.tensor1d(B2)]);
    const { optimizer } = makeOptimizer(spec.training.optimizer);
    return { spec, built, optimizer };
  }

  async function measuredStep(training: object) {
    const { spec, built, optimizer } = setup(training);
    const x = tf.tensor2d(X);
    const y = tf.tensor2d(Y);
    const { packed, layout } = runStep(built, optimizer, spec.training, x, y, true);
    const numbers = unpackStep(built, layout, await packed.data());
    tf.dispose([packed, x, y]);
    built.model.dispose();
    optimizer.dispose();
    return numbers;
  }

  it('reports the loss and each layer’s kernel and bias gradient norms', async () => {
    const n = await measuredStep({ optimizer: { type: 'sgd', learningRate: 0.1 } });
    close(n.loss, lossOf({ w1: W1, b1: B1, w2: W2, b2: B2 }), 1e-5, 'loss');
    const [l1, l2] = n.layers!;
    close(l1.gradNorm!, fdNorm('w1'), 2e-3, 'dense_1 kernel');
    close(l1.biasGradNorm!, fdNorm('b1'), 2e-3, 'dense_1 bias');
    close(l2.gradNorm!, fdNorm('w2'), 2e-3, 'dense_2 kernel');
    close(l2.biasGradNorm!, fdNorm('b2'), 2e-3, 'dense_2 bias');
    const global = Math.hypot(fdNorm('w1'), fdNorm('b1'), fdNorm('w2'), fdNorm('b2'));
    close(n.globalGradNorm!, global, 2e-3, 'global norm');
    assert.strictEqual(n.clippedGradNorm, n.globalGradNorm, 'no clipping configured');
  });

  it('reports the weight norm after the update and the update-to-weight ratio (plain SGD: lr·‖g‖/‖W‖)', async () => {
    const lr = 0.1;
    const n = await measuredStep({ optimizer: { type: 'sgd', learningRate: lr } });
    const [l1] = n.layers!;
    close(l1.updateRatio, (lr * fdNorm('w1')) / frob(W1), 2e-3, 'update ratio');
    assert.ok(Math.abs(l1.weightNorm - frob(W1)) <= lr * fdNorm('w1') + 1e-6, 'weight moved by at most lr·‖g‖');
  });

  it('clips by global norm: the clipped norm equals clipNorm and the update shrinks by the same factor', async () => {
    const lr = 0.1;
    const clipNorm = 0.01;
    const n = await measuredStep({ optimizer: { type: 'sgd', learningRate: lr }, clipNorm });
    const global = Math.hypot(fdNorm('w1'), fdNorm('b1'), fdNorm('w2'), fdNorm('b2'));
    close(n.globalGradNorm!, global, 2e-3, 'global norm before clipping');
    close(n.clippedGradNorm!, clipNorm, 1e-4, 'clipped norm');
    close(n.layers![0].updateRatio, (lr * fdNorm('w1') * (clipNorm / global)) / frob(W1), 3e-3, 'clipped update ratio');
  });

  it('clips by value: no gradient entry above clipValue reaches the weights', async () => {
    const clipValue = 1e-3;
    const n = await measuredStep({ optimizer: { type: 'sgd', learningRate: 1 }, clipValue });
    const bound = clipValue * Math.sqrt(W1.flat().length);
    assert.ok(n.layers![0].updateRatio * frob(W1) <= bound * 1.0001, 'update bounded by clipValue per entry');
    assert.ok(n.clippedGradNorm! < n.globalGradNorm!, 'clipped norm is smaller');
  });

  it('keeps weight decay out of the measured gradient but applies it to the update', async () => {
    const lr = 0.1;
    const wd = 0.5;
    const n = await measuredStep({ optimizer: { type: 'sgd', learningRate: lr }, weightDecay: wd });
    close(n.layers![0].gradNorm!, fdNorm('w1'), 2e-3, 'data-loss gradient');
    // ΔW = lr·(g + wd·W)
    const g = fdGrad('w1');
    const update = W1.flat().map((w, i) => lr * (g[i] + wd * w));
    close(n.layers![0].updateRatio, Math.hypot(...update) / frob(W1), 2e-3, 'update includes decay');
  });
});
