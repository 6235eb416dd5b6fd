// The range test's arithmetic on constructed curves (no training): the geometric rates, the bias-corrected EMA
// (checked against its closed form, a weighted mean), the stop rule, and the suggestion read off a curve whose
// steepest point and minimum are known.
import * as assert from 'assert';
import type { LrFindPoint, LrFindSettings } from '../../src/shared/engineProtocol';
import { LossSmoother, rangeTestRate, readRangeTest } from '../../src/training/engine/lrFindCurve';

const SETTINGS: LrFindSettings = { start: 1e-7, end: 10, steps: 100 };

/** Points whose smoothed loss is given directly (the reading only looks at smoothedLoss and learningRate). */
function curve(
  settings: LrFindSettings,
  smoothed: (log10Lr: number, step: number) => number,
  count = settings.steps,
): LrFindPoint[] {
  return Array.from({ length: count }, (_, i) => {
    const learningRate = rangeTestRate(settings, i);
    const s = smoothed(Math.log10(learningRate), i);
    return { learningRate, loss: s, smoothedLoss: s };
  });
}

const close = (a: number, b: number, rel: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

describe('lr-find curve', () => {
  it('the rate rises geometrically from start (step 0) to end (last step)', () => {
    assert.strictEqual(rangeTestRate(SETTINGS, 0), 1e-7);
    close(rangeTestRate(SETTINGS, 99), 10, 1e-12, 'last step');
    const ratio = rangeTestRate(SETTINGS, 1) / rangeTestRate(SETTINGS, 0);
    for (let i = 1; i < 99; i++) close(rangeTestRate(SETTINGS, i + 1) / rangeTestRate(SETTINGS, i), ratio, 1e-9, `ratio at ${i}`);
    close(ratio, Math.pow(1e8, 1 / 99), 1e-12, 'ratio');
  });

  it('the smoothed loss is the bias-corrected EMA (β = 0.98): a weighted mean with weights 0.98^(age)', () => {
    const losses = [2.3, 2.1, 2.4, 1.9, 1.7, 1.8, 1.2, 1.5, 0.9, 1.1, 0.7, 0.8];
    const smoother = new LossSmoother();
    losses.forEach((loss, n) => {
      const got = smoother.add(loss);
      let num = 0;
      let den = 0;
      for (let k = 0; k <= n; k++) {
        const w = Math.pow(0.98, n - k);
        num += w * losses[k];
        den += w;
      }
      close(got, num / den, 1e-12, `step ${n}`);
    });
    assert.strictEqual(new LossSmoother().add(3.5), 3.5, 'the first smoothed loss is the first loss');
  });

  it('stops once the smoothed loss exceeds 4× its minimum, or is not a number', () => {
    const smoother = new LossSmoother();
    smoother.add(1);
    assert.strictEqual(smoother.best, 1);
    assert.strictEqual(smoother.diverged(4), false);
    assert.strictEqual(smoother.diverged(4.0001), true);
    assert.strictEqual(smoother.diverged(NaN), true);
    assert.strictEqual(smoother.diverged(Infinity), true);
  });

  it('suggests the steepest descent of the smoothed loss (before its minimum) and min-loss/10 as second opinion', () => {
    // Flat at 2, a tanh descent centred at lr 1e-3 (log10 −3) down to 0.5, then a rise after 1e-1.
    const points = curve(SETTINGS, (u) => 1.25 - 0.75 * Math.tanh((u + 3) / 0.6) + (u > -1 ? 3 * (u + 1) ** 2 : 0));
    const reading = readRangeTest(points, SETTINGS, 'diverged');
    assert.strictEqual(reading.conclusive, true);
    assert.strictEqual(reading.suggestion.method, 'steepest');
    // The grid has 99 steps over 8 decades: the steepest grid point is within half a step (0.04 decade) of 1e-3.
    assert.ok(Math.abs(Math.log10(reading.suggestion.learningRate) + 3) < 0.05, `suggestion ${reading.suggestion.learningRate}`);
    const minIndex = points.reduce((m, p, i) => (p.smoothedLoss < points[m].smoothedLoss ? i : m), 0);
    assert.strictEqual(reading.minLossLearningRate, points[minIndex].learningRate);
    assert.strictEqual(reading.secondOpinion.method, 'minLoss/10');
    close(reading.secondOpinion.learningRate, points[minIndex].learningRate / 10, 0.05, 'second opinion (2 significant digits)');
    assert.ok(reading.suggestion.learningRate < reading.minLossLearningRate, 'the suggestion lies before the minimum');
  });

  it('one lucky batch does not move the suggestion: slopes span ±8 of 100 steps', () => {
    // A gentle descent (at most 0.375 per decade, at 1e-3) and one batch 0.1 low at step 37 (lr 1e-4): its one-step
    // slope, −0.1 over 0.08 decade, is over three times the true steepest; over ±8 steps it is diluted below it.
    const base = (u: number): number => 1.25 - 0.75 * Math.tanh((u + 3) / 2) + (u > -1 ? 3 * (u + 1) ** 2 : 0);
    const points = curve(SETTINGS, (u, i) => base(u) - (i === 37 ? 0.1 : 0));
    const reading = readRangeTest(points, SETTINGS, 'diverged');
    assert.ok(Math.abs(Math.log10(reading.suggestion.learningRate) + 3) < 0.05, `suggestion ${reading.suggestion.learningRate}`);
  });

  it('skips the first tenth of the steps: a lucky first batch is not the minimum', () => {
    // The first 3 smoothed losses are low by luck; the real descent is around 1e-2.
    const points = curve(SETTINGS, (u, i) => (i < 3 ? 0.3 : 1.25 - 0.75 * Math.tanh((u + 2) / 0.5) + (u > 0 ? 2 * u ** 2 : 0)));
    const reading = readRangeTest(points, SETTINGS, 'completed');
    assert.strictEqual(reading.conclusive, true);
    assert.ok(reading.minLossLearningRate > 1e-2, `minimum at ${reading.minLossLearningRate}`);
    assert.ok(Math.abs(Math.log10(reading.suggestion.learningRate) + 2) < 0.05, `suggestion ${reading.suggestion.learningRate}`);
  });

  it('inconclusive when the loss never falls by 5%: the suggestion is only min-loss/10, with a warning', () => {
    // From 1.12 where the reading starts to 1.08 at best: a 3.5% fall.
    const points = curve(SETTINGS, (u) => 1.1 - 0.02 * Math.tanh(u + 2));
    const reading = readRangeTest(points, SETTINGS, 'completed');
    assert.strictEqual(reading.conclusive, false);
    assert.deepStrictEqual(reading.suggestion, reading.secondOpinion);
    assert.match(reading.warning ?? '', /did not fall by 5%/);
  });

  it('inconclusive when the loss blows up within the first tenth of the test', () => {
    const points = curve(SETTINGS, (_u, i) => 2 + 10 * i, 3);
    const reading = readRangeTest(points, SETTINGS, 'diverged');
    assert.strictEqual(reading.conclusive, false);
    assert.match(reading.warning ?? '', /blew up within the first tenth/);
    close(reading.secondOpinion.learningRate, 1e-8, 1e-9, 'a tenth of the first rate');
  });
});
