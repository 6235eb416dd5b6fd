// lr-too-low: every layer — even the fastest-moving one — changes its weights by less than 1e-4 of their norm per
// step (median over the window; about 1e-3 is typical), while the run is far from learning well and nothing
// structural (dead, saturated or vanishing units) explains the small steps. Judged only when the schedule is near
// its peak. The fix raises the rate by the power of ten that brings the median update to a healthy size.
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { raiseFactor } from '../causes';
import { medianLayerUpdate, medianUpdate, structurallyExplained } from '../conditions';
import { diagnostic, nearestPath, type DiagnosisContext } from '../context';
import type { Detector } from '../detector';
import { fmt } from '../stats';
import { adamFix, scaleLrFix } from '../trainingFixes';

function check(ctx: DiagnosisContext): DiagnosticEvent | undefined {
  const h = ctx.history;
  if (!h.windowFull || !h.lrAtBase || !h.struggling || ctx.view.kernels.length === 0) return undefined;
  const fastest = Math.max(...ctx.view.kernels.map((l) => medianLayerUpdate(ctx, l)));
  if (!(fastest > 0 && fastest < ctx.t.lrLowUpdateRatio) || structurallyExplained(ctx)) return undefined;
  const update = medianUpdate(ctx);
  const factor = raiseFactor(update);
  const o = ctx.spec.training.optimizer;
  return diagnostic(ctx, {
    code: 'lr-too-low', severity: 'warning', specPath: nearestPath(ctx, '/training/optimizer/learningRate'),
    message: `Learning rate too low: with ${o.type} at ${fmt(o.learningRate)} each step changes the weights by ${fmt(update)} of their ` +
      `norm (median ‖ΔW‖/‖W‖, fastest layer ${fmt(fastest)}; 1e-3 to 1e-2 is typical), and the loss is still ${fmt(h.recentLoss())} ` +
      `(${h.referenceText}).`,
    evidence: { medianUpdateRatio: update, fastestUpdateRatio: fastest, learningRate: o.learningRate, loss: h.recentLoss(), threshold: ctx.t.lrLowUpdateRatio },
    fixes: [scaleLrFix(ctx, factor), adamFix(ctx, 1e-3)],
  });
}

export function createLrTooLow(): Detector {
  return { code: 'lr-too-low', onStep: (ctx) => check(ctx) };
}
