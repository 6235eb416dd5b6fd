// slow-convergence: the loss falls, but so slowly that training will not get anywhere in the epochs given. After
// at least `slowEpochs` epochs, the epoch training loss falls by less than 3% per epoch (mean of the last
// `slowEpochs`; AUTOTRAINER's δ = 0.01 accuracy per epoch, on the loss), the run is far from learning well, the
// steps are small (median ‖ΔW‖/‖W‖ below ~1e-3), and nothing structural explains it. A plateau taken with healthy
// step sizes is not slow convergence: a larger learning rate would not help there.
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { raiseFactor } from '../causes';
import { medianUpdate, structurallyExplained } from '../conditions';
import { diagnostic, nearestPath, type RunContext } from '../context';
import type { Detector } from '../detector';
import { fmt } from '../../format';
import { mean, pct } from '../stats';
import { withOptimizer } from '../trainingFacts';
import { adamFix, learningRateInForceText, scaleLrFix } from '../trainingFixes';

/** Mean relative decrease of the epoch training loss over the last `n` epochs. */
export function epochDecreaseRate(losses: readonly number[], n: number): number {
  const rates: number[] = [];
  for (let i = losses.length - n; i < losses.length; i++) {
    if (i < 1) continue;
    rates.push((losses[i - 1] - losses[i]) / Math.abs(losses[i - 1]));
  }
  return mean(rates);
}

function check(ctx: RunContext): DiagnosticEvent | undefined {
  const h = ctx.history;
  const n = Math.max(1, Math.round(ctx.t.slowEpochs));
  if (h.epochs.length < n + 1 || !h.windowFull || !h.struggling || !h.lrAtBase) return undefined;
  const losses = h.epochs.map((e) => e.loss);
  const rate = epochDecreaseRate(losses, n);
  const update = medianUpdate(ctx);
  if (!(rate < ctx.t.slowRate) || !(update < ctx.t.slowUpdateRatio) || structurallyExplained(ctx)) return undefined;
  const o = ctx.spec?.training.optimizer;
  const training = o
    ? `${o.type} at learning rate ${fmt(o.learningRate)}`
    : `${withOptimizer(ctx)}at learning rate ${learningRateInForceText(ctx)}`;
  // Raise the rate by the power of ten that brings the steps to a healthy size; Adam's per-weight steps otherwise.
  const fixes = [scaleLrFix(ctx, raiseFactor(update)), adamFix(ctx, 1e-3)];
  const last = losses[losses.length - 1];
  return diagnostic(ctx, {
    code: 'slow-convergence',
    severity: 'info',
    specPath: nearestPath(ctx, '/training/optimizer'),
    message:
      `Slow convergence: the training loss fell only ${pct(Math.max(0, rate))} per epoch over the last ${n} epochs ` +
      `(to ${fmt(last)}, ${h.referenceText}) with small steps (median ‖ΔW‖/‖W‖ ${fmt(update)}); ` +
      `${training}.`,
    evidence: {
      ratePerEpoch: rate,
      epochLosses: losses.slice(-(n + 1)),
      medianUpdateRatio: update,
      referenceLoss: h.referenceLoss,
      threshold: ctx.t.slowRate,
    },
    fixes,
  });
}

export function createSlowConvergence(): Detector {
  return { code: 'slow-convergence', onEpoch: (ctx) => check(ctx) };
}
