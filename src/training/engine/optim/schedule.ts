// Learning rate as a pure function of the step, so the curve is known before training and easy to test.
// Warm-up (any schedule): the first W global steps climb linearly from `warmupStart` to the schedule's starting rate,
// step k of the warm-up at warmupStart + (start − warmupStart)·(k + 1)/W; the schedule's own clock starts when warm-up
// ends (its step 0 is global step W, its run is the T − W steps left), so `every`, `boundaries`, cosine's and
// polynomial's run length all count from the end of warm-up. warmupCosine is cosine with this warm-up.
import type { ScheduleSpec } from '../../spec/types';

export interface ScheduleContext {
  baseLearningRate: number;
  stepsPerEpoch: number;
  totalSteps: number;
}

/** Global steps of warm-up (0 without one), never more than the run. */
export function warmupStepCount(schedule: ScheduleSpec, ctx: ScheduleContext): number {
  const steps = schedule.warmupSteps ?? Math.round((schedule.warmupEpochs ?? 0) * ctx.stepsPerEpoch);
  return Math.min(ctx.totalSteps, steps);
}

/**
 * Learning rate for 0-based global step `step`. `plateauRate` is reduceOnPlateau's current rate (it reacts to the
 * losses, so the trainer tracks it; default: not lowered yet, the optimizer's rate).
 */
export function learningRateAt(
  schedule: ScheduleSpec,
  ctx: ScheduleContext,
  step: number,
  plateauRate = ctx.baseLearningRate,
): number {
  const warmup = warmupStepCount(schedule, ctx);
  const after = { ...ctx, totalSteps: Math.max(0, ctx.totalSteps - warmup) };
  if (step < warmup) {
    const start = schedule.warmupStart ?? 0;
    const target = scheduledRate(schedule, after, 0, ctx.baseLearningRate);
    return start + ((target - start) * (step + 1)) / warmup;
  }
  return scheduledRate(schedule, after, step - warmup, plateauRate);
}

/** The schedule without warm-up, at step `step` of its own clock. */
function scheduledRate(schedule: ScheduleSpec, ctx: ScheduleContext, step: number, plateauRate: number): number {
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
    case 'warmupCosine':
      return cosine(lr0, schedule.minLearningRate, step / Math.max(1, ctx.totalSteps));
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
    case 'reduceOnPlateau':
      return plateauRate;
  }
}

/**
 * The momentum (SGD's or RMSprop's, or the Adam family's β1) a schedule sets for 0-based global step `step`;
 * undefined when it leaves the momentum alone (every schedule but a one-cycle with cycleMomentum). Like the rate, the
 * cycle's clock starts after a warm-up; during the warm-up the momentum stays at the cycle's first value.
 */
export function momentumAt(schedule: ScheduleSpec, ctx: ScheduleContext, step: number): number | undefined {
  if (schedule.type !== 'oneCycle' || !schedule.cycleMomentum) return undefined;
  const { maxMomentum: high, baseMomentum: low } = schedule;
  const warmup = warmupStepCount(schedule, ctx);
  return oneCycle(schedule, Math.max(0, ctx.totalSteps - warmup), Math.max(0, step - warmup), [high, low, high]);
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

/** Most points a planned curve carries (run-start's `learningRatePlan`). */
const PLAN_POINTS = 500;

/**
 * The whole planned learning-rate curve, for schedules that do not react to the run (all but reduceOnPlateau):
 * every step when the run has at most 500, else 500 evenly spaced steps including the first and the last.
 */
export function learningRatePlan(
  schedule: ScheduleSpec,
  ctx: ScheduleContext,
): { step: number; learningRate: number }[] | undefined {
  if (schedule.type === 'reduceOnPlateau' || ctx.totalSteps < 1) return undefined;
  const n = Math.min(PLAN_POINTS, ctx.totalSteps);
  const last = ctx.totalSteps - 1;
  return Array.from({ length: n }, (_, i) => {
    const step = n === 1 ? 0 : Math.round((i * last) / (n - 1));
    return { step, learningRate: learningRateAt(schedule, ctx, step) };
  });
}
