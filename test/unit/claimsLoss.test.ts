// What output-loss-mismatch (lint rule and docs/diagnostics/output-loss-mismatch.md) and dropout-before-output say the
// engine trains, checked on the engine: which pairs are fused, what loss the others train, where gradients vanish.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { batchLoss } from '../../src/training/engine/losses';
import type { ActivationName, LossName } from '../../src/training/spec/types';
import { assertClose, engineRun, firstStep, mean } from './support/engineRuns';
import { smallClassifier, useBackend } from './support/specs';

const EPS = 1e-7;
const clip = (p: number): number => Math.min(1 - EPS, Math.max(EPS, p));

function classifier(activation: ActivationName, loss: LossName, extra: object[] = []): object {
  return smallClassifier({
    layers: [
      { type: 'dense', units: 16, activation: 'relu', kernelInitializer: 'heNormal' },
      { type: 'dense', units: 3, activation },
      ...extra,
    ],
    training: { loss, epochs: 4, optimizer: { type: 'adam', learningRate: 0.01 } },
  });
}

/** d loss / d output of the engine's loss for one sample. */
function lossGradient(loss: LossName, fused: ActivationName, target: number[], output: number[]): number[] {
  return tf.tidy(() => {
    const y = tf.tensor2d([target]);
    const g = tf.grad((o: tf.Tensor) => batchLoss(loss, fused, y, o))(tf.tensor2d([output]));
    return Array.from(g.dataSync());
  });
}

describe('claims: what each output activation and loss pair trains', () => {
  before(useBackend);

  it('only (softmax, categoricalCrossentropy) and (sigmoid, binaryCrossentropy) are fused; softmax + MSE trains the squared error of the probabilities', async () => {
    assert.strictEqual((await firstStep(classifier('softmax', 'categoricalCrossentropy'))).fused, 'softmax');
    assert.strictEqual((await firstStep(classifier('sigmoid', 'binaryCrossentropy'))).fused, 'sigmoid');
    const mse = await firstStep(classifier('softmax', 'meanSquaredError'));
    assert.strictEqual(mse.fused, 'linear', 'softmax + MSE is not fused');
    mse.output.forEach((row) =>
      assertClose(
        row.reduce((a, b) => a + b, 0),
        1,
        1e-5,
        'the output is softmax probabilities',
      ),
    );
    const expected = mean(mse.output.map((row, i) => mean(row.map((p, k) => (p - mse.targets[i][k]) ** 2))));
    assertClose(mse.numbers.loss, expected, 1e-5, 'trained loss = MSE of the probabilities');
    const crossEntropy = mean(mse.output.map((row, i) => -Math.log(row[mse.targets[i].indexOf(1)])));
    assert.ok(Math.abs(mse.numbers.loss - crossEntropy) > 0.5, `not cross-entropy (${crossEntropy})`);
    // "it learns": the epoch loss falls
    const run = await engineRun(classifier('softmax', 'meanSquaredError'));
    assert.ok(run.epochs[3].loss < 0.8 * run.epochs[0].loss, run.epochs.map((e) => e.loss).join(', '));
  });

  it('softmax + MSE: a confidently wrong output gets almost no gradient (the softmax slope vanishes); fused cross-entropy gets p − y', () => {
    const logits = [10, 0, 0];
    const target = [0, 1, 0];
    const probs = tf.tidy(() => Array.from(tf.softmax(tf.tensor1d(logits)).dataSync()));
    // d MSE(softmax(z)) / dz through the softmax Jacobian, with the engine's loss gradient w.r.t. the probabilities
    const dp = lossGradient('meanSquaredError', 'linear', target, probs);
    const dz = probs.map((pi, i) => dp.reduce((s, d, j) => s + d * pi * ((i === j ? 1 : 0) - probs[j]), 0));
    const ce = lossGradient('categoricalCrossentropy', 'softmax', target, logits);
    const norm = (v: number[]): number => Math.hypot(...v);
    assert.ok(norm(dz) < 1e-3, `MSE gradient on the logits ${norm(dz)}`);
    assert.ok(norm(ce) > 1, `fused cross-entropy gradient on the logits ${norm(ce)}`);
  });

  it('softmax + binaryCrossentropy trains binary cross-entropy on the softmax probabilities (0.64 for a uniform guess over 3 classes)', async () => {
    const s = await firstStep(classifier('softmax', 'binaryCrossentropy'));
    assert.strictEqual(s.fused, 'linear');
    const bce = mean(
      s.output.map((row, i) =>
        mean(
          row.map((p, k) => {
            const t = s.targets[i][k];
            return -(t * Math.log(clip(p)) + (1 - t) * Math.log(1 - clip(p)));
          }),
        ),
      ),
    );
    assertClose(s.numbers.loss, bce, 1e-5, 'trained loss = BCE of the probabilities');
    const uniform = tf.tidy(
      () =>
        batchLoss('binaryCrossentropy', 'linear', tf.tensor2d([[1, 0, 0]]), tf.tensor2d([[1 / 3, 1 / 3, 1 / 3]])).dataSync()[0],
    );
    assertClose(uniform, 0.64, 0.005, 'uniform guess');
  });

  it('categoricalCrossentropy on an unfused output: no gradient reaches the other outputs; none at all outside [1e-7, 1 − 1e-7]', () => {
    const g = lossGradient('categoricalCrossentropy', 'linear', [0, 1, 0], [0.7, 0.2, 0.6]);
    assert.deepStrictEqual([Math.abs(g[0]), Math.abs(g[2])], [0, 0], `gradient on the other outputs: ${g}`);
    assert.ok(g[1] < -1, `the true class is pushed up: ${g[1]}`);
    const outside = lossGradient('categoricalCrossentropy', 'linear', [0, 1, 0], [0.3, -0.5, 0.2]);
    assert.deepStrictEqual(
      outside.map((v) => Math.abs(v)),
      [0, 0, 0],
      'a true-class output below 0 passes no gradient',
    );
    const dropped = lossGradient('categoricalCrossentropy', 'linear', [0, 1, 0], [0.3, 0, 0.2]);
    assert.deepStrictEqual(
      dropped.map((v) => Math.abs(v)),
      [0, 0, 0],
      'a true-class probability zeroed by dropout passes no gradient',
    );
    const clipped = tf.tidy(
      () =>
        batchLoss('categoricalCrossentropy', 'linear', tf.tensor2d([[0, 1, 0]]), tf.tensor2d([[0.3, -0.5, 0.2]])).dataSync()[0],
    );
    assertClose(clipped, -Math.log(EPS), 1e-3, 'a clipped true-class probability costs −ln 1e-7');
    const bce = lossGradient('binaryCrossentropy', 'linear', [1], [1.5]);
    assert.strictEqual(Math.abs(bce[0]), 0, 'binary cross-entropy: an output above 1 passes no gradient');
  });

  it('a linear output with categoricalCrossentropy trains on its outputs as they are, clipped (the loss is bounded by −ln 1e-7)', async () => {
    const s = await firstStep(classifier('linear', 'categoricalCrossentropy'));
    assert.strictEqual(s.fused, 'linear');
    const ce = mean(s.output.map((row, i) => -Math.log(clip(row[s.targets[i].indexOf(1)]))));
    assertClose(s.numbers.loss, ce, 1e-4, 'trained loss = clipped cross-entropy of the raw outputs');
  });
});

describe('claims: dropout after the output', () => {
  before(useBackend);

  const withDropout = (rate: number): object =>
    smallClassifier({
      layers: [
        { type: 'dense', units: 32, activation: 'relu', kernelInitializer: 'heNormal' },
        { type: 'dense', units: 3, activation: 'softmax' },
        ...(rate > 0 ? [{ type: 'dropout', rate }] : []),
      ],
      training: { epochs: 8, optimizer: { type: 'adam', learningRate: 0.02 } },
    });

  it('the softmax is not fused, dropout zeroes probabilities: each zeroed true-class probability adds −ln 1e-7 ≈ 16 to the training loss', async () => {
    assert.strictEqual((await firstStep(withDropout(0.5))).fused, 'linear', 'a trailing dropout stops the fusion');
    const runs = await Promise.all([0, 0.2, 0.5].map(async (rate) => ({ rate, run: await engineRun(withDropout(rate)) })));
    const last = (r: (typeof runs)[number]): { loss: number; valLoss: number } => r.run.epochs[r.run.epochs.length - 1];
    const clean = last(runs[0]);
    // A kept probability is scaled by 1/(1 − r) (a lower loss by ln(1/(1 − r)), floored at 0 by the clip at 1);
    // a dropped one is clipped to 1e-7 and costs −ln 1e-7.
    for (const r of runs.slice(1)) {
      const expected = r.rate * -Math.log(EPS) + (1 - r.rate) * Math.max(0, last(r).valLoss - Math.log(1 / (1 - r.rate)));
      assertClose(last(r).loss, expected, 0.25 * r.rate * -Math.log(EPS), `training loss at rate ${r.rate}`);
      assert.ok(last(r).loss > clean.loss + 2, `rate ${r.rate}: training loss ${last(r).loss} vs ${clean.loss} without dropout`);
    }
    console.log(`      training loss at rate 0 / 0.2 / 0.5: ${runs.map((r) => last(r).loss.toFixed(2)).join(' / ')}`);
  });
});
