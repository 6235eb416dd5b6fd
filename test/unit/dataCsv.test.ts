// CSV datasets: label mapping, regression targets, row subsets, and the errors describeDataset reports.

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeDataset } from '../../src/training/data/describe';
import { loadDataset } from '../../src/training/data/load';
import { type Dataset } from '../../src/training/data/types';
import { preprocessingOf } from '../../src/training/run/preprocessing';
import { type DataSpec } from '../../src/training/spec/types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/data');

function csv(file: string, overrides: Partial<DataSpec> = {}): DataSpec {
  return {
    dataset: 'csv',
    samples: 1000,
    classes: 2,
    features: 2,
    noise: 0,
    validationSplit: 0.2,
    testSplit: 0,
    standardize: false,
    path: path.join(FIXTURES, file),
    ...overrides,
  };
}

/** Every (features…, target) row of both splits as sorted strings, to compare with the file's rows. */
function rowsOf(ds: Dataset): string[] {
  const w = ds.inputShape[0];
  const rows: string[] = [];
  for (const split of [ds.train, ds.validation]) {
    for (let i = 0; i < split.count; i++) {
      const values = [...split.x.subarray(i * w, (i + 1) * w), split.y[i]];
      rows.push(values.map((v) => v.toFixed(3)).join(','));
    }
  }
  return rows.sort();
}

function fileRows(
  file: string,
  label: string,
  toTarget: (cell: string) => number,
  toFeatures: (features: number[]) => number[] = (f) => f,
): string[] {
  const [header, ...lines] = fs.readFileSync(path.join(FIXTURES, file), 'utf8').trim().split('\n');
  const labelIndex = header.split(',').indexOf(label);
  return lines
    .map((line) => {
      const cells = line.split(',');
      const features = toFeatures(cells.filter((_, i) => i !== labelIndex).map(Number));
      return [...features, toTarget(cells[labelIndex])].map((v) => Math.fround(v).toFixed(3)).join(',');
    })
    .sort();
}

describe('data/csv', () => {
  it('preprocessing.json says how raw rows became the inputs: (x − mean) / std, class index → label', () => {
    const ds = loadDataset(csv('flowers.csv', { label: 'species', standardize: true }), 1);
    const pre = preprocessingOf(ds, [2]);
    assert.deepEqual(pre.classNames, ['setosa', 'versicolor', 'virginica']);
    assert.equal(pre.task, 'classification');
    assert.equal(pre.datasetDescription, ds.description);
    const { mean, std } = pre.standardize!;
    assert.equal(mean.length, 2);
    assert.ok(std.every((s) => s > 0));
    assert.deepEqual(
      rowsOf(ds),
      fileRows(
        'flowers.csv',
        'species',
        (l) => pre.classNames!.indexOf(l),
        (f) => f.map((v, i) => (Math.fround(v) - mean[i]) / std[i]),
      ),
    );
    const raw = preprocessingOf(loadDataset(csv('linear.csv', { label: 'target', task: 'regression' }), 1), [2]);
    assert.equal(raw.standardize, null, 'standardize: false → null');
    assert.equal(raw.classNames, null, 'regression has no class names');
  });

  it('maps string labels to class indices in sorted order', () => {
    const spec = csv('flowers.csv', { label: 'species' });
    assert.deepEqual(describeDataset(spec), { task: 'classification', inputShape: [2], classes: 3 });
    const ds = loadDataset(spec, 1);
    assert.equal(ds.train.count, 24);
    assert.equal(ds.validation.count, 6);
    const names = ['setosa', 'versicolor', 'virginica'];
    assert.deepEqual(
      rowsOf(ds),
      fileRows('flowers.csv', 'species', (l) => names.indexOf(l)),
    );
    assert.match(ds.description, /^csv flowers\.csv: 24 train \/ 6 validation, 2 features, 3 classes/);
    assert.match(ds.description, /0=setosa, 1=versicolor, 2=virginica/);
  });

  it('treats a few numeric label values as classes, sorted by value', () => {
    const spec = csv('numeric-labels.csv', { label: 'digit' });
    assert.deepEqual(describeDataset(spec), { task: 'classification', inputShape: [2], classes: 3 });
    const ds = loadDataset(spec, 2);
    // Labels 2, 9, 10 become 0, 1, 2 (not the text order 10, 2, 9).
    assert.deepEqual(
      rowsOf(ds),
      fileRows('numeric-labels.csv', 'digit', (l) => [2, 9, 10].indexOf(Number(l))),
    );
  });

  it('treats many distinct numeric labels as regression targets', () => {
    const spec = csv('linear.csv', { label: 'target', standardize: true });
    assert.deepEqual(describeDataset(spec), { task: 'regression', inputShape: [2], classes: 1 });
    const raw = loadDataset({ ...spec, standardize: false }, 3);
    assert.deepEqual(rowsOf(raw), fileRows('linear.csv', 'target', Number));
    const std = loadDataset(spec, 3);
    assert.deepEqual(std.train.y, raw.train.y, 'regression targets must not be standardized');
    assert.notDeepEqual(std.train.x, raw.train.x);
    assert.match(std.description, /regression \(1 target\)/);
  });

  it('honours an explicit task', () => {
    const spec = csv('numeric-labels.csv', { label: 'digit', task: 'regression' });
    assert.deepEqual(describeDataset(spec), { task: 'regression', inputShape: [2], classes: 1 });
    const ds = loadDataset(spec, 1);
    assert.ok([...ds.train.y].every((y) => y === 2 || y === 9 || y === 10));
    assert.throws(() => describeDataset(csv('flowers.csv', { label: 'species', task: 'regression' })), {
      name: 'DatasetError',
      field: 'label',
    });
  });

  it('takes a seeded subset when samples is below the row count', () => {
    const spec = csv('linear.csv', { label: 'target', samples: 10, validationSplit: 0.3 });
    const a = loadDataset(spec, 4);
    assert.equal(a.train.count, 7);
    assert.equal(a.validation.count, 3);
    const all = new Set(fileRows('linear.csv', 'target', Number));
    assert.ok(rowsOf(a).every((r) => all.has(r)));
    assert.deepEqual(a, loadDataset(spec, 4));
    assert.notDeepEqual(rowsOf(a), rowsOf(loadDataset(spec, 5)));
  });

  describe('describeDataset errors', () => {
    it('reports a missing or empty file on path', () => {
      assert.throws(() => describeDataset(csv('nope.csv', { label: 'y' })), {
        name: 'DatasetError',
        field: 'path',
        message: /not found.*nope\.csv/,
      });
      assert.throws(() => describeDataset(csv('empty.csv', { label: 'y' })), { field: 'path', message: /empty/ });
      assert.throws(() => describeDataset(csv('', { label: 'y' })), { field: 'path' });
      assert.throws(() => describeDataset(csv('flowers.csv', { path: undefined, label: 'y' })), { field: 'path' });
    });

    it('reports a missing label column with the columns there are', () => {
      assert.throws(() => describeDataset(csv('flowers.csv', { label: 'kind' })), {
        name: 'DatasetError',
        field: 'label',
        message: /"kind".*petal_length, species, petal_width/,
      });
      assert.throws(() => describeDataset(csv('flowers.csv')), { field: 'label', message: /petal_length/ });
    });

    it('reports a non-numeric feature with its row and column', () => {
      assert.throws(() => describeDataset(csv('bad-value.csv', { label: 'label' })), {
        name: 'DatasetError',
        field: 'path',
        message: /"oops".*row 4.*column "b"/,
      });
    });
  });

  it('rereads a file after it changes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-data-'));
    try {
      const file = path.join(dir, 'data.csv');
      fs.writeFileSync(file, 'a,y\n1,x\n2,z\n');
      const spec = csv('', { path: file, label: 'y' });
      assert.equal(describeDataset(spec).classes, 2);
      fs.writeFileSync(file, 'a,b,y\n1,2,x\n2,3,z\n4,5,w\n');
      // Same-millisecond writes would keep the mtime; the size differs anyway, and this makes sure.
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(file, later, later);
      assert.deepEqual(describeDataset(spec), { task: 'classification', inputShape: [2], classes: 3 });
      fs.rmSync(file);
      assert.throws(() => describeDataset(spec), { field: 'path' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
