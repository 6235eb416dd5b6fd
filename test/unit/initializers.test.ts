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

  it('is reproducible from the seed and differs between seeds', () => {
    assert.deepStrictEqual(sample('heNormal', 3), sample('heNormal', 3));
    assert.notDeepStrictEqual(sample('heNormal', 3), sample('heNormal', 4));
  });
});
