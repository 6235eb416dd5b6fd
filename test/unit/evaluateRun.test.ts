// `gradscope evaluate` in-process: a saved run's model, rebuilt from the run directory alone, scores its validation
// and test splits exactly as the run itself did; the confusion matrix agrees with the split's labels and accuracy.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EpochEvent, RunEndEvent } from '../../src/shared/engineProtocol';
import { loadDataset } from '../../src/training/data/load';
import { EvaluationError, evaluateRun } from '../../src/training/engine/evaluateRun';
import { parseSpecFile } from '../../src/training/spec/parse';
import { savedRun } from './support/savedRun';
import { smallClassifier, useBackend } from './support/specs';

describe('evaluateRun', () => {
  let root: string;
  before(async () => {
    await useBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-evaluate-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('classification: val and test scores equal the run’s own; the confusion matrix matches labels and accuracy', async () => {
    const spec = smallClassifier({ data: { testSplit: 0.2 }, training: { epochs: 2 } });
    const { runDir, events } = await savedRun(path.join(root, 'cls'), spec);
    const lastEpoch = events.filter((e): e is EpochEvent => e.type === 'epoch').at(-1);
    const end = events.at(-1) as RunEndEvent;
    assert.ok(lastEpoch && end.test);

    const val = await evaluateRun(runDir, 'val');
    assert.equal(val.loss, lastEpoch.valLoss);
    assert.equal(val.acc, lastEpoch.valAcc);
    const test = await evaluateRun(runDir, 'test');
    assert.deepEqual({ loss: test.loss, acc: test.acc, samples: test.samples }, end.test);

    const dataset = loadDataset(parseSpecFile(path.join(root, 'cls', 'spec.gradscope.json')).spec!.data, 3);
    for (const [result, split] of [
      [val, dataset.validation],
      [test, dataset.test!],
    ] as const) {
      const matrix = result.confusion!;
      assert.equal(matrix.length, 3);
      const perClass = [0, 0, 0];
      split.y.forEach((c) => perClass[c]++);
      assert.deepEqual(
        matrix.map((row) => row.reduce((a, b) => a + b, 0)),
        perClass,
        'row sums are the true class counts',
      );
      const diagonal = matrix.reduce((s, row, i) => s + row[i], 0);
      assert.ok(Math.abs(diagonal / split.count - result.acc!) < 1e-9, 'diagonal / samples is the accuracy');
      assert.deepEqual(result.classNames, ['0', '1', '2']);
    }
  });

  it('regression: MAE, RMSE and R² equal run-end.test; no confusion matrix', async () => {
    const spec = {
      name: 'sine-eval',
      seed: 2,
      data: { dataset: 'sine', samples: 100, testSplit: 0.2 },
      model: {
        inputShape: [1],
        layers: [
          { type: 'dense', units: 8, activation: 'tanh' },
          { type: 'dense', units: 1 },
        ],
      },
      training: { epochs: 2, batchSize: 16 },
    };
    const { runDir, events } = await savedRun(path.join(root, 'reg'), spec);
    const end = events.at(-1) as RunEndEvent;
    const test = await evaluateRun(runDir, 'test');
    assert.deepEqual({ loss: test.loss, mae: test.mae, rmse: test.rmse, r2: test.r2, samples: test.samples }, end.test);
    assert.equal(test.confusion, undefined);
    assert.equal(test.task, 'regression');
  });

  it('a run whose model/ holds compositions (groupNormalization, rmsNormalization, elu α≠1, highway) scores its own val loss', async () => {
    const spec = smallClassifier({
      layers: [
        { type: 'dense', units: 8, activation: { type: 'elu', alpha: 0.5 } },
        { type: 'groupNormalization', groups: 2 },
        { type: 'rmsNormalization' },
        { type: 'highway', units: 8, activation: 'tanh' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      training: { epochs: 2 },
    });
    const { runDir, events } = await savedRun(path.join(root, 'composed'), spec);
    const lastEpoch = events.filter((e): e is EpochEvent => e.type === 'epoch').at(-1)!;
    const val = await evaluateRun(runDir, 'val');
    assert.equal(val.loss, lastEpoch.valLoss);
    assert.equal(val.acc, lastEpoch.valAcc);
  });

  it('clear messages: no test split, not a run directory', async () => {
    const { runDir } = await savedRun(path.join(root, 'plain'), smallClassifier({ training: { epochs: 1 } }));
    await assert.rejects(evaluateRun(runDir, 'test'), (err: unknown) => {
      assert.ok(err instanceof EvaluationError);
      assert.match(err.message, /has no test split; its spec needs "data": \{ "testSplit"/);
      return true;
    });
    await assert.rejects(evaluateRun(root, 'val'), /is not a gradscope run \(no events\.jsonl\)/);
  });
});
