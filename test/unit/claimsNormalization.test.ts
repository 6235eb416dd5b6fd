// The claims the normalization lint rules and their docs make, measured: a bias right before batch normalization
// gets no gradient (bias-before-batchnorm); dropout raises a selu signal's variance to 1/(1 − rate) where
// alphaDropout keeps it at 1 (selu-dropout); groupNormalization and layerNormalization do not depend on the batch,
// batchNormalization does (batchnorm-small-batch). Seeded, on the wasm backend.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'jsonc-parser';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { AlphaDropout } from '../../src/training/engine/model/alphaDropout';
import { applyModel, buildModel } from '../../src/training/engine/model/buildModel';
import { SeededDropout } from '../../src/training/engine/model/seededDropout';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep } from '../../src/training/engine/step';
import { parseSpecText } from '../../src/training/spec/parse';
import { engineRun } from './support/engineRuns';
import { EXAMPLES, REPO, parsedSpec, useBackend } from './support/specs';

function variance(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return sq / values.length;
}

describe('claims of the normalization lint rules', () => {
  before(useBackend);

  it('bias-before-batchnorm: the bias of a dense layer right before batchNormalization gets a gradient of 0 up to rounding', async () => {
    const file = path.join(REPO, 'test', 'fixtures', 'specs', 'lint', 'bias-before-batchnorm.gradscope.json');
    const parsed = parseSpecText(fs.readFileSync(file, 'utf8'), file);
    const spec = parsed.spec!;
    assert.ok(parsed.problems.some((p) => p.code === 'bias-before-batchnorm'));
    const built = buildModel(spec, spec.seed);
    const { optimizer } = makeOptimizer({ ...spec.training.optimizer, type: 'sgd', learningRate: 0.1 });
    const ratios: number[] = [];
    for (let step = 0; step < 5; step++) {
      const x = tf.randomNormal([32, 2], 0, 1, 'float32', step);
      const y = tf.oneHot(tf.randomUniform<tf.Rank.R1>([32], 0, 3, 'int32', step + 100), 3);
      const { packed, layout } = runStep(built, optimizer, spec.training, x, y, true);
      const numbers = unpackStep(built, layout, await packed.data());
      tf.dispose([packed, x, y]);
      const first = numbers.layers![0];
      assert.ok(first.gradNorm! > 1e-3, `the kernel learns (gradient norm ${first.gradNorm!})`);
      ratios.push(first.biasGradNorm! / first.gradNorm!);
    }
    built.model.dispose();
    optimizer.dispose();
    assert.ok(Math.max(...ratios) < 1e-6, `bias / kernel gradient norm: ${ratios.join(', ')}`);
  });

  it('selu-dropout: on a selu layer’s output (mean ≈ 0, variance ≈ 1) dropout 0.2 gives variance ≈ 1.25, alphaDropout ≈ 1', () => {
    const spec = parsedSpec({
      seed: 8,
      data: { dataset: 'blobs', features: 256, samples: 100 },
      model: {
        inputShape: [256],
        layers: [
          { type: 'dense', units: 256, activation: 'selu', kernelInitializer: 'lecunNormal' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
    });
    const built = buildModel(spec, spec.seed);
    const x = tf.randomNormal([256, 256], 0, 1, 'float32', 4);
    const outputs = applyModel(built, x, false);
    const selu = outputs[built.weighted[0].activationOutput!];
    const base = variance(selu.dataSync());
    assert.ok(Math.abs(base - 1) < 0.1, `selu output variance ${base}`);
    const clock = { step: 0 };
    const after = (layer: tf.layers.Layer): number => {
      const y = layer.apply(selu, { training: true }) as tf.Tensor;
      const v = variance(y.dataSync());
      y.dispose();
      return v;
    };
    const dropped = after(new SeededDropout({ rate: 0.2, seed: 1, clock }));
    const alpha = after(new AlphaDropout({ rate: 0.2, seed: 1, clock }));
    assert.ok(Math.abs(dropped / base - 1.25) < 0.05, `dropout: variance ${dropped} from ${base}`);
    assert.ok(Math.abs(alpha / base - 1) < 0.06, `alphaDropout: variance ${alpha} from ${base}`);
    tf.dispose([x, ...outputs]);
    built.model.dispose();
  });

  it('batchnorm-small-batch: a sample’s training output depends on its batch under batchNormalization, not under group/layerNormalization', () => {
    const outputsFor = (norm: object): { alone: Float32Array; inBatch: Float32Array } => {
      const spec = parsedSpec({
        seed: 2,
        data: { dataset: 'spiral', samples: 100 },
        model: {
          inputShape: [2],
          layers: [{ type: 'dense', units: 16, useBias: false }, norm, { type: 'dense', units: 3, activation: 'softmax' }],
        },
      });
      const built = buildModel(spec, spec.seed);
      const batch = tf.randomNormal([4, 2], 0, 1, 'float32', 6);
      const first = tf.slice(batch, [0, 0], [2, 2]); // the first two samples as a batch of their own
      const [inBatch] = applyModel(built, batch, true);
      const [alone] = applyModel(built, first, true);
      const result = {
        alone: alone.dataSync() as Float32Array,
        inBatch: inBatch.slice([0, 0], [2, 3]).dataSync() as Float32Array,
      };
      tf.dispose([batch, first, inBatch, alone]);
      built.model.dispose();
      return result;
    };
    const maxDiff = (a: Float32Array, b: Float32Array): number => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    const bn = outputsFor({ type: 'batchNormalization' });
    assert.ok(maxDiff(bn.alone, bn.inBatch) > 1e-2, 'batchNormalization: the batch changes the output');
    for (const norm of [{ type: 'groupNormalization', groups: 4 }, { type: 'layerNormalization' }]) {
      const o = outputsFor(norm);
      assert.ok(maxDiff(o.alone, o.inBatch) < 1e-6, `${norm.type}: the same output alone and in a batch`);
    }
  });

  it('examples/groupnorm-small-batch: batchNormalization at batch 4: training loss stalls above the validation loss and oscillates; the groupNormalization fix trains steadily', async function () {
    this.timeout(300_000);
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    assert.ok(readme.includes('| `examples/groupnorm-small-batch.gradscope.json` | batch normalization at batch size 4:'));
    const file = path.join(EXAMPLES, 'groupnorm-small-batch.gradscope.json');
    const text = fs.readFileSync(file, 'utf8');
    const finding = parseSpecText(text, file).problems.find((p) => p.code === 'batchnorm-small-batch');
    const groupFix = finding?.fixes?.find((f) => f.title === 'use groupNormalization (8 groups) instead of batchNormalization');
    assert.ok(groupFix, `fixes: ${finding?.fixes?.map((f) => f.title).join('; ')}`);
    const fixedText = applyPatchToText(text, groupFix.patch);
    const bn = await engineRun(parse(text) as object, text);
    const gn = await engineRun(parse(fixedText) as object, fixedText);
    const codes = (run: typeof bn): string[] => run.diagnostics.map((d) => d.code);
    const summary = (run: typeof bn): string => run.epochs.map((e) => `${e.loss.toFixed(3)}/${e.valLoss?.toFixed(3)}`).join(' ');
    // batchNormalization: from the third epoch on the training loss stays in 0.84–0.95, the validation loss 0.5–0.7.
    for (const e of bn.epochs.slice(2)) {
      assert.ok(e.loss > 0.84 && e.loss < 0.95, `batchNormalization train loss: ${summary(bn)}`);
      assert.ok(e.valLoss > 0.5 && e.valLoss < 0.7, `batchNormalization validation loss: ${summary(bn)}`);
    }
    assert.ok(codes(bn).includes('oscillating-loss'), `batchNormalization raised: ${codes(bn).join(', ')}`);
    // groupNormalization: the training loss falls to ≈0.76, validation within about 0.1 of it, no oscillation.
    const last = gn.epochs[gn.epochs.length - 1];
    assert.ok(last.loss < 0.77 && Math.abs(last.valLoss - last.loss) < 0.12, `groupNormalization: ${summary(gn)}`);
    assert.ok(!codes(gn).includes('oscillating-loss'), `groupNormalization raised: ${codes(gn).join(', ')}`);
    assert.strictEqual(gn.end.status, 'completed');
  });
});
