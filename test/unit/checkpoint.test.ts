// Checkpoints and resuming: a run stopped part-way and resumed from its last checkpoint takes exactly the steps the
// uninterrupted run took (same losses, gradient and weight norms, bit for bit), for optimizers whose state is
// TensorFlow.js's own (adam, momentum) and gradscope's (rmsprop, adamw), with schedules, early stopping and
// batch normalization; only `keep` checkpoints stay; a resume of another spec's run is refused with a reason.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { parse as parseJsonc } from 'jsonc-parser';
import type { EpochEvent, RunStartEvent, StepEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { train } from '../../src/training/engine/trainer';
import { CHECKPOINT_FILE, CHECKPOINTS_DIR, findResumePoint } from '../../src/training/run/checkpointStore';
import type { ParsedSpec } from '../../src/training/spec/types';
import { assertNoEngineErrors, engineLog } from './support/engineLog';
import { parsedSpec, REPO, smallClassifier, useBackend } from './support/specs';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-checkpoint-'));
let runCount = 0;

interface Run {
  runDir: string;
  events: TrainingEvent[];
  steps: StepEvent[];
  epochs: EpochEvent[];
}

async function run(spec: ParsedSpec, opts: { stopAtStep?: number; resumeFrom?: string } = {}): Promise<Run> {
  const runDir = path.join(tmpRoot, `run-${runCount++}`);
  fs.mkdirSync(runDir);
  const events: TrainingEvent[] = [];
  const logs = engineLog();
  let resume;
  if (opts.resumeFrom) {
    const point = findResumePoint(opts.resumeFrom, spec);
    assert.ok(!('error' in point), 'error' in point ? point.error : '');
    resume = { runDir: opts.resumeFrom, ...point };
  }
  await train({
    spec,
    specFile: '/virtual/test.gradscope.json',
    runId: path.basename(runDir),
    runDir,
    backend: 'wasm',
    emit: (e) => events.push(e),
    shouldStop: () => opts.stopAtStep !== undefined && events.some((e) => e.type === 'step' && e.step >= opts.stopAtStep!),
    log: logs.log,
    resume,
  });
  assertNoEngineErrors(logs.events);
  return {
    runDir,
    events,
    steps: events.filter((e): e is StepEvent => e.type === 'step'),
    epochs: events.filter((e): e is EpochEvent => e.type === 'epoch'),
  };
}

/** What must be equal between the resumed and the uninterrupted run: every measured number of every step. */
function stepNumbers(s: StepEvent): unknown {
  return { step: s.step, epoch: s.epoch, loss: s.loss, lr: s.lr, momentum: s.momentum, layers: s.layers };
}

function epochNumbers(e: EpochEvent): unknown {
  return { epoch: e.epoch, loss: e.loss, valLoss: e.valLoss, acc: e.acc, valAcc: e.valAcc, lr: e.lr };
}

const CASES: { name: string; spec: object }[] = [
  { name: 'adam (TensorFlow.js state)', spec: smallClassifier() },
  {
    name: 'sgd with momentum cycled by a one-cycle schedule',
    spec: smallClassifier({
      training: {
        optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 },
        schedule: { type: 'oneCycle', cycleMomentum: true },
      },
    }),
  },
  {
    name: 'rmsprop (gradscope state), batch normalization, reduceOnPlateau',
    spec: smallClassifier({
      layers: [
        { type: 'dense', units: 16, kernelInitializer: 'heNormal' },
        { type: 'batchNormalization' },
        { type: 'activation', activation: 'relu' },
        { type: 'dropout', rate: 0.2 },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      training: {
        optimizer: { type: 'rmsprop', learningRate: 0.01, momentum: 0.5 },
        schedule: { type: 'reduceOnPlateau', patience: 0, factor: 0.5 },
      },
    }),
  },
  {
    // NAdam's product of μ_t follows the β1 the schedule moves: kept, not recomputed.
    name: 'nadam with β1 cycled by a one-cycle schedule (found by the resume property test)',
    spec: smallClassifier({
      training: { optimizer: { type: 'nadam', learningRate: 0.01 }, schedule: { type: 'oneCycle', cycleMomentum: true } },
    }),
  },
  {
    name: 'adamw with early stopping that keeps the best weights',
    spec: smallClassifier({
      training: {
        optimizer: { type: 'adamw', learningRate: 0.02, weightDecay: 0.01 },
        earlyStopping: { patience: 3, restoreBestWeights: true },
      },
    }),
  },
];

/**
 * Fixture specs with the layers whose weights are gradscope's own (group/RMS normalization, weight normalization,
 * highway, rrelu, prelu, recurrent cells, dense blocks) and the remaining optimizers, on 160 samples.
 */
const FIXTURES = [
  'normalization-regularization',
  'skip-connections',
  'gru-stack-parity',
  'activation-objects',
  'nadam-adamax',
  'adadelta',
  'densenet-cnn',
];
for (const name of FIXTURES) {
  const file = path.join(REPO, 'test', 'fixtures', 'specs', 'valid', `${name}.gradscope.json`);
  const spec = parseJsonc(fs.readFileSync(file, 'utf8')) as { data: object; training?: object };
  CASES.push({
    name: `fixture ${name}`,
    spec: { ...spec, data: { ...spec.data, samples: 160 }, training: { ...spec.training, batchSize: 32 } },
  });
}

describe('checkpoints and --resume', () => {
  before(useBackend);
  after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

  for (const c of CASES) {
    it(`a stopped run resumed from its last checkpoint takes the uninterrupted run's steps: ${c.name}`, async () => {
      const spec = (): ParsedSpec =>
        parsedSpec({
          ...c.spec,
          training: { ...(c.spec as { training: object }).training, epochs: 4, checkpoint: { every: 1 } },
        });
      const full = await run(spec());
      const stepsPerEpoch = (full.events[0] as RunStartEvent).stepsPerEpoch;
      const tensorsBefore = tf.memory().numTensors;
      // Stopped in the middle of epoch 3 (index 2): the last checkpoint is the one after epoch 2.
      const stopped = await run(spec(), { stopAtStep: 2 * stepsPerEpoch + 1 });
      const resumed = await run(spec(), { resumeFrom: stopped.runDir });
      assert.strictEqual(tf.memory().numTensors, tensorsBefore, 'saving and loading leak no tensors');

      const start = resumed.events[0] as RunStartEvent;
      assert.deepStrictEqual(start.resumedFrom, {
        runDir: stopped.runDir,
        checkpoint: path.join(stopped.runDir, CHECKPOINTS_DIR, 'epoch-2'),
        epoch: 2,
        step: 2 * stepsPerEpoch,
      });
      assert.strictEqual(resumed.steps[0].step, 2 * stepsPerEpoch);
      const expected = full.steps.filter((s) => s.step >= 2 * stepsPerEpoch);
      assert.ok(expected.length >= stepsPerEpoch);
      assert.deepStrictEqual(resumed.steps.map(stepNumbers), expected.map(stepNumbers));
      assert.deepStrictEqual(resumed.epochs.map(epochNumbers), full.epochs.filter((e) => e.epoch >= 2).map(epochNumbers));
      const endOf = (r: Run): unknown => {
        const end = r.events[r.events.length - 1];
        assert.ok(end.type === 'run-end');
        return {
          status: end.status,
          epochsCompleted: end.epochsCompleted,
          steps: end.steps,
          bestEpoch: end.bestEpoch,
          bestValLoss: end.bestValLoss,
        };
      };
      assert.deepStrictEqual(endOf(resumed), endOf(full));
    });
  }

  for (const optimizer of [
    { type: 'adam', learningRate: 0.01 },
    { type: 'sgd', learningRate: 0.05, momentum: 0.9 },
  ]) {
    it(`frozen layers unfrozen at epoch 3, resumed from the epoch-2 and the epoch-3 checkpoints: the uninterrupted steps (${optimizer.type})`, async () => {
      // The optimizer meets the unfrozen layers' variables after the head's: its slots (by position for TensorFlow.js's
      // own optimizers) must line up again after a resume, on either side of the unfreeze.
      const spec = (): ParsedSpec =>
        parsedSpec(
          smallClassifier({
            layers: [
              { type: 'dense', units: 12, activation: 'relu', trainable: false },
              { type: 'batchNormalization', trainable: false },
              { type: 'dense', units: 8, activation: 'tanh', trainable: false },
              { type: 'dense', units: 3, activation: 'softmax' },
            ],
            training: {
              epochs: 5,
              optimizer,
              checkpoint: { every: 1 },
              unfreeze: [{ epoch: 3, layers: ['dense_1', 'batchNormalization_1'] }],
            },
          }),
        );
      const full = await run(spec());
      const stepsPerEpoch = (full.events[0] as RunStartEvent).stepsPerEpoch;
      const unfrozenAt = full.steps.find((s) => s.layers && !s.layers[0].frozen);
      assert.strictEqual(unfrozenAt?.epoch, 2, 'dense_1 trains from epoch 3 (index 2)');
      assert.ok(
        full.steps.every((s) => !s.layers || s.layers[2].frozen),
        'dense_2 stays frozen',
      );
      for (const epoch of [2, 3]) {
        const stopped = await run(spec(), { stopAtStep: epoch * stepsPerEpoch + 1 });
        const resumed = await run(spec(), { resumeFrom: stopped.runDir });
        assert.strictEqual((resumed.events[0] as RunStartEvent).resumedFrom?.epoch, epoch);
        const expected = full.steps.filter((s) => s.step >= epoch * stepsPerEpoch);
        assert.deepStrictEqual(resumed.steps.map(stepNumbers), expected.map(stepNumbers), `resumed at epoch ${epoch}`);
        assert.deepStrictEqual(resumed.epochs.map(epochNumbers), full.epochs.filter((e) => e.epoch >= epoch).map(epochNumbers));
      }
    });
  }

  it('keeps only the newest `keep` checkpoints, every `every` epochs', async () => {
    const r = await run(parsedSpec(smallClassifier({ training: { epochs: 6, checkpoint: { every: 2, keep: 2 } } })));
    assert.deepStrictEqual(fs.readdirSync(path.join(r.runDir, CHECKPOINTS_DIR)).sort(), ['epoch-4', 'epoch-6']);
    // Every epoch that wrote one names it (relative to the run, `/`-separated), the others say nothing.
    assert.deepStrictEqual(
      r.epochs.map((e) => e.checkpoint),
      [undefined, 'checkpoints/epoch-2', undefined, 'checkpoints/epoch-4', undefined, 'checkpoints/epoch-6'],
    );
  });

  describe('refuses to resume, with the reason', () => {
    let runDir: string;
    before(async () => {
      runDir = (await run(parsedSpec(smallClassifier({ training: { epochs: 2, checkpoint: { every: 1 } } })))).runDir;
    });

    const refusal = (dir: string, spec: object): string => {
      const point = findResumePoint(dir, parsedSpec(spec));
      assert.ok('error' in point, 'the resume is refused');
      return point.error;
    };

    it('a run of another spec: names both specs', () => {
      const other = { ...smallClassifier({ training: { epochs: 4 } }), name: 'other' };
      assert.match(refusal(runDir, other), /was trained from the spec "test", not "other"/);
    });

    it('a run of the spec before it changed (another learning rate)', () => {
      const changed = smallClassifier({ training: { epochs: 4, optimizer: { type: 'adam', learningRate: 0.02 } } });
      assert.match(refusal(runDir, changed), /changed since the run .* was trained/);
    });

    it('a run that already trained every epoch of the spec: says how to give more', () => {
      assert.match(refusal(runDir, smallClassifier({ training: { epochs: 2 } })), /already trained 2 of 2 epochs.*--epochs/);
    });

    it('a checkpoint of a spec with frozen layers saved before the weight order was recorded', async () => {
      const frozen = (epochs: number): object =>
        smallClassifier({
          layers: [
            { type: 'dense', units: 8, activation: 'relu', trainable: false },
            { type: 'dense', units: 3, activation: 'softmax' },
          ],
          training: { epochs, checkpoint: { every: 1 } },
        });
      const r = await run(parsedSpec(frozen(2)));
      const file = path.join(r.runDir, CHECKPOINTS_DIR, 'epoch-2', CHECKPOINT_FILE);
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { state: { variableOrder?: number[] } };
      assert.ok(manifest.state.variableOrder, 'recorded now');
      assert.ok(!('error' in findResumePoint(r.runDir, parsedSpec(frozen(3)))), 'resumable with one more epoch');
      delete manifest.state.variableOrder;
      fs.writeFileSync(file, JSON.stringify(manifest));
      assert.match(refusal(r.runDir, frozen(3)), /saved before gradscope recorded the weight order of frozen layers/);
    });

    it('a run without checkpoints, and a directory that is not there', async () => {
      const plain = await run(parsedSpec(smallClassifier({ training: { epochs: 1 } })));
      assert.match(refusal(plain.runDir, smallClassifier()), /has no checkpoint to resume from/);
      assert.match(refusal(path.join(tmpRoot, 'missing'), smallClassifier()), /no run directory at/);
    });
  });
});
