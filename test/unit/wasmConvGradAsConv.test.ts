// The wasm conv2d gradients computed as convolutions (stride 1, enough input channels: wasmConvGrad.ts) against
// the cpu backend and against the im2col path they replace, including asymmetric 'same' pads (even filters).
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { convGradTuning } from '../../src/training/engine/backend/wasmConvGrad';
import { withBackend } from './support/specs';

/** Deterministic values in [-0.5, 0.5), identical on every backend. */
function values(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = ((Math.imul(i + 1, 2654435761) ^ Math.imul(seed, 40503)) >>> 0) / 4294967296 - 0.5;
  return out;
}

async function grads(
  backend: string,
  x: Float32Array,
  xShape: number[],
  w: Float32Array,
  wShape: number[],
  pad: 'valid' | 'same',
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const tensors = tf.tidy(() => {
    const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
    const wt = tf.tensor4d(w, wShape as [number, number, number, number]);
    // A non-uniform upstream gradient: the loss weighs each output by its own cosine.
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad);
      return tf.sum(tf.mul(y, tf.cos(tf.reshape(tf.range(0, y.size), y.shape))));
    };
    return tf.grads(f)([xt, wt]);
  });
  const out = tensors.map((t) => t.dataSync() as Float32Array);
  tf.dispose(tensors);
  return out;
}

function assertClose(actual: Float32Array[], expected: Float32Array[], what: string): void {
  expected.forEach((exp, t) => {
    assert.strictEqual(actual[t].length, exp.length);
    const scale = exp.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    exp.forEach((v, i) =>
      assert.ok(
        Math.abs(actual[t][i] - v) <= 1e-5 * scale + 1e-6,
        `${what} [${t === 0 ? 'dx' : 'dW'}] ${i}: ${actual[t][i]} vs ${v}`,
      ),
    );
  });
}

describe('wasm conv2d gradients as convolutions', () => {
  const asConvDefault = convGradTuning.asConv;
  withBackend();
  after(() => {
    convGradTuning.asConv = asConvDefault;
  });

  const cases = [
    { xShape: [3, 9, 8, 8], wShape: [3, 3, 8, 5], pad: 'valid' },
    { xShape: [2, 7, 9, 16], wShape: [3, 3, 16, 4], pad: 'same' },
    { xShape: [2, 8, 7, 8], wShape: [4, 2, 8, 3], pad: 'same' }, // even filter sizes: pads 1/2 and 0/1
    { xShape: [2, 6, 6, 4], wShape: [5, 5, 4, 6], pad: 'same' }, // input gradient as a conv, filter via im2col
  ] as const;
  for (const c of cases) {
    it(`x ${c.xShape.join('×')}, filter ${c.wShape.join('×')}, padding ${c.pad}: as cpu and as im2col`, async () => {
      const x = values(tf.util.sizeFromShape([...c.xShape]), 1);
      const w = values(tf.util.sizeFromShape([...c.wShape]), 2);
      const cpu = await grads('cpu', x, [...c.xShape], w, [...c.wShape], c.pad);
      convGradTuning.asConv = true;
      const asConv = await grads('wasm', x, [...c.xShape], w, [...c.wShape], c.pad);
      convGradTuning.asConv = false;
      const im2col = await grads('wasm', x, [...c.xShape], w, [...c.wShape], c.pad);
      convGradTuning.asConv = asConvDefault;
      assertClose(asConv, cpu, 'as convolutions vs cpu');
      assertClose(asConv, im2col, 'as convolutions vs im2col');
    });
  }
});
