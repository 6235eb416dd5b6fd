// saturated-activation: sigmoid/tanh units stuck in their flat tails, where the derivative is ~0, so they pass
// almost no gradient back. A hidden layer is saturated when the median fraction of its outputs in the tails
// (sigmoid outside [0.01, 0.99], |tanh| > 0.99) over the window exceeds 50% (DeepDiagnosis); judged while the loss
// is stuck far from good (a net that learns well despite some saturation is left alone).
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { earlyLrTooHigh, largeInitLayers, lrReductionFactor } from '../causes';
import { scaleLrFix } from '../trainingFixes';
import { saturatedLayers } from '../conditions';
import { diagnostic, type RunContext } from '../context';
import type { Detector } from '../detector';
import { batchNormFix, initializerFix, reluHeFix } from '../layerFixes';
import { FROZEN_UNITS, frozenNote } from '../modelView';
import { fmt } from '../../format';
import { pct } from '../stats';

function check(ctx: RunContext): DiagnosticEvent | undefined {
  const h = ctx.history;
  const saturated = saturatedLayers(ctx);
  if (saturated.length === 0 || !h.struggling || !h.stalled) return undefined;
  const worst = saturated.reduce((a, b) => (b.value > a.value ? b : a));
  const layers = [worst.layer, ...saturated.filter((s) => s !== worst).map((s) => s.layer)];
  const large = largeInitLayers(ctx).filter((l) => layers.includes(l));
  return diagnostic(ctx, {
    code: 'saturated-activation',
    severity: 'warning',
    layers,
    message:
      `Saturated activations: ${pct(worst.value)} of ${worst.layer.summary.name}'s ${worst.layer.activation} outputs sit in the ` +
      `flat tails (median of the last ${h.recent().length} steps)` +
      (saturated.length > 1 ? `, ${saturated.length} layers above ${pct(ctx.t.saturationFraction)}` : '') +
      `; the loss is stuck at ${fmt(h.recentLoss())} (${h.referenceText}).` +
      frozenNote(h.view, ctx.view, FROZEN_UNITS),
    evidence: {
      saturation: Object.fromEntries(saturated.map((s) => [s.layer.summary.name, s.value])),
      loss: h.recentLoss(),
      referenceLoss: h.referenceLoss,
      threshold: ctx.t.saturationFraction,
    },
    // When the first steps already threw the weights into the tails, the learning rate is the cause to fix first.
    fixes: [
      earlyLrTooHigh(ctx) ? scaleLrFix(ctx, lrReductionFactor(ctx)) : undefined,
      reluHeFix(ctx, layers),
      batchNormFix(ctx, layers),
      large.length > 0 ? initializerFix(ctx, large) : undefined,
    ],
  });
}

export function createSaturatedActivation(): Detector {
  return { code: 'saturated-activation', onStep: (ctx) => check(ctx) };
}
