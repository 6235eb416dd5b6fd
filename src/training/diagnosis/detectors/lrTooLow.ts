// lr-too-low: every layer — even the fastest-moving one — changes its weights by less than 1e-4 of their norm per
// step (median over the window; about 1e-3 is typical), while the run is far from learning well and nothing
// structural (dead, saturated or vanishing units) explains the small steps. Judged only when the schedule is near
// its peak. The fix raises the rate by the power of ten that brings the median update to a healthy size.
// With an optimizer whose step per weight is about the rate (the Adam family — Adam, AdamW, NAdam, AdaMax — and
// RMSprop; OPTIMIZER_FACTS), small steps are blamed on the rate only while they are about the rate per weight: steps far
// below that mean the gradient is mostly noise (each weight's mean gradient is small next to its spread), i.e. the
// run sits at the best its model can fit, where a larger rate would not help (a converged linear model on sine data).
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { raiseFactor } from '../causes';
import { medianLayerUpdate, medianUpdate, structurallyExplained } from '../conditions';
import { diagnostic, type RunContext } from '../context';
import type { Detector } from '../detector';
import { fmt } from '../../format';
import { OPTIMIZER_FACTS } from '../../model/facts';
import { frozenNote } from '../modelView';
import { median } from '../stats';
import { baseLearningRate, learningRatePointer, optimizerType, withOptimizer } from '../trainingFacts';
import { adamFix, learningRateInForceText, rangeTestOption, scaleLrFix } from '../trainingFixes';

/**
 * Per-weight-rate optimizers (Adam and RMSprop here) move a weight by about the learning rate per step while its gradient keeps its sign, so a layer of
 * n weights moves by ≈ lr·√n; measured 0.6–1.3× that for learning rates 1e-5–1e-6 on spiral, and 0.04× on a linear
 * model converged on sine data (test/unit/claimsDiagnoses). Below NOISE_STEP× in every layer, the gradient is noise.
 */
const NOISE_STEP = 0.1;

function noiseDominated(ctx: RunContext): boolean {
  const o = optimizerType(ctx);
  if (!o || OPTIMIZER_FACTS[o].step !== 'per-weight-rate') return false;
  const steps = ctx.history.recent();
  const lr = median(steps.map((s) => s.lr));
  const relative = ctx.view.kernels
    .filter((l) => l.fanIn && l.units)
    .map((l) => {
      const step = ctx.history.layerMedian(l.index, (m) => m.updateRatio * m.weightNorm);
      return step / (lr * Math.sqrt(l.fanIn! * l.units!));
    });
  return relative.length > 0 && Math.max(...relative) < NOISE_STEP;
}

function check(ctx: RunContext): DiagnosticEvent | undefined {
  const h = ctx.history;
  if (!h.windowFull || !h.lrAtBase || !h.struggling || ctx.view.kernels.length === 0) return undefined;
  const fastest = Math.max(...ctx.view.kernels.map((l) => medianLayerUpdate(ctx, l)));
  if (!(fastest > 0 && fastest < ctx.t.lrLowUpdateRatio) || structurallyExplained(ctx) || noiseDominated(ctx)) return undefined;
  const update = medianUpdate(ctx);
  const factor = raiseFactor(update);
  return diagnostic(ctx, {
    code: 'lr-too-low',
    severity: 'warning',
    specPath: learningRatePointer(ctx),
    message:
      `Learning rate too low: ${withOptimizer(ctx)}at ${learningRateInForceText(ctx)} each step changes the weights by ${fmt(update)} of their ` +
      `norm (median ‖ΔW‖/‖W‖, fastest layer ${fmt(fastest)}; 1e-3 to 1e-2 is typical), and the loss is still ${fmt(h.recentLoss())} ` +
      `(${h.referenceText}).` +
      frozenNote(h.view, ctx.view, (one) => `${one ? 'it does' : 'they do'} not move by design`),
    evidence: {
      medianUpdateRatio: update,
      fastestUpdateRatio: fastest,
      learningRate: baseLearningRate(ctx),
      loss: h.recentLoss(),
      threshold: ctx.t.lrLowUpdateRatio,
    },
    fixes: [scaleLrFix(ctx, factor, rangeTestOption(ctx)), adamFix(ctx, 1e-3)],
  });
}

export function createLrTooLow(): Detector {
  return { code: 'lr-too-low', onStep: (ctx) => check(ctx) };
}
