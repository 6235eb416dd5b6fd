// Synthetic datasets: determinism, split sizes, balance, labels, and train-only standardization.

import * as assert from 'node:assert/strict';
import { loadDataset, validationCount } from '../../src/training/data/load';
import { type Dataset, type Split } from '../../src/training/data/types';
import { type DataSpec } from '../../src/training/spec/types';

const SYNTHETIC = ['spiral', 'moons', 'circles', 'xor', 'blobs', 'sine'] as const;

function spec(overrides: Partial<DataSpec>): DataSpec {
  return {
    dataset: 'spiral',
    samples: 600,
    classes: 3,
    features: 2,
    noise: 0.1,
    validationSplit: 0.2,
    testSplit: 0,
    standardize: true,
    ...overrides,
  };
}

function counts(split: Split, classes: number): number[] {
  const c = new Array<number>(classes).fill(0);
  split.y.forEach((k) => c[k]++);
  return c;
}

function featureMeans(split: Split, width: number): number[] {
  const m = new Array<number>(width).fill(0);
  for (let i = 0; i < split.count; i++) {
    for (let f = 0; f < width; f++) {
      m[f] += split.x[i * width + f] / split.count;
    }
  }
  return m;
}

function featureStds(split: Split, width: number): number[] {
  const m = featureMeans(split, width);
  const v = new Array<number>(width).fill(0);
  for (let i = 0; i < split.count; i++) {
    for (let f = 0; f < width; f++) {
      v[f] += (split.x[i * width + f] - m[f]) ** 2 / split.count;
    }
  }
  return v.map(Math.sqrt);
}

/** Validation accuracy of a nearest-class-mean classifier: near chance when classes are not linearly separable. */
function centroidAccuracy(ds: Dataset): number {
  const w = ds.inputShape[0];
  const centers = Array.from({ length: ds.classes }, () => new Array<number>(w).fill(0));
  const n = counts(ds.train, ds.classes);
  for (let i = 0; i < ds.train.count; i++) {
    for (let f = 0; f < w; f++) {
      centers[ds.train.y[i]][f] += ds.train.x[i * w + f] / n[ds.train.y[i]];
    }
  }
  let right = 0;
  for (let j = 0; j < ds.validation.count; j++) {
    const dist = centers.map((c) => c.reduce((s, cf, f) => s + (cf - ds.validation.x[j * w + f]) ** 2, 0));
    if (dist.indexOf(Math.min(...dist)) === ds.validation.y[j]) right++;
  }
  return right / ds.validation.count;
}

/** Validation accuracy of 1-nearest-neighbour: high when the classes are learnable. */
function nearestNeighbourAccuracy(ds: Dataset): number {
  const w = ds.inputShape[0];
  let right = 0;
  for (let j = 0; j < ds.validation.count; j++) {
    let best = Infinity;
    let label = -1;
    for (let i = 0; i < ds.train.count; i++) {
      let d = 0;
      for (let f = 0; f < w; f++) d += (ds.train.x[i * w + f] - ds.validation.x[j * w + f]) ** 2;
      if (d < best) {
        best = d;
        label = ds.train.y[i];
      }
    }
    if (label === ds.validation.y[j]) right++;
  }
  return right / ds.validation.count;
}

describe('data/synthetic datasets', () => {
  for (const dataset of SYNTHETIC) {
    describe(dataset, () => {
      it('is identical for the same seed and different for another', () => {
        const a = loadDataset(spec({ dataset }), 11);
        const b = loadDataset(spec({ dataset }), 11);
        const c = loadDataset(spec({ dataset }), 12);
        assert.deepEqual(a, b);
        assert.notDeepEqual(a.train.x, c.train.x);
      });

      it('splits into train and validation of the right sizes and lengths', () => {
        const ds = loadDataset(spec({ dataset, samples: 500, validationSplit: 0.3 }), 1);
        assert.equal(ds.validation.count, 150);
        assert.equal(ds.train.count, 350);
        const width = ds.inputShape.reduce((a, b) => a * b, 1);
        for (const split of [ds.train, ds.validation]) {
          assert.equal(split.x.length, split.count * width);
          assert.equal(split.y.length, split.count * (ds.task === 'regression' ? ds.classes : 1));
          assert.ok(split.x.every(Number.isFinite));
          assert.ok(split.y.every(Number.isFinite));
        }
        assert.match(ds.description, new RegExp(`^${dataset}: 350 train / 150 validation, `));
      });

      if (dataset !== 'sine') {
        it('has balanced classes with labels in range', () => {
          const ds = loadDataset(spec({ dataset, samples: 601, classes: 3 }), 2);
          const total = counts(ds.train, ds.classes).map((c, k) => c + counts(ds.validation, ds.classes)[k]);
          assert.equal(total.length, ds.classes);
          assert.ok(Math.max(...total) - Math.min(...total) <= 1, `class counts ${total}`);
          for (const y of [...ds.train.y, ...ds.validation.y]) {
            assert.ok(Number.isInteger(y) && y >= 0 && y < ds.classes);
          }
        });
      }

      it('standardizes with the training statistics only', () => {
        const std = loadDataset(spec({ dataset, samples: 400 }), 3);
        const raw = loadDataset(spec({ dataset, samples: 400, standardize: false }), 3);
        const w = std.inputShape[0];
        featureMeans(std.train, w).forEach((m) => assert.ok(Math.abs(m) < 1e-5, `train mean ${m}`));
        featureStds(std.train, w).forEach((s) => assert.ok(Math.abs(s - 1) < 1e-4, `train std ${s}`));
        assert.ok(
          featureMeans(std.validation, w).some((m) => Math.abs(m) > 1e-4),
          'validation mean exactly 0',
        );
        // The validation split is rescaled by the raw training split's mean and std.
        const mean = featureMeans(raw.train, w);
        const sd = featureStds(raw.train, w);
        for (let i = 0; i < raw.validation.count; i++) {
          for (let f = 0; f < w; f++) {
            const expected = (raw.validation.x[i * w + f] - mean[f]) / sd[f];
            assert.ok(Math.abs(std.validation.x[i * w + f] - expected) < 1e-4);
          }
        }
        assert.deepEqual(std.train.y, raw.train.y);
        assert.deepEqual(std.validation.y, raw.validation.y);
      });
    });
  }

  it('labels xor points by quadrant when there is no noise', () => {
    const ds = loadDataset(spec({ dataset: 'xor', noise: 0, standardize: false }), 4);
    for (const split of [ds.train, ds.validation]) {
      for (let i = 0; i < split.count; i++) {
        const x = split.x[2 * i];
        const y = split.x[2 * i + 1];
        assert.ok(Math.abs(x) <= 1 && Math.abs(y) <= 1);
        assert.equal(split.y[i], x * y > 0 ? 1 : 0);
      }
    }
  });

  it('makes sine targets sin(x) without noise and never standardizes them', () => {
    const raw = loadDataset(spec({ dataset: 'sine', noise: 0, standardize: false }), 5);
    for (let i = 0; i < raw.train.count; i++) {
      assert.ok(Math.abs(raw.train.x[i]) <= Math.PI + 1e-6);
      assert.ok(Math.abs(raw.train.y[i] - Math.sin(raw.train.x[i])) < 1e-6);
    }
    const std = loadDataset(spec({ dataset: 'sine', noise: 0 }), 5);
    assert.deepEqual(std.train.y, raw.train.y);
    assert.equal(std.task, 'regression');
    assert.equal(std.classes, 1);
  });

  it('puts blobs in the requested number of features around distinct centers', () => {
    const ds = loadDataset(spec({ dataset: 'blobs', features: 5, classes: 4, noise: 0, standardize: false }), 6);
    assert.deepEqual(ds.inputShape, [5]);
    assert.equal(ds.train.x.length, ds.train.count * 5);
    assert.ok(
      ds.train.x.every((v) => Math.abs(v) < 10 + 6),
      'points far outside the center box',
    );
    assert.ok(nearestNeighbourAccuracy(ds) > 0.95);
  });

  it('makes a spiral that a linear boundary cannot separate but a local one can (noise 0.1)', () => {
    const ds = loadDataset(spec({ dataset: 'spiral', samples: 900, noise: 0.1 }), 7);
    assert.ok(centroidAccuracy(ds) < 0.7, `centroid accuracy ${centroidAccuracy(ds)}`);
    assert.ok(nearestNeighbourAccuracy(ds) > 0.9, `1-NN accuracy ${nearestNeighbourAccuracy(ds)}`);
  });

  it('keeps moons and circles non-linear but learnable at noise 0.1', () => {
    for (const dataset of ['moons', 'circles'] as const) {
      const ds = loadDataset(spec({ dataset, samples: 800 }), 8);
      assert.ok(nearestNeighbourAccuracy(ds) > 0.95, dataset);
      assert.ok(centroidAccuracy(ds) < 0.9, dataset);
    }
  });

  it('keeps at least one sample on each side of the split', () => {
    assert.equal(validationCount(10, 0.01), 1);
    assert.equal(validationCount(10, 0.99), 9);
    assert.equal(validationCount(1000, 0.25), 250);
    const ds = loadDataset(spec({ dataset: 'moons', samples: 2, validationSplit: 0.5 }), 1);
    assert.equal(ds.train.count, 1);
    assert.equal(ds.validation.count, 1);
  });

  it('rejects sample counts that cannot be split or would exhaust memory', () => {
    assert.throws(() => loadDataset(spec({ samples: 1 }), 1), { name: 'DatasetError', field: 'samples' });
    assert.throws(() => loadDataset(spec({ samples: 1e9 }), 1), { name: 'DatasetError', field: 'samples' });
    assert.throws(() => loadDataset(spec({ samples: 10.5 }), 1), { name: 'DatasetError', field: 'samples' });
    assert.throws(() => loadDataset(spec({ dataset: 'blobs', samples: 100000, features: 100000 }), 1), {
      name: 'DatasetError',
      field: 'features',
    });
  });
});
