// The range test in-process, as the engine runs it: the rate of every step, the smoothed loss against an independent
// weighted mean, the initial weights (its first loss is a training run's first loss), the stop rule on a real blow-up,
// every optimizer, determinism, stop requests, no tensor leaks.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { LrFindEvent, LrFindProgressEvent, LrFindSettings, StepEvent } from '../../src/shared/engineProtocol';
import { findLearningRate } from '../../src/training/engine/lrFind';
import { rangeTestRate } from '../../src/training/engine/lrFindCurve';
import { engineRun } from './support/engineRuns';
import { parsedSpec, smallClassifier, useBackend } from './support/specs';

/** 240 training samples in batches of 32: 8 batches a pass, so a 40-step test repeats the data 5 times. */
function tinySpec(optimizer: object = { type: 'sgd', learningRate: 0.1 }): object {
  return smallClassifier({ training: { epochs: 1, batchSize: 32, optimizer } });
}

async function rangeTest(
  spec: object,
  settings: LrFindSettings,
  shouldStop: (progress: LrFindProgressEvent[]) => boolean = () => false,
): Promise<{ result: LrFindEvent | undefined; progress: LrFindProgressEvent[] }> {
  const progress: LrFindProgressEvent[] = [];
  const result = await findLearningRate({
    spec: parsedSpec(spec),
    specFile: '/virtual/lrfind.gradscope.json',
    runId: 'lrfind-test',
    backend: 'wasm',
    settings,
    onProgress: (e) => progress.push(e),
    shouldStop: () => shouldStop(progress),
  });
  return { result, progress };
}

describe('lr-find engine job', () => {
  before(useBackend);

  it('one point per step at the geometric rate, the smoothed loss a 0.98-weighted mean of the losses so far', async () => {
    const settings = { start: 1e-4, end: 1, steps: 40 };
    const { result, progress } = await rangeTest(tinySpec(), settings);
    assert.ok(result);
    assert.strictEqual(result.stopReason, 'completed', 'sgd up to 1 does not blow up on this net');
    assert.strictEqual(result.stoppedEarly, false);
    assert.strictEqual(result.points.length, 40, 'the 8 batches are repeated to make 40 steps');
    assert.deepStrictEqual(
      progress.map((p) => p.step),
      result.points.map((_, i) => i),
    );
    result.points.forEach((p, i) => {
      assert.strictEqual(p.learningRate, rangeTestRate(settings, i));
      assert.strictEqual(progress[i].loss, p.loss);
      let num = 0;
      let den = 0;
      for (let k = 0; k <= i; k++) {
        num += 0.98 ** (i - k) * result.points[k].loss;
        den += 0.98 ** (i - k);
      }
      assert.ok(Math.abs(p.smoothedLoss - num / den) < 1e-9 * num, `smoothed loss at ${i}`);
    });
    const first = result.points.slice(0, 8).reduce((s, p) => s + p.loss, 0) / 8;
    const last = result.points.slice(-8).reduce((s, p) => s + p.loss, 0) / 8;
    assert.ok(last < 0.8 * first, `the model learned as the rate rose: loss ${first} → ${last}`);
    assert.strictEqual(result.currentLearningRate, 0.1);
    assert.strictEqual(result.field, 'optimizer.learningRate');
    assert.deepStrictEqual(result.settings, settings);
  });

  it("starts from the spec's initial weights and batches: its first loss is a training run's first loss", async () => {
    const spec = tinySpec();
    const { result } = await rangeTest(spec, { start: 1e-7, end: 10, steps: 5 });
    const run = await engineRun(spec);
    const firstStep = run.events.find((e): e is StepEvent => e.type === 'step');
    assert.ok(result && firstStep);
    assert.strictEqual(result.points[0].loss, firstStep.loss);
  });

  it('stops once the smoothed loss passes 4× its minimum: the last point is past it, every earlier one is not', async () => {
    const { result } = await rangeTest(tinySpec(), { start: 1e-3, end: 1e4, steps: 60 });
    assert.ok(result);
    assert.strictEqual(result.stoppedEarly, true);
    assert.ok(result.points.length < 60);
    assert.strictEqual(result.stopReason, 'diverged');
    const smoothed = result.points.map((p) => p.smoothedLoss);
    const before = smoothed.slice(0, -1);
    assert.ok(smoothed[smoothed.length - 1] > 4 * Math.min(...before));
    before.forEach((s, i) => assert.ok(s <= 4 * Math.min(...smoothed.slice(0, i + 1)), `step ${i}`));
    assert.ok(result.points.every((p) => Number.isFinite(p.loss) && Number.isFinite(p.smoothedLoss)));
  });

  it('works for every optimizer, leaking no tensors', async () => {
    const optimizers = [
      { type: 'sgd', learningRate: 0.1 },
      { type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true },
      { type: 'adam', learningRate: 0.01 },
      { type: 'adam', learningRate: 0.01, amsgrad: true },
      { type: 'adamw', learningRate: 0.01, weightDecay: 0.05 },
      { type: 'nadam', learningRate: 0.01 },
      { type: 'adamax', learningRate: 0.01 },
      { type: 'rmsprop', learningRate: 0.01 },
      { type: 'adagrad', learningRate: 0.01 },
    ];
    for (const optimizer of optimizers) {
      const before = tf.memory().numTensors;
      const { result } = await rangeTest(tinySpec(optimizer), { start: 1e-5, end: 1, steps: 30 });
      assert.strictEqual(tf.memory().numTensors, before, `${JSON.stringify(optimizer)}: no tensor leaks`);
      assert.ok(result && result.points.length > 10, JSON.stringify(optimizer));
      const losses = result.points.map((p) => p.smoothedLoss);
      assert.ok(
        Math.min(...losses) < 0.95 * losses[0],
        `${optimizer.type}: the loss fell at some rate (${losses[0]} → ${Math.min(...losses)})`,
      );
      assert.strictEqual(result.currentLearningRate, optimizer.learningRate);
    }
  });

  it('is deterministic: the same spec gives the same points', async () => {
    const settings = { start: 1e-5, end: 10, steps: 30 };
    const a = await rangeTest(tinySpec({ type: 'adam', learningRate: 0.01 }), settings);
    const b = await rangeTest(tinySpec({ type: 'adam', learningRate: 0.01 }), settings);
    assert.deepStrictEqual(a.result?.points, b.result?.points);
    assert.deepStrictEqual(a.result?.suggestion, b.result?.suggestion);
  });

  it('a stop request ends it without a result and without leaks', async () => {
    const before = tf.memory().numTensors;
    const { result, progress } = await rangeTest(tinySpec(), { start: 1e-5, end: 1, steps: 40 }, (p) => p.length >= 5);
    assert.strictEqual(result, undefined);
    assert.strictEqual(progress.length, 5);
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
