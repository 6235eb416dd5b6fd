// Optimizers leave nothing behind once disposed (TensorFlow.js's momentum optimizer forgets its learning rate), and
// the Adam family (AMSGrad, AdamW, NAdam, AdaMax), Adadelta and RMSprop follow their reference step by step: the
// trajectories in test/fixtures/optimizers/reference.json come from PyTorch in float64 (make_reference.py, the script
// that made them; NAdam there follows torch.optim.NAdam's documented rule, since Debian's torch 1.13 double-counts one
// μ_t; RMSprop is checked against torch.optim.RMSprop where its rule and TensorFlow's agree, and against TensorFlow's
// rule written with torch operations where they differ). The one-cycle schedule's learning rates and momenta, and
// whole trajectories with momentum cycled, come from torch.optim.lr_scheduler.OneCycleLR.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { learningRateAt, momentumAt } from '../../src/training/engine/optim/schedule';
import type { OptimizerSpec, ScheduleSpec } from '../../src/training/spec/types';
import { optimizerSpec, parsedSpec, smallClassifier, useBackend } from './support/specs';

const BASE: OptimizerSpec = optimizerSpec();

/** The parser's one-cycle defaults (PyTorch's; specParse.test checks them), which each reference case overrides. */
const ONE_CYCLE: ScheduleSpec = parsedSpec(smallClassifier({ training: { schedule: 'oneCycle' } })).training.schedule;

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
    { type: 'adadelta' },
    { type: 'rmsprop', centered: true },
    { type: 'rmsprop', centered: true, momentum: 0.9, rho: 0.5 },
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

  type CaseSpec = Partial<OptimizerSpec> & { learningRates?: number[] };
  interface Reference {
    w0: number[];
    grads: number[][];
    learningRates: number[];
    epsilon: number;
    cases: { name: string; spec: CaseSpec; weights: number[][] }[];
    oneCycle: {
      curves: { totalSteps: number; schedule: Partial<ScheduleSpec>; learningRates: number[]; momenta: number[] }[];
      runs: { name: string; spec: Partial<OptimizerSpec>; schedule: Partial<ScheduleSpec>; weights: number[][] }[];
    };
  }
  const reference = JSON.parse(
    fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/optimizers/reference.json'), 'utf8'),
  ) as Reference;

  const close = (got: number, want: number, what: string): void =>
    assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${what}: ${got} vs torch ${want}`);

  for (const c of reference.cases) {
    it(`${c.name} matches the PyTorch reference step by step (learning rate changed between steps), state stays bounded`, () => {
      const w = tf.variable(tf.tensor1d(reference.w0), true, `ref_${c.name}_${Math.random().toString(36).slice(2)}`);
      const { learningRates = reference.learningRates, ...spec } = c.spec;
      const { optimizer, setLearningRate } = makeOptimizer({
        ...BASE,
        weightDecay: c.spec.type === 'adamw' ? 0.01 : 0,
        epsilon: reference.epsilon,
        ...spec,
        learningRate: learningRates[0],
      });
      let afterFirst = 0;
      reference.grads.forEach((grad, t) => {
        setLearningRate(learningRates[t]);
        const g = tf.tensor1d(grad);
        optimizer.applyGradients({ [w.name]: g });
        g.dispose();
        if (t === 0) afterFirst = tf.memory().numTensors;
        else assert.strictEqual(tf.memory().numTensors, afterFirst, `tensors grew at step ${t + 1}`);
        const got = Array.from(w.dataSync());
        c.weights[t].forEach((want, i) => close(got[i], want, `${c.name} step ${t + 1} weight ${i}`));
      });
      optimizer.dispose();
      w.dispose();
    });
  }

  for (const c of reference.oneCycle.curves) {
    const schedule = { ...ONE_CYCLE, ...c.schedule } as ScheduleSpec;
    it(`oneCycle ${JSON.stringify(c.schedule)} over ${c.totalSteps} steps: learning rate and momentum at every step match OneCycleLR`, () => {
      const ctx = { baseLearningRate: 1, stepsPerEpoch: 1, totalSteps: c.totalSteps };
      c.learningRates.forEach((want, step) => close(learningRateAt(schedule, ctx, step), want, `lr at step ${step}`));
      c.momenta.forEach((want, step) => close(momentumAt(schedule, ctx, step) ?? NaN, want, `momentum at step ${step}`));
    });
  }

  for (const r of reference.oneCycle.runs) {
    it(`${r.name} under oneCycle with momentum cycled follows PyTorch's trajectory step by step`, () => {
      const schedule = { ...ONE_CYCLE, ...r.schedule } as ScheduleSpec;
      const ctx = { baseLearningRate: 1, stepsPerEpoch: 1, totalSteps: reference.grads.length };
      const w = tf.variable(tf.tensor1d(reference.w0), true, `cycle_${r.name}_${Math.random().toString(36).slice(2)}`);
      const { optimizer, setLearningRate, setMomentum } = makeOptimizer({ ...BASE, epsilon: reference.epsilon, ...r.spec }, true);
      assert.ok(setMomentum, `${r.name} has a momentum to cycle`);
      reference.grads.forEach((grad, t) => {
        setLearningRate(learningRateAt(schedule, ctx, t));
        setMomentum(momentumAt(schedule, ctx, t) ?? NaN);
        const g = tf.tensor1d(grad);
        optimizer.applyGradients({ [w.name]: g });
        g.dispose();
        const got = Array.from(w.dataSync());
        r.weights[t].forEach((want, i) => close(got[i], want, `${r.name} step ${t + 1} weight ${i}`));
      });
      optimizer.dispose();
      w.dispose();
    });
  }

  it('setMomentum is offered exactly to the optimizers with a momentum (plain sgd, adagrad, adadelta have none)', () => {
    const offered = (c: Partial<OptimizerSpec>): boolean => {
      const o = makeOptimizer({ ...BASE, ...c }, true);
      o.optimizer.dispose();
      return o.setMomentum !== undefined;
    };
    const withOrWithout: Partial<OptimizerSpec>[] = [
      { type: 'sgd' },
      { type: 'sgd', momentum: 0.5 },
      { type: 'rmsprop' },
      { type: 'rmsprop', momentum: 0.5 },
    ];
    assert.deepStrictEqual(withOrWithout.map(offered), [false, true, false, true]);
    for (const type of ['adam', 'adamw', 'nadam', 'adamax'] as const) assert.ok(offered({ type }), type);
    for (const type of ['adagrad', 'adadelta'] as const) assert.ok(!offered({ type }), type);
  });

  it("adadelta's first step with the defaults is √(ε/(1−ρ))·lr ≈ 0.0032; tf.train.adadelta's is a whole gradient step", () => {
    const firstStep = (opt: tf.Optimizer): number => {
      const w = tf.variable(tf.tensor1d([0]), true, `first_${Math.random().toString(36).slice(2)}`);
      const g = tf.tensor1d([2]);
      opt.applyGradients({ [w.name]: g });
      const step = -w.dataSync()[0];
      tf.dispose([g, w]);
      opt.dispose();
      return step;
    };
    const ours = firstStep(makeOptimizer({ ...BASE, type: 'adadelta', learningRate: 1, epsilon: 1e-6 }).optimizer);
    assert.ok(Math.abs(ours - (Math.sqrt(1e-6) / Math.sqrt(0.1 * 4 + 1e-6)) * 2) < 1e-7, `${ours}`);
    assert.ok(Math.abs(ours - Math.sqrt(1e-6 / 0.1)) < 1e-5, `${ours}`);
    assert.ok(Math.abs(firstStep(tf.train.adadelta(1, 0.9, 1e-6)) - 2) < 1e-5);
  });

  it('centered rmsprop keeps a weight whose gradient stays 0 finite (tf.train.rmsprop takes √(ms − mg² − ε) there)', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, `zero_${Math.random().toString(36).slice(2)}`);
    const { optimizer } = makeOptimizer({ ...BASE, type: 'rmsprop', learningRate: 0.01, centered: true, momentum: 0.9 });
    for (let t = 0; t < 3; t++) {
      const g = tf.tensor1d([0, 0.5]);
      optimizer.applyGradients({ [w.name]: g });
      g.dispose();
    }
    const [still, moved] = Array.from(w.dataSync());
    assert.strictEqual(still, 1);
    assert.ok(Number.isFinite(moved) && moved < 2, `the other weight moved down: ${moved}`);
    optimizer.dispose();
    w.dispose();
  });

  for (const type of ['adamw', 'nadam', 'adamax', 'adadelta', 'rmsprop'] as const) {
    it(`${type}: its state saved after 3 steps and loaded into a fresh optimizer continues the same trajectory`, async () => {
      const spec: OptimizerSpec = {
        ...BASE,
        type,
        learningRate: 0.01,
        weightDecay: 0.1,
        amsgrad: type === 'adamw',
        momentum: 0.5,
        centered: true,
      };
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
