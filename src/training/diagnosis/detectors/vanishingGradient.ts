// vanishing-gradient: the backward signal shrinks layer by layer, so the loss hardly depends on the first layers'
// weights. What follows depends on the optimizer: with SGD the step is proportional to the gradient, so those
// weights barely move; Adam, RMSprop and Adagrad rescale each weight's step, so they still move, but in directions
// that hardly change the output (test/unit/claimsVanishing). The message says which.
// AUTOTRAINER's rule on most steps of the window: ‖g_first‖/‖g_last‖ < 1e-3 and ‖g_first‖ < 1e-4; plus, when the
// loss has stalled, a frozen first layer (‖ΔW‖/‖W‖ < 1e-5) while a later layer still moves (≥ 1e-4), which catches
// the joint forward/backward collapse of too-small initialisations. Judged only while the run is struggling, and
// not when dead ReLUs or saturated sigmoid/tanh units explain the missing gradient. Nor after a blow-up (divergence,
// exploding gradient, NaN, or huge first steps): units thrown into a flat region then pass no gradient (SELUs in their
// negative tail after a too-high learning rate: dense_1's gradient exactly 0), which is a consequence of the
// blow-up, and lr-too-high / divergence / exploding-gradient name its cause (folded into the cause, issue 9).
// The consequence clause follows the measured update sizes: "N of M layers barely move" only when N > 0 (with
// momentum, weights whose gradient is 0 still coast on their velocity).
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { activationFacts, isAdaptive } from '../../model/facts';
import { smallInitLayers } from '../causes';
import { blownUp, deadLayers, gradientRatio, medianLayerUpdate, saturatedLayers, vanishingRule } from '../conditions';
import { diagnostic, type RunContext } from '../context';
import type { Detector } from '../detector';
import { batchNormFix, initializerFix, reluHeFix, smallInitFix } from '../layerFixes';
import { frozenNote, hiddenKernels, type LayerInfo } from '../modelView';
import { fmt } from '../../format';
import { median } from '../stats';
import { optimizerType } from '../trainingFacts';

function involvedLayers(ctx: RunContext): LayerInfo[] {
  const h = ctx.history;
  const last = ctx.view.last!;
  const lastNorm = h.layerMedian(last.index, (m) => m.gradNorm);
  return hiddenKernels(ctx.view).filter(
    (l) =>
      l === ctx.view.first ||
      h.layerMedian(l.index, (m) => m.gradNorm) < ctx.t.vanishingLayerRatio * lastNorm ||
      medianLayerUpdate(ctx, l) < ctx.t.frozenUpdateRatio,
  );
}

/**
 * What the vanishing gradient does to the updates, by optimizer (see the header). An external run whose optimizer the
 * monitor did not name gets the measured half only: how many layers barely move, or that the first still moves.
 */
function consequenceText(ctx: RunContext, still: string, frozen: number): string {
  const barely = `${frozen} of ${ctx.view.kernels.length} layers barely move (‖ΔW‖/‖W‖ < ${fmt(ctx.t.frozenUpdateRatio)})`;
  const o = optimizerType(ctx);
  if (o && isAdaptive(o)) return `${o} rescales each weight's step, so ${still}`;
  if (!o) return frozen > 0 ? barely : still;
  const optimizer = ctx.spec?.training.optimizer;
  if (frozen > 0) return `with sgd the step follows the gradient, so ${barely}`;
  return `with sgd${optimizer?.type === 'sgd' && optimizer.momentum > 0 ? ` (momentum ${fmt(optimizer.momentum)})` : ''}, ${still}`;
}

function check(ctx: RunContext): DiagnosticEvent | undefined {
  const { history: h, view, t } = ctx;
  const rule = vanishingRule(ctx);
  if (!rule || !h.struggling || !view.first || !view.last) return undefined;
  if (rule === 'frozen-first-layer' && !h.stalled) return undefined;
  // Dead ReLUs pass no gradient and saturated units almost none: those diagnoses name the cause.
  if (deadLayers(ctx).length > 0 || saturatedLayers(ctx).length > 0 || ctx.fired.has('saturated-activation')) return undefined;
  if (blownUp(ctx)) return undefined;
  const steps = h.recent();

  const involved = involvedLayers(ctx);
  const ratio = median(steps.map((s) => gradientRatio(ctx, s)));
  const g1 = h.layerMedian(view.first.index, (m) => m.gradNorm);
  const gl = h.layerMedian(view.last.index, (m) => m.gradNorm);
  const frozen = view.kernels.filter((l) => medianLayerUpdate(ctx, l) < t.frozenUpdateRatio).length;
  const firstUpdate = medianLayerUpdate(ctx, view.first);
  const still =
    `${view.first.summary.name} still moves (‖ΔW‖/‖W‖ ${fmt(firstUpdate)} per step), ` +
    'but in directions that hardly change the output';
  const consequence = consequenceText(ctx, still, frozen);
  const saturating = hiddenKernels(view).filter((l) => l.activation && activationFacts(l.activation).family === 'saturating');
  const small = smallInitLayers(ctx).filter((l) => l !== view.last);
  const fixes =
    saturating.length > 0
      ? [reluHeFix(ctx, saturating), batchNormFix(ctx, saturating)]
      : [
          small.length > 0 ? smallInitFix(ctx, small) : initializerFix(ctx, hiddenKernels(view)),
          batchNormFix(ctx, hiddenKernels(view)),
        ];
  return diagnostic(ctx, {
    code: 'vanishing-gradient',
    severity: 'warning',
    layers: involved,
    message:
      `Vanishing gradient: ${view.first.summary.name}'s gradient norm is ${fmt(g1)}, ${fmt(ratio)}× the output layer's ` +
      `(${fmt(gl)}) over the last ${steps.length} steps: the loss hardly depends on the first layers' weights; ${consequence}; ` +
      `the loss is stuck at ${fmt(h.recentLoss())} (${h.referenceText}).` +
      frozenNote(h.view, view, (one) => `no gradient is computed for ${one ? 'it' : 'them'}`),
    evidence: {
      ratio,
      firstGradNorm: g1,
      lastGradNorm: gl,
      window: steps.length,
      frozenLayers: frozen,
      firstUpdateRatio: firstUpdate,
      loss: h.recentLoss(),
      referenceLoss: h.referenceLoss,
      rule,
      thresholds: {
        vanishingRatio: t.vanishingRatio,
        vanishingFirstNorm: t.vanishingFirstNorm,
        vanishingLayerRatio: t.vanishingLayerRatio,
        frozenUpdateRatio: t.frozenUpdateRatio,
      },
    },
    fixes,
  });
}

export function createVanishingGradient(): Detector {
  return { code: 'vanishing-gradient', onStep: (ctx) => check(ctx) };
}
