// Learning-rate schedules as pure functions of the step.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { PlateauTracker } from '../../src/training/engine/optim/plateau';
import { learningRateAt, learningRatePlan, momentumAt } from '../../src/training/engine/optim/schedule';
import type { ScheduleSpec } from '../../src/training/spec/types';
import { parsedSpec, smallClassifier } from './support/specs';

interface PlateauCase {
  name: string;
  learningRate: number;
  factor: number;
  patience: number;
  minDelta: number;
  cooldown: number;
  minLearningRate: number;
  rates: number[];
}
// Made by test/fixtures/schedules/make_plateau_reference.py (Debian's torch 1.13, ReduceLROnPlateau).
const reference = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/schedules/plateau_reference.json'), 'utf8'),
) as { series: number[]; cases: PlateauCase[] };

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

  it('reduceOnPlateau: the rate the plateau tracker set, the optimizer rate before any reduction', () => {
    const s = { type: 'reduceOnPlateau', factor: 0.1, patience: 2, minDelta: 0, cooldown: 0, minLearningRate: 0 } as const;
    near(learningRateAt(s, ctx, 0), 0.1);
    near(learningRateAt(s, ctx, 70), 0.1);
    near(learningRateAt(s, ctx, 70, 0.001), 0.001);
  });

  describe('warm-up on every schedule', () => {
    // 2 epochs = 20 steps of warm-up from 0.01; the schedule's own clock starts at global step 20 and runs 80 steps.
    const warm = { warmupEpochs: 2, warmupStart: 0.01 };
    const after = { ...ctx, totalSteps: 80 };
    const plateau = { type: 'reduceOnPlateau', factor: 0.1, patience: 2, minDelta: 0, cooldown: 0, minLearningRate: 0 } as const;
    const schedules: ScheduleSpec[] = [
      { type: 'constant' },
      { type: 'step', every: 3, factor: 0.5 },
      { type: 'exponential', decay: 0.9 },
      { type: 'cosine', minLearningRate: 0.001 },
      { type: 'warmupCosine', minLearningRate: 0 },
      { type: 'power', steps: 20, power: 0.5 },
      { type: 'polynomial', endLearningRate: 0.001, power: 2 },
      { type: 'piecewise', boundaries: [3, 7.5], values: [0.5, 0.05, 0.005] },
      plateau,
    ];
    for (const base of schedules) {
      it(`${base.type}: linear from warmupStart to the schedule's first rate, then the schedule shifted by the warm-up`, () => {
        const s = { ...base, ...warm };
        const first = learningRateAt(base, after, 0);
        near(learningRateAt(s, ctx, 0), 0.01 + (first - 0.01) / 20);
        near(learningRateAt(s, ctx, 9), 0.01 + ((first - 0.01) * 10) / 20);
        near(learningRateAt(s, ctx, 19), first);
        for (const k of [20, 21, 45, 50, 75, 99]) near(learningRateAt(s, ctx, k), learningRateAt(base, after, k - 20));
      });
    }

    it('the shifted clock at named steps: step halves 3 epochs after warm-up, cosine reaches its floor at the end', () => {
      near(learningRateAt({ type: 'step', every: 3, factor: 0.5, ...warm }, ctx, 49), 0.1);
      near(learningRateAt({ type: 'step', every: 3, factor: 0.5, ...warm }, ctx, 50), 0.05);
      near(learningRateAt({ type: 'cosine', minLearningRate: 0.001, ...warm }, ctx, 60), 0.001 + (0.1 - 0.001) / 2);
      near(learningRateAt({ type: 'cosine', minLearningRate: 0.001, ...warm }, ctx, 100), 0.001);
      near(learningRateAt({ type: 'piecewise', boundaries: [3], values: [0.5, 0.05], ...warm }, ctx, 49), 0.5);
      near(learningRateAt({ type: 'piecewise', boundaries: [3], values: [0.5, 0.05], ...warm }, ctx, 50), 0.05);
    });

    it('warmupSteps counts global steps; warmupStart defaults to 0; a warm-up longer than the run is cut at its end', () => {
      const s = { type: 'constant', warmupSteps: 4 } as const;
      [0.025, 0.05, 0.075, 0.1, 0.1].forEach((lr, k) => near(learningRateAt(s, ctx, k), lr));
      near(learningRateAt({ type: 'constant', warmupSteps: 1000 }, ctx, 99), 0.1);
    });

    it('warmupCosine is cosine with its warm-up: the same curve at every step', () => {
      const a: ScheduleSpec = { type: 'warmupCosine', minLearningRate: 0.002, warmupEpochs: 1.5 };
      const b: ScheduleSpec = { type: 'cosine', minLearningRate: 0.002, warmupEpochs: 1.5 };
      for (let k = 0; k < 100; k++) assert.strictEqual(learningRateAt(a, ctx, k), learningRateAt(b, ctx, k));
    });

    it('reduceOnPlateau after warm-up runs at the rate the tracker set', () => {
      near(learningRateAt({ ...plateau, ...warm }, ctx, 19), 0.1);
      near(learningRateAt({ ...plateau, ...warm }, ctx, 60, 0.01), 0.01);
    });
  });

  describe('the planned curve (run-start learningRatePlan)', () => {
    it('every step of a run of at most 500 steps, equal to learningRateAt', () => {
      const s: ScheduleSpec = { type: 'cosine', minLearningRate: 0, warmupSteps: 10 };
      const plan = learningRatePlan(s, ctx);
      assert.ok(plan);
      assert.deepStrictEqual(
        plan.map((p) => p.step),
        Array.from({ length: 100 }, (_, i) => i),
      );
      plan.forEach((p) => assert.strictEqual(p.learningRate, learningRateAt(s, ctx, p.step)));
    });

    it('500 evenly spaced steps, first and last included, for a longer run', () => {
      const long = { ...ctx, totalSteps: 12345 };
      const plan = learningRatePlan({ type: 'exponential', decay: 0.9 }, long);
      assert.ok(plan);
      assert.strictEqual(plan.length, 500);
      assert.strictEqual(plan[0].step, 0);
      assert.strictEqual(plan[499].step, 12344);
      const gaps = plan.slice(1).map((p, i) => p.step - plan[i].step);
      assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, 'evenly spaced');
    });

    it('none for reduceOnPlateau, which reacts to the run', () => {
      const s = { type: 'reduceOnPlateau', factor: 0.1, patience: 2, minDelta: 0, cooldown: 0, minLearningRate: 0 } as const;
      assert.strictEqual(learningRatePlan(s, ctx), undefined);
    });
  });

  describe('reduceOnPlateau against PyTorch ReduceLROnPlateau (test/fixtures/schedules/plateau_reference.json)', () => {
    for (const c of reference.cases) {
      it(c.name, () => {
        const spec = { ...c, type: 'reduceOnPlateau' } as const;
        const tracker = new PlateauTracker(spec, c.learningRate);
        const rates = reference.series.map((loss) => {
          tracker.update(loss);
          return tracker.learningRate;
        });
        rates.forEach((r, i) =>
          assert.ok(Math.abs(r - c.rates[i]) <= 1e-12 * c.learningRate, `epoch ${i}: ${r} vs ${c.rates[i]}`),
        );
        assert.ok(new Set(c.rates).size > 1, 'the case lowers the rate at least once');
      });
    }

    it('reports each reduction with the rates before and after and the best loss', () => {
      const spec = { type: 'reduceOnPlateau', factor: 0.5, patience: 1, minDelta: 0, cooldown: 0, minLearningRate: 0 } as const;
      const tracker = new PlateauTracker(spec, 0.2);
      assert.strictEqual(tracker.update(1), undefined);
      assert.strictEqual(tracker.update(0.9), undefined);
      assert.strictEqual(tracker.update(0.95), undefined); // 1 bad epoch: not more than patience
      assert.deepStrictEqual(tracker.update(0.91), { previousLearningRate: 0.2, learningRate: 0.1, best: 0.9 });
      assert.strictEqual(tracker.update(0.92), undefined); // the count restarted
    });
  });
});
