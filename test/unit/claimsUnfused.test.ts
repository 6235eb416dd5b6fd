// output-loss-mismatch on the pairs whose output activation runs inside the model (not fused into the loss), which
// the engine could not train before buildModel measured a last-layer activation on output 0: what each one trains.
import * as assert from 'assert';
import type { ActivationName, LossName } from '../../src/training/spec/types';
import { assertClose, firstStep, mean } from './support/engineRuns';
import { smallClassifier, useBackend } from './support/specs';

const EPS = 1e-7;
const clip = (p: number): number => Math.min(1 - EPS, Math.max(EPS, p));

function classifier(
  activation: ActivationName,
  loss: LossName,
  optimizer: object = { type: 'adam', learningRate: 0.01 },
): object {
  return smallClassifier({
    layers: [
      { type: 'dense', units: 16, activation: 'relu', kernelInitializer: 'heNormal' },
      { type: 'dense', units: 3, activation },
    ],
    training: { loss, epochs: 2, optimizer },
  });
}

describe('claims: unfused output activations train the loss as written', () => {
  before(useBackend);

  it("sigmoid + categoricalCrossentropy: −ln p of the true output only; the first SGD step raises every output's bias (nothing pushes the wrong classes down)", async () => {
    const s = await firstStep(classifier('sigmoid', 'categoricalCrossentropy', { type: 'sgd', learningRate: 0.1 }));
    assert.strictEqual(s.fused, 'linear');
    assert.ok(
      s.output.every((row) => row.every((p) => p > 0 && p < 1)),
      'the output is sigmoid probabilities',
    );
    const ce = mean(s.output.map((row, i) => -Math.log(clip(row[s.targets[i].indexOf(1)]))));
    assertClose(s.numbers.loss, ce, 1e-5, 'trained loss = −ln p(true class) on the sigmoid outputs');
    const biasName = [...s.before.keys()].find((n) => n.includes('dense_2') && n.includes('bias'))!;
    const before = s.before.get(biasName)!;
    const after = s.after.get(biasName)!;
    before.forEach((b, k) => assert.ok(after[k] > b, `output ${k}'s bias ${b} → ${after[k]}`));
  });

  it('sigmoid + meanSquaredError trains the squared error of the sigmoid probabilities', async () => {
    const s = await firstStep(classifier('sigmoid', 'meanSquaredError'));
    assert.strictEqual(s.fused, 'linear');
    const expected = mean(s.output.map((row, i) => mean(row.map((p, k) => (p - s.targets[i][k]) ** 2))));
    assertClose(s.numbers.loss, expected, 1e-5, 'trained loss = MSE of the sigmoid outputs');
  });

  it('relu + categoricalCrossentropy trains the clipped cross-entropy of the raw ReLU outputs', async () => {
    const s = await firstStep(classifier('relu', 'categoricalCrossentropy'));
    assert.strictEqual(s.fused, 'linear');
    const ce = mean(s.output.map((row, i) => -Math.log(clip(row[s.targets[i].indexOf(1)]))));
    assertClose(s.numbers.loss, ce, 1e-4, 'trained loss = clipped cross-entropy of the ReLU outputs');
    assert.ok(
      s.output.some((row, i) => row[s.targets[i].indexOf(1)] <= 0),
      'some true-class outputs are 0: they cost −ln 1e-7 and pass no gradient',
    );
  });
});
