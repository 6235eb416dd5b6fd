// The wasm maxPool gradient (wasmMaxPoolGrad.ts) against the cpu backend, with and without the pooled output guiding
// 2x2 windows: ties (relu zeros, equal positives, -0 beside +0), NaN and -Infinity in windows, overlapping windows
// (stride 1), partial windows at 'same' edges, batch 1, channels not a multiple of 4. The SIMD module's 2x2 windows
// (wat/maxpool.wat) against the JS kernel and cpu, and its way out when a window holds NaN or -Infinity.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { maxPoolCounts, maxPoolTuning } from '../../src/training/engine/backend/wasmMaxPoolGrad';
import { detInputs } from './support/detInputs';
import { withBackend } from './support/specs';

/**
 * Rounded and relu'd (most windows hold repeated maxima), with -0 planted at fixed places, and NaN and -Infinity too
 * unless `finite`.
 */
function input(shape: number[], finite = false): Float32Array {
  const x = detInputs(tf.util.sizeFromShape(shape), 3).map((v) => Math.max(0, Math.round(v * 6)));
  for (let i = 0; i < x.length; i += 7) x[i] = -0;
  if (finite) return x;
  for (let i = 5; i < x.length; i += 37) x[i] = NaN;
  for (let i = 11; i < x.length; i += 29) x[i] = -Infinity;
  // A whole window of -Infinity and one of NaN (the first 2x2 window of the last image, first two channels).
  const [, h, w, c] = shape;
  const last = x.length - h * w * c;
  for (const [dr, dc] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]) {
    x[last + (dr * w + dc) * c] = -Infinity;
    if (c > 1) x[last + (dr * w + dc) * c + 1] = NaN;
  }
  return x;
}

async function gradient(
  backend: string,
  shape: number[],
  size: number,
  stride: number,
  pad: 'valid' | 'same',
  finite = false,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(input(shape, finite), shape as [number, number, number, number]);
  const dx = tf.tidy(() =>
    tf.grad((t: tf.Tensor) => {
      const y = tf.maxPool(t as tf.Tensor4D, size, stride, pad);
      // A distinct upstream gradient per output (whatever y holds), so that a misrouted one shows.
      return tf.sum(tf.mul(y, tf.add(1, tf.reshape(tf.range(0, y.size), y.shape))));
    })(x),
  );
  const out = dx.dataSync() as Float32Array;
  tf.dispose([x, dx]);
  return out;
}

describe('wasm maxPool gradient', () => {
  withBackend();
  afterEach(() => {
    maxPoolTuning.useOutput = true;
    maxPoolTuning.simd = true;
  });

  const cases: { shape: number[]; size: number; stride: number; pad: 'valid' | 'same' }[] = [
    { shape: [2, 8, 8, 16], size: 2, stride: 2, pad: 'valid' },
    { shape: [1, 11, 11, 5], size: 2, stride: 2, pad: 'valid' }, // the last row and column in no window
    { shape: [2, 7, 9, 3], size: 2, stride: 2, pad: 'same' }, // partial windows at the edges
    { shape: [2, 6, 6, 6], size: 2, stride: 1, pad: 'valid' }, // overlapping windows add up
    { shape: [2, 7, 7, 3], size: 3, stride: 2, pad: 'same' },
  ];
  for (const c of cases) {
    it(`x ${c.shape.join('×')}, pool ${c.size}, stride ${c.stride}, ${c.pad}: as cpu, with and without the pooled output`, async () => {
      const cpu = await gradient('cpu', c.shape, c.size, c.stride, c.pad);
      const guided = await gradient('wasm', c.shape, c.size, c.stride, c.pad);
      maxPoolTuning.useOutput = false;
      const unguided = await gradient('wasm', c.shape, c.size, c.stride, c.pad);
      assert.ok(cpu.some((v) => v !== 0));
      assert.deepStrictEqual(Array.from(guided), Array.from(cpu), 'guided by the pooled output vs cpu');
      assert.deepStrictEqual(Array.from(unguided), Array.from(cpu), 'from x alone vs cpu');
    });
  }

  // 2x2 windows at stride 2 with channels a multiple of 4: the SIMD module's case. Ties everywhere (relu zeros, equal
  // positives, -0 beside +0); the odd sizes leave a last row and column in no window.
  for (const shape of [
    [2, 8, 8, 16],
    [3, 11, 13, 8],
    [1, 2, 2, 4],
  ]) {
    it(`x ${shape.join('×')}, pool 2, stride 2, valid, finite: the SIMD module gives the JS kernel's and cpu's values bit for bit`, async () => {
      const cpu = await gradient('cpu', shape, 2, 2, 'valid', true);
      const before = maxPoolCounts.simd;
      const simd = await gradient('wasm', shape, 2, 2, 'valid', true);
      assert.strictEqual(maxPoolCounts.simd, before + 1, 'the SIMD module computed the gradient');
      maxPoolTuning.simd = false;
      const js = await gradient('wasm', shape, 2, 2, 'valid', true);
      assert.strictEqual(maxPoolCounts.simd, before + 1, 'the JS kernel computed the second one');
      assert.ok(cpu.some((v) => v !== 0) && cpu.some((v) => Object.is(v, 0)));
      // deepStrictEqual compares with Object.is: -0 and +0 differ.
      assert.deepStrictEqual(Array.from(simd), Array.from(js), 'SIMD vs JS');
      assert.deepStrictEqual(Array.from(simd), Array.from(cpu), 'SIMD vs cpu');
    });
  }

  it('a window holding NaN or -Infinity sends the whole gradient back to the JS kernel (the values still as cpu)', async () => {
    const before = maxPoolCounts.simd;
    const cpu = await gradient('cpu', [2, 8, 8, 16], 2, 2, 'valid');
    const wasm = await gradient('wasm', [2, 8, 8, 16], 2, 2, 'valid');
    assert.strictEqual(maxPoolCounts.simd, before, 'not computed by the SIMD module');
    assert.deepStrictEqual(Array.from(wasm), Array.from(cpu));
  });
});
