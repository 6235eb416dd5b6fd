// Window conditions several detectors share: which ReLU layers are dead, which sigmoid/tanh layers are saturated,
// whether the depth profile of the gradients says "vanishing". Detectors also use them to stay silent when another
// diagnosis already explains what they see (zero gradients below a dead layer are not a vanishing gradient).
import { activationFacts } from '../model/facts';
import { earlyLrTooHigh } from './causes';
import type { RunContext } from './context';
import type { MeasuredStep } from './history';
import type { LayerInfo } from './modelView';
import { fractionWhere, median } from './stats';

export interface LayerReading {
  layer: LayerInfo;
  value: number;
}

/** ReLU layers whose dead-unit fraction stayed at or above the threshold on every step of the window. */
export function deadLayers(ctx: RunContext): LayerReading[] {
  const h = ctx.history;
  if (!h.windowFull) return [];
  const steps = h.recent();
  const out: LayerReading[] = [];
  for (const l of ctx.view.kernels) {
    if (!l.activation || !activationFacts(l.activation).canDie) continue;
    const fractions = steps.map((s) => {
      const m = s.layers[l.index];
      return m.deadUnits !== undefined && m.units ? m.deadUnits / m.units : NaN;
    });
    if (fractions.some((f) => !Number.isFinite(f))) continue;
    const persistent = Math.min(...fractions);
    if (persistent >= ctx.t.deadReluFraction) out.push({ layer: l, value: persistent });
  }
  return out;
}

/** Hidden sigmoid/tanh layers whose median saturation over the window is above the threshold. */
export function saturatedLayers(ctx: RunContext): LayerReading[] {
  const h = ctx.history;
  if (!h.windowFull) return [];
  const out: LayerReading[] = [];
  for (const l of ctx.view.kernels) {
    if (l === ctx.view.last) continue;
    const value = h.layerMedian(l.index, (m) => m.saturation);
    if (value > ctx.t.saturationFraction) out.push({ layer: l, value });
  }
  return out;
}

/** ‖g_first‖/‖g_last‖ of one step (NaN when the last layer's gradient is zero or anything is non-finite). */
export function gradientRatio(ctx: RunContext, s: MeasuredStep): number {
  const { first, last } = ctx.view;
  if (!first || !last || first === last) return NaN;
  // A frozen layer has no gradient: no ratio.
  const g1 = s.layers[first.index].gradNorm ?? NaN;
  const gl = s.layers[last.index].gradNorm ?? NaN;
  return gl > 0 && Number.isFinite(gl) && Number.isFinite(g1) ? g1 / gl : NaN;
}

/** AUTOTRAINER's vanishing rule on one step: ‖g_first‖/‖g_last‖ < vanishingRatio and ‖g_first‖ < vanishingFirstNorm. */
export function autotrainerVanishing(ctx: RunContext, s: MeasuredStep): boolean {
  const r = gradientRatio(ctx, s);
  return r < ctx.t.vanishingRatio && (s.layers[ctx.view.first!.index].gradNorm ?? NaN) < ctx.t.vanishingFirstNorm;
}

export type VanishingRule = 'autotrainer' | 'frozen-first-layer';

/**
 * Whether the window shows gradients vanishing with depth: AUTOTRAINER's rule on most steps; or (ours) the first
 * layer frozen (‖ΔW‖/‖W‖ < frozenUpdateRatio on most steps) while some later layer moves ≥ lrLowUpdateRatio: the
 * network can learn, its first layers cannot. (Too-small initialisations shrink activations and gradients alike, so
 * their weight-gradient ratio stays near 1e-2 and AUTOTRAINER's rule misses them; the update ratios do not.)
 */
export function vanishingRule(ctx: RunContext): VanishingRule | undefined {
  const { history: h, view, t } = ctx;
  if (!h.windowFull || !view.first || !view.last || view.first === view.last) return undefined;
  const steps = h.recent();
  if (fractionWhere(steps, (s) => autotrainerVanishing(ctx, s)) >= t.windowAgreement) return 'autotrainer';
  const first = view.first.index;
  const frozen = fractionWhere(steps, (s) => s.layers[first].updateRatio < t.frozenUpdateRatio);
  const fastest = Math.max(...view.kernels.map((l) => medianLayerUpdate(ctx, l)));
  if (frozen >= t.windowAgreement && fastest >= t.lrLowUpdateRatio) return 'frozen-first-layer';
  return undefined;
}

/** Median over the window of a kernel layer's update ratio. */
export function medianLayerUpdate(ctx: RunContext, l: LayerInfo): number {
  return ctx.history.layerMedian(l.index, (m) => m.updateRatio);
}

/** Median over the window of the kernels' median update ratio. */
export function medianUpdate(ctx: RunContext): number {
  return median(ctx.view.kernels.map((l) => medianLayerUpdate(ctx, l)));
}

/** Something already explains poor progress structurally (dead, vanishing or saturated units). */
export function structurallyExplained(ctx: RunContext): boolean {
  const f = ctx.fired;
  if (f.has('dead-relu') || f.has('vanishing-gradient') || f.has('saturated-activation') || f.has('exploding-gradient'))
    return true;
  return deadLayers(ctx).length > 0 || saturatedLayers(ctx).length > 0 || vanishingRule(ctx) !== undefined;
}

/** The loss is visibly unstable: oscillating, diverging, or it already produced NaN. */
export function unstable(ctx: RunContext): boolean {
  const f = ctx.fired;
  return f.has('oscillating-loss') || f.has('divergence') || f.has('non-finite');
}

/**
 * The run blew up: the loss diverged, the gradient exploded or went non-finite, or the very first steps were huge
 * (median ‖ΔW‖/‖W‖ > 0.1, or the loss shot above 10× the untrained model's). What the layers look like afterwards
 * (units thrown into a flat region — dead ReLUs, SELUs in their negative tail — passing no gradient) is a consequence
 * of that blow-up, and the diagnosis names the blow-up's cause, not the consequence.
 */
export function blownUp(ctx: RunContext): boolean {
  const f = ctx.fired;
  return f.has('divergence') || f.has('exploding-gradient') || f.has('non-finite') || earlyLrTooHigh(ctx);
}
