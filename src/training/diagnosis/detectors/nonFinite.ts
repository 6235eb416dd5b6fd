// non-finite: the loss, a gradient or a weight became NaN or ±Infinity (or the validation loss did). The trainer
// stops the run at once with status `diverged`; this reports where it happened and what to change, with the
// cure ordered by the cause the steps before it point at (see instabilityFixes).
import type { EpochEvent, LayerStepMetrics, StepEvent } from '../../../shared/engineProtocol';
import { diagnostic, type RunContext } from '../context';
import type { Detector } from '../detector';
import { instabilityFixes } from '../instabilityFixes';
import { fmt } from '../../format';

// A frozen layer has no gradient: only its weights can go bad.
const bad = (l: LayerStepMetrics): boolean => (!l.frozen && !Number.isFinite(l.gradNorm)) || !Number.isFinite(l.weightNorm);

/** The loss climbed well above its best before the NaN: the learning rate, not the initialisation, drove it. */
function climbedFirst(ctx: RunContext): boolean {
  const losses = ctx.history.losses.filter(Number.isFinite);
  if (losses.length < 5) return false;
  const best = Math.min(...losses.slice(0, -3));
  const lastFinite = losses[losses.length - 1];
  return lastFinite > 10 * Math.max(best, 1e-3) && best < 2 * ctx.history.referenceLoss;
}

function onStep(ctx: RunContext, e: StepEvent): ReturnType<typeof diagnostic> | undefined {
  if (!e.nonFinite) return undefined;
  const layers = e.layers ?? [];
  const index = Math.max(0, layers.findIndex(bad));
  const all = ctx.view.layers;
  const at = all[e.layers ? index : all.length - 1] ?? all[0];
  const name = at?.summary.name ?? 'the model';
  const what = Number.isFinite(e.loss) ? `a non-finite gradient or weight in ${name}` : `loss ${e.loss}`;
  return diagnostic(ctx, {
    code: 'non-finite',
    severity: 'error',
    layers: at ? [at] : undefined,
    step: e.step,
    epoch: e.epoch,
    message: `Training diverged at step ${e.step} (epoch ${e.epoch + 1}): ${what}. The run was stopped; everything measured so far is kept.`,
    evidence: { loss: e.loss, globalGradNorm: e.globalGradNorm ?? null, layer: e.layers?.[index] ?? null },
    fixes: instabilityFixes(ctx, climbedFirst(ctx)),
  });
}

function onEpoch(ctx: RunContext, e: EpochEvent): ReturnType<typeof diagnostic> | undefined {
  if (Number.isFinite(e.valLoss)) return undefined;
  return diagnostic(ctx, {
    code: 'non-finite',
    severity: 'error',
    specPath: '/model/layers',
    epoch: e.epoch,
    message:
      `Validation loss is ${e.valLoss} after epoch ${e.epoch + 1}: the model's outputs are no longer finite ` +
      `(training loss ${fmt(e.loss)}).`,
    evidence: { valLoss: e.valLoss, loss: e.loss },
    fixes: instabilityFixes(ctx, climbedFirst(ctx)),
  });
}

export function createNonFinite(): Detector {
  return { code: 'non-finite', onStep, onEpoch };
}
