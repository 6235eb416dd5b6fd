// A measured step keeps the weights as they were before the update without copying them (wasm, cpu): the old
// values must survive the optimizer's assign, reach the update statistics, and be freed after the step.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/training/engine/model/buildModel';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep } from '../../src/training/engine/step';
import { parsedSpec, smallClassifier, withBackend } from './support/specs';

describe('measured step memory', () => {
  withBackend();

  for (const backend of ['wasm', 'cpu']) {
    it(`reports ‖ΔW‖ from the weights before the update and frees them after (${backend})`, async () => {
      await tf.setBackend(backend);
      const spec = parsedSpec(smallClassifier({ training: { optimizer: { type: 'adam', learningRate: 0.05 } } }));
      const built = buildModel(spec, 1);
      const { optimizer } = makeOptimizer(spec.training.optimizer);
      const x = tf.randomNormal([16, 2], 0, 1, 'float32', 1);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3).toFloat();
      const step = async (): Promise<{ numbers: ReturnType<typeof unpackStep>; old: Float32Array[]; now: Float32Array[] }> => {
        const old = built.weighted.map((l) => l.kernel.read().dataSync() as Float32Array);
        const { packed, layout } = runStep(built, optimizer, spec.training, x, y, true);
        const numbers = unpackStep(built, layout, await packed.data());
        packed.dispose();
        const now = built.weighted.map((l) => l.kernel.read().dataSync() as Float32Array);
        return { numbers, old, now };
      };
      await step(); // optimizer slots are created on the first step
      const tensors = tf.memory().numTensors;
      const bytes = tf.memory().numBytes;
      for (let i = 0; i < 3; i++) {
        const { numbers, old, now } = await step();
        numbers.layers!.forEach((l, k) => {
          const delta = Math.sqrt(now[k].reduce((s, v, j) => s + (v - old[k][j]) ** 2, 0));
          const oldNorm = Math.sqrt(old[k].reduce((s, v) => s + v * v, 0));
          assert.ok(delta > 0, 'the weights moved');
          assert.ok(
            Math.abs(l.updateRatio - delta / oldNorm) <= 1e-4 * (delta / oldNorm),
            `layer ${k}: ${l.updateRatio} vs ${delta / oldNorm}`,
          );
        });
      }
      assert.strictEqual(tf.memory().numTensors, tensors, 'no tensor kept past the step');
      assert.strictEqual(tf.memory().numBytes, bytes, 'no bytes kept past the step');
      tf.dispose([x, y]);
      built.model.dispose();
      optimizer.dispose();
    });
  }
});
