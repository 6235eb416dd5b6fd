// Relu's gradient on wasm in one SIMD pass (wasmReluGrad.ts, wat/relugrad.wat): bit for bit the stock gradient
// (Step, Cast, Multiply) on wasm and the cpu backend's, with NaN, ±0, ±Infinity and subnormals in x and dy, sizes with
// and without a scalar tail, and the stock formula kept on the cpu backend.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { reluGradCounts, reluGradTuning } from '../../src/training/engine/backend/wasmReluGrad';
import { detInputs } from './support/detInputs';
import { withBackend } from './support/specs';

const SPECIAL = [NaN, -0, 0, Infinity, -Infinity, 1e-45, -1e-45, 1, -1];

/** x and dy of n values: every pair of special values, then deterministic ones. */
function inputs(n: number): { x: Float32Array; dy: Float32Array } {
  const x = detInputs(n, 3);
  const dy = detInputs(n, 4).map((v) => v * 8);
  for (let i = 0; i < Math.min(n, SPECIAL.length ** 2); i++) {
    x[i] = SPECIAL[i % SPECIAL.length];
    dy[i] = SPECIAL[Math.floor(i / SPECIAL.length)];
  }
  return { x, dy };
}

/** dx of relu at x for the upstream gradient dy, on the current backend, as plain numbers. */
function reluGrad(x: Float32Array, dy: Float32Array, shape: number[]): number[] {
  return tf.tidy(() =>
    Array.from(
      tf
        .grad((a: tf.Tensor) => tf.relu(a))(tf.tensor(x, shape), tf.tensor(dy, shape))
        .dataSync(),
    ),
  );
}

describe("relu's gradient in one WebAssembly SIMD pass", () => {
  withBackend('wasm');
  afterEach(() => {
    reluGradTuning.fused = true;
  });

  for (const shape of [[9, 9], [7], [1], [0], [4, 26, 26, 16]]) {
    it(`[${shape}]: bit for bit the stock wasm gradient and the cpu backend's`, async () => {
      const { x, dy } = inputs(tf.util.sizeFromShape(shape));
      const before = reluGradCounts.simd;
      const ours = reluGrad(x, dy, shape);
      assert.strictEqual(reluGradCounts.simd, before + 1, 'the SIMD module computed it');
      reluGradTuning.fused = false;
      const stock = reluGrad(x, dy, shape);
      assert.strictEqual(reluGradCounts.simd, before + 1);
      await tf.setBackend('cpu');
      try {
        const cpu = reluGrad(x, dy, shape);
        // deepStrictEqual compares numbers with Object.is: NaN equals NaN, -0 differs from 0.
        assert.deepStrictEqual(ours, stock);
        assert.deepStrictEqual(ours, cpu);
      } finally {
        await tf.setBackend('wasm');
      }
    });
  }

  it('the cpu backend keeps the stock formula', async () => {
    await tf.setBackend('cpu');
    try {
      const before = reluGradCounts.simd;
      assert.deepStrictEqual(reluGrad(new Float32Array([-1, 2, NaN]), new Float32Array([5, 6, 7]), [3]), [0, 6, NaN]);
      assert.strictEqual(reluGradCounts.simd, before);
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('a relu layer inside a network trains to the same gradients, and nothing is left behind', () => {
    const grads = (): number[] =>
      tf.tidy(() => {
        const x = tf.tensor2d(detInputs(8 * 5, 1), [8, 5]);
        const w = tf.variable(tf.tensor2d(detInputs(5 * 6, 2), [5, 6]));
        const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(tf.relu(tf.matMul(x, w)))));
        const out = Array.from(g[w.name].dataSync());
        w.dispose();
        return out;
      });
    const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const ours = grads();
    assert.strictEqual((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), ids);
    reluGradTuning.fused = false;
    assert.deepStrictEqual(ours, grads());
  });
});
