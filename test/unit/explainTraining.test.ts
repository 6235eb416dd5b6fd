// `monitor.explain` in the trainer: an `explanation` event after every `every`-th epoch's event and after the last
// (also when early stopping ends the run), explaining the same validation samples each time (pickExplainIndices with
// the spec's seed) at the requested conv layer, with their true labels and the first conv layer's filters; the
// events are written to events.jsonl like every other run event. No tensor is left behind.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ExplanationEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { loadDataset } from '../../src/training/data/load';
import { pickExplainIndices } from '../../src/training/engine/explain/samplePick';
import { readEvents } from '../../src/training/run/runStore';
import { parseSpecFile } from '../../src/training/spec/parse';
import { savedRun } from './support/savedRun';
import { convSpec } from './support/convSpec';
import { useBackend } from './support/specs';

const explanations = (events: readonly TrainingEvent[]): ExplanationEvent[] =>
  events.filter((e): e is ExplanationEvent => e.type === 'explanation');

describe('trainer: monitor.explain', () => {
  let root: string;
  before(async () => {
    await useBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-explain-train-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('every 2 of 5 epochs: after epochs 2, 4 and the last (5), the same seeded samples with their labels, in events.jsonl', async () => {
    const before = tf.memory().numTensors;
    const { runDir, specFile, events } = await savedRun(
      path.join(root, 'every2'),
      convSpec({ explain: { samples: 5, every: 2 }, training: { epochs: 5 } }),
    );
    assert.equal(tf.memory().numTensors, before, 'tensors left behind by the run');
    const found = explanations(events);
    assert.deepEqual(
      found.map((e) => e.epoch),
      [1, 3, 4],
    );

    const spec = parseSpecFile(specFile).spec!;
    const dataset = loadDataset(spec.data, spec.seed);
    const indices = pickExplainIndices(dataset.validation.count, 5, spec.seed);
    assert.equal(indices.length, 5);
    for (const e of found) {
      assert.equal(e.layer, 'conv2d_2', 'the last conv2d layer by default');
      assert.equal(e.method, 'grad-cam');
      assert.deepEqual(e.inputShape, [28, 28, 1]);
      assert.deepEqual(e.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      assert.deepEqual(
        e.samples.map((s) => s.index),
        indices,
        'the same validation samples every epoch',
      );
      assert.deepEqual(
        e.samples.map((s) => s.label),
        indices.map((i) => dataset.validation.y[i]),
        'labels are the validation split’s',
      );
      for (const s of e.samples) {
        // The row the model saw: the standardised validation sample, rounded to 4 decimals.
        const size = 28 * 28;
        const row = Array.from(dataset.validation.x.subarray(s.index * size, (s.index + 1) * size));
        assert.equal(s.input.length, size);
        s.input.forEach((v, k) => assert.ok(Math.abs(v - row[k]) <= 5e-5, `input[${k}] ${v} vs ${row[k]}`));
        assert.equal(s.gradCam.width * s.gradCam.height, 28 * 28);
      }
      assert.equal(e.filters?.layer, 'conv2d_1', 'the first conv layer’s filters');
      assert.equal(e.filters?.kernels.length, 4);
      assert.equal(e.runDir, undefined, 'a training explanation belongs to its run: no runDir');
    }

    // Each right after its epoch's event (and that epoch's diagnostics), before the next epoch's first step.
    for (const e of found) {
      const at = events.indexOf(e);
      const epochAt = events.findIndex((x) => x.type === 'epoch' && x.epoch === e.epoch);
      assert.ok(epochAt >= 0 && epochAt < at);
      assert.ok(
        events.slice(epochAt + 1, at).every((x) => x.type === 'diagnostic'),
        'only the epoch’s diagnostics come between',
      );
      const next = events[at + 1];
      assert.ok(next.type === 'step' || next.type === 'run-end' || next.type === 'diagnostic', next.type);
    }
    assert.deepEqual(explanations(readEvents(runDir)), found, 'written to events.jsonl as emitted');
  });

  it('layer names the first conv layer; fewer validation samples than asked: all of them', async () => {
    // 20 digits, 20% for validation: 4 samples.
    const { events } = await savedRun(
      path.join(root, 'layer1'),
      convSpec({ explain: { samples: 8, layer: 'conv2d_1' }, samples: 20, training: { epochs: 2 } }),
    );
    const found = explanations(events);
    assert.deepEqual(
      found.map((e) => e.epoch),
      [0, 1],
    );
    for (const e of found) {
      assert.equal(e.layer, 'conv2d_1');
      assert.deepEqual(
        e.samples.map((s) => s.index),
        [0, 1, 2, 3],
      );
    }
  });

  it('early stopping ends the run: its last epoch is explained even off the `every` beat', async () => {
    // At sgd 0.5 the validation loss rises at the third epoch (seeded): patience 1 stops there, 27 epochs early.
    const { events } = await savedRun(
      path.join(root, 'early'),
      convSpec({
        explain: { samples: 2, every: 2 },
        training: { epochs: 30, optimizer: { type: 'sgd', learningRate: 0.5 }, earlyStopping: { patience: 1 } },
      }),
    );
    const end = events.at(-1)!;
    assert.ok(end.type === 'run-end');
    assert.equal(end.status, 'early-stopped');
    assert.equal(end.epochsCompleted, 3);
    assert.deepEqual(
      explanations(events).map((e) => e.epoch),
      [1, 2],
    );
  });

  it('no monitor.explain: no explanation events', async () => {
    const { events } = await savedRun(path.join(root, 'none'), convSpec({ training: { epochs: 1 } }));
    assert.deepEqual(explanations(events), []);
  });
});
