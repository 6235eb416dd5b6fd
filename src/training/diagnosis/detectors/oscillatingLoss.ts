// oscillating-loss: the loss swings up and down instead of settling — the steps overshoot the minimum. Every
// `oscillationBlock` steps the loss is averaged per block; over the last `oscillationBlocks` block means, the
// movement that does not add up to progress (total variation minus net change), per block and relative to the
// chance-level loss, must exceed `oscillationAmplitude` on `oscillationPersistence` evaluations in a row. Block
// means are capped at twice the chance-level loss so that the fall from a huge initial loss is not counted.
// AUTOTRAINER judges swings of the accuracy curve between epochs; this is the same idea on the loss, within epochs.
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { lrReductionFactor } from '../causes';
import { diagnostic, type RunContext } from '../context';
import type { Detector } from '../detector';
import { fmt } from '../../format';
import { mean } from '../stats';
import { baseLearningRate, learningRatePointer } from '../trainingFacts';
import { clipNormFix, learningRateInForceText, momentumFix, scaleLrFix } from '../trainingFixes';

/** The wasted motion of the recent block means, per block, relative to the reference loss; NaN if too few steps. */
export function oscillationIndex(ctx: RunContext): { index: number; blocks: number[] } {
  const h = ctx.history;
  const size = Math.max(1, Math.round(ctx.t.oscillationBlock));
  const count = Math.max(3, Math.round(ctx.t.oscillationBlocks));
  if (h.losses.length < size * count) return { index: NaN, blocks: [] };
  const ref = h.referenceLoss;
  const tail = h.losses.slice(-size * count);
  const blocks: number[] = [];
  for (let i = 0; i < count; i++) {
    const m = mean(tail.slice(i * size, (i + 1) * size));
    blocks.push(Number.isFinite(m) ? Math.min(m, 2 * ref) : 2 * ref);
  }
  let travel = 0;
  for (let i = 1; i < blocks.length; i++) travel += Math.abs(blocks[i] - blocks[i - 1]);
  const wasted = travel - Math.abs(blocks[blocks.length - 1] - blocks[0]);
  return { index: wasted / (ref * (count - 1)), blocks };
}

/** Momentum from which the momentum, not the learning rate, is the first thing to lower. */
const HEAVY_MOMENTUM = 0.98;

function heavyMomentum(ctx: RunContext): boolean {
  const o = ctx.spec?.training.optimizer;
  return o !== undefined && (o.type === 'sgd' || o.type === 'rmsprop') && o.momentum >= HEAVY_MOMENTUM;
}

export function createOscillatingLoss(): Detector {
  let persistent = 0;
  return {
    code: 'oscillating-loss',
    onStep(ctx): DiagnosticEvent | undefined {
      const size = Math.max(1, Math.round(ctx.t.oscillationBlock));
      if (ctx.history.stepsSeen % size !== 0) return undefined;
      const { index, blocks } = oscillationIndex(ctx);
      persistent = index > ctx.t.oscillationAmplitude ? persistent + 1 : 0;
      if (persistent < ctx.t.oscillationPersistence) return undefined;
      const lr = baseLearningRate(ctx);
      return diagnostic(ctx, {
        code: 'oscillating-loss',
        severity: 'warning',
        specPath: learningRatePointer(ctx),
        message:
          `Oscillating loss: over the last ${blocks.length * size} steps the ${size}-step mean loss swung between ` +
          `${fmt(Math.min(...blocks))} and ${fmt(Math.max(...blocks))} without settling (wasted motion ${fmt(index)} of the chance-level ` +
          `loss per block, threshold ${fmt(ctx.t.oscillationAmplitude)}); learning rate ${learningRateInForceText(ctx)}.`,
        evidence: {
          oscillationIndex: index,
          blockMeans: blocks,
          blockSize: size,
          referenceLoss: ctx.history.referenceLoss,
          learningRate: lr,
        },
        // Heavy momentum multiplies the step by 1/(1 − β) (≥ 50 from β = 0.98) and overshoots by itself: lower it first.
        fixes: heavyMomentum(ctx)
          ? [momentumFix(ctx, 0.9), scaleLrFix(ctx, lrReductionFactor(ctx)), clipNormFix(ctx, 1)]
          : [scaleLrFix(ctx, lrReductionFactor(ctx)), momentumFix(ctx, 0.9), clipNormFix(ctx, 1)],
      });
    },
  };
}
