// Optimizers leave nothing behind once disposed (TensorFlow.js's momentum optimizer forgets its learning rate), and
// the Adam family (AMSGrad, AdamW, NAdam, AdaMax) follows torch.optim step by step: the reference trajectories in
// test/fixtures/optimizers/reference.json come from PyTorch in float64 (make_reference.py, the script that made them;
// NAdam there follows torch.optim.NAdam's documented rule, since Debian's torch 1.13 double-counts one μ_t).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
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
  amsgrad: false,
  weightDecay: 0,
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
    { type: 'adam', amsgrad: true },
    { type: 'adamw', weightDecay: 0.01 },
    { type: 'adamw', weightDecay: 0.01, amsgrad: true },
    { type: 'nadam' },
    { type: 'adamax' },
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

  interface Reference {
    w0: number[];
    grads: number[][];
    learningRates: number[];
    epsilon: number;
    cases: { name: string; spec: Partial<OptimizerSpec>; weights: number[][] }[];
  }
  const reference = JSON.parse(
    fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/optimizers/reference.json'), 'utf8'),
  ) as Reference;

  for (const c of reference.cases) {
    it(`${c.name} matches the PyTorch reference step by step (learning rate changed between steps), state stays bounded`, () => {
      const w = tf.variable(tf.tensor1d(reference.w0), true, `ref_${c.name}_${Math.random().toString(36).slice(2)}`);
      const { optimizer, setLearningRate } = makeOptimizer({
        ...BASE,
        weightDecay: c.spec.type === 'adamw' ? 0.01 : 0,
        ...c.spec,
        learningRate: reference.learningRates[0],
        epsilon: reference.epsilon,
      });
      let afterFirst = 0;
      reference.grads.forEach((grad, t) => {
        setLearningRate(reference.learningRates[t]);
        const g = tf.tensor1d(grad);
        optimizer.applyGradients({ [w.name]: g });
        g.dispose();
        if (t === 0) afterFirst = tf.memory().numTensors;
        else assert.strictEqual(tf.memory().numTensors, afterFirst, `tensors grew at step ${t + 1}`);
        const got = Array.from(w.dataSync());
        c.weights[t].forEach((want, i) => {
          assert.ok(
            Math.abs(got[i] - want) <= 1e-5 * Math.max(1, Math.abs(want)),
            `${c.name} step ${t + 1} weight ${i}: ${got[i]} vs torch ${want}`,
          );
        });
      });
      optimizer.dispose();
      w.dispose();
    });
  }

  for (const type of ['adamw', 'nadam', 'adamax'] as const) {
    it(`${type}: its state saved after 3 steps and loaded into a fresh optimizer continues the same trajectory`, async () => {
      const spec: OptimizerSpec = { ...BASE, type, learningRate: 0.01, weightDecay: 0.1, amsgrad: type === 'adamw' };
      const name = (tag: string): string => `state_${tag}_${Math.random().toString(36).slice(2)}`;
      const steps = (w: tf.Variable, opt: tf.Optimizer, grads: number[][]): void => {
        for (const grad of grads) {
          const g = tf.tensor1d(grad);
          opt.applyGradients({ [w.name]: g });
          g.dispose();
        }
      };
      const a = tf.variable(tf.tensor1d(reference.w0), true, name('a'));
      const one = makeOptimizer(spec).optimizer;
      steps(a, one, reference.grads);

      const b = tf.variable(tf.tensor1d(reference.w0), true, name('b'));
      const first = makeOptimizer(spec).optimizer;
      steps(b, first, reference.grads.slice(0, 3));
      // The saved slots are named after b; the fresh optimizer reads them back for b.
      const saved = await first.getWeights();
      const second = makeOptimizer(spec).optimizer;
      await second.setWeights(saved);
      first.dispose();
      steps(b, second, reference.grads.slice(3));
      const [wa, wb] = [Array.from(a.dataSync()), Array.from(b.dataSync())];
      wa.forEach((x, i) => assert.ok(Math.abs(x - wb[i]) <= 1e-6, `${type} weight ${i}: ${wb[i]} vs ${x}`));
      tf.dispose([a, b, saved[0].tensor]);
      one.dispose();
      second.dispose();
    });
  }
});
