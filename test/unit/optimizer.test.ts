// Optimizers leave nothing behind once disposed (TensorFlow.js's momentum optimizer forgets its learning rate).
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import type { OptimizerSpec } from '../../src/training/spec/types';
import { useBackend } from './support/specs';

const BASE: OptimizerSpec = {
  type: 'sgd',
  learningRate: 0.1,
  momentum: 0,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
};

describe('optimizers', () => {
  before(useBackend);

  const cases: Partial<OptimizerSpec>[] = [
    { type: 'sgd' },
    { type: 'sgd', momentum: 0.9 },
    { type: 'sgd', momentum: 0.9, nesterov: true },
    { type: 'adam' },
    { type: 'rmsprop', momentum: 0.5 },
    { type: 'adagrad' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c)}: a step and a learning-rate change, then dispose, leave no tensor`, () => {
      const before = tf.memory().numTensors;
      const w = tf.tidy(() => tf.variable(tf.ones([3]), true, `w_${Math.random().toString(36).slice(2)}`));
      const { optimizer, setLearningRate } = makeOptimizer({ ...BASE, ...c });
      const g = tf.fill([3], 0.5);
      optimizer.applyGradients({ [w.name]: g });
      setLearningRate(0.01);
      optimizer.applyGradients({ [w.name]: g });
      optimizer.dispose();
      tf.dispose([g, w]);
      assert.strictEqual(tf.memory().numTensors, before);
    });
  }
});
