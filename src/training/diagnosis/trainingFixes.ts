// Fixes that rewrite `training`: the learning rate (the new value computed from the spec's), the optimizer, gradient
// clipping, momentum, weight decay, early stopping. A lowered learning rate also lowers a cosine (polynomial, reduceOnPlateau) schedule's floor
// when the floor would otherwise exceed it (the parser rejects that). An external run has no spec: each cure is then an
// explanation of the change in its code (codeFixes.ts).
import * as path from 'path';
import type { Fix } from '../../shared/engineProtocol';
import type { SpecFix, TrainingSpec } from '../spec/types';
import { adamCode, clipNormCode, earlyStoppingCode, momentumCode, scaleLrCode, weightDecayCode } from './codeFixes';
import { newPatch, type RunContext } from './context';
import { keepScheduleFloorBelow, learningRateTarget } from '../fixes/learningRateEdit';
import { fmt } from '../format';
import { round3 } from './stats';
import { isAdaptive, OPTIMIZER_FACTS } from '../model/facts';
import { optimizerType } from './trainingFacts';

/** The learning rate the spec sets (learningRateTarget: the optimizer's, piecewise's largest value, oneCycle's peak). */
export function specLearningRate(training: TrainingSpec): number {
  return learningRateTarget(training).current;
}

/**
 * The learning rate a message quotes: the one in force at the latest measured step, and, when a schedule (warm-up,
 * decay, reduceOnPlateau) has moved it away from the spec's, the spec's value beside it.
 */
export function learningRateInForceText(ctx: RunContext): string {
  const latest = ctx.history.recent(1)[0]?.lr;
  // An external run: the rate its latest measured step recorded.
  if (!ctx.spec) return fmt(latest ?? ctx.history.peakLr);
  const spec = specLearningRate(ctx.spec.training);
  if (latest === undefined || !Number.isFinite(latest) || Math.abs(latest - spec) <= 0.01 * spec) return fmt(spec);
  return `${fmt(latest)} (the schedule's rate at step ${ctx.history.recent(1)[0].step}; the spec sets ${fmt(spec)})`;
}

/** Where that learning rate is written. */
export function specLearningRatePath(training: TrainingSpec): string {
  return learningRateTarget(training).pointer;
}

/** The schedule writes the learning rate itself (piecewise values, a one-cycle maxLearningRate): the optimizer's is not used. */
function scheduleSetsLearningRate(training: TrainingSpec): boolean {
  return specLearningRatePath(training) !== '/training/optimizer/learningRate';
}

const LR_MIN = 1e-6;
const LR_MAX = 10;

/**
 * The learning-rate fixes' pointer to the range test, which measures a rate instead of stepping by a power of ten:
 * `, or run the learning-rate range test: gradscope lr-find <spec file name>`.
 */
export function rangeTestOption(ctx: RunContext): string {
  if (!ctx.spec) return '';
  return `, or run the learning-rate range test: gradscope lr-find ${path.basename(ctx.start.specFile)}`;
}

/** The learning rate multiplied by `factor` (e.g. 0.1 or 10), computed from the spec's value. */
export function scaleLrFix(ctx: RunContext, factor: number, why = ''): Fix | undefined {
  if (!ctx.spec) return scaleLrCode(ctx, factor, ctx.history.peakLr);
  const s = ctx.spec.training.schedule;
  if (s.type === 'piecewise') return scalePiecewiseFix(ctx, s.values, factor, why);
  // Under a one-cycle schedule this is its peak: its maxLearningRate when written, else the optimizer's rate.
  const base = specLearningRate(ctx.spec.training);
  const lr = Math.min(LR_MAX, Math.max(LR_MIN, round3(base * factor)));
  if (lr === base) return undefined;
  const p = newPatch(ctx);
  p.set(specLearningRatePath(ctx.spec.training), lr);
  keepScheduleFloorBelow(ctx.spec.training, p, lr);
  const what = s.type === 'oneCycle' ? 'the peak learning rate' : 'the learning rate';
  const verb = factor < 1 ? `Divide ${what} by ${fmt(1 / factor)}` : `Multiply ${what} by ${fmt(factor)}`;
  return { title: `${verb} (${fmt(base)} → ${fmt(lr)})${why}`, patch: p.ops };
}

/** A piecewise schedule's values are the learning rate itself: scale each of them. */
function scalePiecewiseFix(ctx: RunContext, values: number[], factor: number, why: string): SpecFix | undefined {
  const scaled = values.map((v) => Math.min(LR_MAX, Math.max(LR_MIN, round3(v * factor))));
  if (scaled.every((v, i) => v === values[i])) return undefined;
  const p = newPatch(ctx);
  p.set('/training/schedule/values', scaled);
  const verb = factor < 1 ? `Divide the learning rates by ${fmt(1 / factor)}` : `Multiply the learning rates by ${fmt(factor)}`;
  return {
    title: `${verb} (piecewise values ${values.map(fmt).join(', ')} → ${scaled.map(fmt).join(', ')})${why}`,
    patch: p.ops,
  };
}

/** Switch to Adam (adaptive per-weight step sizes) at the given learning rate; none from an Adam variant (AdamW, NAdam, AdaMax already adapt their steps the same way). */
export function adamFix(ctx: RunContext, learningRate = 1e-3): Fix | undefined {
  if (!ctx.spec) return adamCode(ctx, learningRate);
  const o = ctx.spec.training.optimizer;
  // Under a piecewise schedule (or a one-cycle maxLearningRate) the optimizer's learning rate is not used, so "adam
  // with learning rate …" would be untrue.
  if (OPTIMIZER_FACTS[o.type].adamFamily || scheduleSetsLearningRate(ctx.spec.training)) return undefined;
  const p = newPatch(ctx);
  p.set('/training/optimizer', { type: 'adam', learningRate });
  keepScheduleFloorBelow(ctx.spec.training, p, learningRate);
  return {
    title: `Switch from ${o.type} (learning rate ${fmt(o.learningRate)}) to adam with learning rate ${fmt(learningRate)}`,
    patch: p.ops,
  };
}

/**
 * Adam, RMSprop and Adagrad divide each gradient by its own running size, so a rescaled (clipped) gradient gives
 * about the same step: clipping bounds the step (by learningRate × clipNorm) for SGD only (test/unit/claimsOptimizer).
 */
export function adaptiveOptimizer(ctx: RunContext): boolean {
  const o = optimizerType(ctx);
  return o !== undefined && isAdaptive(o);
}

/** Clip the global gradient norm (unless it already is, at least as tightly). */
export function clipNormFix(ctx: RunContext, value = 1): Fix | undefined {
  if (!ctx.spec) return clipNormCode(ctx, value);
  const current = ctx.spec.training.clipNorm;
  if (current !== undefined && current <= value) return undefined;
  const p = newPatch(ctx);
  p.set('/training/clipNorm', value);
  const o = ctx.spec.training.optimizer.type;
  const caveat = adaptiveOptimizer(ctx)
    ? ` (with ${o} this does not bound the step: ${o} divides each gradient by its running size; it only limits how much one outlier batch counts)`
    : '';
  return { title: `Clip the global gradient norm to ${value}${caveat}`, patch: p.ops };
}

/** Lower SGD/RMSprop momentum to `value` when it is above it. */
export function momentumFix(ctx: RunContext, value: number): Fix | undefined {
  if (!ctx.spec) return momentumCode(ctx, value);
  const o = ctx.spec.training.optimizer;
  if ((o.type !== 'sgd' && o.type !== 'rmsprop') || o.momentum <= value) return undefined;
  const p = newPatch(ctx);
  p.set('/training/optimizer/momentum', value);
  return { title: `Lower the momentum from ${fmt(o.momentum)} to ${fmt(value)} (less overshoot)`, patch: p.ops };
}

/** L2 weight decay of at least `value`. */
export function weightDecayFix(ctx: RunContext, value: number): Fix | undefined {
  if (!ctx.spec) return weightDecayCode(value);
  if (ctx.spec.training.weightDecay >= value) return undefined;
  const p = newPatch(ctx);
  p.set('/training/weightDecay', value);
  return { title: `Add L2 weight decay ${fmt(value)}`, patch: p.ops };
}

/** Early stopping that keeps the best epoch's weights. */
export function earlyStoppingFix(ctx: RunContext, patience: number): Fix | undefined {
  if (!ctx.spec) return earlyStoppingCode(patience);
  const es = ctx.spec.training.earlyStopping;
  if (es && es.restoreBestWeights && es.patience <= patience) return undefined;
  const p = newPatch(ctx);
  p.set('/training/earlyStopping', { patience, restoreBestWeights: true });
  return { title: `Stop early (patience ${patience}) and keep the weights of the best validation epoch`, patch: p.ops };
}
