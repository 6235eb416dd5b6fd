// data.testSplit: the held-out split's size and contents, its train-only standardization, and the scores the engine
// reports on it (run-end.test) checked against an independent float64 computation.
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { EpochEvent, RunStartEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { loadDataset, splitCounts } from '../../src/training/data/load';
import type { Split } from '../../src/training/data/types';
import { evaluate } from '../../src/training/engine/evaluate';
import { applyModel, disposeBuiltModel } from '../../src/training/engine/model/buildModel';
import { prepareTraining, train } from '../../src/training/engine/trainer';
import type { DataSpec } from '../../src/training/spec/types';
import { assertNoEngineErrors, engineLog } from './support/engineLog';
import { parsedSpec, smallClassifier, useBackend } from './support/specs';

function blobs(overrides: Partial<DataSpec>): DataSpec {
  return {
    dataset: 'blobs',
    samples: 200,
    classes: 3,
    features: 4,
    noise: 0.5,
    validationSplit: 0.25,
    testSplit: 0.2,
    standardize: false,
    ...overrides,
  };
}

/** The split's rows as strings (x values then y values), sorted: a multiset to compare splits by. */
function rows(splits: Split[]): string[] {
  const out: string[] = [];
  for (const s of splits) {
    const w = s.x.length / s.count;
    const t = s.y.length / s.count;
    for (let i = 0; i < s.count; i++) {
      out.push([...s.x.subarray(i * w, (i + 1) * w), '|', ...s.y.subarray(i * t, (i + 1) * t)].join(','));
    }
  }
  return out.sort();
}

function sineSpec(testSplit: number | undefined, epochs = 2): object {
  return {
    name: 'sine-test',
    seed: 5,
    data: { dataset: 'sine', samples: 120, validationSplit: 0.25, ...(testSplit === undefined ? {} : { testSplit }) },
    model: {
      inputShape: [1],
      layers: [
        { type: 'dense', units: 8, activation: 'tanh' },
        { type: 'dense', units: 1 },
      ],
    },
    training: { epochs, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 } },
  };
}

async function run(spec: object): Promise<TrainingEvent[]> {
  const events: TrainingEvent[] = [];
  const logs = engineLog();
  await train({
    spec: parsedSpec(spec),
    specFile: '/virtual/test.gradscope.json',
    runId: 'test',
    runDir: '/virtual',
    backend: 'wasm',
    emit: (e) => events.push(e),
    shouldStop: () => false,
    log: logs.log,
  });
  assertNoEngineErrors(logs.events);
  return events;
}

describe('data.testSplit', () => {
  it('carves the test split first, then validation takes its fraction of the rest', () => {
    assert.deepEqual(splitCounts(100, { validationSplit: 0.2, testSplit: 0.1 }), { train: 72, validation: 18, test: 10 });
    assert.deepEqual(splitCounts(100, { validationSplit: 0.2, testSplit: 0 }), { train: 80, validation: 20, test: 0 });
    // Tiny sets still keep one training and one validation sample.
    assert.deepEqual(splitCounts(10, { validationSplit: 0.05, testSplit: 0.5 }), { train: 4, validation: 1, test: 5 });
    assert.deepEqual(splitCounts(3, { validationSplit: 0.5, testSplit: 0.5 }), { train: 1, validation: 1, test: 1 });
  });

  it('splits the same samples three ways, disjointly, and leaves specs without it unchanged', () => {
    const withTest = loadDataset(blobs({}), 7);
    const without = loadDataset(blobs({ testSplit: 0 }), 7);
    assert.ok(withTest.test);
    assert.equal(without.test, undefined);
    assert.deepEqual(
      [withTest.train.count, withTest.validation.count, withTest.test.count],
      [120, 40, 40], // 200 → 40 test; 25% of the other 160 → 40 validation
    );
    assert.deepEqual(rows([withTest.train, withTest.validation, withTest.test]), rows([without.train, without.validation]));
    assert.match(withTest.description, /120 train \/ 40 validation \/ 40 test/);
  });

  it('standardizes the test split with the training split statistics', () => {
    const raw = loadDataset(blobs({}), 9);
    const scaled = loadDataset(blobs({ standardize: true }), 9);
    assert.ok(raw.test && scaled.test);
    const width = 4;
    for (let f = 0; f < width; f++) {
      let mean = 0;
      for (let i = 0; i < raw.train.count; i++) mean += raw.train.x[i * width + f] / raw.train.count;
      let variance = 0;
      for (let i = 0; i < raw.train.count; i++) variance += (raw.train.x[i * width + f] - mean) ** 2 / raw.train.count;
      const std = Math.sqrt(variance);
      for (let i = 0; i < raw.test.count; i++) {
        const expected = (raw.test.x[i * width + f] - mean) / std;
        assert.ok(Math.abs(scaled.test.x[i * width + f] - expected) < 1e-5, `feature ${f}, test sample ${i}`);
      }
    }
  });

  it('is read by the parser with default 0', () => {
    assert.equal(parsedSpec(sineSpec(undefined)).data.testSplit, 0);
    assert.equal(parsedSpec(sineSpec(0.3)).data.testSplit, 0.3);
  });
});

describe('test-split scores', () => {
  before(useBackend);

  it('evaluate(): MAE, RMSE and R² equal a float64 computation from the model predictions', async () => {
    const spec = parsedSpec(sineSpec(0.25));
    const { built, shapes, test } = prepareTraining(spec, undefined);
    try {
      assert.ok(test);
      const scores = await evaluate(built, spec.training.loss, test, shapes);
      const predicted = tf.tidy(() => applyModel(built, tf.tensor(test.x, [test.count, 1]), false)[0].dataSync());
      let abs = 0;
      let sq = 0;
      let mean = 0;
      for (let i = 0; i < test.count; i++) mean += test.y[i] / test.count;
      let total = 0;
      for (let i = 0; i < test.count; i++) {
        abs += Math.abs(test.y[i] - predicted[i]);
        sq += (test.y[i] - predicted[i]) ** 2;
        total += (test.y[i] - mean) ** 2;
      }
      const close = (a: number, b: number, what: string): void =>
        assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
      close(scores.mae, abs / test.count, 'mae');
      close(scores.rmse, Math.sqrt(sq / test.count), 'rmse');
      close(scores.r2, 1 - sq / total, 'r2');
      close(scores.loss, sq / test.count, 'mean squared error loss');
    } finally {
      disposeBuiltModel(built);
    }
  });

  it('regression runs: epochs carry mae/valMae, run-end.test carries loss, MAE, RMSE, R²', async () => {
    const events = await run(sineSpec(0.2));
    const start = events.find((e): e is RunStartEvent => e.type === 'run-start');
    assert.equal(start?.testSamples, 24); // 120 · 0.2
    assert.equal(start?.validationSamples, 24); // 25% of the other 96
    const epochs = events.filter((e): e is EpochEvent => e.type === 'epoch');
    assert.equal(epochs.length, 2);
    for (const e of epochs) {
      assert.ok(e.mae !== undefined && Number.isFinite(e.mae) && e.mae > 0);
      assert.ok(e.valMae !== undefined && Number.isFinite(e.valMae) && e.valMae > 0);
      assert.equal(e.acc, undefined);
      // Mean absolute error is at most the root mean squared error (and the loss here is the mean squared error).
      assert.ok(e.valMae <= Math.sqrt(e.valLoss) + 1e-6);
    }
    const end = events[events.length - 1];
    assert.equal(end.type, 'run-end');
    assert.ok(end.test);
    assert.deepEqual(Object.keys(end.test).sort(), ['loss', 'mae', 'r2', 'rmse', 'samples']);
    assert.equal(end.test.samples, 24);
    assert.ok(Math.abs((end.test.rmse ?? NaN) - Math.sqrt(end.test.loss)) < 1e-5);
    assert.ok((end.test.mae ?? NaN) <= (end.test.rmse ?? NaN) + 1e-6);
  });

  it('classification runs: run-end.test carries loss and accuracy; no test split, no test scores', async () => {
    const events = await run(smallClassifier({ data: { testSplit: 0.2 }, training: { epochs: 1 } }));
    const end = events[events.length - 1];
    assert.equal(end.type, 'run-end');
    assert.ok(end.test);
    assert.deepEqual(Object.keys(end.test).sort(), ['acc', 'loss', 'samples']);
    assert.ok((end.test.acc ?? NaN) >= 0 && (end.test.acc ?? NaN) <= 1);
    assert.equal(end.test.samples, 60);
    const epoch = events.find((e): e is EpochEvent => e.type === 'epoch');
    assert.equal(epoch?.mae, undefined);

    const plain = await run(smallClassifier({ training: { epochs: 1 } }));
    const plainEnd = plain[plain.length - 1];
    assert.equal(plainEnd.type === 'run-end' ? plainEnd.test : 'not run-end', undefined);
    assert.equal(plain.find((e): e is RunStartEvent => e.type === 'run-start')?.testSamples, undefined);
  });
});
