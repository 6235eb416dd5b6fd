// Each initializer's statistics against its definition (Glorot & Bengio 2010, He et al. 2015, LeCun 1998).
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { makeInitializer } from '../../src/training/engine/model/initializers';
import type { InitializerSpec, NamedInitializer } from '../../src/training/spec/types';
import { useBackend } from './support/specs';

const FAN_IN = 400;
const FAN_OUT = 300;

function sample(spec: InitializerSpec, seed = 11): Float32Array {
  return tf.tidy(() => makeInitializer(spec, seed).apply([FAN_IN, FAN_OUT], 'float32')).dataSync() as Float32Array;
}

function stats(v: Float32Array): { mean: number; variance: number; min: number; max: number } {
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x;
    sq += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / v.length;
  return { mean, variance: sq / v.length - mean * mean, min, max };
}

const cases: Array<{ name: NamedInitializer; variance: number; uniform: boolean }> = [
  { name: 'glorotUniform', variance: 2 / (FAN_IN + FAN_OUT), uniform: true },
  { name: 'glorotNormal', variance: 2 / (FAN_IN + FAN_OUT), uniform: false },
  { name: 'heNormal', variance: 2 / FAN_IN, uniform: false },
  { name: 'heUniform', variance: 2 / FAN_IN, uniform: true },
  { name: 'lecunNormal', variance: 1 / FAN_IN, uniform: false },
  { name: 'lecunUniform', variance: 1 / FAN_IN, uniform: true },
];

describe('initializers', () => {
  before(useBackend);

  for (const c of cases) {
    it(`${c.name} has variance ${c.variance.toPrecision(3)} and mean 0`, () => {
      const s = stats(sample(c.name));
      assert.ok(Math.abs(s.variance / c.variance - 1) < 0.03, `variance ${s.variance} vs ${c.variance}`);
      assert.ok(Math.abs(s.mean) < 0.01 * Math.sqrt(c.variance) * 10, `mean ${s.mean}`);
      const bound = c.uniform ? Math.sqrt(3 * c.variance) : 2 * Math.sqrt(c.variance / 0.7737413);
      assert.ok(s.max <= bound * 1.0001 && s.min >= -bound * 1.0001, `values within ±${bound}`);
      assert.ok(s.max > bound * 0.95, 'the range is used up to its bound');
    });
  }

  it('zeros, ones and constant are exact', () => {
    assert.ok(sample('zeros').every((v) => v === 0));
    assert.ok(sample('ones').every((v) => v === 1));
    assert.ok(sample({ type: 'constant', value: -1 }).every((v) => v === -1));
  });

  it('randomNormal and randomUniform follow their parameters', () => {
    const n = stats(sample({ type: 'randomNormal', mean: 0.5, stddev: 2 }));
    assert.ok(Math.abs(n.mean - 0.5) < 0.02 && Math.abs(Math.sqrt(n.variance) - 2) < 0.02, JSON.stringify(n));
    const u = stats(sample({ type: 'randomUniform', minval: -0.05, maxval: 0.05 }));
    assert.ok(u.min >= -0.05 && u.max <= 0.05 && Math.abs(u.variance - 0.1 ** 2 / 12) < 1e-5, JSON.stringify(u));
  });

  it('Glorot, He and LeCun are varianceScaling special cases: the same seed draws the same weights', () => {
    const twins: Array<[NamedInitializer, InitializerSpec]> = [
      ['heNormal', { type: 'varianceScaling', scale: 2, mode: 'fanIn', distribution: 'normal' }],
      ['heUniform', { type: 'varianceScaling', scale: 2, mode: 'fanIn', distribution: 'uniform' }],
      ['glorotNormal', { type: 'varianceScaling', scale: 1, mode: 'fanAvg', distribution: 'normal' }],
      ['glorotUniform', { type: 'varianceScaling', scale: 1, mode: 'fanAvg', distribution: 'uniform' }],
      ['lecunNormal', { type: 'varianceScaling', scale: 1, mode: 'fanIn', distribution: 'normal' }],
      ['lecunUniform', { type: 'varianceScaling', scale: 1, mode: 'fanIn', distribution: 'uniform' }],
    ];
    for (const [name, spec] of twins) assert.deepStrictEqual(sample(spec, 5), sample(name, 5), name);
    // varianceScaling { scale 2, fanIn, normal } has He's variance 2/fan-in, not the truncated normal's 0.77 of it.
    const he = stats(sample({ type: 'varianceScaling', scale: 2, mode: 'fanIn', distribution: 'normal' }));
    assert.ok(Math.abs(he.variance / (2 / FAN_IN) - 1) < 0.03, `variance ${he.variance} vs ${2 / FAN_IN}`);
    const out = stats(sample({ type: 'varianceScaling', scale: 3, mode: 'fanOut', distribution: 'uniform' }));
    assert.ok(Math.abs(out.variance / (3 / FAN_OUT) - 1) < 0.03, `fanOut variance ${out.variance} vs ${3 / FAN_OUT}`);
  });

  it('truncatedNormal cuts at 2·stddev, so its real standard deviation is ≈ 0.88·stddev', () => {
    const s = stats(sample({ type: 'truncatedNormal', mean: 0.5, stddev: 2 }));
    assert.ok(s.min >= 0.5 - 4 && s.max <= 0.5 + 4, `within mean ± 2·stddev: [${s.min}, ${s.max}]`);
    assert.ok(Math.abs(s.mean - 0.5) < 0.02, `mean ${s.mean}`);
    const ratio = Math.sqrt(s.variance) / 2;
    assert.ok(Math.abs(ratio - Math.sqrt(0.7737413)) < 0.01, `std / stddev = ${ratio} (expected ≈ 0.880)`);
  });

  /** WᵀW for W [rows, cols] (row-major). */
  function gram(w: Float32Array, rows: number, cols: number): Float64Array {
    const g = new Float64Array(cols * cols);
    for (let i = 0; i < cols; i++)
      for (let j = 0; j < cols; j++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += w[r * cols + i] * w[r * cols + j];
        g[i * cols + j] = sum;
      }
    return g;
  }

  function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
    const t = new Float32Array(w.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
    return t;
  }

  for (const { shape, gain } of [
    { shape: [32, 32], gain: 1 },
    { shape: [64, 16], gain: 1.5 },
    { shape: [16, 64], gain: Math.SQRT2 },
    { shape: [3, 3, 4, 8], gain: 1 },
  ]) {
    it(`orthogonal ${shape.join('×')} (gain ${gain.toFixed(3)}): the smaller Gram matrix is gain²·I`, () => {
      const init: InitializerSpec = gain === 1 ? 'orthogonal' : { type: 'orthogonal', gain };
      const w = tf.tidy(() => makeInitializer(init, 7).apply(shape, 'float32')).dataSync() as Float32Array;
      // The kernel flattened to [fan-in, units]: orthonormal columns when tall, orthonormal rows when wide.
      const units = shape[shape.length - 1];
      const rows = w.length / units;
      const tall = rows >= units;
      const g = tall ? gram(w, rows, units) : gram(transpose(w, rows, units), units, rows);
      const n = Math.min(rows, units);
      let worst = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(g[i * n + j] - (i === j ? gain * gain : 0)));
      assert.ok(worst < 1e-4 * gain * gain * 10, `max |Gram − gain²·I| = ${worst}`);
      assert.deepStrictEqual(
        tf.tidy(() => makeInitializer(init, 7).apply(shape, 'float32')).dataSync(),
        w,
        'reproducible from the seed',
      );
    });
  }

  it('through 12 relu layers of 64 units, orthogonal (gain 1) shrinks the signal ≈61×, gain √2 keeps it (docs/diagnostics/initializer-scale.md)', () => {
    const ratio = (gain: number): number =>
      tf.tidy(() => {
        const input = tf.randomNormal([2000, 64], 0, 1, 'float32', 1);
        let x: tf.Tensor = input;
        for (let i = 0; i < 12; i++) {
          const w = makeInitializer({ type: 'orthogonal', gain }, 100 + i).apply([64, 64], 'float32') as tf.Tensor2D;
          x = tf.relu(tf.matMul(x as tf.Tensor2D, w));
        }
        const rms = (t: tf.Tensor): number => Math.sqrt(tf.mean(tf.square(t)).dataSync()[0]);
        return rms(input) / rms(x);
      });
    const shrink = ratio(1);
    assert.ok(shrink > 55 && shrink < 68, `gain 1: the signal shrinks ${shrink}×`);
    const kept = ratio(Math.SQRT2);
    assert.ok(kept > 0.9 && kept < 1.1, `gain √2: ${kept}×`);
  });

  it('is reproducible from the seed and differs between seeds', () => {
    assert.deepStrictEqual(sample('heNormal', 3), sample('heNormal', 3));
    assert.notDeepStrictEqual(sample('heNormal', 3), sample('heNormal', 4));
  });
});
