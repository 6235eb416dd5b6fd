// divergence: the loss climbs away instead of falling — usually the run is minutes from NaN. Fires when the 5-step
// median loss, above 3× its best value so far and above the untrained model's loss, has climbed on 3 steps; the
// median ignores single-batch spikes, the climbing rule a spike that turns back. The learning rate comes first
// among the fixes.
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { diagnostic } from '../context';
import type { Detector } from '../detector';
import { instabilityFixes } from '../instabilityFixes';
import { baseLearningRate, learningRatePointer } from '../trainingFacts';
import { fmt } from '../../format';

const SMOOTH = 5;

/** Median of the last 5 losses, NaN/Inf counting as +Infinity (a NaN is as diverged as it gets). */
function smoothedLoss(losses: readonly number[]): number {
  const xs = losses
    .slice(-SMOOTH)
    .map((x) => (Number.isNaN(x) ? Infinity : x))
    .sort((a, b) => a - b);
  return xs[xs.length >> 1];
}

export function createDivergence(): Detector {
  let best = Infinity;
  let bestStep = -1;
  let rising = 0;
  let previous = Infinity;
  return {
    code: 'divergence',
    onStep(ctx): DiagnosticEvent | undefined {
      const h = ctx.history;
      if (h.losses.length < SMOOTH) return undefined;
      const now = smoothedLoss(h.losses);
      if (now < best) {
        best = now;
        bestStep = h.lastStep;
      }
      const floor = Math.max(ctx.t.divergenceFactor * best, h.referenceLoss);
      // Count steps on which the smoothed loss is above the floor and still climbing; a spike that turns back
      // down holds the count, falling back under the floor resets it.
      if (!(now > floor)) rising = 0;
      else if (now > previous) rising++;
      previous = now;
      if (rising < ctx.t.divergenceSteps) return undefined;
      return diagnostic(ctx, {
        code: 'divergence',
        severity: 'error',
        specPath: learningRatePointer(ctx),
        message:
          `Divergence: the loss rose from ${fmt(best)} (step ${bestStep}) to ${fmt(now)} (median of the last ${SMOOTH} steps), ` +
          `above ${fmt(ctx.t.divergenceFactor)}× its best and above the reference (${h.referenceText}), for ${rising} steps; ` +
          `learning rate ${fmt(h.measured[h.measured.length - 1]?.lr ?? baseLearningRate(ctx))}.`,
        evidence: {
          bestLoss: best,
          bestStep,
          loss: now,
          referenceLoss: h.referenceLoss,
          steps: rising,
          factor: ctx.t.divergenceFactor,
        },
        fixes: instabilityFixes(ctx, true),
      });
    },
  };
}
