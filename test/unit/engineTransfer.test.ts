// Transfer learning in the engine: a frozen layer (`trainable: false`) gets no gradient and keeps its weights
// bit-identical (even under weight decay, a kernel regularizer and a max-norm constraint), while the others train as
// they would anyway; `learningRateMultiplier` scales a layer's update by exactly that factor. Wasm backend.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { encodeSplit, makeBatch } from '../../src/training/engine/batches';
import { loadDataset } from '../../src/training/data/load';
import { buildModel, disposeBuiltModel, type BuiltModel } from '../../src/training/engine/model/buildModel';
import { BestTracker } from '../../src/training/engine/earlyStopping';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep, type StepNumbers } from '../../src/training/engine/step';
import { unfreezeForEpoch } from '../../src/training/engine/freezing';
import { engineRun } from './support/engineRuns';
import { parsedSpec, smallClassifier, useBackend } from './support/specs';

interface Trained {
  /** Every weight of the model by name, before the first step and after the last. */
  before: Map<string, Float32Array>;
  after: Map<string, Float32Array>;
  /** The measured numbers of each step. */
  steps: StepNumbers[];
  summaries: BuiltModel['layers'];
  /** Every weight of the model by name before each step. */
  snapshots: Map<string, Float32Array>[];
}

function readAll(built: BuiltModel): Map<string, Float32Array> {
  return new Map(built.model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

/**
 * Builds the spec's model and runs `steps` measured steps on consecutive batches; `before(k, built)` runs before step
 * k (e.g. to unfreeze a layer there); `snapshots[k]` are all weights before step k.
 */
function trainSteps(spec: object, steps: number, beforeStep?: (k: number, built: BuiltModel) => void): Trained {
  const parsed = parsedSpec(spec);
  const dataset = loadDataset(parsed.data, parsed.seed);
  const built = buildModel(parsed, parsed.seed);
  const { optimizer } = makeOptimizer(parsed.training.optimizer);
  const units = built.model.outputs[0].shape[built.model.outputs[0].shape.length - 1] ?? 1;
  const shapes = { inputShape: parsed.model.inputShape, outputUnits: units };
  const split = encodeSplit(dataset, dataset.train, units);
  const size = parsed.training.batchSize;
  try {
    const before = readAll(built);
    const measured: StepNumbers[] = [];
    const snapshots: Map<string, Float32Array>[] = [];
    for (let k = 0; k < steps; k++) {
      beforeStep?.(k, built);
      snapshots.push(readAll(built));
      const batch = makeBatch(split, shapes, null, k * size, (k + 1) * size);
      const { packed, layout } = runStep(built, optimizer, parsed.training, batch.x, batch.y, true);
      measured.push(unpackStep(built, layout, packed.dataSync()));
      tf.dispose([packed, batch.x, batch.y]);
    }
    return { before, after: readAll(built), steps: measured, summaries: built.layers, snapshots };
  } finally {
    optimizer.dispose();
    built.model.dispose();
  }
}

function norm(values: Float32Array): number {
  return Math.sqrt(values.reduce((s, v) => s + v * v, 0));
}

/** A weight before and after; fails when the model has no such weight. */
function weight(t: Trained, name: string): [Float32Array, Float32Array] {
  const before = t.before.get(name);
  const after = t.after.get(name);
  assert.ok(before && after, `the model has ${name}: ${[...t.before.keys()].join(', ')}`);
  return [before, after];
}

function kernelOf(t: Trained, layer: string): [Float32Array, Float32Array] {
  return weight(t, `${layer}/kernel`);
}

describe('engine: frozen layers and learning-rate multipliers', function () {
  this.timeout(60000);
  before(useBackend);

  const layers = (first: object, second: object = {}): object[] => [
    {
      type: 'dense',
      units: 12,
      activation: 'relu',
      kernelRegularizer: { l2: 0.01 },
      kernelConstraint: { type: 'maxNorm', maxValue: 0.5 },
      ...first,
    },
    { type: 'batchNormalization', ...second },
    { type: 'dense', units: 3, activation: 'softmax' },
  ];
  const training = { optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, weightDecay: 0.01, batchSize: 16 };

  it('a frozen layer keeps its weights bit-identical, has no gradient, and is reported frozen with its weight norm', () => {
    const run = trainSteps(smallClassifier({ layers: layers({ trainable: false }, { trainable: false }), training }), 4);
    // A frozen batch normalization runs in inference mode (Keras): its moving statistics stay as they are too.
    const bn = 'batchNormalization_1';
    const frozenWeights = [
      'dense_1/kernel',
      'dense_1/bias',
      ...['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => `${bn}/${w}`),
    ];
    for (const name of frozenWeights) {
      const [before, after] = weight(run, name);
      assert.deepStrictEqual(after, before, `${name} unchanged`);
    }
    const [head0, head1] = kernelOf(run, 'dense_2');
    assert.notDeepStrictEqual(head1, head0, 'the head trains');
    const [frozenKernel] = kernelOf(run, 'dense_1');
    for (const step of run.steps) {
      const [dense, norm1, head] = step.layers!;
      for (const l of [dense, norm1]) {
        assert.strictEqual(l.frozen, true, `${l.name} frozen`);
        assert.strictEqual(l.gradNorm, undefined, `${l.name}: no gradient`);
        assert.strictEqual(l.biasGradNorm, undefined, `${l.name}: no bias gradient`);
        assert.strictEqual(l.updateRatio, 0);
      }
      assert.ok(Math.abs(dense.weightNorm - norm(frozenKernel)) < 1e-5 * norm(frozenKernel), 'weight norm of the frozen kernel');
      assert.strictEqual(head.frozen, undefined);
      assert.ok(head.gradNorm! > 0);
    }
    const summaries = run.summaries.filter((l) => l.hasWeights).map((l) => [l.name, l.trainable]);
    assert.deepStrictEqual(summaries, [
      ['dense_1', false],
      ['batchNormalization_1', false],
      ['dense_2', true],
    ]);
  });

  it('an unfrozen batch normalization updates its moving statistics (and gamma, beta) from the step it trains on', () => {
    const spec = smallClassifier({ layers: layers({}, { trainable: false }), training });
    const bn = 'batchNormalization_1';
    const run = trainSteps(spec, 5, (k, built) => {
      if (k === 3) assert.deepStrictEqual(unfreezeForEpoch(built, [{ epoch: 2, layers: [bn] }], 2), [bn]);
    });
    for (const w of ['gamma', 'beta', 'moving_mean', 'moving_variance']) {
      const name = `${bn}/${w}`;
      for (let k = 1; k <= 3; k++)
        assert.deepStrictEqual(run.snapshots[k].get(name), run.snapshots[0].get(name), `${name} frozen`);
      assert.notDeepStrictEqual(run.snapshots[4].get(name), run.snapshots[3].get(name), `${name} moves once unfrozen`);
      assert.notDeepStrictEqual(run.after.get(name), run.snapshots[4].get(name), `${name} keeps moving`);
    }
    assert.ok(run.steps[2].layers![1].frozen && !run.steps[3].layers![1].frozen);
  });

  it("restoreBestWeights puts every weight back by name after an unfreeze reordered the model's weights", () => {
    // TensorFlow.js lists trainable layers' weights first: unfreezing dense_1 moves its kernel from after the head's
    // weights to the front of model.weights. The kept copy follows BuiltModel.weights, which does not move.
    const parsed = parsedSpec(smallClassifier({ layers: layers({ trainable: false }, {}), training }));
    const built = buildModel(parsed, parsed.seed);
    const tracker = new BestTracker(built.weights, { patience: 5, minDelta: 0, restoreBestWeights: true });
    try {
      const orderBefore = built.model.weights.map((w) => w.name);
      assert.equal(tracker.update(0, 1), false);
      const best = readAll(built);
      unfreezeForEpoch(built, [{ epoch: 2, layers: ['dense_1'] }], 2);
      assert.notDeepStrictEqual(
        built.model.weights.map((w) => w.name),
        orderBefore,
        'the unfreeze reordered model.weights',
      );
      for (const w of built.model.weights) {
        const moved = tf.add(w.read(), 1);
        w.write(moved);
        moved.dispose();
      }
      assert.ok(tracker.restoreBest(1));
      assert.deepStrictEqual(readAll(built), best);
    } finally {
      tracker.dispose();
      disposeBuiltModel(built);
    }
  });

  it("freezing leaves the trainable layers' gradients as they are: the head's first gradient equals the unfrozen twin's", () => {
    // (The batch normalization stays trainable: frozen, it would normalise with its moving statistics instead of the
    // batch's, which changes what the head sees.)
    const frozen = trainSteps(smallClassifier({ layers: layers({ trainable: false }), training }), 1);
    const free = trainSteps(smallClassifier({ layers: layers({}), training }), 1);
    const f = frozen.steps[0].layers![2];
    const g = free.steps[0].layers![2];
    assert.ok(Math.abs(f.gradNorm! - g.gradNorm!) <= 1e-6 * g.gradNorm!, `${f.gradNorm} vs ${g.gradNorm}`);
    assert.ok(Math.abs(f.biasGradNorm! - g.biasGradNorm!) <= 1e-6 * g.biasGradNorm!);
    // The global norm counts only the gradients computed: the head's.
    assert.ok(frozen.steps[0].globalGradNorm! < free.steps[0].globalGradNorm!);
  });

  it('a frozen residual block freezes every layer inside it and its projection', () => {
    const spec = smallClassifier({
      layers: [
        { type: 'dense', units: 8, activation: 'relu' },
        {
          type: 'residual',
          trainable: false,
          layers: [
            { type: 'dense', units: 6, activation: 'relu' },
            { type: 'dense', units: 6 },
          ],
        },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      training,
    });
    const run = trainSteps(spec, 3);
    const frozen = run.steps[2].layers!.filter((l) => l.frozen).map((l) => l.name);
    assert.deepStrictEqual(frozen, ['dense_2', 'dense_3', 'projection_1']);
    for (const name of ['dense_2/kernel', 'dense_3/kernel', 'projection_1/kernel']) {
      const [before, after] = weight(run, name);
      assert.deepStrictEqual(after, before, `${name} unchanged`);
    }
    const [first0, first1] = kernelOf(run, 'dense_1');
    assert.notDeepStrictEqual(first1, first0);
  });

  for (const optimizer of [
    { type: 'adam', learningRate: 0.01 },
    { type: 'sgd', learningRate: 0.1, momentum: 0.9 },
  ]) {
    it(`learningRateMultiplier scales the layer's ${optimizer.type} update by exactly that factor, and no other layer's`, () => {
      const plain = (multiplier?: number): object =>
        smallClassifier({
          layers: [
            {
              type: 'dense',
              units: 12,
              activation: 'relu',
              ...(multiplier !== undefined && { learningRateMultiplier: multiplier }),
            },
            { type: 'dense', units: 3, activation: 'softmax' },
          ],
          training: { optimizer, batchSize: 16 },
        });
      const base = trainSteps(plain(), 1);
      const scaled = trainSteps(plain(0.25), 1);
      const [b0, b1] = kernelOf(base, 'dense_1');
      const [s0, s1] = kernelOf(scaled, 'dense_1');
      assert.deepStrictEqual(s0, b0, 'same initial weights');
      let worst = 0;
      let size = 0;
      for (let i = 0; i < b0.length; i++) {
        const expected = 0.25 * (b1[i] - b0[i]);
        worst = Math.max(worst, Math.abs(s1[i] - s0[i] - expected));
        size = Math.max(size, Math.abs(expected));
      }
      assert.ok(size > 0 && worst <= 1e-6 * Math.max(1, size * 1e3), `worst deviation ${worst} of updates up to ${size}`);
      assert.deepStrictEqual(kernelOf(scaled, 'dense_2'), kernelOf(base, 'dense_2'), 'the head is unaffected');
      assert.strictEqual(scaled.summaries.find((l) => l.name === 'dense_1')?.learningRateMultiplier, 0.25);
    });
  }

  describe('training.unfreeze', () => {
    const spec = (unfreeze: object[]): object =>
      smallClassifier({
        data: { samples: 120 },
        layers: [
          { type: 'dense', units: 12, activation: 'relu', trainable: false },
          { type: 'dense', units: 8, activation: 'tanh', trainable: false },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        training: { epochs: 3, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, unfreeze },
      });

    it('a layer stays frozen (bit-identical weights) until its epoch, then trains; adam keeps training the others', async () => {
      const run = await engineRun(spec([{ epoch: 2, layers: ['dense_1'] }]));
      assert.strictEqual(run.end.status, 'completed');
      const byEpoch = (e: number): NonNullable<(typeof run.steps)[number]['layers']>[] =>
        run.steps.filter((s) => s.epoch === e && s.layers).map((s) => s.layers!);
      const first = byEpoch(0);
      assert.ok(first.length >= 3);
      for (const measured of first) {
        assert.strictEqual(measured[0].frozen, true);
        assert.strictEqual(measured[0].gradNorm, undefined);
        assert.strictEqual(measured[0].weightNorm, first[0][0].weightNorm, 'unchanged while frozen');
      }
      for (const e of [1, 2]) {
        for (const measured of byEpoch(e)) {
          assert.strictEqual(measured[0].frozen, undefined, `dense_1 trains in epoch ${e + 1}`);
          assert.ok(measured[0].gradNorm! > 0 && measured[0].updateRatio > 0);
          assert.strictEqual(measured[1].frozen, true, 'dense_2 was not named: still frozen');
        }
      }
      const moved = byEpoch(2).at(-1)![0].weightNorm;
      assert.notStrictEqual(moved, first[0][0].weightNorm);
      assert.ok(run.epochs.every((e) => Number.isFinite(e.loss)));
    });
  });
});
