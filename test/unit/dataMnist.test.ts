// MNIST: class-balanced seeded subsets of real digit images with pixels in [0, 1].

import * as assert from 'node:assert/strict';
import { loadDataset } from '../../src/training/data/load';
import { MNIST_PIXELS, balancedQuotas, loadMnistDigits } from '../../src/training/data/mnistDigits';
import { createRng } from '../../src/training/data/random';
import { type Split } from '../../src/training/data/types';
import { type DataSpec } from '../../src/training/spec/types';

function spec(overrides: Partial<DataSpec>): DataSpec {
  return {
    dataset: 'mnist',
    samples: 500,
    classes: 10,
    features: 2,
    noise: 0,
    validationSplit: 0.2,
    testSplit: 0,
    standardize: true,
    ...overrides,
  };
}

function classCounts(splits: Split[]): number[] {
  const c = new Array<number>(10).fill(0);
  for (const s of splits) s.y.forEach((k) => c[k]++);
  return c;
}

/** Ink statistics of one 28×28 image: lit pixels, bounding box, centre of mass. */
function ink(pixels: Float32Array): { lit: number; inner: number; centre: [number, number] } {
  let lit = 0;
  let mass = 0;
  let innerMass = 0;
  let cr = 0;
  let cc = 0;
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const v = pixels[r * 28 + c];
      if (v > 0) lit++;
      if (r >= 3 && r < 25 && c >= 3 && c < 25) innerMass += v;
      mass += v;
      cr += v * r;
      cc += v * c;
    }
  }
  return { lit, inner: innerMass / mass, centre: [cr / mass, cc / mass] };
}

describe('data/mnist', function () {
  // The first load parses about 22 MB of JSON.
  this.timeout(30000);

  it('loads all 10,000 digits of the package', () => {
    const digits = loadMnistDigits();
    assert.equal(digits.total, 10000);
    assert.equal(digits.counts.length, 10);
    digits.images.forEach((im, d) => assert.equal(im.length, digits.counts[d] * MNIST_PIXELS));
  });

  it('takes a class-balanced seeded subset with pixels in [0, 1]', () => {
    const ds = loadDataset(spec({}), 1);
    assert.deepEqual(ds.inputShape, [28, 28, 1]);
    assert.equal(ds.classes, 10);
    assert.equal(ds.train.count, 400);
    assert.equal(ds.validation.count, 100);
    assert.equal(ds.train.x.length, 400 * 784);
    assert.deepEqual(classCounts([ds.train, ds.validation]), new Array(10).fill(50));
    assert.ok(
      classCounts([ds.validation]).every((c) => c > 0),
      'a digit is missing from validation',
    );
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.train.x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.equal(min, 0);
    assert.ok(max > 0.9 && max <= 1, `max pixel ${max}`);
    assert.match(ds.description, /^mnist: 400 train \/ 100 validation, 28×28×1 images, 10 classes$/);
  });

  it('is deterministic per seed and never standardizes pixels', () => {
    const a = loadDataset(spec({ samples: 200 }), 3);
    assert.deepEqual(a, loadDataset(spec({ samples: 200, standardize: false }), 3));
    assert.notDeepEqual(a.train.x, loadDataset(spec({ samples: 200 }), 4).train.x);
  });

  it('returns images that look like centred handwritten digits', () => {
    const ds = loadDataset(spec({ samples: 300 }), 5);
    for (let i = 0; i < ds.train.count; i++) {
      const { lit, inner, centre } = ink(ds.train.x.subarray(i * 784, (i + 1) * 784));
      // MNIST digits are scaled into a 20×20 box and centred by mass in the 28×28 frame.
      assert.ok(lit >= 30 && lit <= 400, `sample ${i} (${ds.train.y[i]}) has ${lit} lit pixels`);
      assert.ok(inner > 0.85, `sample ${i} has only ${inner} of its ink in the central 22×22`);
      assert.ok(Math.abs(centre[0] - 13.5) < 3 && Math.abs(centre[1] - 13.5) < 3, `sample ${i} off centre`);
    }
    // A 1 is a narrow stroke: far less ink than a 0.
    const meanLit = (digit: number): number => {
      const idx = [...ds.train.y.keys()].filter((i) => ds.train.y[i] === digit);
      return idx.reduce((s, i) => s + ink(ds.train.x.subarray(i * 784, (i + 1) * 784)).lit, 0) / idx.length;
    };
    assert.ok(meanLit(1) < 0.7 * meanLit(0), `lit pixels: 1 → ${meanLit(1)}, 0 → ${meanLit(0)}`);
  });

  it('uses every digit when asked for 10,000 or more', () => {
    const ds = loadDataset(spec({ samples: 12000 }), 6);
    assert.equal(ds.train.count + ds.validation.count, 10000);
    assert.deepEqual(classCounts([ds.train, ds.validation]), loadMnistDigits().counts);
  });

  it('spreads quotas evenly and passes a scarce class’s share to the others', () => {
    const rng = createRng(1);
    assert.deepEqual(balancedQuotas([100, 100, 100], 30, rng), [10, 10, 10]);
    const q = balancedQuotas([3, 100, 100], 61, rng);
    assert.equal(q[0], 3);
    assert.equal(q[0] + q[1] + q[2], 61);
    assert.ok(Math.abs(q[1] - q[2]) <= 1);
    assert.deepEqual(balancedQuotas([3, 4, 5], 12, rng), [3, 4, 5]);
    assert.deepEqual(balancedQuotas([3, 4, 5], 20, rng), [3, 4, 5]);
    const odd = balancedQuotas(new Array<number>(10).fill(1000), 1005, rng);
    assert.equal(
      odd.reduce((a, b) => a + b, 0),
      1005,
    );
    assert.ok(odd.every((c) => c === 100 || c === 101));
  });
  it('digits: selects those digits and maps digit digits[i] to class i', () => {
    const digits = [7, 5, 9];
    const ds = loadDataset(spec({ samples: 300, digits, classes: 3 }), 3);
    assert.equal(ds.classes, 3);
    assert.equal(ds.train.count + ds.validation.count, 300);
    assert.match(ds.description, /mnist digits 7,5,9/);
    assert.match(ds.description, /0=7, 1=5, 2=9/);
    // Every image labelled class i is an image of digit digits[i] in the package, and none of another digit.
    const all = loadMnistDigits();
    const imagesOf = (d: number): Set<string> => {
      const set = new Set<string>();
      for (let i = 0; i < all.counts[d]; i++) set.add(all.images[d].subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS).join());
      return set;
    };
    const sets = digits.map(imagesOf);
    const perClass = [0, 0, 0];
    for (const split of [ds.train, ds.validation]) {
      for (let i = 0; i < split.count; i++) {
        const cls = split.y[i];
        const image = split.x.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS).join();
        assert.ok(sets[cls].has(image), `sample ${i} labelled ${cls} is an image of digit ${digits[cls]}`);
        perClass[cls]++;
      }
    }
    assert.deepEqual(perClass, [100, 100, 100]);
  });

  it('digits: the same seed gives the same samples; all ten digits in order give the plain mnist subset', () => {
    const a = loadDataset(spec({ samples: 200, digits: [1, 2], classes: 2 }), 4);
    const b = loadDataset(spec({ samples: 200, digits: [1, 2], classes: 2 }), 4);
    assert.deepEqual(a.train.x, b.train.x);
    assert.deepEqual(a.train.y, b.train.y);
    const plain = loadDataset(spec({ samples: 200 }), 4);
    const ordered = loadDataset(spec({ samples: 200, digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }), 4);
    assert.deepEqual(ordered.train.x, plain.train.x);
    assert.deepEqual(ordered.train.y, plain.train.y);
  });
});
