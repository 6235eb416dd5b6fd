// Each detector on synthetic event streams: it fires on its pathology, once, naming the right layers and step; it
// stays silent on healthy and on noisy-but-fine runs; it judges windows, not single steps; thresholds apply.
import * as assert from 'assert';
import type { EpochEvent } from '../../src/shared/engineProtocol';
import { DEFAULT_THRESHOLDS, resolveThresholds } from '../../src/training/diagnosis/defaults';
import { RUNTIME_CODES } from '../../src/training/diagnosis/types';
import { useBackend } from './support/specs';
import {
  chance,
  codes,
  diagnose,
  healthyLoss,
  makeStream,
  MIXED_SPEC,
  mixedSpec,
  stuckLoss,
  type Found,
} from './diagnosisFixtures.test';

const only = (found: Found[], code: string): Found[] => found.filter((f) => f.diagnostic.code === code);

/** Gradient norms that shrink 100× per kernel layer towards the input. */
function vanishingLayer(l: { index: number }): { gradNorm: number; updateRatio: number } {
  const depthFromOutput = 4 - l.index;
  return { gradNorm: 0.5 * 10 ** (-2 * depthFromOutput), updateRatio: 2e-3 * 10 ** (-2 * depthFromOutput) };
}

describe('diagnosis detectors (synthetic streams)', () => {
  before(useBackend);

  describe('silence', () => {
    it('says nothing about a healthy run', () => {
      const spec = mixedSpec();
      const found = diagnose(spec, makeStream(spec, 400, { loss: healthyLoss() }));
      assert.deepStrictEqual(codes(found), []);
    });

    it('says nothing about a noisy but fine run: batch noise, loss spikes, some dead units, some saturation', () => {
      const spec = mixedSpec();
      const stream = makeStream(
        spec,
        400,
        {
          loss: (i, r) => healthyLoss(0.25)(i, r) * (r() < 0.03 ? 3 : 1),
          layer: (i, l, base, r) => ({
            updateRatio: base.updateRatio * (0.3 + 2.7 * r()),
            ...(base.deadUnits !== undefined ? { deadUnits: Math.floor(r() * 5) } : {}),
            ...(base.saturation !== undefined ? { saturation: 0.35 * r() } : {}),
          }),
        },
        (epoch, train) => ({ valLoss: train * (1.1 + 0.15 * Math.sin(epoch * 2.3)) }),
      );
      assert.deepStrictEqual(codes(diagnose(spec, stream)), []);
    });

    it('says nothing about a plateau taken with healthy step sizes (a saddle, not a learning-rate problem)', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 200, { loss: (i, r) => chance() * (1 - (0.002 * i) / 20) * (1 + 0.03 * (2 * r() - 1)) });
      assert.deepStrictEqual(codes(diagnose(spec, stream)), []);
    });
  });

  describe('vanishing-gradient', () => {
    it('fires once, after one window, naming the first layer and the layers that barely get gradient', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 400, { loss: stuckLoss, layer: (i, l) => (l.isKernel ? vanishingLayer(l) : {}) });
      const found = diagnose(spec, stream);
      assert.deepStrictEqual(codes(found), ['vanishing-gradient']);
      const d = found[0].diagnostic;
      assert.strictEqual(d.step, DEFAULT_THRESHOLDS.window - 1);
      assert.strictEqual(d.layer, 'dense_1');
      assert.strictEqual(d.specPath, '/model/layers/0');
      assert.deepStrictEqual(
        d.layers,
        ['dense_1', 'dense_2', 'dense_3'],
        "dense_4 gets 1e-2 of the output layer's gradient: not involved",
      );
      assert.strictEqual(d.severity, 'warning');
      assert.ok((d.evidence.ratio as number) < 1e-3 && (d.evidence.firstGradNorm as number) < 1e-4);
      assert.doesNotMatch(d.message, /\n/);
      assert.match(d.message, /dense_1.*e-\d/);
      assert.ok(d.fixes && d.fixes.length >= 2);
      assert.match(d.fixes[0].title, /relu with heNormal initialization/);
    });

    it('does not fire on fewer vanishing steps than the window agreement needs', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 300, {
        loss: stuckLoss,
        layer: (i, l) => (l.isKernel && i % 20 < 15 ? vanishingLayer(l) : {}),
      });
      assert.deepStrictEqual(only(diagnose(spec, stream), 'vanishing-gradient'), []);
    });

    it('stays silent once the model learns well (AUTOTRAINER judges only runs that miss their target)', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 400, {
        loss: healthyLoss(),
        layer: (i, l) => (l.isKernel && i >= 250 ? vanishingLayer(l) : {}),
      });
      assert.deepStrictEqual(codes(diagnose(spec, stream)), []);
    });

    it('leaves zero gradients under a dead ReLU layer to dead-relu', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 200, {
        loss: stuckLoss,
        layer: (i, l) =>
          l.index === 1 ? { deadUnits: 16, gradNorm: 0, updateRatio: 0 } : l.index === 0 ? { gradNorm: 0, updateRatio: 0 } : {},
      });
      assert.deepStrictEqual(codes(diagnose(spec, stream)), ['dead-relu']);
    });

    it('also catches a frozen first layer when the gradient ratio is not extreme (too-small initialisation)', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 200, {
        loss: stuckLoss,
        layer: (i, l) => (l.index < 4 ? { gradNorm: 2e-5, updateRatio: 3e-6 } : { gradNorm: 1e-3, updateRatio: 5e-4 }),
      });
      const found = only(diagnose(spec, stream), 'vanishing-gradient');
      assert.strictEqual(found.length, 1);
      assert.strictEqual(found[0].diagnostic.evidence.rule, 'frozen-first-layer');
      assert.strictEqual(found[0].diagnostic.step, 2 * DEFAULT_THRESHOLDS.window - 1, 'needs a stalled loss: two windows');
    });
  });

  describe('exploding-gradient', () => {
    it('fires when updates exceed the weights on 3 consecutive measured steps, naming the layer with the largest update', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 100, {
        loss: healthyLoss(),
        layer: (i, l) => (i >= 10 && l.index === 2 ? { updateRatio: 5, gradNorm: 800 } : {}),
      });
      const found = diagnose(spec, stream);
      assert.deepStrictEqual(codes(found), ['exploding-gradient']);
      assert.strictEqual(found[0].diagnostic.step, 12);
      assert.strictEqual(found[0].diagnostic.layer, 'dense_3');
      assert.strictEqual(found[0].diagnostic.severity, 'error');
    });

    it('does not fire on two huge steps in a row', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 100, {
        loss: healthyLoss(),
        layer: (i) => (i === 10 || i === 11 || i === 30 ? { updateRatio: 5 } : {}),
      });
      assert.deepStrictEqual(codes(diagnose(spec, stream)), []);
    });

    it("fires on AUTOTRAINER's ratio: the first layer's gradient > 70× the last layer's over the window", () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 100, { loss: stuckLoss, layer: (i, l) => (l.index === 0 ? { gradNorm: 50 } : {}) });
      const found = only(diagnose(spec, stream), 'exploding-gradient');
      assert.strictEqual(found.length, 1);
      assert.strictEqual(found[0].diagnostic.evidence.rule, 'autotrainer');
    });

    it('fires at the third step when an untrained classifier drawn with σ = 2 starts at 50× chance-level loss', () => {
      const layers = MIXED_SPEC.model.layers.map((l, i) =>
        i === 0 ? { ...l, kernelInitializer: { type: 'randomNormal', mean: 0, stddev: 2 } } : l,
      );
      const spec = mixedSpec({ model: { ...MIXED_SPEC.model, layers } });
      const loss = (i: number, r: () => number): number => (i < 5 ? 60 : healthyLoss()(i, r));
      const found = only(diagnose(spec, makeStream(spec, 60, { loss })), 'exploding-gradient');
      assert.strictEqual(found[0]?.diagnostic.step, 2);
      assert.strictEqual(found[0].diagnostic.evidence.rule, 'initial-loss');
      assert.deepStrictEqual(found[0].diagnostic.fixes![0].patch, [
        { op: 'add', path: '/model/layers/0/kernelInitializer', value: 'heNormal' },
      ]);
      const plain = mixedSpec();
      assert.deepStrictEqual(
        only(diagnose(plain, makeStream(plain, 60, { loss })), 'exploding-gradient'),
        [],
        'standard initialisers that start high (e.g. un-normalised residual stacks) recover: not judged at the start',
      );
    });
  });

  describe('non-finite', () => {
    it('reports the first layer with a non-finite gradient, then explains it by the exploding updates before it', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 31, {
        loss: (i, r) => (i === 30 ? NaN : healthyLoss()(i, r)),
        layer: (i, l) => (i === 29 ? { updateRatio: 3 } : i === 30 && l.index >= 1 ? { gradNorm: NaN, weightNorm: NaN } : {}),
        nonFinite: (i) => i === 30,
      });
      const found = diagnose(spec, stream);
      assert.deepStrictEqual(codes(found), ['non-finite', 'exploding-gradient']);
      const d = found[0].diagnostic;
      assert.strictEqual(d.layer, 'dense_2');
      assert.strictEqual(d.step, 30);
      assert.match(d.message, /^Training diverged at step 30 \(epoch 2\): loss NaN\./);
      assert.ok(d.fixes && d.fixes.length > 0);
    });

    it('reports a non-finite validation loss at the end of an epoch', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 40, { loss: healthyLoss() }, (epoch) => (epoch === 1 ? { valLoss: Infinity } : {}));
      const found = diagnose(spec, stream);
      assert.deepStrictEqual(codes(found), ['non-finite']);
      assert.strictEqual((found[0].after as EpochEvent).epoch, 1);
      assert.strictEqual(found[0].diagnostic.epoch, 1);
    });
  });

  describe('dead-relu', () => {
    it('fires when ≥ 70% of a layer is dead on every step of the window and the loss is stuck', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 300, { loss: stuckLoss, layer: (i, l) => (l.index === 1 ? { deadUnits: 14 } : {}) });
      const found = diagnose(spec, stream);
      assert.deepStrictEqual(codes(found), ['dead-relu']);
      const d = found[0].diagnostic;
      assert.strictEqual(d.layer, 'dense_2');
      assert.deepStrictEqual(d.layers, ['dense_2']);
      assert.strictEqual(d.step, 2 * DEFAULT_THRESHOLDS.window - 1);
      assert.match(d.message, /88% of dense_2's units/);
      assert.ok(d.fixes?.some((f) => /leakyRelu/.test(f.title)));
    });

    it('does not fire when the layer recovers on a step of each window (dead means dead on every batch)', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 300, {
        loss: stuckLoss,
        layer: (i, l) => (l.index === 1 ? { deadUnits: i % 15 === 0 ? 6 : 14 } : {}),
      });
      assert.deepStrictEqual(only(diagnose(spec, stream), 'dead-relu'), []);
    });

    it("honours the spec's monitor threshold over the caller's and the default", () => {
      const dead = (monitor?: Record<string, number>, options?: Record<string, number>): number => {
        const spec = mixedSpec(monitor ? { monitor } : {});
        const stream = makeStream(spec, 200, { loss: stuckLoss, layer: (i, l) => (l.index === 1 ? { deadUnits: 14 } : {}) });
        return only(diagnose(spec, stream, options), 'dead-relu').length;
      };
      assert.strictEqual(dead(), 1);
      assert.strictEqual(dead(undefined, { deadReluFraction: 0.95 }), 0, 'the caller may raise the threshold');
      assert.strictEqual(dead({ deadReluFraction: 0.8 }, { deadReluFraction: 0.95 }), 1, 'the spec wins over the caller');
    });
  });

  describe('saturated-activation', () => {
    it('fires for a tanh layer with most outputs in the tails while the loss is stuck', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 300, { loss: stuckLoss, layer: (i, l) => (l.index === 2 ? { saturation: 0.85 } : {}) });
      const found = diagnose(spec, stream);
      assert.deepStrictEqual(codes(found), ['saturated-activation']);
      assert.strictEqual(found[0].diagnostic.layer, 'dense_3');
      assert.match(found[0].diagnostic.message, /85% of dense_3's tanh outputs/);
      assert.match(
        found[0].diagnostic.fixes![0].title,
        /relu with heNormal initialization instead of tanh in 1 layer \(\/model\/layers\/2\)/,
      );
    });

    it('leaves a saturated layer alone while the model learns well', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 300, { loss: healthyLoss(), layer: (i, l) => (l.index === 2 ? { saturation: 0.85 } : {}) });
      assert.deepStrictEqual(codes(diagnose(spec, stream)), []);
    });
  });

  describe('divergence', () => {
    it('fires a few steps into a geometric climb of the loss', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 60, {
        loss: (i, r) => (i < 30 ? healthyLoss()(i, r) : healthyLoss()(30, r) * 1.6 ** (i - 30)),
      });
      const found = only(diagnose(spec, stream), 'divergence');
      assert.strictEqual(found.length, 1);
      const step = found[0].diagnostic.step!;
      assert.ok(step > 30 && step < 42, `fired at step ${step}`);
      assert.match(found[0].diagnostic.fixes![0].title, /Divide the learning rate by/);
    });

    it('ignores isolated spikes', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 200, { loss: (i, r) => healthyLoss()(i, r) * (i % 15 === 7 ? 20 : 1) });
      assert.deepStrictEqual(only(diagnose(spec, stream), 'divergence'), []);
    });
  });

  describe('oscillating-loss', () => {
    it('fires when 10-step means swing without progress for 3 evaluations', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 200, { loss: (i, r) => (Math.floor(i / 10) % 2 ? 1.2 : 0.3) * (1 + 0.1 * r()) });
      const found = only(diagnose(spec, stream), 'oscillating-loss');
      assert.strictEqual(found.length, 1);
      const { oscillationBlock, oscillationBlocks, oscillationPersistence } = DEFAULT_THRESHOLDS;
      assert.strictEqual(found[0].diagnostic.step, oscillationBlock * (oscillationBlocks + oscillationPersistence - 1) - 1);
    });
  });

  describe('lr-too-high', () => {
    it('fires when every step moves the weights by 20% of their norm and the loss is stuck', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 100, { loss: stuckLoss, layer: () => ({ updateRatio: 0.2 }) });
      const found = diagnose(spec, stream);
      assert.deepStrictEqual(codes(found), ['lr-too-high']);
      assert.strictEqual(found[0].diagnostic.specPath, '/training/optimizer/learningRate');
      assert.match(found[0].diagnostic.fixes![0].title, /Divide the learning rate by 10 \(0\.1 → 0\.01\)/);
      assert.match(found[0].diagnostic.message, /with sgd at 0\.1 each step/, 'at the spec rate, the message quotes it alone');
      assert.match(
        found[0].diagnostic.fixes![0].title,
        /, or run the learning-rate range test: gradscope lr-find synthetic\.gradscope\.json$/,
      );
    });

    it('quotes the rate in force when reduceOnPlateau has lowered it, and scales the spec rate and the floor in its fix', () => {
      const training = {
        ...MIXED_SPEC.training,
        schedule: { type: 'reduceOnPlateau', factor: 0.6, patience: 1, minLearningRate: 0.05 },
      };
      const spec = mixedSpec({ training });
      const stream = makeStream(spec, 100, { loss: stuckLoss, lr: () => 0.06, layer: () => ({ updateRatio: 0.2 }) });
      const found = only(diagnose(spec, stream), 'lr-too-high');
      assert.strictEqual(found.length, 1);
      const d = found[0].diagnostic;
      assert.match(
        d.message,
        new RegExp(`with sgd at 0\\.06 \\(the schedule's rate at step ${d.step}; the spec sets 0\\.1\\) each step`),
      );
      assert.deepStrictEqual(d.fixes![0].patch, [
        { op: 'add', path: '/training/optimizer/learningRate', value: 0.01 },
        { op: 'add', path: '/training/schedule/minLearningRate', value: 0.001 },
      ]);
    });
  });

  describe('lr-too-low', () => {
    it('fires when even the fastest layer moves by 1e-6 of its weights per step', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 100, { loss: stuckLoss, layer: () => ({ updateRatio: 1e-6 }) });
      const found = only(diagnose(spec, stream), 'lr-too-low');
      assert.strictEqual(found.length, 1);
      assert.strictEqual(found[0].diagnostic.step, DEFAULT_THRESHOLDS.window - 1);
      assert.match(found[0].diagnostic.fixes![0].title, /Multiply the learning rate by 1000 \(0\.1 → 10\)/);
      assert.match(
        found[0].diagnostic.fixes![0].title,
        /, or run the learning-rate range test: gradscope lr-find synthetic\.gradscope\.json$/,
      );
    });

    it('does not blame the base rate once the schedule has decayed it', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 200, {
        loss: stuckLoss,
        lr: (i) => (i < 100 ? 0.1 : 0.001),
        layer: (i) => (i >= 100 ? { updateRatio: 1e-6 } : {}),
      });
      assert.deepStrictEqual(only(diagnose(spec, stream), 'lr-too-low'), []);
    });

    it('treats the Adam variants as Adam: noise-level steps are not blamed on the rate, and no "switch to adam" fix', () => {
      for (const type of ['adamw', 'nadam', 'adamax']) {
        const training = { epochs: 20, batchSize: 32, optimizer: { type, learningRate: 1e-8 } };
        // Steps of 1e-6 of the weights at a rate of 1e-8: far above the rate per weight, so not noise: the rate is too low.
        const slow = mixedSpec({ training });
        const fired = only(
          diagnose(slow, makeStream(slow, 100, { loss: stuckLoss, layer: () => ({ updateRatio: 1e-6 }) })),
          'lr-too-low',
        );
        assert.strictEqual(fired.length, 1, type);
        assert.ok(
          !fired[0].diagnostic.fixes!.some((f) => /[Ss]witch .* to adam/.test(f.title)),
          `${type}: ${fired[0].diagnostic.fixes!.map((f) => f.title).join('; ')}`,
        );
        // Steps of 1e-7 of the weights at a rate of 0.01: far below the rate per weight, so the gradient is noise (lrTooLow's NOISE_STEP), as with adam.
        const noisy = mixedSpec({ training: { ...training, optimizer: { type, learningRate: 0.01 } } });
        const quiet = only(
          diagnose(noisy, makeStream(noisy, 100, { loss: stuckLoss, layer: () => ({ updateRatio: 1e-7 }) })),
          'lr-too-low',
        );
        assert.deepStrictEqual(quiet, [], type);
      }
    });

    it('does not blame the base rate early in a warm-up either', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 200, {
        loss: stuckLoss,
        lr: (i) => 0.1 * Math.min(1, (i + 1) / 100),
        layer: (i) => (i < 45 ? { updateRatio: 1e-6 } : {}),
      });
      assert.deepStrictEqual(only(diagnose(spec, stream), 'lr-too-low'), []);
    });
  });

  describe('slow-convergence', () => {
    it('fires after 3 epochs of < 3% progress per epoch with small steps', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 200, {
        loss: (i, r) => chance() * 0.99 ** (i / 20) * (1 + 0.05 * (2 * r() - 1)),
        layer: () => ({ updateRatio: 3e-4 }),
      });
      const found = diagnose(spec, stream);
      assert.deepStrictEqual(codes(found), ['slow-convergence']);
      assert.strictEqual(found[0].after.type, 'epoch');
      assert.strictEqual(found[0].diagnostic.epoch, DEFAULT_THRESHOLDS.slowEpochs);
      assert.strictEqual(found[0].diagnostic.severity, 'info');
      assert.match(
        found[0].diagnostic.fixes![0].title,
        /Multiply the learning rate by 10 \(0\.1 → 1\)/,
        'steps of 3e-4: ×10 brings them to a healthy ~3e-3',
      );
      assert.match(found[0].diagnostic.fixes![1].title, /Switch from sgd .* to adam/);
    });
  });

  describe('overfitting', () => {
    const run = (val: (e: number) => Partial<EpochEvent>): Found[] => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 400, { loss: healthyLoss(0.05) }, (e) => val(e));
      return diagnose(spec, stream);
    };

    it('fires when validation loss climbs ≥ 10% above its best for 3 epochs while training loss falls', () => {
      const found = run((e) => ({ valLoss: 0.6 + 0.02 * (e - 6) ** 2, valAcc: 0.8 }));
      assert.deepStrictEqual(codes(found), ['overfitting']);
      const d = found[0].diagnostic;
      assert.ok(d.epoch! >= 9 && d.epoch! <= 13, `epoch ${d.epoch}`);
      assert.match(d.fixes![0].title, /Stop early .* best validation epoch/);
      assert.ok(d.fixes!.some((f) => /dropout/.test(f.title)) && d.fixes!.some((f) => /weight decay/.test(f.title)));
    });

    it('ignores early validation jumps while validation accuracy climbs (batch-norm statistics settling)', () => {
      const val = [
        1.25, 2.45, 1.7, 1.69, 1.9, 0.85, 0.53, 0.33, 0.17, 0.09, 0.07, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06,
      ];
      const found = run((e) => ({ valLoss: val[e], valAcc: Math.min(1, 0.49 + 0.05 * e) }));
      assert.deepStrictEqual(codes(found), []);
    });

    it('ignores a rise within the epoch-to-epoch noise of a small validation set', () => {
      const found = run((e) => ({ valLoss: 0.2 + (e % 2 ? 0.06 : 0) + 0.003 * e, valAcc: 0.9 }));
      assert.deepStrictEqual(codes(found), []);
    });

    /** A training loss that keeps falling towards 0 (memorising), over `epochs` epochs of 20 steps. */
    const memorising = (epochs: number, val: (e: number, train: number) => Partial<EpochEvent>): Found[] => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 20 * epochs, { loss: (i, r) => chance() * Math.exp(-i / 150) * (1 + 0.05 * r()) }, val);
      return diagnose(spec, stream);
    };

    it('issue 9: train loss → 0, train accuracy 1.0 vs validation 0.875, validation loss rising 27% over 100+ epochs', () => {
      // A small validation set: accuracy steps of 1/40 jitter up and down, so it is not "still improving" (the
      // accuracy gate of the generalization-loss rule alone let this run through).
      const found = memorising(130, (e) => ({
        valLoss: e < 20 ? 0.6 - 0.01 * e : 0.4 * (1 + 0.27 * Math.min(1, (e - 20) / 100)),
        acc: Math.min(1, 0.6 + 0.05 * e),
        valAcc: 0.85 + (e > 20 ? 0.025 * (e % 3) : 0),
      }));
      assert.deepStrictEqual(codes(found), ['overfitting']);
      const d = found[0].diagnostic;
      assert.strictEqual((d.evidence as { rule: string }).rule, 'train-validation-gap');
      assert.match(d.message, /fits the training set \(accuracy 1\) far better than the validation set \(accuracy 0\.8\d+\)/);
    });

    it('fires on a slow creep under GL 10% when the training set is memorised (overfitting-mlp-mnist, seed+3)', () => {
      const found = memorising(25, (e) => ({
        valLoss: e < 4 ? 0.9 - 0.06 * e : 0.667 + 0.0033 * (e - 4),
        acc: Math.min(1, 0.86 + 0.06 * e),
        valAcc: 0.79,
      }));
      assert.deepStrictEqual(codes(found), ['overfitting']);
      const d = found[0].diagnostic;
      const e = d.evidence as { generalizationLoss: number; trainAcc: number; valAcc: number };
      assert.ok(e.generalizationLoss < DEFAULT_THRESHOLDS.overfitRise, `GL ${e.generalizationLoss}`);
      assert.ok(e.trainAcc >= 0.99 && e.valAcc <= e.trainAcc - 0.1);
    });

    it('stays silent when validation and training accuracy agree, however the validation loss drifts (healthy-swish-sgd-moons, seed+3)', () => {
      const spec = mixedSpec();
      // Training loss flat (0.093 → 0.091), validation loss up 38% from a tiny best, accuracies equal at 0.96.
      const stream = makeStream(spec, 200, { loss: (i, r) => 0.092 * (1 + 0.05 * (2 * r() - 1)) - 0.00001 * i }, (e) => ({
        valLoss: e < 6 ? 0.08 : 0.08 + 0.01 * (e - 5),
        acc: 0.96,
        valAcc: 0.963,
      }));
      assert.deepStrictEqual(only(diagnose(spec, stream), 'overfitting'), []);
    });
  });

  describe('every code', () => {
    it('fires at most once per run, however long the pathology lasts', () => {
      const spec = mixedSpec();
      const stream = makeStream(spec, 600, {
        loss: (i, r) => (Math.floor(i / 10) % 2 ? 1.2 : 0.3) * (1 + 0.1 * r()),
        layer: (i, l) => ({
          updateRatio: 0.2,
          ...(l.index === 1 ? { deadUnits: 15 } : {}),
          ...(l.index === 2 ? { saturation: 0.9 } : {}),
        }),
      });
      const found = codes(diagnose(spec, stream));
      assert.ok(found.length >= 2, found.join());
      assert.deepStrictEqual(found, [...new Set(found)]);
    });

    it('has a documented default for every threshold and only known codes', () => {
      assert.strictEqual(RUNTIME_CODES.length, 11);
      const t = resolveThresholds({ window: 5, custom: 3 }, { window: 7 });
      assert.strictEqual(t.window, 7);
      assert.strictEqual(t.custom, 3);
      assert.strictEqual(t.deadReluFraction, DEFAULT_THRESHOLDS.deadReluFraction);
    });
  });
});
