// Learning rate as a pure function of the step, so the curve is known before training and easy to test.
import type { ScheduleSpec } from '../../spec/types';

export interface ScheduleContext {
  baseLearningRate: number;
  stepsPerEpoch: number;
  totalSteps: number;
}

/** Learning rate for 0-based global step `step`. */
export function learningRateAt(schedule: ScheduleSpec, ctx: ScheduleContext, step: number): number {
  const lr0 = ctx.baseLearningRate;
  const epochFloat = step / ctx.stepsPerEpoch;
  switch (schedule.type) {
    case 'constant':
      return lr0;
    case 'step':
      return lr0 * Math.pow(schedule.factor, Math.floor(Math.floor(epochFloat) / schedule.every));
    case 'exponential':
      return lr0 * Math.pow(schedule.decay, epochFloat);
    case 'cosine':
      return cosine(lr0, schedule.minLearningRate, step / Math.max(1, ctx.totalSteps));
    case 'warmupCosine': {
      const warmup = Math.min(ctx.totalSteps, Math.round(schedule.warmupEpochs * ctx.stepsPerEpoch));
      if (step < warmup) return (lr0 * (step + 1)) / warmup;
      return cosine(lr0, schedule.minLearningRate, (step - warmup) / Math.max(1, ctx.totalSteps - warmup));
    }
    case 'power':
      return lr0 / Math.pow(1 + step / schedule.steps, schedule.power);
    case 'polynomial': {
      const left = 1 - Math.min(1, Math.max(0, step / Math.max(1, ctx.totalSteps)));
      return (lr0 - schedule.endLearningRate) * Math.pow(left, schedule.power) + schedule.endLearningRate;
    }
    case 'piecewise': {
      // values[i] once `boundaries[i - 1]` epochs are done: the number of boundaries already passed picks the value.
      const passed = schedule.boundaries.filter((b) => epochFloat >= b).length;
      return schedule.values[passed];
    }
    case 'oneCycle': {
      const max = schedule.maxLearningRate ?? lr0;
      const initial = max / schedule.divFactor;
      return oneCycle(schedule, ctx.totalSteps, step, [initial, max, initial / schedule.finalDivFactor]);
    }
  }
}

/**
 * The momentum (SGD's or RMSprop's, or the Adam family's β1) a schedule sets for 0-based global step `step`;
 * undefined when it leaves the momentum alone (every schedule but a one-cycle with cycleMomentum).
 */
export function momentumAt(schedule: ScheduleSpec, ctx: ScheduleContext, step: number): number | undefined {
  if (schedule.type !== 'oneCycle' || !schedule.cycleMomentum) return undefined;
  const { maxMomentum: high, baseMomentum: low } = schedule;
  return oneCycle(schedule, ctx.totalSteps, step, [high, low, high]);
}

type OneCycle = Extract<ScheduleSpec, { type: 'oneCycle' }>;

/**
 * PyTorch's OneCycleLR (two phases): `from` at step 0, `peak` at step pctStart·total − 1, `to` at the last step
 * (total − 1), annealed by a half cosine or a straight line in each phase.
 */
function oneCycle(schedule: OneCycle, totalSteps: number, step: number, [from, peak, to]: number[]): number {
  const peakStep = schedule.pctStart * totalSteps - 1;
  const [start, end, a, b] = step <= peakStep ? [0, peakStep, from, peak] : [peakStep, totalSteps - 1, peak, to];
  // A run too short for a phase (its end not after its start) is at the phase's end value.
  const pct = end > start ? Math.min(1, Math.max(0, (step - start) / (end - start))) : 1;
  return schedule.anneal === 'cos' ? b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1) : a + (b - a) * pct;
}

function cosine(lr0: number, min: number, progress: number): number {
  const t = Math.min(1, Math.max(0, progress));
  return min + (lr0 - min) * 0.5 * (1 + Math.cos(Math.PI * t));
}
