// The learning-rate range test's arithmetic (pure, no tensors): the geometric rate of each step, the smoothed loss
// and its stop rule, and the suggestion read off the smoothed curve. Rules as in fastai's LRFinder (Smith 2015,
// "Cyclical Learning Rates"; Howard & Gugger): EMA β = 0.98 with bias correction, stop once the smoothed loss exceeds
// 4× its minimum, suggest the steepest descent of the smoothed loss against log(lr), second opinion min-loss/10.
import type { LrFindEvent, LrFindPoint, LrFindSettings } from '../../shared/engineProtocol';
import { fmt } from '../format';

/** EMA weight of the past: each new loss counts 2%, so the curve averages about the last 50 steps. */
const SMOOTHING_BETA = 0.98;
/** The test stops once the smoothed loss exceeds this multiple of its minimum: the rate is far too high by then. */
const DIVERGENCE_FACTOR = 4;

/** Learning rate of 0-based step `step`: start·(end/start)^(step/(steps−1)), so the first step runs at start, the last at end. */
export function rangeTestRate(settings: LrFindSettings, step: number): number {
  return settings.start * Math.pow(settings.end / settings.start, step / (settings.steps - 1));
}

/** The loss smoothed as the test goes: an exponential moving average, bias-corrected, and its minimum so far. */
export class LossSmoother {
  private average = 0;
  private count = 0;
  /** Smallest smoothed loss so far. */
  best = Infinity;

  /** Adds a batch loss; returns the smoothed loss after it. */
  add(loss: number): number {
    this.count++;
    this.average = SMOOTHING_BETA * this.average + (1 - SMOOTHING_BETA) * loss;
    // Bias correction: the average starts at 0, so early on it is divided by the weight its terms add up to.
    const smoothed = this.average / (1 - Math.pow(SMOOTHING_BETA, this.count));
    if (smoothed < this.best) this.best = smoothed;
    return smoothed;
  }

  /** True when `smoothed` is past the stop rule (above 4× the minimum) or is no number at all. */
  diverged(smoothed: number): boolean {
    return !Number.isFinite(smoothed) || smoothed > DIVERGENCE_FACTOR * this.best;
  }
}

/** Two significant digits: the rates are a geometric grid, so more digits would only print noise. */
function round2(x: number): number {
  return Number(x.toPrecision(2));
}

/**
 * A descent smaller than this fraction of the smoothed loss where the reading starts is no descent. Measured on the
 * examples and the diagnosis benchmark's specs (default test): models that do not learn in 100 steps fall by 0–4%
 * (deep-sigmoid 3.3%, highway-deep 1.4%, the circles specs under 1%, groupnorm-small-batch 4.0%), models that do
 * fall by 7% or more (the EMA lags, so a short real descent before a blow-up shows as 9%: lr-too-high-rmsprop-spiral).
 */
const MIN_DROP = 0.05;

/**
 * The index of the steepest descent of the smoothed loss against log(lr) between `from` and `to`, or undefined when
 * the loss does not go down there. The slope at i is the central difference over ±span steps (span shrunk to fit),
 * so i stays at least span steps before `to`. Why not step to step: the EMA moves by (1 − β)·(loss − average) per
 * step, so a one-step slope is one batch's luck; over ±span steps it is the mean of 2·span batches.
 */
function steepestDescent(points: readonly LrFindPoint[], from: number, to: number, wantedSpan: number): number | undefined {
  const span = Math.min(wantedSpan, Math.floor((to - from) / 2));
  if (span < 1) return undefined;
  let best: number | undefined;
  let bestSlope = 0;
  for (let i = from + span; i <= to - span; i++) {
    const [lo, hi] = [points[i - span], points[i + span]];
    const slope = (hi.smoothedLoss - lo.smoothedLoss) / (Math.log(hi.learningRate) - Math.log(lo.learningRate));
    if (slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  return best;
}

export type RangeTestReading = Pick<
  LrFindEvent,
  'suggestion' | 'minLossLearningRate' | 'secondOpinion' | 'conclusive' | 'warning'
>;

/**
 * Reads a finished test's points (at least one). Like fastai, the reading skips the first tenth of the planned
 * steps (an average of a handful of batches is still noisy: one lucky first batch would be "the minimum"). The
 * minimum is the smoothed loss's; the steepest descent is looked for between the start of the reading and that
 * minimum, with slopes over ±1/12 of the planned steps (±8 of 100: 4e-3 to 7e-3 on the healthy spiral example
 * whether the test takes 60 or 100 steps, where one-step slopes jumped to a lucky batch at 0.17).
 * Inconclusive (`conclusive` false, the suggestion falls back to min-loss/10 and `warning` says why): the test blew
 * up inside its first tenth, or the smoothed loss never fell by 5% of where the reading starts.
 */
export function readRangeTest(
  points: readonly LrFindPoint[],
  settings: LrFindSettings,
  stopReason: LrFindEvent['stopReason'],
): RangeTestReading {
  const skip = Math.floor(settings.steps / 10);
  const early = points.length <= skip;
  const from = early ? 0 : skip;
  let min = from;
  for (let i = from; i < points.length; i++) if (points[i].smoothedLoss < points[min].smoothedLoss) min = i;
  const minLossLearningRate = points[min].learningRate;
  const secondOpinion = { learningRate: round2(minLossLearningRate / 10), method: 'minLoss/10' as const };
  const inconclusive = (warning: string): RangeTestReading => ({
    suggestion: { ...secondOpinion },
    minLossLearningRate,
    secondOpinion,
    conclusive: false,
    warning,
  });
  const last = points[points.length - 1].learningRate;
  if (early && stopReason !== 'completed')
    return inconclusive(
      `the loss blew up within the first tenth of the test (by learning rate ${fmt(last)}): there is no descent to ` +
        'read. Start lower (--start), or, if the rate was already tiny, look at what else makes the loss blow up ' +
        '(initialisation, inputs, gradient clipping; `gradscope train` diagnoses it).',
    );
  const first = points[from].smoothedLoss;
  const drop = (first - points[min].smoothedLoss) / Math.abs(first);
  const steepest =
    drop >= MIN_DROP ? steepestDescent(points, from, min, Math.max(1, Math.round(settings.steps / 12))) : undefined;
  if (steepest === undefined)
    return inconclusive(
      `the smoothed loss did not fall by ${MIN_DROP * 100}% at any learning rate from ${fmt(points[from].learningRate)} ` +
        `to ${fmt(last)} (from ${fmt(first)} to at best ${fmt(points[min].smoothedLoss)}): no clear descent to read, ` +
        'so the suggestion is only the min-loss/10 rule. The diagnoses of `gradscope train` (vanishing gradients, ' +
        'saturation, dead units) may say why the loss does not fall.',
    );
  return {
    suggestion: { learningRate: round2(points[steepest].learningRate), method: 'steepest' },
    minLossLearningRate,
    secondOpinion,
    conclusive: true,
  };
}
