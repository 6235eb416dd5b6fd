// Conv2d gradients on a named backend from deterministic inputs, and the tolerance the wasm paths are held to:
// shared by the tests of wasmConvGrad.ts's paths (as convolutions, depthwise, SIMD) against the cpu backend.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { detInputs } from './detInputs';

export interface ConvCase {
  xShape: readonly [number, number, number, number];
  wShape: readonly [number, number, number, number];
  stride: number | [number, number];
  pad: 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];
}

/** [dx, dW] of Σ y·cos(index) (a non-uniform upstream gradient), y = conv2d(x, w), on `backend`. */
export async function convGrads(backend: string, c: ConvCase): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(detInputs(tf.util.sizeFromShape([...c.xShape]), 1), [...c.xShape]);
  const w = tf.tensor4d(detInputs(tf.util.sizeFromShape([...c.wShape]), 2), [...c.wShape]);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
    const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
    return tf.sum(tf.mul(y, tf.cos(tf.reshape(tf.range(0, y.size), y.shape))));
  })([x, w]);
  const out = grads.map((t) => t.dataSync() as Float32Array);
  tf.dispose([x, w, ...grads]);
  return out;
}

/** Equal within 1e-5 of the largest expected magnitude (float32 sums in another order), plus 1e-6. */
export function assertConvClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.strictEqual(actual.length, expected.length);
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expected.forEach((v, i) => assert.ok(Math.abs(actual[i] - v) <= 1e-5 * scale + 1e-6, `${what} [${i}]: ${actual[i]} vs ${v}`));
}

export function caseName(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : `pads ${JSON.stringify(c.pad.slice(1, 3))}`;
  return `x ${c.xShape.join('×')}, filter ${c.wShape.join('×')}, stride ${String(c.stride)}, ${pad}`;
}
