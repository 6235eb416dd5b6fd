// The training loop in-process: determinism, no tensor leaks, early stopping, divergence, stop requests.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { EpochEvent, ScheduleEvent, StepEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { learningRateAt, momentumAt } from '../../src/training/engine/optim/schedule';
import type { ParsedSpec } from '../../src/training/spec/types';
import { train } from '../../src/training/engine/trainer';
import { assertNoEngineErrors, engineLog } from './support/engineLog';
import { parsedSpec, smallClassifier, useBackend } from './support/specs';

async function run(
  spec: ParsedSpec,
  shouldStop: (events: TrainingEvent[]) => boolean = () => false,
  onEpoch?: (e: EpochEvent) => void,
) {
  const events: TrainingEvent[] = [];
  const logs = engineLog();
  const end = await train({
    spec,
    specFile: '/virtual/test.gradscope.json',
    runId: 'test',
    runDir: '/virtual',
    backend: 'wasm',
    emit: (e) => {
      events.push(e);
      if (e.type === 'epoch') onEpoch?.(e);
    },
    shouldStop: () => shouldStop(events),
    log: logs.log,
  });
  assertNoEngineErrors(logs.events);
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  return { end, events, steps };
}

describe('training loop', () => {
  before(useBackend);

  it('is deterministic: same spec and seed give identical loss and gradient-norm series', async () => {
    const spec = (): ParsedSpec => parsedSpec(smallClassifier({ training: { epochs: 2 } }));
    const a = await run(spec());
    const b = await run(spec());
    const series = (r: typeof a): number[][] => r.steps.map((s) => [s.loss, ...(s.layers ?? []).map((l) => l.gradNorm!)]);
    assert.ok(a.steps.length > 10);
    assert.deepStrictEqual(series(a), series(b));
    const c = await run(parsedSpec(smallClassifier({ seed: 4, training: { epochs: 2 } })));
    assert.notDeepStrictEqual(series(a), series(c), 'another seed gives another run');
  });

  it('leaks no tensors: the count after epoch 2 equals the count after the last epoch', async () => {
    const counts: number[] = [];
    const spec = parsedSpec(
      smallClassifier({
        layers: [
          { type: 'dense', units: 16, kernelInitializer: 'heNormal' },
          { type: 'batchNormalization' },
          { type: 'activation', activation: 'relu' },
          { type: 'dropout', rate: 0.2 },
          { type: 'residual', layers: [{ type: 'dense', units: 8, activation: 'gelu' }, { type: 'layerNormalization' }] },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        training: {
          epochs: 6,
          optimizer: { type: 'adam', learningRate: 0.01 },
          clipNorm: 1,
          weightDecay: 1e-4,
          earlyStopping: { patience: 100, restoreBestWeights: true },
        },
      }),
    );
    const before = tf.memory().numTensors;
    await run(
      spec,
      () => false,
      () => counts.push(tf.memory().numTensors),
    );
    assert.strictEqual(counts.length, 6);
    assert.strictEqual(counts[5], counts[1], `tensor counts per epoch: ${counts.join(', ')}`);
    assert.strictEqual(tf.memory().numTensors, before, 'everything is disposed at the end');
  });

  it('records a learning rate per step that follows the schedule', async () => {
    const spec = parsedSpec(
      smallClassifier({
        training: {
          epochs: 3,
          optimizer: { type: 'sgd', learningRate: 0.1 },
          schedule: { type: 'warmupCosine', warmupEpochs: 1 },
        },
      }),
    );
    const { steps, events } = await run(spec);
    const start = events[0];
    assert.ok(start.type === 'run-start');
    const ctx = { baseLearningRate: 0.1, stepsPerEpoch: start.stepsPerEpoch, totalSteps: 3 * start.stepsPerEpoch };
    steps.forEach((s) => assert.strictEqual(s.lr, learningRateAt(spec.training.schedule, ctx, s.step)));
    assert.ok(steps[0].lr < steps[start.stepsPerEpoch].lr, 'warmup raises the rate');
  });

  it('oneCycle: the rate follows the cycle, the momentum it cycles is set and reported when it changes', async () => {
    const oneCycle = (optimizer: object, schedule: object = {}): ParsedSpec =>
      parsedSpec(
        smallClassifier({
          training: { epochs: 3, optimizer, schedule: { type: 'oneCycle', maxLearningRate: 0.2, ...schedule } },
        }),
      );
    const spec = oneCycle({ type: 'sgd', momentum: 0.9 });
    const { steps, events } = await run(spec);
    const start = events[0];
    assert.ok(start.type === 'run-start');
    const ctx = { baseLearningRate: 0.2, stepsPerEpoch: start.stepsPerEpoch, totalSteps: 3 * start.stepsPerEpoch };
    steps.forEach((s) => assert.strictEqual(s.lr, learningRateAt(spec.training.schedule, ctx, s.step)));
    assert.strictEqual(steps[0].momentum, 0.95);
    let previous: number | undefined;
    for (const s of steps) {
      const m = momentumAt(spec.training.schedule, ctx, s.step);
      assert.strictEqual(s.momentum, m === previous ? undefined : m, `step ${s.step}`);
      previous = m;
    }
    // The cycled momentum is really applied: the same run without cycling (momentum 0.9 throughout) trains otherwise.
    const fixed = await run(oneCycle({ type: 'sgd', momentum: 0.9 }, { cycleMomentum: false }));
    assert.ok(fixed.steps.every((s) => s.momentum === undefined));
    assert.deepStrictEqual(
      fixed.steps.map((s) => s.lr),
      steps.map((s) => s.lr),
    );
    assert.notStrictEqual(fixed.steps[steps.length - 1].loss, steps[steps.length - 1].loss);
    // Nothing to cycle (plain sgd): no momentum on any step.
    const plain = await run(oneCycle({ type: 'sgd' }));
    assert.ok(plain.steps.every((s) => s.momentum === undefined));
  });

  it('sends the planned curve in run-start: the rates the steps then run at, warm-up included', async () => {
    const spec = parsedSpec(
      smallClassifier({
        training: {
          epochs: 2,
          optimizer: { type: 'sgd', learningRate: 0.1 },
          schedule: { type: 'exponential', decay: 0.5, warmupSteps: 5, warmupStart: 0.01 },
        },
      }),
    );
    const { steps, events } = await run(spec);
    const start = events[0];
    assert.ok(start.type === 'run-start' && start.learningRatePlan);
    assert.deepStrictEqual(
      start.learningRatePlan,
      steps.map((s) => ({ step: s.step, learningRate: s.lr })),
    );
    assert.ok(Math.abs(steps[0].lr - (0.01 + 0.09 / 5)) < 1e-12, 'warm-up starts near warmupStart');
  });

  it('reduceOnPlateau lowers the rate when the validation loss stalls, logs it as a schedule event, and has no plan', async () => {
    // sgd at 2 makes the validation loss bounce; patience 0 reacts to the first epoch that does not improve.
    const schedule = { type: 'reduceOnPlateau', factor: 0.5, patience: 0, minDelta: 0, cooldown: 0, minLearningRate: 0.3 };
    const spec = parsedSpec(smallClassifier({ training: { epochs: 8, optimizer: { type: 'sgd', learningRate: 2 }, schedule } }));
    const { steps, events } = await run(spec);
    const start = events[0];
    assert.ok(start.type === 'run-start');
    assert.strictEqual(start.learningRatePlan, undefined);
    const epochs = events.filter((e): e is EpochEvent => e.type === 'epoch');
    const changes = events.filter((e): e is ScheduleEvent => e.type === 'schedule');
    assert.ok(changes.length >= 1, 'the bouncing loss triggers at least one reduction');
    // Replay the rule on the losses the run saw: the same epochs lower the rate, to the same values.
    let best = Infinity;
    let lr = 2;
    const expected: { epoch: number; learningRate: number }[] = [];
    for (const e of epochs.slice(0, -1)) {
      if (e.valLoss < best) best = e.valLoss;
      else if (Math.max(lr * 0.5, 0.3) < lr) expected.push({ epoch: e.epoch, learningRate: (lr = Math.max(lr * 0.5, 0.3)) });
    }
    assert.deepStrictEqual(
      changes.map((c) => ({ epoch: c.epoch, learningRate: c.learningRate })),
      expected,
    );
    for (const c of changes) {
      assert.strictEqual(c.reason, 'plateau');
      assert.strictEqual(c.monitor, 'val_loss');
      assert.strictEqual(c.step, (c.epoch + 1) * start.stepsPerEpoch);
      assert.strictEqual(steps[c.step - 1].lr, c.previousLearningRate, 'the step before ran at the previous rate');
      assert.strictEqual(steps[c.step].lr, c.learningRate, 'the next step runs at the new rate');
      assert.strictEqual(c.best, Math.min(...epochs.slice(0, c.epoch + 1).map((e) => e.valLoss)));
    }
    assert.ok(
      steps.every((s) => s.lr >= 0.3),
      'never below minLearningRate',
    );
  });

  it('measures every N steps when measureEvery is N, but reports the loss every step', async () => {
    const { steps } = await run(parsedSpec(smallClassifier({ training: { epochs: 1, measureEvery: 4 } })));
    steps.forEach((s) => assert.strictEqual(s.layers !== undefined, s.step % 4 === 0, `step ${s.step}`));
    assert.ok(steps.every((s) => Number.isFinite(s.loss)));
  });

  it('stops early when validation loss stops improving and restores the best weights', async () => {
    // a learning rate this high makes validation loss bounce, so patience 1 ends the run early
    const spec = parsedSpec(
      smallClassifier({
        training: {
          epochs: 40,
          optimizer: { type: 'sgd', learningRate: 2 },
          earlyStopping: { patience: 1, restoreBestWeights: true },
        },
      }),
    );
    const { end, events } = await run(spec);
    const epochs = events.filter((e): e is EpochEvent => e.type === 'epoch');
    assert.strictEqual(end.status, 'early-stopped');
    assert.ok(epochs.length < 40);
    const best = Math.min(...epochs.map((e) => e.valLoss));
    assert.strictEqual(end.bestValLoss, best);
    assert.strictEqual(epochs[end.bestEpoch!].valLoss, best);
  });

  it('trains a model with nothing to measure (no rectifier or sigmoid/tanh layer: a single-output model)', async () => {
    const spec = parsedSpec(
      smallClassifier({
        layers: [
          { type: 'dense', units: 8 },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        training: { epochs: 1 },
      }),
    );
    const { end, steps } = await run(spec);
    assert.strictEqual(end.status, 'completed');
    assert.ok(steps.length > 0 && steps.every((s) => Number.isFinite(s.loss) && s.layers?.length === 2));
  });

  it('stops cleanly on NaN: status diverged, one non-finite diagnostic (from the detector, with fixes), everything before it kept', async () => {
    const spec = parsedSpec(
      smallClassifier({
        layers: [
          {
            repeat: 8,
            layers: [
              { type: 'dense', units: 32, activation: 'relu', kernelInitializer: { type: 'randomNormal', mean: 0, stddev: 3 } },
            ],
          },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        training: { epochs: 5, optimizer: { type: 'sgd', learningRate: 0.05 } },
      }),
    );
    const { end, events, steps } = await run(spec);
    assert.strictEqual(end.status, 'diverged');
    const diag = events.find((e) => e.type === 'diagnostic');
    assert.ok(diag && diag.type === 'diagnostic');
    assert.strictEqual(diag.code, 'non-finite');
    assert.strictEqual(events.filter((e) => e.type === 'diagnostic' && e.code === 'non-finite').length, 1);
    assert.ok(diag.fixes && diag.fixes.length > 0, 'the detector, not a bare fallback, reported it: it carries fixes');
    assert.strictEqual(diag.severity, 'error');
    assert.match(diag.specPath, /^\/model\/layers\//);
    assert.strictEqual(diag.step, steps[steps.length - 1].step);
    assert.ok(steps[steps.length - 1].nonFinite);
    assert.ok(steps[0].globalGradNorm! > 1e3, 'the gradients exploded before the NaN');
    assert.strictEqual(events[events.length - 1], end);
  });

  it('ends within one step of a stop request, with status stopped', async () => {
    const spec = parsedSpec(smallClassifier({ training: { epochs: 50 } }));
    let requestedAt = -1;
    const { end, steps } = await run(spec, (events) => {
      const count = events.filter((e) => e.type === 'step').length;
      if (count >= 5 && requestedAt < 0) requestedAt = count;
      return requestedAt >= 0;
    });
    assert.strictEqual(end.status, 'stopped');
    assert.strictEqual(steps.length, requestedAt, 'no further step after the request');
  });
});
