// `gradscope evaluate` as a user runs it: a trained run's model scored on its test split equals the run's own
// run-end.test; the human report shows the confusion matrix; bad input is a usage error with a clear message.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EvaluationResult, RunEndEvent } from '../../src/shared/engineProtocol';
import { EXIT } from '../../src/shared/exitCodes';
import { gradscope, trainedWithCli } from './support/cli';

const CLASSIFIER = {
  name: 'blobs-eval',
  seed: 1,
  data: { dataset: 'blobs', samples: 150, classes: 3, features: 2, noise: 1.5, testSplit: 0.2 },
  model: {
    inputShape: [2],
    layers: [
      { type: 'dense', units: 8, activation: 'relu' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
  },
  training: { epochs: 2, batchSize: 16 },
};

describe('gradscope evaluate', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-evaluate-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--split test --json equals the run’s run-end.test; the human report has the confusion matrix', () => {
    const { runDir, events } = trainedWithCli(dir, 'cls', CLASSIFIER);
    const end = events.at(-1) as RunEndEvent;
    assert.ok(end.test);
    const r = gradscope('evaluate', runDir, '--split', 'test', '--json');
    assert.equal(r.code, EXIT.ok, r.stderr);
    const result = JSON.parse(r.stdout) as EvaluationResult;
    assert.deepEqual({ loss: result.loss, acc: result.acc, samples: result.samples }, end.test);
    assert.equal(
      result.confusion?.flat().reduce((a, b) => a + b, 0),
      end.test.samples,
    );

    const human = gradscope('evaluate', runDir);
    assert.equal(human.code, EXIT.ok, human.stderr);
    assert.match(human.stdout, /validation split, 24 samples/); // 150 − 30 test = 120; 20% of them
    assert.match(human.stdout, /accuracy \d+\.\d%/);
    assert.match(human.stdout, /confusion matrix \(rows: true class, columns: predicted class\):/);
    assert.match(human.stdout, /most confused: \d+ taken for \d+ \(\d+\)|no sample was misclassified/);
  });

  it('bad input: unknown split, run without a test split, not a run: exit 2, a message, no stack', () => {
    const { runDir } = trainedWithCli(dir, 'plain', { ...CLASSIFIER, data: { ...CLASSIFIER.data, testSplit: 0 } });
    const cases: [string[], RegExp][] = [
      [['evaluate', runDir, '--split', 'train'], /--split must be val or test, got "train"/],
      [['evaluate', runDir, '--split', 'test'], /has no test split; its spec needs "data": \{ "testSplit"/],
      [['evaluate', dir], /is not a gradscope run \(no events\.jsonl\)/],
      [['evaluate'], /evaluate: missing run directory/],
    ];
    for (const [args, message] of cases) {
      const r = gradscope(...args);
      assert.equal(r.code, EXIT.usage, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, / {4}at /, 'no stack trace');
      assert.equal(r.stdout, '');
    }
  });
});
