// The wasm conv2d filter gradient for one input channel computed as a depthwise convolution (wasmConvGrad.ts's
// backpropFilterDepthwise) against the cpu backend and against the im2col path it replaces: strides 1 and 2 (a
// dilated filter, and outputs with more rows than taps), 'valid' and 'same' pads (asymmetric ones too), batch 1,
// output channels not a multiple of 4.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { convGradTuning } from '../../src/training/engine/backend/wasmConvGrad';
import { assertConvClose, caseName, convGrads } from './support/convGrads';
import type { ConvCase } from './support/convGrads';
import { withBackend } from './support/specs';

describe('wasm conv2d filter gradient of one input channel as a depthwise convolution', () => {
  const defaults = { ...convGradTuning };
  withBackend();
  // The SIMD filter gradient would take the cases whose output channels are a multiple of 4.
  beforeEach(() => Object.assign(convGradTuning, { simd: false }));
  afterEach(() => Object.assign(convGradTuning, defaults));

  const cases: ConvCase[] = [
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
    it(`${caseName(c)}: as cpu and as im2col`, async () => {
      const [, cpu] = await convGrads('cpu', c);
      const {
        result: [, depthwise],
        calls,
      } = await countingDepthwise(() => convGrads('wasm', c));
      assert.strictEqual(calls, 1, 'the gradient ran as one depthwise convolution');
      convGradTuning.depthwise = false;
      const [, im2col] = await convGrads('wasm', c);
      assertConvClose(depthwise, cpu, 'depthwise vs cpu');
      assertConvClose(depthwise, im2col, 'depthwise vs im2col');
    });
  }

  it('leaves no tensor data behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    await convGrads('wasm', cases[3]);
    assert.strictEqual(tf.memory().numBytes, before);
    assert.strictEqual((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), ids);
  });
});
