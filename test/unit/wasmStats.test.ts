// The SIMD reductions behind the wasm step-statistics kernel against the JS loops (computeStats) on the same values,
// at sizes that exercise the 4-wide loop, the scalar tail and both, and at edge values of the tail bounds.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { computeStats, stepStats, type StatOp } from '../../src/training/engine/measureKernel';
import { chunkRows, wasmStats } from '../../src/training/engine/backend/wasmStats';
import { alloc, free, heapAddress, type BackendWasm } from '../../src/training/engine/backend/wasmHeap';
import { withBackend } from './support/specs';

describe('wasm SIMD step statistics', () => {
  withBackend('wasm');

  it('binds to the wasm backend memory (the kernel does not fall back to JS loops)', () => {
    assert.ok(wasmStats(tf.backend() as unknown as BackendWasm), 'SIMD module instantiated over the backend memory');
  });

  // relu's dead units by the SIMD pass (units a multiple of 4; alone, and beside the same tensor's moments) and by the
  // JS loop (other unit counts), against a count made here: columns dead everywhere, alive in the last row only, alive
  // only through NaN (not alive), alive everywhere (a group stops at its first row), and a single row.
  for (const [rows, units] of [
    [1, 4],
    [37, 16],
    [200, 32],
    [64, 6],
    [50, 20], // sixteen units, then four
    [9, 256],
  ]) {
    it(`counts relu's dead units in ${rows} × ${units} like the JS loop and an independent count`, async () => {
      const values = new Float32Array(rows * units);
      let expected = 0;
      for (let u = 0; u < units; u++) {
        const kind = u % 5;
        for (let r = 0; r < rows; r++) {
          const at = r * units + u;
          if (kind === 0)
            values[at] = -1 - r; // dead
          else if (kind === 1)
            values[at] = r === rows - 1 ? 1e-30 : -0.5; // alive in the last row only
          else if (kind === 2)
            values[at] = r % 2 ? NaN : 0; // never above 0: dead
          else if (kind === 3)
            values[at] = Math.sin(r + u); // alive
          else values[at] = 0.25; // alive in every row
        }
        if (kind === 0 || kind === 2) expected++;
      }
      const a = tf.tensor2d(values, [rows, units]);
      const ops: StatOp[] = [{ op: 'dead', a: 0, activation: 'relu' }];
      const simd = await stepStats([a], ops).data();
      const js = computeStats([values], [units], ops);
      assert.equal(simd[0], expected);
      assert.equal(js[0], expected);
      // With the same tensor's moments (a relu layer's signal, as the engine asks): the same numbers as the JS loops.
      const both: StatOp[] = [
        { op: 'moments', a: 0 },
        { op: 'dead', a: 0, activation: 'relu' },
      ];
      const finite = tf.tensor2d(
        values.map((v) => (Number.isNaN(v) ? 0 : v)),
        [rows, units],
      );
      const simdOut = await stepStats([finite], both).data();
      const jsOut = computeStats([await finite.data()], [units], both);
      assert.equal(simdOut[2], expected);
      assert.equal(jsOut[2], expected);
      for (const k of [0, 1]) assert.ok(Math.abs(simdOut[k] - jsOut[k]) <= 1e-6 * Math.abs(jsOut[k]) + 1e-7, `moment ${k}`);
      // The all-alive case stops early and still counts 0; an all-dead tensor counts every unit.
      const alive = tf.fill([rows, units], 3);
      const dead = tf.fill([rows, units], -3);
      assert.equal((await stepStats([alive], ops).data())[0], 0);
      assert.equal((await stepStats([dead], ops).data())[0], units);
      tf.dispose([a, finite, alive, dead]);
    });
  }

  // The fused pass (a relu layer's moments and dead units in one read) against the two passes it replaces: the same
  // bits, at shapes with several chunks, a last partial chunk, 32-value blocks and a scalar tail after the chunks, and
  // row widths that are not a power of two. Units come alive in the first row, in a middle chunk, in the last row
  // (after every chunk) or never (below 0, or NaN).
  it('shiftedDead gives shifted and deadAtOrBelow to the bit, in one pass', () => {
    const backend = tf.backend() as unknown as BackendWasm;
    const simd = wasmStats(backend);
    assert.ok(simd);
    for (const [rows, units] of [
      [0, 16],
      [1, 4],
      [3, 4],
      [1000, 16],
      [5003, 16],
      [333, 12],
      [777, 36],
      [130, 128],
      [2, 1024],
    ]) {
      const values = new Float32Array(rows * units);
      for (let u = 0; u < units; u++) {
        const aliveAt = [0, rows >> 1, rows - 1, -1, -2][u % 5];
        for (let r = 0; r < rows; r++)
          values[r * units + u] =
            r === aliveAt ? 0.5 + r / rows : aliveAt === -2 && r % 3 ? NaN : -Math.abs(Math.sin(r * units + u));
      }
      const t = tf.tensor2d(values, [rows, units]);
      const masks = alloc(backend, [units]);
      const at = heapAddress(backend, t);
      const c = values.length ? values[0] : 0;
      const [s1, s2, dead] = simd.shiftedDead(at, rows, units, c, 0, heapAddress(backend, masks));
      const [t1, t2] = simd.shifted(at, rows * units, c);
      assert.ok(Object.is(s1, t1) && Object.is(s2, t2), `${rows} × ${units}: ${s1}, ${s2} vs ${t1}, ${t2}`);
      assert.equal(dead, simd.deadAtOrBelow(at, rows, units, 0), `${rows} × ${units}`);
      assert.equal(dead, rows ? [...Array(units).keys()].filter((u) => u % 5 >= 3).length : units, `${rows} × ${units}`);
      // All alive in the first row: the pass stops looking for dead units after one chunk and still sums everything.
      const alive = tf.tensor2d(
        values.map((v, k) => (k < units ? 1 : v)),
        [rows, units],
      );
      const [a1, a2, none] = simd.shiftedDead(heapAddress(backend, alive), rows, units, c, 0, heapAddress(backend, masks));
      const [b1, b2] = simd.shifted(heapAddress(backend, alive), rows * units, c);
      assert.ok(Object.is(a1, b1) && Object.is(a2, b2), `${rows} × ${units}, all alive`);
      assert.equal(none, rows ? 0 : units);
      free(backend, masks);
      tf.dispose([t, alive]);
    }
  });

  it('chunks whole 512-byte groups of rows, at least 16 KiB', () => {
    for (const width of [16, 48, 64, 144, 400, 4096, 65536]) {
      const rows = chunkRows(width);
      assert.equal((rows * width) % 512, 0, `width ${width}`);
      assert.ok(rows * width >= 16384, `width ${width}`);
      assert.ok(rows * width < 16384 + (512 / gcd(width, 512)) * width, `width ${width}: the fewest such rows`);
    }
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
      // update and moments: the same float32 block sums in the same order, so the same bits (the threaded backend,
      // which cannot use the module, measures what the SIMD module does).
      for (const i of [1, 2, 3, 4, 5, 9, 10]) assert.strictEqual(simd[i], js[i], `output ${i}`);
      // ... and within float32's rounding of a float64 sum made here.
      const [av, cv] = [await a.data(), await c.data()];
      let [saa, scc, sdd] = [0, 0, 0];
      for (let j = 0; j < size; j++) [saa, scc, sdd] = [saa + av[j] ** 2, scc + cv[j] ** 2, sdd + (av[j] - cv[j]) ** 2];
      for (const [got, want] of [
        [simd[1], saa],
        [simd[2], scc],
        [simd[3], sdd],
      ])
        assert.ok(Math.abs(got - want) <= 1e-6 * want, `${got} vs ${want}`);
      // The tail counts are counts: equal, not close.
      assert.deepStrictEqual(Array.from(simd.slice(6, 9)), Array.from(js.slice(6, 9)));
      tf.dispose([edges, ...tensors]);
    });
  }
});

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}
