// Seeded randomness: reproducible streams, normal samples, permutations.

import * as assert from 'node:assert/strict';
import { createRng, randInt, randn, shuffleInPlace, shuffledIndices } from '../../src/training/data/random';

function draw(rng: () => number, n: number): number[] {
  return Array.from({ length: n }, () => rng());
}

describe('data/random', () => {
  it('replays the same sequence for the same seed and differs for another seed or stream', () => {
    assert.deepEqual(draw(createRng(7), 50), draw(createRng(7), 50));
    assert.notDeepEqual(draw(createRng(7), 50), draw(createRng(8), 50));
    assert.notDeepEqual(draw(createRng(7), 50), draw(createRng(7, 'batches'), 50));
    assert.deepEqual(draw(createRng(7, 'batches'), 50), draw(createRng(7, 'batches'), 50));
  });

  it('draws uniforms in [0, 1) and integers in range', () => {
    const rng = createRng(1);
    for (let i = 0; i < 10000; i++) {
      const u = rng();
      assert.ok(u >= 0 && u < 1);
      const k = randInt(rng, 3);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 3);
    }
  });

  it('draws standard normals', () => {
    const rng = createRng(3);
    const n = 40000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const z = randn(rng);
      assert.ok(Number.isFinite(z));
      sum += z;
      sumSq += z * z;
    }
    const mean = sum / n;
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(sumSq / n - mean * mean - 1) < 0.05, `variance ${sumSq / n}`);
  });

  it('shuffles into a seeded permutation', () => {
    const a = shuffledIndices(100, createRng(5));
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(a, shuffledIndices(100, createRng(5)));
    assert.notDeepEqual(a, shuffledIndices(100, createRng(6)));
    assert.deepEqual(shuffledIndices(0, createRng(5)).length, 0);
    const items = ['a', 'b', 'c', 'd'];
    assert.equal(shuffleInPlace(items, createRng(2)), items);
    assert.deepEqual([...items].sort(), ['a', 'b', 'c', 'd']);
  });
});
