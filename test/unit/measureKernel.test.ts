// The fused step-statistics kernel against the same statistics computed with plain tf ops, on every backend here.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { computeStats, statsWithOps, stepStats, type StatOp } from '../../src/training/engine/measureKernel';
import { withBackend } from './support/specs';

describe('step statistics kernel', () => {
  withBackend();

  const ops: StatOp[] = [
    { op: 'sumsq', a: 0 },
    { op: 'sumsq', a: 1 },
    { op: 'sumsq', a: 2 },
    { op: 'dead', a: 3, activation: 'relu' },
    { op: 'dead', a: 4, activation: 'relu' },
    { op: 'tail', a: 5, activation: 'sigmoid' },
    { op: 'tail', a: 6, activation: 'tanh' },
    { op: 'update', a: 0, b: 2 },
    { op: 'moments', a: 3 },
    { op: 'dead', a: 7, activation: 'gelu' },
    { op: 'dead', a: 7, activation: 'elu' },
    { op: 'dead', a: 7, activation: 'elu', params: { alpha: 0.01 } },
    { op: 'dead', a: 7, activation: 'selu' },
    { op: 'dead', a: 7, activation: 'swish' },
    { op: 'dead', a: 7, activation: 'mish' },
    { op: 'dead', a: 7, activation: 'leakyRelu' },
    { op: 'moments', a: 8 },
    { op: 'value', a: 1 },
  ];
  // Pre-activations of 8 units shifted from −40 to +2: each activation's tail starts somewhere in between.
  const shifts = [-40, -20, -12, -9, -7, -5, -1, 2];
  const make = (): tf.Tensor[] => [
    tf.randomNormal([300, 200], 0, 1, 'float32', 1),
    tf.randomNormal([200], 0, 1, 'float32', 2),
    tf.randomNormal([300, 200], 0, 1, 'float32', 3),
    tf.add(tf.randomNormal([64, 32], 0, 1, 'float32', 4), tf.linspace(-3, 3, 32)), // dense pre-activations
    tf.add(tf.randomNormal([8, 5, 5, 6], 0, 1, 'float32', 5), tf.tensor1d([-9, -9, 0, 0, 9, -9])), // conv maps
    tf.sigmoid(tf.mul(tf.randomNormal([64, 16], 0, 1, 'float32', 6), 6)),
    tf.tanh(tf.mul(tf.randomNormal([64, 16], 0, 1, 'float32', 7), 3)),
    tf.add(tf.randomUniform([32, 8], -0.5, 0.5, 'float32', 8), tf.tensor1d(shifts)),
    tf.mul(tf.randomNormal([16, 3, 3, 4], 0, 1, 'float32', 9), 1e-4), // a vanished signal
  ];
  /**
   * What the dead ops on tensor 7 (columns within ±0.5 of each shift) must count, by hand from where |slope| falls
   * below 1e-3: gelu Φ(x) + xφ(x) below x ≈ −3.8 (6 columns); elu eˣ below ln 1e-3 ≈ −6.9 (4); elu α = 0.01 below
   * ln 0.1 ≈ −2.3 (6); selu λα·eˣ below ≈ −7.5 (4); swish and mish ≈ eˣ(1 + x) below ≈ −9.1, which the −9 column
   * (up to −8.5) does not reach (3); leakyRelu never (0).
   */
  const expectedDead = [6, 4, 6, 4, 3, 3, 0];

  for (const backend of ['wasm', 'cpu']) {
    it(`matches tf ops on the ${backend} backend and reads each value exactly once`, async () => {
      await tf.setBackend(backend);
      const tensors = make();
      assert.ok(tf.getKernel('GradscopeStepStats', backend), 'initBackend registered the kernel');
      const fused = await stepStats(tensors, ops).data();
      const reference = await statsWithOps(tensors, ops).data();
      assert.strictEqual(fused.length, ops.length + 4, 'update yields three numbers, moments two');
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
      assert.deepStrictEqual(
        Array.from(fused.slice(12, 19)),
        expectedDead,
        'gelu, elu, elu α=0.01, selu, swish, mish, leakyRelu',
      );
      for (const [offset, t] of [
        [10, tensors[3]],
        [19, tensors[8]],
      ] as const) {
        const v = Array.from(await t.data());
        const mean = v.reduce((s, x) => s + x, 0) / v.length;
        const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
        assert.ok(Math.abs(fused[offset] - mean) <= 1e-5 * std, `mean ${fused[offset]} vs ${mean}`);
        assert.ok(Math.abs(fused[offset + 1] / std - 1) < 1e-5, `std ${fused[offset + 1]} vs ${std}`);
      }
      assert.strictEqual(fused[21], (await tensors[1].data())[0], 'value: the first value, copied as is');
      tf.dispose(tensors);
    });
  }

  it('counts dead units per last-axis unit over all other axes, by the slope at the pre-activation', () => {
    // 2 samples × 3 units: unit 0 never positive, unit 1 positive once, unit 2 always positive
    const s = computeStats([[0, 1, 2, -1, 0, 3]], [3], [{ op: 'dead', a: 0, activation: 'relu' }]);
    assert.strictEqual(s[0], 1);
    // gelu is not monotonic: at x = −0.7518 (its minimum) the slope is 0 though the output is not; at −10 it is ~0
    // too, at −2 it is not (−0.085). Units: always at the minimum (dead), −10 then −2 (alive), always −10 (dead).
    const g = computeStats([[-0.7518, -10, -10, -0.7518, -2, -10]], [3], [{ op: 'dead', a: 0, activation: 'gelu' }]);
    assert.strictEqual(g[0], 2);
  });
});
