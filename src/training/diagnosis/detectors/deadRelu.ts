// dead-relu: ReLU units whose input is negative for every sample output 0 and get zero gradient, so they never
// recover. A layer is dead when at least 70% of its units (AUTOTRAINER γ, DeepDiagnosis) output 0 for every sample
// of the batch on every step of the window; judged while the loss is stuck far from good. The first fix targets
// the cause: biases initialised negative, weights initialised far too large, or a learning rate whose first steps
// blew the weights away; otherwise leaky ReLU, which keeps a gradient for negative inputs.
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { activationFacts, initializerMean } from '../../model/facts';
import { earlyLrTooHigh, largeInitLayers, lrReductionFactor } from '../causes';
import { deadLayers } from '../conditions';
import { diagnostic, type RunContext } from '../context';
import type { Detector } from '../detector';
import { activationFix, initializerFix, zeroBiasFix } from '../layerFixes';
import { FROZEN_UNITS, frozenNote } from '../modelView';
import { fmt } from '../../format';
import { pct } from '../stats';
import { scaleLrFix } from '../trainingFixes';

function check(ctx: RunContext): DiagnosticEvent | undefined {
  const h = ctx.history;
  const dead = deadLayers(ctx);
  if (dead.length === 0 || !h.struggling || !h.stalled) return undefined;
  const worst = dead.reduce((a, b) => (b.value > a.value ? b : a));
  const layers = [worst.layer, ...dead.filter((d) => d !== worst).map((d) => d.layer)];
  const relu = ctx.view.kernels.filter((l) => l.activation && activationFacts(l.activation).canDie);
  const negativeBias = relu.filter((l) => l.spec?.useBias && initializerMean(l.spec.biasInitializer) < 0);
  const large = largeInitLayers(ctx);
  const lr = scaleLrFix(ctx, lrReductionFactor(ctx));
  const leaky = activationFix(
    ctx,
    dead.map((d) => d.layer),
    'leakyRelu',
    'a small slope for negative inputs keeps units alive',
  );
  const causes = [
    negativeBias.length > 0 ? zeroBiasFix(ctx, negativeBias) : undefined,
    large.length > 0 ? initializerFix(ctx, large) : undefined,
    earlyLrTooHigh(ctx) ? lr : undefined,
  ];
  const steps = h.recent().length;
  return diagnostic(ctx, {
    code: 'dead-relu',
    severity: 'warning',
    layers,
    message:
      `Dying ReLU: ${pct(worst.value)} of ${worst.layer.summary.name}'s units output ${worst.layer.activation === 'relu6' ? '0 (or 6, where relu6 is flat too)' : '0'} for every sample on each of the last ` +
      `${steps} steps` +
      (dead.length > 1 ? ` (${dead.length} layers at ≥ ${pct(ctx.t.deadReluFraction)})` : '') +
      `; the loss is stuck at ${fmt(h.recentLoss())} (${h.referenceText}).` +
      frozenNote(h.view, ctx.view, FROZEN_UNITS),
    evidence: {
      deadFraction: Object.fromEntries(dead.map((d) => [d.layer.summary.name, d.value])),
      window: steps,
      loss: h.recentLoss(),
      referenceLoss: h.referenceLoss,
      threshold: ctx.t.deadReluFraction,
    },
    fixes: [...causes, leaky, lr, initializerFix(ctx, relu)],
  });
}

export function createDeadRelu(): Detector {
  return { code: 'dead-relu', onStep: (ctx) => check(ctx) };
}
