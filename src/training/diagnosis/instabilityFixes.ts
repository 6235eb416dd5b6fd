// The cures of numerical instability (exploding gradients, NaN, divergence, a too-high learning rate), ordered by
// the cause the evidence points at: an initialiser drawn far above the He scale first when there is one, the
// learning rate first when the first steps already moved the weights by a large fraction or the loss climbed from a
// healthy level, gradient clipping as the general safety net. Clipping bounds the step only for SGD: with an
// adaptive optimizer (Adam, RMSprop, Adagrad) the learning rate always comes before it.
import type { SpecFix } from '../spec/types';
import { earlyLrTooHigh, largeInitLayers, lrReductionFactor } from './causes';
import type { DiagnosisContext } from './context';
import { initializerFix } from './layerFixes';
import { adaptiveOptimizer, clipNormFix, scaleLrFix } from './trainingFixes';

export function instabilityFixes(ctx: DiagnosisContext, lrSuspected = false): (SpecFix | undefined)[] {
  const large = largeInitLayers(ctx);
  const init = large.length > 0 ? initializerFix(ctx, large) : undefined;
  const lr = scaleLrFix(ctx, lrReductionFactor(ctx));
  const clip = clipNormFix(ctx, 1);
  const adaptive = adaptiveOptimizer(ctx);
  if (init && !lrSuspected) return adaptive ? [init, lr, clip] : [init, clip, lr];
  if (lrSuspected || earlyLrTooHigh(ctx) || adaptive) return [lr, clip, init];
  return [clip, lr, init];
}
