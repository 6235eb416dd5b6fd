// exploding-gradient: gradients so large that a step overwrites the weights instead of tuning them.
// Three rules: AUTOTRAINER's ‖g_first‖/‖g_last‖ > 70 on most steps of the window while the run struggles; fast, a
// layer's ‖ΔW‖/‖W‖ above 1 on a few consecutive measured steps (no healthy run does that even once in a row); and at
// initialisation, a classifier whose spec draws weights far above the He scale and whose first losses are 10×
// chance level (its logits exploded through the layers).
// When the run hits NaN first, the steps before it are examined instead (see explainNonFinite).
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { largeInitLayers } from '../causes';
import { gradientRatio } from '../conditions';
import { diagnostic, type RunContext } from '../context';
import type { Detector } from '../detector';
import type { MeasuredStep } from '../history';
import { instabilityFixes } from '../instabilityFixes';
import { plainRecurrent } from '../layerFixes';
import type { LayerInfo } from '../modelView';
import { fmt } from '../../format';
import { fractionWhere, median } from '../stats';

/** A layer's update ratio on a step; for a recurrent layer the larger of its input and recurrent kernels'. */
function updateRatio(s: MeasuredStep, l: LayerInfo): number {
  const m = s.layers[l.index];
  return Math.max(m.updateRatio, m.recurrentUpdateRatio ?? -Infinity);
}

/** Kernel and recurrent layers: the layers whose update ratios the rules read. */
function weighted(ctx: RunContext): LayerInfo[] {
  return [...ctx.view.kernels, ...ctx.view.recurrents].sort((a, b) => a.index - b.index);
}

/** The kernel or recurrent layer with the largest update ratio on a step, and that ratio. */
function largestUpdate(ctx: RunContext, s: MeasuredStep): { layer: LayerInfo; ratio: number } | undefined {
  let best: { layer: LayerInfo; ratio: number } | undefined;
  for (const l of weighted(ctx)) {
    const u = updateRatio(s, l);
    if (Number.isFinite(u) && (!best || u > best.ratio)) best = { layer: l, ratio: u };
  }
  return best;
}

/**
 * The plain recurrent layer (simpleRNN) with the largest recurrent-kernel gradient on a step, if the model has one:
 * backpropagation through time multiplies the gradient by its recurrent kernel once per timestep, so that is where
 * it compounds; the layers after it only receive its (exploded) outputs.
 */
function recurrentCulprit(ctx: RunContext, s: MeasuredStep): LayerInfo | undefined {
  let best: { layer: LayerInfo; norm: number } | undefined;
  for (const l of plainRecurrent(ctx.view.recurrents)) {
    const n = s.layers[l.index].recurrentGradNorm ?? NaN;
    if (!best || (Number.isFinite(n) && !(n <= best.norm))) best = { layer: l, norm: n };
  }
  return best?.layer;
}

function explodingStep(ctx: RunContext, s: MeasuredStep): boolean {
  return (largestUpdate(ctx, s)?.ratio ?? 0) > ctx.t.explodingUpdateRatio;
}

/** Steps whose losses tell an exploded initialisation. */
const INIT_STEPS = 3;

function report(ctx: RunContext, steps: MeasuredStep[], rule: string): DiagnosticEvent {
  const last = steps[steps.length - 1];
  const top = largestUpdate(ctx, last);
  const ratio = median(steps.map((s) => gradientRatio(ctx, s)));
  const layers = weighted(ctx).filter((l) => updateRatio(last, l) > ctx.t.explodingUpdateRatio || l === top?.layer);
  // A plain recurrent layer is where the gradient compounds; otherwise AUTOTRAINER's rule blames the first layer
  // (its gradient is the large one) and the others the largest update.
  const rnn = recurrentCulprit(ctx, last);
  const culprit = rnn ?? (rule === 'autotrainer' ? ctx.view.first! : (top?.layer ?? ctx.view.first!));
  const timesteps = rnn ? ctx.spec?.model.inputShape[0] : undefined;
  const recurrentNorm = rnn ? last.layers[rnn.index].recurrentGradNorm : undefined;
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
        rnn && recurrentNorm !== undefined
          ? `${rnn.summary.name}'s recurrent kernel has gradient norm ${fmt(recurrentNorm)} (backpropagation through ` +
            `time multiplies the gradient by it once per timestep${rnn.index === 0 && timesteps ? `, ${timesteps} times here` : ''})`
          : '',
        top ? `one step changed ${top.layer.summary.name}'s weights by ${fmt(top.ratio)}× their norm (‖ΔW‖/‖W‖)` : '',
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
      ...(rnn ? { recurrentGradNorm: recurrentNorm ?? null } : {}),
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
function explodedAtInit(ctx: RunContext): boolean {
  const h = ctx.history;
  if (ctx.view.task !== 'classification' || h.stepsSeen !== INIT_STEPS || largeInitLayers(ctx).length === 0) return false;
  return median(h.firstLosses.slice(0, INIT_STEPS)) > ctx.t.explodingLossFactor * h.referenceLoss;
}

function check(ctx: RunContext): DiagnosticEvent | undefined {
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
function explainNonFinite(ctx: RunContext): DiagnosticEvent | undefined {
  const finite = ctx.history.measured.filter(
    (s) => Number.isFinite(s.loss) && s.layers.every((l) => l.frozen || Number.isFinite(l.gradNorm)),
  );
  const tail = finite.slice(-Math.max(1, Math.round(ctx.t.explodingSteps)));
  if (tail.length === 0 || !ctx.view.first) return undefined;
  const exploding = tail.some((s) => explodingStep(ctx, s) || gradientRatio(ctx, s) > ctx.t.explodingRatio);
  return exploding ? report(ctx, tail, 'before-non-finite') : undefined;
}

export function createExplodingGradient(): Detector {
  return { code: 'exploding-gradient', onStep: (ctx) => check(ctx), explainNonFinite };
}
