// lr-too-high: the cause behind much instability. Each step moves the weights by a large fraction of their norm:
// the median ‖ΔW‖/‖W‖ over the window above 0.1 (DeepDiagnosis's upper bound) while the run struggles, or above
// 0.01 (10× the usual ~1e-3) while the loss is visibly unstable (oscillating, diverging, NaN) or stuck after first
// steps that moved the weights by more than 0.1 of their norm (or, after such steps, no lower than at the start). Judged only when the schedule is near its peak,
// since that is the rate the spec sets. Also when the first steps blew the run up (median ‖ΔW‖/‖W‖ > 0.1 or the loss
// above 10× the untrained model's) and since then the layers below the output get almost no gradient (units thrown
// into a flat region, e.g. SELUs in their negative tail): vanishing-gradient stays silent then, this names the cause.
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { earlyLossPeak, earlyLrTooHigh, earlyUpdateRatio, lrReductionFactor, medianUpdateRatio } from '../causes';
import { unstable, vanishingRule } from '../conditions';
import { diagnostic, type RunContext } from '../context';
import type { Detector } from '../detector';
import { fmt } from '../../format';
import { baseLearningRate, learningRatePointer, optimizerType, withOptimizer } from '../trainingFacts';
import { clipNormFix, learningRateInForceText, momentumFix, rangeTestOption, scaleLrFix } from '../trainingFixes';

function report(
  ctx: RunContext,
  update: number,
  rule: string,
  symptom = stateOfLoss(ctx),
  steps = 'each step changes',
  measured = 'median ‖ΔW‖/‖W‖',
): DiagnosticEvent {
  const lr = baseLearningRate(ctx);
  return diagnostic(ctx, {
    code: 'lr-too-high',
    severity: 'warning',
    specPath: learningRatePointer(ctx),
    message:
      `Learning rate too high: ${withOptimizer(ctx)}at ${learningRateInForceText(ctx)} ${steps} the weights by ` +
      `${fmt(update)} of their norm (${measured}; about 1e-3 is typical) and ${symptom}.`,
    evidence: { rule, medianUpdateRatio: update, learningRate: lr, optimizer: optimizerType(ctx) ?? null },
    fixes: [scaleLrFix(ctx, lrReductionFactor(ctx), rangeTestOption(ctx)), clipNormFix(ctx, 1), momentumFix(ctx, 0.9)],
  });
}

function stateOfLoss(ctx: RunContext): string {
  return ctx.fired.has('divergence')
    ? 'the loss diverges'
    : ctx.fired.has('oscillating-loss')
      ? 'the loss oscillates'
      : ctx.fired.has('non-finite')
        ? 'the loss became NaN'
        : ctx.history.improvement <= 0
          ? `the loss (${fmt(ctx.history.recentLoss())}) is no lower than an untrained model's (${ctx.history.referenceText})`
          : `the loss is stuck at ${fmt(ctx.history.recentLoss())}`;
}

/** The first steps blew the run up, and the layers below the output have had almost no gradient since. */
function blownUpThenNoGradient(ctx: RunContext): DiagnosticEvent | undefined {
  const h = ctx.history;
  if (!h.struggling || !earlyLrTooHigh(ctx) || !vanishingRule(ctx)) return undefined;
  const first = ctx.view.first!;
  const early = earlyUpdateRatio(ctx);
  const g1 = h.layerMedian(first.index, (m) => m.gradNorm);
  const gl = h.layerMedian(ctx.view.last!.index, (m) => m.gradNorm);
  const symptom =
    `threw them away (loss up to ${fmt(earlyLossPeak(ctx))}, ${h.referenceText}); since then ` +
    `${first.summary.name}'s gradient norm is ${fmt(g1)} against the output layer's ${fmt(gl)} (units pushed into a flat ` +
    `region pass no gradient), and the loss is stuck at ${fmt(h.recentLoss())}`;
  return report(
    ctx,
    early,
    'blow-up-then-no-gradient',
    symptom,
    'the first steps changed',
    'median ‖ΔW‖/‖W‖ of the first 5 steps',
  );
}

function check(ctx: RunContext): DiagnosticEvent | undefined {
  const h = ctx.history;
  if (!h.windowFull || !h.lrAtBase || ctx.view.kernels.length === 0) return undefined;
  const update = medianUpdateRatio(ctx);
  if (update > ctx.t.lrHighUpdateRatio && h.struggling) return report(ctx, update, 'update-ratio');
  if (update > ctx.t.lrHighUnstableUpdateRatio && unstable(ctx)) return report(ctx, update, 'unstable-loss');
  // The very first updates were huge and the run has been stuck since: the first steps threw the weights away.
  // (Or it is still no better than the untrained model: a loss falling back from the blow-up it caused is recovery,
  // not learning — lr-too-high-adam-spiral on seed+2: first update 1.8× the weights' norm, loss 1.1 → 4 → 1.5.)
  if (update > ctx.t.lrHighUnstableUpdateRatio && h.struggling && (h.stalled || h.improvement <= 0) && earlyLrTooHigh(ctx))
    return report(ctx, update, 'early-updates');
  return blownUpThenNoGradient(ctx);
}

/** At a NaN: the updates just before it were already large and the loss had been climbing. */
function explainNonFinite(ctx: RunContext): DiagnosticEvent | undefined {
  const finite = ctx.history.measured.filter((s) => s.layers.every((l) => Number.isFinite(l.updateRatio)));
  const tail = finite.slice(-ctx.t.window);
  if (tail.length < 3) return undefined;
  const update = medianUpdateRatio(ctx, tail);
  return update > ctx.t.lrHighUnstableUpdateRatio && ctx.fired.has('divergence')
    ? report(ctx, update, 'before-non-finite')
    : undefined;
}

export function createLrTooHigh(): Detector {
  return { code: 'lr-too-high', onStep: (ctx) => check(ctx), explainNonFinite };
}
