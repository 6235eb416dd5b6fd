// The fused step-statistics kernel against the same statistics computed with plain tf ops, on every backend here.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { computeStats, statsWithOps, stepStats, type StatOp } from '../../src/training/engine/measureKernel';
import { useBackend } from './support/specs';

describe('step statistics kernel', () => {
  let initial = '';
  before(async () => {
    await useBackend();
    initial = tf.getBackend();
  });
  after(async () => {
    await tf.setBackend(initial);
  });

  const ops: StatOp[] = [
    { op: 'sumsq', a: 0 },
    { op: 'sumsq', a: 1 },
    { op: 'sumsq', a: 2 },
    { op: 'dead', a: 3 },
    { op: 'dead', a: 4 },
    { op: 'tail', a: 5, activation: 'sigmoid' },
    { op: 'tail', a: 6, activation: 'tanh' },
    { op: 'update', a: 0, b: 2 },
  ];
  const make = (): tf.Tensor[] => [
    tf.randomNormal([300, 200], 0, 1, 'float32', 1),
    tf.randomNormal([200], 0, 1, 'float32', 2),
    tf.randomNormal([300, 200], 0, 1, 'float32', 3),
    tf.relu(tf.add(tf.randomNormal([64, 32], 0, 1, 'float32', 4), tf.linspace(-3, 3, 32))), // dense activations
    tf.relu(tf.add(tf.randomNormal([8, 5, 5, 6], 0, 1, 'float32', 5), tf.tensor1d([-9, -9, 0, 0, 9, -9]))), // conv maps
    tf.sigmoid(tf.mul(tf.randomNormal([64, 16], 0, 1, 'float32', 6), 6)),
    tf.tanh(tf.mul(tf.randomNormal([64, 16], 0, 1, 'float32', 7), 3)),
  ];

  for (const backend of ['wasm', 'cpu']) {
    it(`matches tf ops on the ${backend} backend and reads each value exactly once`, async () => {
      await tf.setBackend(backend);
      const tensors = make();
      assert.ok(tf.getKernel('GradscopeStepStats', backend), 'initBackend registered the kernel');
      const fused = await stepStats(tensors, ops).data();
      const reference = await statsWithOps(tensors, ops).data();
      assert.strictEqual(fused.length, ops.length + 2, 'update yields three numbers');
      fused.forEach((v, i) =>
        assert.ok(Math.abs(v - reference[i]) <= 1e-4 * Math.abs(reference[i]) + 1e-6, `output ${i}: ${v} vs ${reference[i]}`),
      );
      assert.ok(
        Math.abs(fused[7] - fused[0]) < 1e-3 * fused[0] && Math.abs(fused[8] - fused[2]) < 1e-3 * fused[2],
        'update = Σa², Σb², ·',
      );
      const [a, b] = [await tensors[0].data(), await tensors[2].data()];
      const diff = Array.from(a).reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
      assert.ok(Math.abs(fused[9] - diff) < 1e-4 * diff, `Σ(a−b)²: ${fused[9]} vs ${diff}`);
      assert.strictEqual(fused[4], 3, 'conv maps: filters 0, 1 and 5 (bias −9) are dead');
      tf.dispose(tensors);
    });
  }

  it('counts dead units per last-axis unit over all other axes', () => {
    // 2 samples × 3 units: unit 0 never positive, unit 1 positive once, unit 2 always positive
    const s = computeStats([[0, 1, 2, -1, 0, 3]], [3], [{ op: 'dead', a: 0 }]);
    assert.strictEqual(s[0], 1);
  });
});
