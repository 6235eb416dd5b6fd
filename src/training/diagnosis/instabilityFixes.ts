// The cures of numerical instability (exploding gradients, NaN, divergence, a too-high learning rate), ordered by
// the cause the evidence points at: an initialiser drawn far above the He scale first when there is one, the
// learning rate first when the first steps already moved the weights by a large fraction or the loss climbed from a
// healthy level, gradient clipping as the general safety net (and first for a plain recurrent layer under SGD). Clipping bounds the step only for SGD: with an
// adaptive optimizer (Adam, RMSprop, Adagrad) the learning rate always comes before it.
import type { Fix } from '../../shared/engineProtocol';
import { earlyLrTooHigh, largeInitLayers, lrReductionFactor } from './causes';
import type { RunContext } from './context';
import { initializerFix, lstmFix, orthogonalRecurrentFix, plainRecurrent } from './layerFixes';
import { adaptiveOptimizer, clipNormFix, scaleLrFix } from './trainingFixes';

export function instabilityFixes(ctx: RunContext, lrSuspected = false): (Fix | undefined)[] {
  const large = largeInitLayers(ctx);
  const init = large.length > 0 ? initializerFix(ctx, large) : undefined;
  const lr = scaleLrFix(ctx, lrReductionFactor(ctx));
  const clip = clipNormFix(ctx, 1);
  const adaptive = adaptiveOptimizer(ctx);
  // A plain recurrent layer multiplies its state (and, backwards, its gradient) by the recurrent kernel at every
  // timestep: after clipping, the structural cures are a gated layer or an orthogonal recurrent kernel.
  const plain = plainRecurrent(ctx.view.recurrents);
  const recurrent = plain.length > 0 ? [lstmFix(ctx, plain), orthogonalRecurrentFix(ctx, plain)] : [];
  // Clipping is the standard cure of recurrent nets (their gradients spike from one batch to the next) and bounds
  // SGD's step however large the first update was.
  if (plain.length > 0 && !adaptive && !lrSuspected) return [clip, ...recurrent, lr, init];
  if (init && !lrSuspected) return adaptive ? [init, lr, clip, ...recurrent] : [init, clip, ...recurrent, lr];
  if (lrSuspected || earlyLrTooHigh(ctx) || adaptive) return [lr, clip, ...recurrent, init];
  return [clip, ...recurrent, lr, init];
}
