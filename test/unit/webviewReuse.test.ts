// What the dashboard reads from a run about reuse (webview/reuse.ts and the shared history reducer): a real tiny
// run's events (augmentation, a layer frozen until epoch 2, classification) give the augmentation samples, per-step
// frozen flags, the layer's freeze state and the unfreeze mark; a confusion matrix reads as recall per class and
// the most confused pairs; a resumed run says where it came from. Pure functions: no DOM.
import * as assert from 'node:assert/strict';
import type { RunConfusion, RunStartEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { historyFromEvents } from '../../src/shared/runHistory';
import { applyEvents, applySnapshot, initialModel } from '../../webview/state';
import {
  augmentationItems,
  confusedPairsText,
  confusionSummary,
  freezeText,
  layerFreezes,
  initFromText,
  resumedText,
  unfreezeMarks,
} from '../../webview/reuse';
import { engineRun } from './support/engineRuns';
import { useBackend } from './support/specs';

const SPEC = {
  name: 'webview-reuse',
  seed: 4,
  data: { dataset: 'mnist', samples: 96, digits: [1, 7], augmentation: { shift: 1, noise: 0.1 } },
  model: {
    inputShape: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu', trainable: false },
      { type: 'flatten' },
      { type: 'dense', units: 2, activation: 'softmax' },
    ],
  },
  training: {
    epochs: 2,
    batchSize: 16,
    optimizer: { type: 'adam', learningRate: 0.01 },
    unfreeze: [{ epoch: 2, layers: 'all' }],
    measureEvery: 1,
  },
};

describe('dashboard reuse views (model)', () => {
  let events: TrainingEvent[] = [];
  before(async () => {
    await useBackend();
    events = (await engineRun(SPEC)).events;
  });

  it('keeps the augmentation samples and which layers are frozen at each step', () => {
    const h = historyFromEvents(events);
    assert.ok(h.augmentation);
    assert.equal(h.augmentation.before.length, 8);
    assert.deepEqual(augmentationItems(h.augmentation.augmentation), ['shift ±1 px', 'noise σ 0.1']);
    const spe = h.start?.stepsPerEpoch ?? 0;
    assert.equal(h.steps.length, 2 * spe);
    for (const p of h.steps) {
      if (p.step < spe) assert.deepEqual(p.frozen, [true, false], `step ${p.step}`);
      else assert.equal(p.frozen, undefined, `step ${p.step}`);
    }
    const freezes = layerFreezes(h);
    assert.deepEqual([...freezes.keys()], ['conv2d_1']);
    assert.deepEqual(freezes.get('conv2d_1'), { frozen: false, unfreezeStep: spe, unfreezeEpoch: 1 });
    assert.equal(freezeText({ frozen: false, unfreezeStep: spe, unfreezeEpoch: 1 }), 'unfrozen: trains from epoch 2');
    assert.deepEqual(unfreezeMarks(h), [{ step: spe, label: 'unfreeze conv2d_1' }]);

    // Halfway through the first epoch the layer is still frozen, and the legend says until when.
    const early = historyFromEvents(events.slice(0, 4));
    const f = layerFreezes(early).get('conv2d_1');
    assert.deepEqual(f, { frozen: true, unfreezeStep: spe, unfreezeEpoch: 1 });
    assert.equal(freezeText(f), 'frozen (trainable: false) until epoch 2: no gradient, no update');
  });

  it('a snapshot plus event batches holds the same augmentation samples and confusion as the whole history', () => {
    const model = initialModel();
    const cut = 5;
    applySnapshot(model, { type: 'snapshot', history: historyFromEvents(events.slice(0, cut)), settings: { maxPoints: 2000 } });
    const start = events[0] as RunStartEvent;
    applyEvents(model, { type: 'events', runId: start.runId, events: events.slice(cut) });
    const whole = historyFromEvents(events);
    assert.deepEqual(model.history?.augmentation, whole.augmentation);
    assert.deepEqual(model.history?.end?.confusion, whole.end?.confusion);
    assert.deepEqual(model.history?.steps, whole.steps);
  });

  it('reads a confusion matrix as recall per class and the most confused pairs, largest first', () => {
    const c: RunConfusion = {
      labels: ['cat', 'dog', 'fox'],
      matrix: [
        [8, 2, 0],
        [5, 15, 0],
        [1, 0, 0],
      ],
      epoch: 4,
      weights: 'best',
    };
    const s = confusionSummary(c);
    assert.equal(s.total, 31);
    assert.equal(s.accuracy, 23 / 31);
    assert.deepEqual(s.recall, [0.8, 0.75, 0]);
    assert.deepEqual(
      s.pairs.map((p) => [p.actual, p.predicted, p.count]),
      [
        ['dog', 'cat', 5],
        ['cat', 'dog', 2],
        ['fox', 'cat', 1],
      ],
    );
    assert.equal(
      confusedPairsText(s),
      'Most confused: dog taken for cat: 5 times (25% of class dog); cat taken for dog: 2 times (20% of class cat); fox taken for cat: 1 time (100% of class fox).',
    );
    assert.equal(
      s.caption,
      "Validation set, 31 samples, scored with the best epoch's predictions (epoch 5, lowest validation loss).",
    );
    const perfect = confusionSummary({
      labels: ['a', 'b'],
      matrix: [
        [3, 0],
        [0, 0],
      ],
      epoch: 0,
      weights: 'last',
    });
    assert.deepEqual(perfect.recall, [1, null]);
    assert.equal(confusedPairsText(perfect), 'No confusion: every validation sample was classified right.');
    assert.match(perfect.caption, /the last epoch's predictions \(epoch 1; the best came before the resume\)/);
  });

  it('names the run a resumed run continues and the epoch it continues from', () => {
    const start = { ...(events[0] as RunStartEvent) };
    assert.equal(resumedText(start), undefined);
    start.resumedFrom = { runDir: '/ws/.gradscope/runs/20261203-101500-mnist', checkpoint: 'x/epoch-3', epoch: 3, step: 36 };
    assert.equal(resumedText(start), 'from 20261203-101500-mnist at epoch 3');
  });

  it('names the run model.initFrom loaded weights from, and the layers', () => {
    const start = { ...(events[0] as RunStartEvent) };
    assert.equal(initFromText(start), undefined);
    start.initFrom = { run: 'C:\\ws\\.gradscope\\runs\\20261203-090000-pretrain', layers: ['conv2d_1', 'conv2d_2'] };
    assert.equal(initFromText(start), '20261203-090000-pretrain: conv2d_1, conv2d_2');
  });
});
