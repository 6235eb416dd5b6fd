// The SIMD reductions behind the wasm step-statistics kernel against the JS loops (computeStats) on the same values,
// at sizes that exercise the 4-wide loop, the scalar tail and both, and at edge values of the tail bounds.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { computeStats, stepStats, type StatOp } from '../../src/training/engine/measureKernel';
import { wasmStats } from '../../src/training/engine/backend/wasmStats';
import type { BackendWasm } from '../../src/training/engine/backend/wasmHeap';
import { withBackend } from './support/specs';

describe('wasm SIMD step statistics', () => {
  withBackend('wasm');

  it('binds to the wasm backend memory (the kernel does not fall back to JS loops)', () => {
    assert.ok(wasmStats(tf.backend() as unknown as BackendWasm), 'SIMD module instantiated over the backend memory');
  });

  for (const size of [0, 1, 3, 4, 7, 64, 1001, 65537]) {
    it(`equals the JS loops on ${size} values`, async () => {
      const a = tf.add(tf.mul(tf.randomNormal([size], 0, 1, 'float32', size + 1), 2), 3);
      // Exact tail bounds among the values: 0.01 and 0.99 as float32, 0, 1, ±0.99.
      const edges = tf.tensor1d([0.01, 0.99, 0, 1, -0.99, 0.5, 2, -2].slice(0, Math.min(size, 8)));
      const b = size >= 8 ? tf.concat([edges, tf.slice(a, 8)]) : tf.slice(a, 0, size);
      const c = tf.randomNormal([size], 0, 1, 'float32', size + 2);
      const tensors = [a, b, c];
      const ops: StatOp[] = [
        { op: 'sumsq', a: 0 },
        { op: 'update', a: 0, b: 2 },
        { op: 'moments', a: 0 },
        { op: 'tail', a: 1, activation: 'sigmoid' },
        { op: 'tail', a: 1, activation: 'tanh' },
        { op: 'tail', a: 1, activation: 'hardSigmoid' },
        { op: 'moments', a: 1 },
      ];
      const simd = await stepStats(tensors, ops).data();
      const js = computeStats(
        await Promise.all(tensors.map((t) => t.data())),
        tensors.map(() => 1),
        ops,
      );
      assert.strictEqual(simd.length, js.length);
      js.forEach((v, i) => assert.ok(Math.abs(simd[i] - v) <= 1e-6 * Math.abs(v) + 1e-7, `output ${i}: ${simd[i]} vs ${v}`));
      // The tail counts are counts: equal, not close.
      assert.deepStrictEqual(Array.from(simd.slice(6, 9)), Array.from(js.slice(6, 9)));
      tf.dispose([edges, ...tensors]);
    });
  }
});
