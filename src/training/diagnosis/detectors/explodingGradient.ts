// exploding-gradient: gradients so large that a step overwrites the weights instead of tuning them.
// Three rules: AUTOTRAINER's ‖g_first‖/‖g_last‖ > 70 on most steps of the window while the run struggles; fast, a
// layer's ‖ΔW‖/‖W‖ above 1 on a few consecutive measured steps (no healthy run does that even once in a row); and at
// initialisation, a classifier whose spec draws weights far above the He scale and whose first losses are 10×
// chance level (its logits exploded through the layers).
// When the run hits NaN first, the steps before it are examined instead (see explainNonFinite).
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { largeInitLayers } from '../causes';
import { gradientRatio } from '../conditions';
import { diagnostic, type DiagnosisContext } from '../context';
import type { Detector } from '../detector';
import type { MeasuredStep } from '../history';
import { instabilityFixes } from '../instabilityFixes';
import type { LayerInfo } from '../modelView';
import { fmt } from '../../format';
import { fractionWhere, median } from '../stats';

/** The kernel layer with the largest update ratio on a step, and that ratio. */
function largestUpdate(ctx: DiagnosisContext, s: MeasuredStep): { layer: LayerInfo; ratio: number } | undefined {
  let best: { layer: LayerInfo; ratio: number } | undefined;
  for (const l of ctx.view.kernels) {
    const u = s.layers[l.index].updateRatio;
    if (Number.isFinite(u) && (!best || u > best.ratio)) best = { layer: l, ratio: u };
  }
  return best;
}

function explodingStep(ctx: DiagnosisContext, s: MeasuredStep): boolean {
  return (largestUpdate(ctx, s)?.ratio ?? 0) > ctx.t.explodingUpdateRatio;
}

/** Steps whose losses tell an exploded initialisation. */
const INIT_STEPS = 3;

function report(ctx: DiagnosisContext, steps: MeasuredStep[], rule: string): DiagnosticEvent {
  const last = steps[steps.length - 1];
  const top = largestUpdate(ctx, last);
  const ratio = median(steps.map((s) => gradientRatio(ctx, s)));
  const layers = ctx.view.kernels.filter(
    (l) => last.layers[l.index].updateRatio > ctx.t.explodingUpdateRatio || l === top?.layer,
  );
  // AUTOTRAINER's rule blames the first layer (its gradient is the large one); the others the largest update.
  const culprit = rule === 'autotrainer' ? ctx.view.first! : (top?.layer ?? ctx.view.first!);
  const initialLoss = median(steps.map((s) => s.loss));
  const ordered = [culprit, ...layers.filter((l) => l !== culprit)];
  return diagnostic(ctx, {
    code: 'exploding-gradient',
    severity: 'error',
    layers: ordered,
    step: last.step,
    message:
      `Exploding gradient at step ${last.step}: ` +
      [
        rule === 'initial-loss'
          ? `the untrained model's loss is ${fmt(initialLoss)}, ${fmt(initialLoss / ctx.history.referenceLoss)}× chance level`
          : '',
        `global gradient norm ${fmt(last.globalGradNorm)}`,
        `one step changed ${culprit.summary.name}'s weights by ${fmt(top?.ratio ?? NaN)}× their norm (‖ΔW‖/‖W‖)`,
        Number.isFinite(ratio) ? `first/last layer gradient ratio ${fmt(ratio)}` : '',
      ]
        .filter(Boolean)
        .join('; ') +
      '.',
    evidence: {
      rule,
      ...(rule === 'initial-loss' ? { initialLoss } : {}),
      globalGradNorm: last.globalGradNorm,
      largestUpdateRatio: top?.ratio ?? null,
      gradientRatio: Number.isFinite(ratio) ? ratio : null,
      loss: last.loss,
      steps: steps.map((s) => s.step),
      thresholds: { explodingRatio: ctx.t.explodingRatio, explodingUpdateRatio: ctx.t.explodingUpdateRatio },
    },
    fixes: instabilityFixes(ctx),
  });
}

/**
 * A classifier whose spec draws weights far above the He scale and whose first losses are far above chance: its
 * outputs exploded through the layers at initialisation. (Both are required: un-normalised residual stacks also
 * start high with standard initialisers, and recover.)
 */
function explodedAtInit(ctx: DiagnosisContext): boolean {
  const h = ctx.history;
  if (ctx.view.task !== 'classification' || h.stepsSeen !== INIT_STEPS || largeInitLayers(ctx).length === 0) return false;
  return median(h.firstLosses.slice(0, INIT_STEPS)) > ctx.t.explodingLossFactor * h.referenceLoss;
}

function check(ctx: DiagnosisContext): DiagnosticEvent | undefined {
  const { history: h, t } = ctx;
  if (!ctx.view.first || ctx.view.kernels.length === 0) return undefined;
  if (explodedAtInit(ctx) && h.measured.length > 0) return report(ctx, h.measured.slice(-INIT_STEPS), 'initial-loss');
  const n = Math.max(1, Math.round(t.explodingSteps));
  const lastN = h.measured.slice(-n);
  if (lastN.length === n && lastN.every((s) => explodingStep(ctx, s))) return report(ctx, lastN, 'update-ratio');
  if (ctx.view.first === ctx.view.last || !h.windowFull || !h.struggling) return undefined;
  const steps = h.recent();
  if (fractionWhere(steps, (s) => gradientRatio(ctx, s) > t.explodingRatio) >= t.windowAgreement)
    return report(ctx, steps, 'autotrainer');
  return undefined;
}

/** Before a NaN: the last finite measured steps showed exploding updates or an exploding depth ratio. */
function explainNonFinite(ctx: DiagnosisContext): DiagnosticEvent | undefined {
  const finite = ctx.history.measured.filter(
    (s) => Number.isFinite(s.loss) && s.layers.every((l) => Number.isFinite(l.gradNorm)),
  );
  const tail = finite.slice(-Math.max(1, Math.round(ctx.t.explodingSteps)));
  if (tail.length === 0 || !ctx.view.first) return undefined;
  const exploding = tail.some((s) => explodingStep(ctx, s) || gradientRatio(ctx, s) > ctx.t.explodingRatio);
  return exploding ? report(ctx, tail, 'before-non-finite') : undefined;
}

export function createExplodingGradient(): Detector {
  return { code: 'exploding-gradient', onStep: (ctx) => check(ctx), explainNonFinite };
}
