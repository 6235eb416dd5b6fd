// The wasm conv2d gradients computed as convolutions (stride 1, enough input channels: wasmConvGrad.ts) against
// the cpu backend and against the im2col path they replace, including asymmetric 'same' pads (even filters).
import { convGradTuning } from '../../src/training/engine/backend/wasmConvGrad';
import { assertConvClose, caseName, convGrads } from './support/convGrads';
import type { ConvCase } from './support/convGrads';
import { withBackend } from './support/specs';

describe('wasm conv2d gradients as convolutions', () => {
  const defaults = { ...convGradTuning };
  withBackend();
  // The SIMD filter gradient would take the cases whose output channels are a multiple of 4.
  beforeEach(() => Object.assign(convGradTuning, { simd: false }));
  afterEach(() => Object.assign(convGradTuning, defaults));

  const cases: ConvCase[] = [
    { xShape: [3, 9, 8, 8], wShape: [3, 3, 8, 5], stride: 1, pad: 'valid' },
    { xShape: [2, 7, 9, 16], wShape: [3, 3, 16, 4], stride: 1, pad: 'same' },
    { xShape: [2, 8, 7, 8], wShape: [4, 2, 8, 3], stride: 1, pad: 'same' }, // even filter sizes: pads 1/2 and 0/1
    { xShape: [2, 6, 6, 4], wShape: [5, 5, 4, 6], stride: 1, pad: 'same' }, // input gradient as a conv, filter via im2col
  ];
  for (const c of cases) {
    it(`${caseName(c)}: as cpu and as im2col`, async () => {
      const cpu = await convGrads('cpu', c);
      const asConv = await convGrads('wasm', c);
      convGradTuning.asConv = false;
      const im2col = await convGrads('wasm', c);
      ['dx', 'dW'].forEach((name, t) => {
        assertConvClose(asConv[t], cpu[t], `${name} as convolutions vs cpu`);
        assertConvClose(asConv[t], im2col[t], `${name} as convolutions vs im2col`);
      });
    });
  }
});
