// Identity and same-dtype Cast on wasm share their input's data (wasmShareData.ts), and bias-gradient sums run
// without a transpose (wasmChannelSum.ts): values against the cpu backend and the stock wasm kernels, bit for bit
// where the stock kernel is the reference, and no data left behind.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { channelSumCounts, channelSumTuning } from '../../src/training/engine/backend/wasmChannelSum';
import { shareDataTuning } from '../../src/training/engine/backend/wasmShareData';
import { detInputs } from './support/detInputs';
import { withBackend } from './support/specs';

async function on<T>(backend: string, f: () => T): Promise<T> {
  const before = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return f();
  } finally {
    await tf.setBackend(before);
  }
}

describe('wasm kernels that avoid copies in a training step', () => {
  withBackend('wasm');
  afterEach(() => {
    channelSumTuning.enabled = true;
    channelSumTuning.simd = true;
    shareDataTuning.enabled = true;
  });

  describe('Sum over leading axes', () => {
    const cases: { shape: number[]; axis: number[]; keepDims?: boolean; special?: boolean }[] = [
      { shape: [64, 26, 26, 16], axis: [0, 1, 2] }, // conv-16-32-mnist's first bias gradient
      { shape: [3, 5, 7, 6], axis: [0, 1, 2] }, // channels not a multiple of 4
      { shape: [1, 4, 4, 3], axis: [0, 1, 2] }, // batch 1
      { shape: [2, 3, 5], axis: [1, 0] }, // axes out of order: the stock kernel's case (it sums in that order)
      { shape: [9, 10], axis: [0] }, // a dense layer's bias gradient
      { shape: [4, 3, 5, 2], axis: [0, 1], keepDims: true },
      { shape: [5, 1], axis: [0] }, // one output: the stock kernel's case
      { shape: [4, 6, 3], axis: [1] }, // not leading: the stock kernel's case
      { shape: [7, 3, 37], axis: [0, 1] }, // SIMD: 16 + 16 + 4 channels, one left to JS
      { shape: [50, 20], axis: [0], special: true }, // -0, ±Infinity and NaN among the values
    ];
    for (const c of cases) {
      it(`x ${c.shape.join('×')}, axis [${c.axis}]${c.keepDims ? ', keepDims' : ''}: as cpu, and as the stock kernel bit for bit`, async () => {
        const x = detInputs(tf.util.sizeFromShape(c.shape), 7);
        if (c.special) [-0, Infinity, -Infinity, NaN].forEach((v, i) => x.fill(v, i * 31, i * 31 + 3));
        if (c.special) x.fill(-0, 0, c.shape[1]); // a column of only -0 sums to +0 (0 + -0), as the stock kernel's
        const sum = (): tf.Tensor => tf.tidy(() => tf.sum(tf.tensor(x, c.shape), c.axis, c.keepDims));
        const read = (t: tf.Tensor): { shape: number[]; data: Float32Array } => {
          const out = { shape: t.shape, data: t.dataSync() as Float32Array };
          t.dispose();
          return out;
        };
        const cpu = read(await on('cpu', sum));
        const simdBefore = channelSumCounts.simd;
        const ours = read(sum());
        const ranSimd = channelSumCounts.simd > simdBefore;
        channelSumTuning.simd = false;
        const js = read(sum());
        channelSumTuning.enabled = false;
        const stock = read(sum());
        const ownCase = c.axis.every((a, i) => a === i) && c.axis.length < c.shape.length && ours.data.length > 1;
        assert.strictEqual(ranSimd, ownCase && ours.data.length >= 4, 'the SIMD module ran where it applies');
        assert.deepStrictEqual(ours.shape, cpu.shape);
        assert.deepStrictEqual(ours.shape, stock.shape);
        assert.deepStrictEqual(Array.from(ours.data), Array.from(stock.data), 'bit for bit the stock wasm kernel');
        assert.deepStrictEqual(Array.from(js.data), Array.from(stock.data), 'the JS loop too');
        const rows = tf.util.sizeFromShape(c.shape) / ours.data.length;
        ours.data.forEach((v, i) =>
          assert.ok(Object.is(v, cpu.data[i]) || Math.abs(v - cpu.data[i]) <= 1e-6 * rows, `[${i}] ${v} vs cpu ${cpu.data[i]}`),
        );
      });
    }

    it('an int32 tensor keeps int32 (the stock kernel)', () => {
      const t = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
      const s = tf.sum(t, 0);
      assert.strictEqual(s.dtype, 'int32');
      assert.deepStrictEqual(Array.from(s.dataSync()), [9, 12]);
      tf.dispose([t, s]);
    });
  });

  describe('Identity and Cast', () => {
    it('clone and same-dtype cast share the data, stay valid after the original is disposed, and free it with the last', () => {
      const backend = tf.backend() as unknown as { refCount(id: tf.DataId): number; numDataIds(): number };
      const ids = backend.numDataIds();
      const x = tf.tensor(detInputs(24, 3), [2, 3, 4]);
      const expected = Array.from(x.dataSync());
      const y = tf.clone(x);
      const z = tf.cast(x, 'float32');
      assert.strictEqual(backend.refCount(x.dataId), 3, 'one data, three tensors');
      x.dispose();
      assert.deepStrictEqual(Array.from(y.dataSync()), expected);
      y.dispose();
      assert.deepStrictEqual(Array.from(z.dataSync()), expected);
      assert.deepStrictEqual(z.shape, [2, 3, 4]);
      z.dispose();
      assert.strictEqual(backend.numDataIds(), ids, 'the data is freed with the last tensor');
    });

    it("a cast to another dtype is the stock kernel's (a converting copy)", () => {
      const x = tf.tensor1d([1.75, -2.5, 0, 3]);
      const cast = (): number[][] =>
        (['int32', 'bool'] as const).map((dtype) => {
          const t = tf.cast(x, dtype);
          assert.strictEqual(t.dtype, dtype);
          const out = Array.from(t.dataSync());
          t.dispose();
          return out;
        });
      const ours = cast();
      assert.deepStrictEqual(ours[0], [1, -2, 0, 3]);
      shareDataTuning.enabled = false;
      assert.deepStrictEqual(ours, cast());
      x.dispose();
    });

    it('a conv layer trains to the same numbers with the copies as without', () => {
      const run = (): number[] =>
        tf.tidy(() => {
          const x = tf.tensor4d(detInputs(2 * 6 * 6 * 3, 1), [2, 6, 6, 3]);
          const w = tf.variable(tf.tensor4d(detInputs(3 * 3 * 3 * 5, 2), [3, 3, 3, 5]));
          const b = tf.variable(tf.tensor1d(detInputs(5, 4)));
          const { grads } = tf.variableGrads(() =>
            tf.sum(tf.square(tf.maxPool(tf.relu(tf.add(tf.conv2d(x, w, 1, 'same'), b)) as tf.Tensor4D, 2, 2, 'valid'))),
          );
          const out = [...grads[w.name].dataSync(), ...grads[b.name].dataSync()];
          w.dispose();
          b.dispose();
          return out;
        });
      const shared = run();
      shareDataTuning.enabled = false;
      channelSumTuning.enabled = false;
      assert.deepStrictEqual(shared, run());
    });
  });
});
