// `gradscope predict` in-process: a saved run's model/ + preprocessing.json applied to raw rows gives the engine's
// own outputs (the trained model's, final activation applied) on the same rows; its predicted classes score exactly
// what `evaluate` scores; a csv of raw rows (columns in any order, label optional) predicts as the same samples drawn
// from the run's validation split; bad input is a PredictionError / PredictInputError with a clear message.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { PredictionResult } from '../../src/shared/engineProtocol';
import { loadDataset } from '../../src/training/data/load';
import { evaluateRun } from '../../src/training/engine/evaluateRun';
import { PredictionError, predictRun } from '../../src/training/engine/predictRun';
import { PredictInputError, readPredictInput } from '../../src/training/run/predictInput';
import { type Preprocessing } from '../../src/training/run/preprocessing';
import { WEIGHTS_DIR } from '../../src/training/run/runStore';
import { parseSpecFile } from '../../src/training/spec/parse';
import { savedRun, type SavedRun } from './support/savedRun';
import { smallClassifier, useBackend } from './support/specs';

/** Largest |predict − engine| over the rows, matched by validation index. */
function maxDifference(result: PredictionResult, run: SavedRun): number {
  let worst = 0;
  for (const row of result.rows) {
    const got = row.probabilities ?? row.values ?? [];
    const want = run.engine.subarray(row.index! * run.units, (row.index! + 1) * run.units);
    const expected = run.units === 1 && row.probabilities ? [1 - want[0], want[0]] : Array.from(want);
    assert.equal(got.length, expected.length);
    got.forEach((g, i) => (worst = Math.max(worst, Math.abs(g - expected[i]))));
  }
  return worst;
}

function csvLine(cells: (string | number)[]): string {
  return cells.join(',');
}

describe('predictRun', () => {
  let root: string;
  before(async () => {
    await useBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-predict-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('classification: every validation sample predicts as the engine does; predicted classes score evaluate’s accuracy', async () => {
    const run = await savedRun(path.join(root, 'cls'), smallClassifier({ training: { epochs: 2 } }));
    const n = run.engine.length / run.units;
    const before = tf.memory().numTensors;
    const result = await predictRun(run.runDir, { datasetSample: n });
    assert.equal(tf.memory().numTensors, before, 'predict leaves no tensor behind');
    assert.equal(result.rows.length, n);
    assert.deepEqual(
      result.rows.map((r) => r.index),
      Array.from({ length: n }, (_, i) => i),
    );
    const diff = maxDifference(result, run);
    assert.ok(diff <= 1e-6, `max |predict − engine| = ${diff}`);
    assert.deepEqual(result.classNames, ['0', '1', '2']);

    const evaluation = await evaluateRun(run.runDir, 'val');
    const right = result.rows.filter((r) => r.predicted === r.actual).length;
    assert.equal(right / n, evaluation.acc);
    // The confusion matrix from predict's rows equals evaluate's.
    const matrix = [0, 1, 2].map(() => [0, 0, 0]);
    for (const r of result.rows) matrix[Number(r.actual)][Number(r.predicted)]++;
    assert.deepEqual(matrix, evaluation.confusion);

    // A sample is seeded: the same N gives the same rows; a smaller N gives a subset of the split.
    const three = await predictRun(run.runDir, { datasetSample: 3 });
    assert.deepEqual(three, await predictRun(run.runDir, { datasetSample: 3 }));
    assert.equal(three.rows.length, 3);
    assert.match(
      three.source,
      /^3 of the 60 validation samples, drawn with the run's seed 3 \(validation indices \d+, \d+, \d+\)$/,
    );
  });

  it('csv run: raw rows in a csv (columns reordered, label optional) predict as the same validation samples', async () => {
    const dir = path.join(root, 'csv');
    fs.mkdirSync(dir, { recursive: true });
    const csv = path.join(dir, 'data.csv');
    const lines = [csvLine(['a', 'kind', 'b', 'c'])];
    for (let i = 0; i < 80; i++) {
      const a = 10 + ((i * 7) % 13);
      const b = ((i * 5) % 11) / 10;
      const c = 100 * Math.sin(i);
      lines.push(csvLine([a, a + 10 * b > 17 ? 'high' : c > 0 ? 'mid' : 'low', b, c.toFixed(3)]));
    }
    fs.writeFileSync(csv, `${lines.join('\n')}\n`);
    const spec = {
      name: 'csvpredict',
      seed: 5,
      data: { dataset: 'csv', path: csv, label: 'kind', samples: 80 },
      model: {
        inputShape: [3],
        layers: [
          { type: 'dense', units: 8, activation: 'tanh' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
      training: { epochs: 2, batchSize: 16 },
    };
    const run = await savedRun(dir, spec);
    const pre = JSON.parse(fs.readFileSync(path.join(run.runDir, 'preprocessing.json'), 'utf8')) as Preprocessing;
    assert.deepEqual(pre.featureNames, ['a', 'b', 'c']);
    assert.equal(pre.labelColumn, 'kind');
    assert.ok(pre.standardize, 'csv inputs are standardised');

    const n = run.engine.length / run.units;
    const sample = await predictRun(run.runDir, { datasetSample: n });
    assert.ok(maxDifference(sample, run) <= 1e-6);
    // The same validation rows, raw, in a csv whose columns are in another order.
    const raw = loadDataset({ ...parseSpecFile(run.specFile).spec!.data, standardize: false }, 5).validation;
    const names = pre.classNames!;
    const input = path.join(dir, 'input.csv');
    const rows = Array.from({ length: n }, (_, i) =>
      csvLine([raw.x[i * 3 + 2], names[raw.y[i]], raw.x[i * 3], raw.x[i * 3 + 1]]),
    );
    fs.writeFileSync(input, `${csvLine(['c', 'kind', 'a', 'b'])}\n${rows.join('\n')}\n`);
    const fromCsv = await predictRun(run.runDir, { input });
    assert.deepEqual(
      fromCsv.rows.map((r) => r.line),
      Array.from({ length: n }, (_, i) => i + 2),
    );
    assert.deepEqual(
      fromCsv.rows.map((r) => [r.predicted, r.probabilities, r.actual]),
      sample.rows.map((r) => [r.predicted, r.probabilities, r.actual]),
    );
    // Without the label column: the same predictions, no truth.
    fs.writeFileSync(
      input,
      `${csvLine(['c', 'a', 'b'])}\n${rows
        .map((r) =>
          r
            .split(',')
            .filter((_, i) => i !== 1)
            .join(','),
        )
        .join('\n')}\n`,
    );
    const unlabelled = await predictRun(run.runDir, { input });
    assert.deepEqual(
      unlabelled.rows.map((r) => r.probabilities),
      sample.rows.map((r) => r.probabilities),
    );
    assert.ok(unlabelled.rows.every((r) => r.actual === undefined));
  });

  it('regression: the predicted values are the engine’s; the truth is the target', async () => {
    const spec = {
      name: 'sine',
      seed: 2,
      data: { dataset: 'sine', samples: 120 },
      model: {
        inputShape: [1],
        layers: [
          { type: 'dense', units: 8, activation: 'tanh' },
          { type: 'dense', units: 1 },
        ],
      },
      training: { epochs: 2, batchSize: 16, loss: 'meanSquaredError' },
    };
    const run = await savedRun(path.join(root, 'reg'), spec);
    const n = run.engine.length;
    const result = await predictRun(run.runDir, { datasetSample: n });
    assert.equal(result.task, 'regression');
    assert.equal(result.classNames, undefined);
    assert.ok(maxDifference(result, run) <= 1e-6);
    const raw = loadDataset(parseSpecFile(run.specFile).spec!.data, 2).validation;
    for (const r of result.rows) assert.deepEqual(r.actual, [raw.y[r.index!]]);
  });

  it('bad run directories and sample counts: a PredictionError saying what is wrong', async () => {
    const run = await savedRun(path.join(root, 'bad'), smallClassifier({ training: { epochs: 1 } }));
    await assert.rejects(predictRun(path.join(root, 'nothing'), { datasetSample: 1 }), (e: Error) => {
      assert.ok(e instanceof PredictionError);
      assert.match(e.message, /nothing: no such run directory$/);
      return true;
    });
    for (const n of [0, 61]) {
      await assert.rejects(
        predictRun(run.runDir, { datasetSample: n }),
        new RegExp(`--dataset-sample must be from 1 to 60 \\(the run's validation split has 60 samples\\), got ${n}`),
      );
    }
    fs.rmSync(path.join(run.runDir, WEIGHTS_DIR), { recursive: true });
    await assert.rejects(
      predictRun(run.runDir, { datasetSample: 1 }),
      /no model\/ to predict with: the run ended completed without saving one/,
    );
    fs.rmSync(path.join(run.runDir, 'preprocessing.json'));
    await assert.rejects(
      predictRun(run.runDir, { datasetSample: 1 }),
      /no preprocessing\.json \(a run writes it when training ends/,
    );
  });
});

describe('readPredictInput', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-predict-input-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const named: Preprocessing = {
    inputShape: [2],
    standardize: null,
    classNames: ['no', 'yes'],
    task: 'classification',
    datasetDescription: 'csv',
    featureNames: ['x', 'y'],
    labelColumn: 'label',
  };
  const image: Preprocessing = { ...named, inputShape: [2, 2, 1], featureNames: null, labelColumn: null, classNames: null };

  function read(text: string, pre: Preprocessing) {
    const file = path.join(dir, 'in.csv');
    fs.writeFileSync(file, text);
    return readPredictInput(file, pre);
  }
  function fails(text: string, pre: Preprocessing, message: RegExp): void {
    assert.throws(
      () => read(text, pre),
      (e: Error) => {
        assert.ok(e instanceof PredictInputError, String(e));
        assert.match(e.message, message);
        return true;
      },
    );
  }

  it('reads named columns in any order, unnamed rows with or without a header, and the label', () => {
    const a = read('y,label,x\n2,yes,1\n\n4,no, 3\n', named);
    assert.deepEqual(Array.from(a.x), [1, 2, 3, 4]);
    assert.deepEqual(a.lines, [2, 4]);
    assert.deepEqual(a.labels, ['yes', 'no']);
    const b = read('0,0.5,1,0.25\n1,1,1,1\n', image);
    assert.deepEqual(Array.from(b.x), [0, 0.5, 1, 0.25, 1, 1, 1, 1]);
    assert.equal(b.labels, undefined);
    const c = read('p0,p1,label,p2,p3\n0,0.5,7,1,0.25\n', image);
    assert.deepEqual(Array.from(c.x), [0, 0.5, 1, 0.25]);
    assert.deepEqual(c.labels, ['7']);
  });

  it('bad input: one message starting with file:line:col', () => {
    fails('y,x\n1,oops\n', named, /in\.csv:2:3: "oops" \(column "x"\) is not a number$/);
    fails('x,y,z\n1,2,3\n', named, /in\.csv:1:5: unexpected column "z"; the model takes the columns x, y and optionally label$/);
    fails(
      'x\n1\n',
      named,
      /in\.csv:1:1: the header has no column "y"; the model takes the columns x, y \(and optionally label\)$/,
    );
    fails('x,y\n1,2\n3\n', named, /in\.csv:3:1: the row has 1 values, but the header has 2 columns$/);
    fails('0,1,1\n', image, /in\.csv:1:1: the row has 3 values, but the model takes 4 values \(2×2×1, row-major\)$/);
    fails('0,1,1,1\n0, 1,x,1\n', image, /in\.csv:2:6: "x" \(value 3\) is not a number$/);
    fails('a,b,c\n1,2,3\n', image, /in\.csv:1:1: the header has 3 input columns, but the model takes 4 values/);
    fails('x,y\n', named, /in\.csv: the file has a header row but no data rows$/);
    fails('', named, /in\.csv: the file has no rows$/);
    assert.throws(() => readPredictInput(path.join(dir, 'missing.csv'), named), /missing\.csv: no such file$/);
  });
});
