// Job `explain` on a finished run: the saved model, rebuilt from the run directory alone, explains the same seeded
// validation samples as the run's own last `monitor.explain` event and gives the same predictions and maps (the
// weights are the same); `class`, `layer`, `samples` and `sanity` are honoured; with restoreBestWeights the epoch is
// the best one. Bad input is an ExplainError with a clear message (no conv layer, model files missing, a class out
// of range, ...), and through the engine process a usage exit with that message and no stack trace.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ExplainMessage, ExplanationEvent, ExplanationSample, TrainingEvent } from '../../src/shared/engineProtocol';
import { EXIT } from '../../src/shared/exitCodes';
import { EvaluationError } from '../../src/training/engine/evaluateRun';
import { pickExplainIndices } from '../../src/training/engine/explain/samplePick';
import { ExplainError, explainRun } from '../../src/training/engine/explainRun';
import { startExplain } from '../../src/training/run/runner';
import { WEIGHTS_DIR } from '../../src/training/run/runStore';
import { convSpec } from './support/convSpec';
import { savedRun } from './support/savedRun';
import { smallClassifier, useBackend } from './support/specs';

const explanations = (events: readonly TrainingEvent[]): ExplanationEvent[] =>
  events.filter((e): e is ExplanationEvent => e.type === 'explanation');

/** Largest difference between two lists of numbers of the same length. */
function maxDiff(a: readonly number[], b: readonly number[]): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

/** The job's samples against the run's own explanation of the same weights. */
function assertSameSamples(got: ExplanationSample[], want: ExplanationSample[]): void {
  assert.deepEqual(
    got.map((s) => [s.index, s.label, s.predicted, s.target]),
    want.map((s) => [s.index, s.label, s.predicted, s.target]),
  );
  got.forEach((s, i) => {
    assert.ok(maxDiff(s.probabilities, want[i].probabilities) <= 2e-4, `sample ${s.index}: probabilities`);
    assert.ok(maxDiff(s.gradCam.values, want[i].gradCam.values) <= 1e-3, `sample ${s.index}: gradCam`);
    assert.ok(maxDiff(s.gradCamRaw.values, want[i].gradCamRaw.values) <= 1e-3, `sample ${s.index}: gradCamRaw`);
    assert.deepEqual(s.input, want[i].input);
  });
}

function throwsWith(run: () => unknown, kind: typeof ExplainError | typeof EvaluationError, message: RegExp): void {
  assert.throws(
    () => run(),
    (err: unknown) => {
      assert.ok(err instanceof kind, `${String(err)} is a ${kind.name}`);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('explainRun (job explain)', () => {
  let root: string;
  let conv: { runDir: string; events: TrainingEvent[] };
  before(async () => {
    await useBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-explain-run-'));
    conv = await savedRun(path.join(root, 'conv'), convSpec({ explain: { samples: 8 }, training: { epochs: 2 } }));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('the saved model explains the run’s own last explanation again: same samples, predictions and maps; no tensor left', () => {
    const last = explanations(conv.events).at(-1)!;
    assert.equal(last.epoch, 1);
    const before = tf.memory().numTensors;
    const result = explainRun(conv.runDir);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    assert.equal(result.type, 'explanation');
    assert.equal(result.runDir, conv.runDir);
    assert.equal(result.epoch, 1, 'the last finished epoch: its weights are the saved ones');
    assert.equal(result.layer, 'conv2d_2');
    assert.deepEqual(result.inputShape, [28, 28, 1]);
    assert.equal(result.samples.length, 8);
    assertSameSamples(result.samples, last.samples);
    assert.equal(result.filters?.layer, 'conv2d_1');
    assert.ok(result.filters && last.filters);
    assert.ok(maxDiff(result.filters.kernels.flat(), last.filters.kernels.flat()) <= 1e-4, 'the same filters');
    assert.equal(result.sanity, undefined, 'no sanity check unless asked');
  });

  it('class, layer, samples and sanity are honoured', () => {
    const result = explainRun(conv.runDir, { class: 3, layer: 'conv2d_1', samples: 3, sanity: true });
    assert.equal(result.layer, 'conv2d_1');
    assert.equal(result.samples.length, 3);
    assert.deepEqual(
      result.samples.map((s) => s.target),
      [3, 3, 3],
    );
    // The seeded choice of 3 of the 40 validation samples (convSpec's seed 5), as training would pick them.
    assert.deepEqual(
      result.samples.map((s) => s.index),
      pickExplainIndices(40, 3, 5),
    );
    assert.ok(result.sanity);
    assert.equal(result.sanity.perSample.length, 3);
    assert.ok(Number.isFinite(result.sanity.rankCorrelation));
  });

  it('early stopping restored the best weights: the explanation is of the best epoch, as the run explained it then', async () => {
    // At sgd 0.5 the validation loss is lowest at the second epoch and rises at the third, where patience 1 stops.
    const { runDir, events } = await savedRun(
      path.join(root, 'best'),
      convSpec({
        explain: { samples: 4 },
        training: {
          epochs: 30,
          optimizer: { type: 'sgd', learningRate: 0.5 },
          earlyStopping: { patience: 1, restoreBestWeights: true },
        },
      }),
    );
    const end = events.at(-1)!;
    assert.ok(end.type === 'run-end' && end.status === 'early-stopped' && end.bestEpoch === 1 && end.epochsCompleted === 3);
    const result = explainRun(runDir, { samples: 4 });
    assert.equal(result.epoch, 1);
    assertSameSamples(result.samples, explanations(events).find((e) => e.epoch === 1)!.samples);
  });

  describe('bad input: a clear message', () => {
    it('class out of range', () => {
      throwsWith(
        () => explainRun(conv.runDir, { class: 12 }),
        ExplainError,
        /^class 12 is out of range: the model has 10 classes \(0–9\)$/,
      );
    });

    it('class out of range where the classes have other names (mnist digits 5–9): says which index is which', async () => {
      const spec = convSpec({ training: { epochs: 1 } }) as { data: object; model: { layers: { units?: number }[] } };
      spec.data = { ...spec.data, digits: [5, 6, 7, 8, 9] };
      spec.model.layers[spec.model.layers.length - 1].units = 5;
      const { runDir } = await savedRun(path.join(root, 'digits'), spec);
      throwsWith(
        () => explainRun(runDir, { class: 7 }),
        ExplainError,
        /^class 7 is out of range: the model has 5 classes \(0–4\); by index they are 0 = "5", 1 = "6", 2 = "7", 3 = "8", 4 = "9"$/,
      );
      assert.deepEqual(explainRun(runDir, { class: 2, samples: 1 }).classNames, ['5', '6', '7', '8', '9']);
    });

    it('a run without conv layers: says explanations need a conv2d layer', async () => {
      const { runDir } = await savedRun(path.join(root, 'dense'), smallClassifier({ training: { epochs: 1 } }));
      throwsWith(
        () => explainRun(runDir),
        ExplainError,
        /Grad-CAM explanations need a conv2d layer.*This model's layers are dense_1 \(dense\), .*dense_3 \(dense\); none of them is a conv2d layer that could serve/,
      );
    });

    it('a layer that is not a conv layer of the model', () => {
      throwsWith(
        () => explainRun(conv.runDir, { layer: 'dense_1' }),
        ExplainError,
        /layer "dense_1" is a dense layer, not a conv2d layer: Grad-CAM can explain the conv2d layers conv2d_1, conv2d_2 \(default: the last, conv2d_2\)/,
      );
      throwsWith(() => explainRun(conv.runDir, { layer: 'conv2d_9' }), ExplainError, /the model has no layer named "conv2d_9"/);
    });

    it('model files missing: says which and why', async () => {
      const { runDir } = await savedRun(path.join(root, 'gone'), convSpec({ training: { epochs: 1 } }));
      fs.rmSync(path.join(runDir, WEIGHTS_DIR), { recursive: true });
      throwsWith(
        () => explainRun(runDir),
        ExplainError,
        /no saved model to explain \(no model\/model\.json\): the run ended completed and its model\/ is gone/,
      );
    });

    it('more samples than the validation split has', () => {
      throwsWith(
        () => explainRun(conv.runDir, { samples: 41 }),
        ExplainError,
        /41 samples asked for, but the run's validation split has 40; ask for at most 40/,
      );
    });

    it('a regression run', async () => {
      const spec = {
        name: 'sine',
        seed: 2,
        data: { dataset: 'sine', samples: 100 },
        model: { inputShape: [1], layers: [{ type: 'dense', units: 1 }] },
        training: { epochs: 1, batchSize: 16 },
      };
      const { runDir } = await savedRun(path.join(root, 'reg'), spec);
      throwsWith(() => explainRun(runDir), ExplainError, /trained a regression; Grad-CAM explains class predictions/);
    });

    it('not a run directory, or no directory at all', () => {
      throwsWith(() => explainRun(root), EvaluationError, /is not a gradscope run \(no events\.jsonl\)/);
      throwsWith(() => explainRun(path.join(root, 'nowhere')), ExplainError, /nowhere: no such run directory/);
    });
  });

  describe('through the engine process (runner.startExplain)', () => {
    function job(options: object): Promise<{ messages: ExplainMessage[]; result?: ExplanationEvent; exitCode: number | null }> {
      const messages: ExplainMessage[] = [];
      const handle = startExplain({ specFile: conv.runDir, runDir: conv.runDir, ...options }, (m) => messages.push(m));
      return handle.done.then((o) => ({ messages, result: o.result, exitCode: o.exitCode }));
    }

    it('the result is the explanation, the exit code 0', async () => {
      const { result, exitCode, messages } = await job({ explain: { samples: 2 } });
      assert.equal(exitCode, EXIT.ok);
      assert.ok(result);
      assert.equal(result.samples.length, 2);
      assert.equal(result.runDir, conv.runDir);
      assert.deepEqual(
        messages.filter((m) => m.type === 'log' && m.level === 'error'),
        [],
      );
    });

    it('a class out of range: a usage exit, the message logged, no result, no stack trace', async () => {
      const { result, exitCode, messages } = await job({ explain: { class: 12 } });
      assert.equal(exitCode, EXIT.usage);
      assert.equal(result, undefined);
      const errors = messages
        .filter((m) => m.type === 'log' && m.level === 'error')
        .map((m) => (m.type === 'log' ? m.message : ''));
      assert.deepEqual(errors, ['class 12 is out of range: the model has 10 classes (0–9)']);
    });
  });
});
