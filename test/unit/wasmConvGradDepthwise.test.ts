// The wasm conv2d filter gradient for one input channel computed as a depthwise convolution (wasmConvGrad.ts's
// backpropFilterDepthwise) against the cpu backend and against the im2col path it replaces: strides 1 and 2 (a
// dilated filter, and outputs with more rows than taps), 'valid' and 'same' pads (asymmetric ones too), batch 1,
// output channels not a multiple of 4.
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

interface Case {
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  stride: number;
  pad: 'valid' | 'same';
}

/** The filter gradient of Σ y·cos(index) (a non-uniform upstream gradient), y = conv2d(x, w). */
async function filterGrad(backend: string, c: Case): Promise<Float32Array> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(values(tf.util.sizeFromShape(c.xShape), 1), c.xShape);
  const w = tf.tensor4d(values(tf.util.sizeFromShape(c.wShape), 2), c.wShape);
  const dw = tf.grad((b: tf.Tensor) => {
    const y = tf.conv2d(x, b as tf.Tensor4D, c.stride, c.pad);
    return tf.sum(tf.mul(y, tf.cos(tf.reshape(tf.range(0, y.size), y.shape))));
  })(w);
  const out = dw.dataSync() as Float32Array;
  tf.dispose([x, w, dw]);
  return out;
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.strictEqual(actual.length, expected.length);
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expected.forEach((v, i) => assert.ok(Math.abs(actual[i] - v) <= 1e-5 * scale + 1e-6, `${what} [${i}]: ${actual[i]} vs ${v}`));
}

describe('wasm conv2d filter gradient of one input channel as a depthwise convolution', () => {
  const defaults = { ...convGradTuning };
  withBackend();
  afterEach(() => Object.assign(convGradTuning, defaults));

  const cases: Case[] = [
    { xShape: [3, 9, 8, 1], wShape: [3, 3, 1, 5], stride: 1, pad: 'valid' },
    { xShape: [1, 7, 7, 1], wShape: [3, 3, 1, 6], stride: 1, pad: 'same' }, // batch 1
    { xShape: [2, 9, 9, 1], wShape: [3, 3, 1, 4], stride: 2, pad: 'valid' }, // a filter dilated by 2
    { xShape: [2, 8, 8, 1], wShape: [3, 3, 1, 3], stride: 2, pad: 'valid' }, // 4 output rows for 3 taps
    { xShape: [2, 8, 7, 1], wShape: [4, 2, 1, 7], stride: 2, pad: 'same' }, // even filter: asymmetric pads
    { xShape: [4, 28, 28, 1], wShape: [5, 5, 1, 16], stride: 1, pad: 'same' },
  ];
  /** Runs f counting the calls of wasm's DepthwiseConv2dNative kernel (the path under test dispatches one). */
  async function countingDepthwise<T>(f: () => Promise<T>): Promise<{ result: T; calls: number }> {
    const config = tf.getKernel(tf.DepthwiseConv2dNative, 'wasm');
    assert.ok(config);
    let calls = 0;
    const spy: tf.KernelFunc = (args) => {
      calls++;
      return config.kernelFunc(args);
    };
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, kernelFunc: spy });
    try {
      return { result: await f(), calls };
    } finally {
      tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
    }
  }

  for (const c of cases) {
    it(`x ${c.xShape.join('×')}, filter ${c.wShape.join('×')}, stride ${c.stride}, ${c.pad}: as cpu and as im2col`, async () => {
      const cpu = await filterGrad('cpu', c);
      const { result: depthwise, calls } = await countingDepthwise(() => filterGrad('wasm', c));
      assert.strictEqual(calls, 1, 'the gradient ran as one depthwise convolution');
      convGradTuning.depthwise = false;
      const im2col = await filterGrad('wasm', c);
      assertClose(depthwise, cpu, 'depthwise vs cpu');
      assertClose(depthwise, im2col, 'depthwise vs im2col');
    });
  }

  it('leaves no tensor data behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    await filterGrad('wasm', cases[3]);
    assert.strictEqual(tf.memory().numBytes, before);
    assert.strictEqual((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), ids);
  });
});
