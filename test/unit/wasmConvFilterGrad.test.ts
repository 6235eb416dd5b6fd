// The wasm conv2d filter gradient in WebAssembly SIMD (wasmConvFilterGrad.ts, wat/convfilter.wat) against the cpu
// backend and against the im2col path: one, three and sixteen input channels (filter rows not a multiple of 4), output
// channels in eights, a four left over, and not a multiple of 4 (another path), strides 1, 2 and unequal, 'valid',
// 'same' and explicit pads, batch 1.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { convFilterCounts } from '../../src/training/engine/backend/wasmConvFilterGrad';
import { convGradTuning } from '../../src/training/engine/backend/wasmConvGrad';
import { assertConvClose, caseName, convGrads } from './support/convGrads';
import type { ConvCase } from './support/convGrads';
import { withBackend } from './support/specs';

describe('wasm conv2d filter gradient in WebAssembly SIMD', () => {
  const defaults = { ...convGradTuning };
  withBackend();
  afterEach(() => Object.assign(convGradTuning, defaults));

  const cases: ConvCase[] = [
    { xShape: [4, 28, 28, 1], wShape: [3, 3, 1, 16], stride: 1, pad: 'valid' }, // conv-16-32-mnist's first layer
    { xShape: [3, 13, 13, 16], wShape: [3, 3, 16, 32], stride: 1, pad: 'valid' }, // and its second
    { xShape: [1, 7, 7, 1], wShape: [3, 3, 1, 12], stride: 1, pad: 'same' }, // batch 1; eight + four channels
    { xShape: [2, 9, 8, 3], wShape: [3, 3, 3, 4], stride: 2, pad: 'valid' }, // 27 rows; four channels only
    { xShape: [2, 9, 9, 3], wShape: [5, 3, 3, 20], stride: [1, 2], pad: 'same' },
    {
      xShape: [2, 8, 7, 8],
      wShape: [4, 2, 8, 8],
      stride: [2, 1],
      pad: [
        [0, 0],
        [2, 1],
        [0, 2],
        [0, 0],
      ],
    },
  ];

  for (const c of cases) {
    it(`${caseName(c)}: as cpu and as im2col`, async () => {
      const [, cpu] = await convGrads('cpu', c);
      const before = convFilterCounts.simd;
      const [, simd] = await convGrads('wasm', c);
      assert.strictEqual(convFilterCounts.simd, before + 1, 'the SIMD module computed the filter gradient');
      const [, again] = await convGrads('wasm', c);
      assert.deepStrictEqual(again, simd, 'the same inputs give the same bits');
      Object.assign(convGradTuning, { simd: false, asConv: false });
      const [, im2col] = await convGrads('wasm', c);
      assertConvClose(simd, cpu, 'SIMD vs cpu');
      assertConvClose(simd, im2col, 'SIMD vs im2col');
    });
  }

  it('output channels not a multiple of 4 take another path, with the same gradient', async () => {
    const c: ConvCase = { xShape: [2, 9, 9, 3], wShape: [3, 3, 3, 6], stride: 1, pad: 'same' };
    const [, cpu] = await convGrads('cpu', c);
    const before = convFilterCounts.simd;
    const [, wasm] = await convGrads('wasm', c);
    assert.strictEqual(convFilterCounts.simd, before);
    assertConvClose(wasm, cpu, 'wasm vs cpu');
  });

  it('leaves no tensor data behind (padded input, filter rows not a multiple of 4)', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const simd = convFilterCounts.simd;
    await convGrads('wasm', cases[2]);
    assert.strictEqual(convFilterCounts.simd, simd + 1);
    assert.strictEqual(tf.memory().numBytes, before);
    assert.strictEqual((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), ids);
  });
});
