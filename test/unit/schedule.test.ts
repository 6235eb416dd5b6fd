// Learning-rate schedules as pure functions of the step.
import * as assert from 'assert';
import { learningRateAt } from '../../src/training/engine/optim/schedule';

const ctx = { baseLearningRate: 0.1, stepsPerEpoch: 10, totalSteps: 100 };
const near = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe('learning-rate schedules', () => {
  it('constant', () => near(learningRateAt({ type: 'constant' }, ctx, 57), 0.1));

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
});
