// Augmentation in a real (tiny) run: the same spec and seed give bit-identical steps, the augmented training
// batches differ from the plain ones, and validation data are left alone: with a learning rate too small to move the
// weights, the validation loss is the same with or without augmentation while the training loss is not.
import * as assert from 'node:assert/strict';
import { engineRun } from './support/engineRuns';
import { useBackend } from './support/specs';

function mnistSpec(augmentation?: object): object {
  return {
    name: 'augment-run',
    seed: 5,
    data: { dataset: 'mnist', samples: 100, ...(augmentation ? { augmentation } : {}) },
    model: {
      inputShape: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu' },
        { type: 'maxPooling2d' },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    },
    // A rate this small leaves the weights where they started, so validation sees the same model in every run.
    training: { epochs: 2, batchSize: 20, optimizer: { type: 'sgd', learningRate: 1e-9 }, measureEvery: 1 },
  };
}

const AUGMENTATION = { shift: 3, rotation: 20, zoom: 0.2, noise: 0.5, cutout: 10 };

describe('augmentation in training', () => {
  before(useBackend);

  it('is deterministic, changes the training batches and leaves validation alone', async () => {
    const plain = await engineRun(mnistSpec());
    const augmented = await engineRun(mnistSpec(AUGMENTATION));
    const again = await engineRun(mnistSpec(AUGMENTATION));
    assert.equal(augmented.end.status, 'completed');
    assert.deepEqual(
      again.steps.map((s) => s.loss),
      augmented.steps.map((s) => s.loss),
    );
    // Every training step sees other inputs, so its loss differs.
    augmented.steps.forEach((s, i) => assert.notEqual(s.loss, plain.steps[i].loss, `step ${i}`));
    // Per epoch: validation loss as without augmentation (same weights, untouched data), training loss not.
    for (const [i, e] of augmented.epochs.entries()) {
      assert.ok(Math.abs(e.valLoss - plain.epochs[i].valLoss) < 1e-6, `epoch ${i}: ${e.valLoss} vs ${plain.epochs[i].valLoss}`);
      assert.ok(Math.abs(e.loss - plain.epochs[i].loss) > 1e-3, `epoch ${i} training loss ${e.loss} vs ${plain.epochs[i].loss}`);
    }
  });
});
