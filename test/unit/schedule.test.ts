// Learning-rate schedules as pure functions of the step.
import * as assert from 'assert';
import { learningRateAt, momentumAt } from '../../src/training/engine/optim/schedule';
import type { ScheduleSpec } from '../../src/training/spec/types';
import { parsedSpec, smallClassifier } from './support/specs';

const ctx = { baseLearningRate: 0.1, stepsPerEpoch: 10, totalSteps: 100 };
const near = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe('learning-rate schedules', () => {
  it('constant', () => near(learningRateAt({ type: 'constant' }, ctx, 57), 0.1));

  it('oneCycle: max/div at step 0, the peak at pctStart·total − 1, max/(div·finalDiv) at the last step; momentum inverse', () => {
    // The defaults (pctStart 0.3, divFactor 25, finalDivFactor 1e4, cos, momentum 0.95 → 0.85), as the parser fills them in.
    const s: ScheduleSpec = parsedSpec(smallClassifier({ training: { schedule: 'oneCycle' } })).training.schedule;
    assert.strictEqual(s.type, 'oneCycle');
    // Without maxLearningRate the optimizer's rate (0.1) is the peak.
    near(learningRateAt(s, ctx, 0), 0.1 / 25);
    near(learningRateAt(s, ctx, 29), 0.1);
    near(learningRateAt(s, ctx, 99), 0.1 / 25 / 1e4);
    near(learningRateAt({ ...s, maxLearningRate: 1 }, ctx, 29), 1);
    // Linear anneal: a straight line from max/div at step 0 to max at step 29.
    near(learningRateAt({ ...s, anneal: 'linear' }, ctx, 10), 0.004 + ((0.1 - 0.004) * 10) / 29);
    near(momentumAt(s, ctx, 0)!, 0.95);
    near(momentumAt(s, ctx, 29)!, 0.85);
    near(momentumAt(s, ctx, 99)!, 0.95);
    assert.strictEqual(momentumAt({ ...s, cycleMomentum: false }, ctx, 10), undefined);
    assert.strictEqual(momentumAt({ type: 'cosine', minLearningRate: 0 }, ctx, 10), undefined);
    const rates = Array.from({ length: 100 }, (_, i) => learningRateAt(s, ctx, i));
    assert.ok(
      rates.slice(1, 30).every((r, i) => r > rates[i]),
      'rising to the peak',
    );
    assert.ok(
      rates.slice(30).every((r, i) => r < rates[29 + i]),
      'falling after it',
    );
  });

  it('step: multiplies by factor every `every` epochs', () => {
    const s = { type: 'step', every: 3, factor: 0.5 } as const;
    near(learningRateAt(s, ctx, 29), 0.1);
    near(learningRateAt(s, ctx, 30), 0.05);
    near(learningRateAt(s, ctx, 65), 0.025);
  });

  it('exponential: decay per epoch, smooth within an epoch', () => {
    const s = { type: 'exponential', decay: 0.9 } as const;
    near(learningRateAt(s, ctx, 20), 0.1 * 0.81);
    near(learningRateAt(s, ctx, 5), 0.1 * Math.pow(0.9, 0.5));
  });

  it('cosine: from the base rate to the minimum over the run', () => {
    const s = { type: 'cosine', minLearningRate: 0.001 } as const;
    near(learningRateAt(s, ctx, 0), 0.1);
    near(learningRateAt(s, ctx, 50), 0.001 + (0.1 - 0.001) / 2);
    near(learningRateAt(s, ctx, 100), 0.001);
  });

  it('warmupCosine: linear warmup to the base rate, then cosine decay', () => {
    const s = { type: 'warmupCosine', warmupEpochs: 2, minLearningRate: 0 } as const;
    near(learningRateAt(s, ctx, 0), 0.1 / 20);
    near(learningRateAt(s, ctx, 19), 0.1);
    near(learningRateAt(s, ctx, 20), 0.1);
    near(learningRateAt(s, ctx, 60), 0.05);
    const rates = Array.from({ length: 100 }, (_, i) => learningRateAt(s, ctx, i));
    assert.ok(
      rates.slice(0, 20).every((r, i) => i === 0 || r > rates[i - 1]),
      'increasing during warmup',
    );
    assert.ok(
      rates.slice(20).every((r, i) => i === 0 || r <= rates[20 + i - 1]),
      'non-increasing after',
    );
  });

  // Each new schedule against its closed form written out here, at the first step, a boundary and the last step.
  const last = ctx.totalSteps - 1;

  it('power: η₀ / (1 + t/s)^c at the global step', () => {
    const s = { type: 'power', steps: 20, power: 0.5 } as const;
    near(learningRateAt(s, ctx, 0), 0.1);
    near(learningRateAt(s, ctx, 20), 0.1 / Math.sqrt(2)); // t = s: divided by 2^c
    near(learningRateAt(s, ctx, last), 0.1 / Math.sqrt(1 + 99 / 20));
    near(learningRateAt({ type: 'power', steps: 10, power: 2 }, ctx, 30), 0.1 / 16);
  });

  it('polynomial: from the base rate to endLearningRate over the run', () => {
    const s = { type: 'polynomial', endLearningRate: 0.001, power: 2 } as const;
    near(learningRateAt(s, ctx, 0), 0.1);
    near(learningRateAt(s, ctx, 50), (0.1 - 0.001) * 0.25 + 0.001);
    near(learningRateAt(s, ctx, last), (0.1 - 0.001) * Math.pow(1 / 100, 2) + 0.001);
    near(learningRateAt(s, ctx, ctx.totalSteps), 0.001);
    const linear = { type: 'polynomial', endLearningRate: 0, power: 1 } as const;
    near(learningRateAt(linear, ctx, 25), 0.075);
  });

  it('piecewise: the values themselves, switching when the boundary epoch starts', () => {
    const s = { type: 'piecewise', boundaries: [3, 7.5], values: [0.5, 0.05, 0.005] } as const;
    const sched = { ...s, boundaries: [...s.boundaries], values: [...s.values] };
    near(learningRateAt(sched, ctx, 0), 0.5); // the optimizer's rate (0.1) is not used
    near(learningRateAt(sched, ctx, 29), 0.5); // last step of epoch 2
    near(learningRateAt(sched, ctx, 30), 0.05); // first step of epoch 3
    near(learningRateAt(sched, ctx, 74), 0.05);
    near(learningRateAt(sched, ctx, 75), 0.005); // halfway through epoch 7
    near(learningRateAt(sched, ctx, last), 0.005);
    near(learningRateAt({ type: 'piecewise', boundaries: [], values: [0.02] }, ctx, last), 0.02);
  });
});
