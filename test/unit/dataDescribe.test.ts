// describeDataset must promise exactly the shapes loadDataset delivers, and the split sizes always add up.

import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import * as path from 'path';
import { describeDataset } from '../../src/training/data/describe';
import { loadDataset } from '../../src/training/data/load';
import { type DataSpec, type DatasetName } from '../../src/training/spec/types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/data');

function spec(dataset: DatasetName, overrides: Partial<DataSpec> = {}): DataSpec {
  return {
    dataset,
    samples: 200,
    classes: 4,
    features: 3,
    noise: 0.1,
    validationSplit: 0.25,
    testSplit: 0,
    standardize: true,
    ...(dataset === 'csv' ? { path: path.join(FIXTURES, 'flowers.csv'), label: 'species' } : {}),
    ...overrides,
  };
}

const ALL: DatasetName[] = ['spiral', 'moons', 'circles', 'xor', 'blobs', 'sine', 'mnist', 'csv'];

describe('data/describeDataset', () => {
  it('gives the documented shapes', () => {
    assert.deepEqual(describeDataset(spec('spiral')), { task: 'classification', inputShape: [2], classes: 4 });
    assert.deepEqual(describeDataset(spec('moons')), { task: 'classification', inputShape: [2], classes: 2 });
    assert.deepEqual(describeDataset(spec('blobs')), { task: 'classification', inputShape: [3], classes: 4 });
    assert.deepEqual(describeDataset(spec('sine')), { task: 'regression', inputShape: [1], classes: 1 });
    assert.deepEqual(describeDataset(spec('mnist')), { task: 'classification', inputShape: [28, 28, 1], classes: 10 });
  });

  for (const dataset of ALL) {
    it(`agrees with loadDataset for ${dataset}`, function () {
      this.timeout(30000);
      const shape = describeDataset(spec(dataset));
      const ds = loadDataset(spec(dataset), 9);
      assert.deepEqual({ task: ds.task, inputShape: ds.inputShape, classes: ds.classes }, shape);
      const width = shape.inputShape.reduce((a, b) => a * b, 1);
      for (const split of [ds.train, ds.validation]) {
        assert.equal(split.x.length, split.count * width);
        if (shape.task === 'classification') {
          assert.equal(split.y.length, split.count);
          assert.ok(split.y.every((y) => Number.isInteger(y) && y >= 0 && y < shape.classes));
        } else {
          assert.equal(split.y.length, split.count * shape.classes);
        }
      }
    });
  }

  it('splits any sample count and fraction into train + validation = samples', () => {
    const synthetic: DatasetName[] = ['spiral', 'moons', 'circles', 'xor', 'blobs', 'sine'];
    fc.assert(
      fc.property(
        fc.constantFrom(...synthetic),
        fc.integer({ min: 2, max: 400 }),
        fc.double({ min: 0.01, max: 0.9, noNaN: true }),
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: 1, max: 5 }),
        (dataset, samples, validationSplit, seed, classes) => {
          const ds = loadDataset(spec(dataset, { samples, validationSplit, classes: Math.min(classes, samples) }), seed);
          const width = ds.inputShape[0];
          const targets = ds.task === 'regression' ? ds.classes : 1;
          assert.equal(ds.train.count + ds.validation.count, samples);
          assert.ok(ds.train.count >= 1 && ds.validation.count >= 1);
          assert.equal(ds.validation.count, Math.min(samples - 1, Math.max(1, Math.round(samples * validationSplit))));
          assert.equal(ds.train.x.length, ds.train.count * width);
          assert.equal(ds.validation.x.length, ds.validation.count * width);
          assert.equal(ds.train.y.length, ds.train.count * targets);
          assert.equal(ds.validation.y.length, ds.validation.count * targets);
          assert.ok(ds.train.x.every(Number.isFinite) && ds.validation.x.every(Number.isFinite));
        },
      ),
      { numRuns: 150, seed: 20240601 },
    );
  });
});
