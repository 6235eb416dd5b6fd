// What the engine sends the dashboard about reuse (issue 10): the first batch's samples before and after
// augmentation (the draws that batch trains on), the unfreeze plan in run-start, and at the end of a classification
// run the validation confusion matrix of the weights it kept (its accuracy is that epoch's valAcc). Tiny seeded mnist
// runs on the wasm backend.
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { AugmentationSamplesEvent, RunStartEvent } from '../../src/shared/engineProtocol';
import { loadDataset } from '../../src/training/data/load';
import { createRng, shuffledIndices } from '../../src/training/data/random';
import { augmentBatch } from '../../src/training/engine/augment';
import { engineRun } from './support/engineRuns';
import { parsedSpec, useBackend } from './support/specs';

const AUGMENTATION = { shift: 2, rotation: 15, cutout: 6 };

function reuseSpec(overrides: { data?: object; training?: object } = {}): object {
  return {
    name: 'dash-reuse',
    seed: 11,
    data: { dataset: 'mnist', samples: 120, digits: [3, 5, 8], augmentation: AUGMENTATION, ...overrides.data },
    model: {
      inputShape: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu', trainable: false },
        { type: 'maxPooling2d' },
        { type: 'flatten' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
    },
    training: {
      epochs: 3,
      batchSize: 16,
      optimizer: { type: 'adam', learningRate: 0.01 },
      unfreeze: [{ epoch: 2, layers: 'all' }],
      measureEvery: 1,
      ...overrides.training,
    },
  };
}

const trace = (m: number[][]): number => m.reduce((s, row, i) => s + row[i], 0);
const total = (m: number[][]): number => m.flat().reduce((a, b) => a + b, 0);

describe('dashboard data from the engine', () => {
  before(useBackend);

  it('sends the first batch before and after augmentation: the training rows it drew and the draws it trains on', async () => {
    const spec = reuseSpec();
    const run = await engineRun(spec);
    const kinds = run.events.map((e) => e.type);
    assert.deepEqual(kinds.slice(0, 3), ['run-start', 'augmentation-samples', 'step']);
    assert.equal(kinds.filter((k) => k === 'augmentation-samples').length, 1);
    const start = run.events[0] as RunStartEvent;
    assert.deepEqual(start.augmentation, AUGMENTATION);
    const samples = run.events[1] as AugmentationSamplesEvent;
    assert.deepEqual([samples.epoch, samples.step, samples.shape], [0, 0, [28, 28, 1]]);
    assert.deepEqual(samples.augmentation, AUGMENTATION);
    assert.equal(samples.before.length, 8);
    assert.equal(samples.after.length, 8);

    // `before`: the rows of the training split the first shuffled batch holds, in that order.
    const parsed = parsedSpec(spec);
    const dataset = loadDataset(parsed.data, parsed.seed);
    const order = shuffledIndices(dataset.train.count, createRng(parsed.seed, 'batches'));
    const size = 28 * 28;
    samples.before.forEach((row, i) => {
      const expected = dataset.train.x.subarray(order[i] * size, (order[i] + 1) * size);
      row.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) <= 5e-5, `sample ${i} pixel ${k}: ${v} vs ${expected[k]}`));
    });
    // `after`: those rows under batch 0's draws of epoch 0 (geometry only, so the first draws are these 8 samples').
    const redone = tf.tidy(() => {
      const x = tf.tensor(samples.before.flat(), [8, 28, 28, 1]);
      return augmentBatch(x, AUGMENTATION, parsed.seed, 0, 0).reshape([8, size]).arraySync() as number[][];
    });
    let changed = 0;
    samples.after.forEach((row, i) =>
      row.forEach((v, k) => {
        assert.ok(Math.abs(v - redone[i][k]) <= 2e-3, `augmented sample ${i} pixel ${k}: ${v} vs ${redone[i][k]}`);
        if (Math.abs(v - samples.before[i][k]) > 1e-3) changed++;
      }),
    );
    assert.ok(changed > 8 * 20, `augmentation changed the samples (${changed} pixels)`);
  });

  it('plans the unfreeze in run-start, and the steps of that epoch on train the layer', async () => {
    const run = await engineRun(reuseSpec());
    const start = run.events[0] as RunStartEvent;
    const spe = start.stepsPerEpoch;
    const base = start.layers.find((l) => l.kind === 'conv2d');
    assert.ok(base);
    assert.equal(base.trainable, false);
    assert.deepEqual(start.unfreeze, [{ epoch: 1, step: spe, layers: [base.name] }]);
    const name = base.name;
    for (const s of run.steps) {
      const measured = s.layers?.find((l) => l.name === name);
      assert.equal(measured?.frozen === true, s.step < spe, `step ${s.step}`);
    }
  });

  it('ends a classification run with the validation confusion matrix of its best epoch: its accuracy is that valAcc', async () => {
    const run = await engineRun(reuseSpec());
    const confusion = run.end.confusion;
    assert.ok(confusion, 'run-end.confusion');
    assert.deepEqual(confusion.labels, ['3', '5', '8']);
    const start = run.events[0] as RunStartEvent;
    assert.equal(total(confusion.matrix), start.validationSamples);
    assert.equal(confusion.weights, 'best');
    assert.equal(confusion.epoch, run.end.bestEpoch);
    const best = run.epochs[confusion.epoch];
    assert.ok(best.valAcc !== undefined);
    assert.ok(Math.abs(trace(confusion.matrix) / total(confusion.matrix) - best.valAcc) < 1e-9);
  });

  it('counts the best epoch’s predictions when it is not the last, without restoreBestWeights', async () => {
    const spec = reuseSpec({
      // A learning rate this high makes validation loss worse after the first epochs: the best epoch is not the last.
      training: { epochs: 4, optimizer: { type: 'sgd', learningRate: 3 } },
    }) as { data: Record<string, unknown>; training: Record<string, unknown> };
    delete spec.data.augmentation;
    delete spec.training.unfreeze;
    const run = await engineRun(spec);
    const confusion = run.end.confusion;
    assert.ok(confusion && run.end.bestEpoch !== undefined);
    assert.notEqual(run.end.bestEpoch, run.epochs.length - 1, 'the best epoch is not the last');
    assert.equal(confusion.weights, 'best');
    assert.equal(confusion.epoch, run.end.bestEpoch);
    const best = run.epochs[run.end.bestEpoch];
    assert.ok(Math.abs(trace(confusion.matrix) / total(confusion.matrix) - (best.valAcc ?? NaN)) < 1e-9);
  });
});
