// The learning-rate range test's arithmetic (pure, no tensors): the geometric rate of each step, the smoothed loss
// and its stop rule, and the suggestion read off the smoothed curve. Rules as in fastai's LRFinder (Smith 2015,
// "Cyclical Learning Rates"; Howard & Gugger): EMA β = 0.98 with bias correction, stop once the smoothed loss exceeds
// 4× its minimum, suggest the steepest descent of the smoothed loss against log(lr), second opinion min-loss/10.
import type { LrFindEvent, LrFindPoint, LrFindSettings } from '../../shared/engineProtocol';

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
 * The index of the steepest descent of the smoothed loss against log(lr), looked for from `from` to `to`
 * (inclusive), or undefined when the loss does not go down there. The slope at i is a central difference over
 * ±`span` steps (one-sided at the ends), so a wiggle of one step cannot make the steepest point by itself.
 */
function steepestDescent(points: readonly LrFindPoint[], from: number, to: number, span: number): number | undefined {
  let best: number | undefined;
  let bestSlope = 0;
  for (let i = from; i <= to; i++) {
    const lo = Math.max(from, i - span);
    const hi = Math.min(to, i + span);
    if (hi === lo) continue;
    const slope =
      (points[hi].smoothedLoss - points[lo].smoothedLoss) /
      (Math.log(points[hi].learningRate) - Math.log(points[lo].learningRate));
    if (slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  return best;
}

export type RangeTestReading = Pick<LrFindEvent, 'suggestion' | 'minLossLearningRate' | 'secondOpinion'>;

/**
 * Reads a finished test's points (at least one). The minimum is the smoothed loss's; the steepest descent is searched
 * between the first tenth of the planned steps (the average of a handful of losses is still noisy there; fastai skips
 * them too) and that minimum, over spans of ±1 step per 50 planned. When the loss never goes down there, the
 * suggestion falls back to min-loss/10 and says so in its `method`.
 */
export function readRangeTest(points: readonly LrFindPoint[], plannedSteps: number): RangeTestReading {
  let min = 0;
  points.forEach((p, i) => {
    if (p.smoothedLoss < points[min].smoothedLoss) min = i;
  });
  const minLossLearningRate = points[min].learningRate;
  const secondOpinion = { learningRate: round2(minLossLearningRate / 10), method: 'minLoss/10' as const };
  const skip = Math.min(Math.floor(plannedSteps / 10), min);
  const steepest = steepestDescent(points, skip, min, Math.max(1, Math.round(plannedSteps / 50)));
  const suggestion =
    steepest === undefined
      ? { ...secondOpinion }
      : { learningRate: round2(points[steepest].learningRate), method: 'steepest' as const };
  return { suggestion, minLossLearningRate, secondOpinion };
}
