// Reading causes off the spec and the first steps: initialisers scaled far beyond He/Glorot, biases that start
// units dead or saturated, a learning rate whose very first updates were huge. Detectors use these to put the
// cure of the actual cause first in their list of fixes.
import { familyVariance, isConstantInitializer, weightScale } from '../model/facts';
import type { RunContext } from './context';
import type { MeasuredStep } from './history';
import type { LayerInfo } from './modelView';
import { median } from './stats';

/** How far above the He scale (σ = √(2/fan-in)) an initialiser may be before it counts as too large. */
const TOO_LARGE = 1.5;
/** How far below the LeCun scale (σ = √(1/fan-in)) an initialiser may be before it counts as too small. */
const TOO_SMALL = 0.5;

/**
 * Kernel layers whose initialiser draws weights well above the He scale (or constant non-zero weights). Neither this
 * nor smallInitLayers counts a layer whose weights model.initFrom loaded: its initialiser drew nothing.
 */
export function largeInitLayers(ctx: RunContext): LayerInfo[] {
  return ctx.view.kernels.filter((l) => {
    if (!l.spec || !l.fans || l.loaded) return false;
    const init = l.spec.kernelInitializer;
    const scale = weightScale(init, l.fans);
    if (isConstantInitializer(init)) return scale !== 0;
    return scale > TOO_LARGE * Math.sqrt(familyVariance('he', l.fans));
  });
}

/** Kernel layers whose initialiser draws weights far below the LeCun scale (signals shrink layer by layer). */
export function smallInitLayers(ctx: RunContext): LayerInfo[] {
  return ctx.view.kernels.filter(
    (l) =>
      l.spec &&
      l.fans &&
      !l.loaded &&
      weightScale(l.spec.kernelInitializer, l.fans) < TOO_SMALL * Math.sqrt(familyVariance('lecun', l.fans)),
  );
}

/** Median over kernel layers of the median update ratio of the given steps. */
export function medianUpdateRatio(ctx: RunContext, steps = ctx.history.recent()): number {
  return median(ctx.view.kernels.map((l) => median(steps.flatMap((s) => trainingUpdate(s, l)))));
}

/** A kernel's update ratio on a step, unless it was frozen then (its 0 says nothing about the learning rate). */
function trainingUpdate(s: MeasuredStep, l: LayerInfo): number[] {
  const m = s.layers[l.index];
  return m.frozen ? [] : [m.updateRatio];
}

/**
 * The early steps' kernel-median update ratios, corrected for RMSprop's start-up inflation: its squared-gradient
 * average starts at zero (decay ρ, the spec's `rho`), so its step t is 1/√(1 − ρ^(t+1)) times larger. (An external
 * run's ρ is unknown: its ratios are taken as measured.)
 */
function earlyUpdateRatios(ctx: RunContext): number[] {
  const optimizer = ctx.spec?.training.optimizer;
  return ctx.history.early.map((s, i) => {
    const u = median(ctx.view.kernels.flatMap((l) => trainingUpdate(s, l)));
    return optimizer?.type === 'rmsprop' ? u * Math.sqrt(1 - optimizer.rho ** (i + 1)) : u;
  });
}

/**
 * The first steps say the learning rate is too high: their updates were a large fraction of the weights
 * (DeepDiagnosis's 0.1), or the loss shot far above the untrained model's.
 */
export function earlyLrTooHigh(ctx: RunContext): boolean {
  const h = ctx.history;
  if (earlyUpdateRatio(ctx) > ctx.t.lrHighUpdateRatio) return true;
  return earlyLossPeak(ctx) > 10 * Math.max(h.referenceLoss, h.initialLoss);
}

/** Median ‖ΔW‖/‖W‖ (kernel median, RMSprop-corrected) of the first 5 measured steps; NaN before any. */
export function earlyUpdateRatio(ctx: RunContext): number {
  return median(earlyUpdateRatios(ctx).slice(0, 5));
}

/** The highest loss of the run's first 2 windows of steps (non-finite counts as +Infinity); -Infinity before any. */
export function earlyLossPeak(ctx: RunContext): number {
  const firstLosses = ctx.history.firstLosses.slice(0, 2 * ctx.t.window);
  return Math.max(...firstLosses.map((x) => (Number.isFinite(x) ? x : Infinity)));
}

/** The first update of a healthy run moves the weights by at most ~3% of their norm (here: 0.25%–3.5%). */
const HEALTHY_FIRST_UPDATE = 0.03;

/**
 * By how much to lower the learning rate: the power of ten (0.1, 0.01 or 0.001) that brings the first step's
 * median ‖ΔW‖/‖W‖ — which is proportional to the learning rate, for SGD and Adam alike, since nothing has compounded
 * yet — down to a healthy first update. 0.1 when the first step is unknown or already moderate.
 */
export function lrReductionFactor(ctx: RunContext): number {
  const u0 = earlyUpdateRatios(ctx)[0];
  if (!(u0 > 0) || !Number.isFinite(u0)) return 0.1;
  const exponent = Math.round(Math.log10(HEALTHY_FIRST_UPDATE / u0));
  return 10 ** Math.min(-1, Math.max(-3, exponent));
}

/**
 * A healthy median ‖ΔW‖/‖W‖ per step early in training: CS231n's rule of thumb is ~1e-3; the healthy runs here move
 * 2e-3–3e-2 (median ~7e-3) while they learn. The geometric middle of the two.
 */
const HEALTHY_UPDATE = 5e-3;

/** The power of ten (10, 100 or 1000) that scales a median update ratio `update` to about a healthy size. */
export function raiseFactor(update: number): number {
  const exponent = Math.round(Math.log10(HEALTHY_UPDATE / update));
  return 10 ** Math.min(3, Math.max(1, Number.isFinite(exponent) ? exponent : 1));
}
