// Default diagnosis thresholds, each with where it comes from, and how a run's thresholds are resolved:
// defaults ← StartOptions.thresholds (e.g. VS Code settings) ← the spec's `monitor` section (the spec wins).
// docs/diagnostics/README.md documents the same table for users; keep the two in step.
import { didYouMean } from '../spec/suggest';
import type { Thresholds } from './types';

export const DEFAULT_THRESHOLDS = {
  // ── Windows and gates (shared by several detectors) ──────────────────────────────────────────────────────────
  /** Measured steps a windowed judgement looks at. Ours: AUTOTRAINER judges once per epoch; 20 steps is a fraction of an epoch on our data, long enough to average out batch noise. */
  window: 20,
  /** Fraction of the window's steps that must show a symptom. Ours: one noisy step never fires a diagnosis. */
  windowAgreement: 0.8,
  /** A run counts as learning well once its recent loss is below (1 − this) × the chance-level loss (ln K for K classes). AUTOTRAINER's "satisfied accuracy" gate (Θ = 0.7), stated on the loss so that it needs no per-dataset accuracy target. */
  learningTarget: 0.5,
  /** The loss counts as stalled when the last window's median is less than this fraction below the window before. Ours. */
  stallDecrease: 0.1,

  // ── Gradients ────────────────────────────────────────────────────────────────────────────────────────────────
  /** Vanishing: ‖g_first‖ / ‖g_last‖ below this… AUTOTRAINER β₁ = 1e-3. */
  vanishingRatio: 1e-3,
  /** …and ‖g_first‖ below this. AUTOTRAINER β₂ = 1e-4. */
  vanishingFirstNorm: 1e-4,
  /** A layer counts as involved in a vanishing gradient (listed in `layers`) when its gradient norm is below this fraction of the output layer's, or it is frozen. Ours. */
  vanishingLayerRatio: 1e-2,
  /** A layer whose ‖ΔW‖/‖W‖ stays below this is not learning (frozen). DeepDiagnosis's lower bound on the update ratio (1e-5). With the loss stalled, a first layer frozen on most steps while a later layer still moves (≥ lrLowUpdateRatio) is a vanishing gradient too (ours: catches too-small initialisations, whose gradient ratio stays near 1e-2). */
  frozenUpdateRatio: 1e-5,
  /** Exploding: ‖g_first‖ / ‖g_last‖ above this. AUTOTRAINER β₃ = 70. */
  explodingRatio: 70,
  /** Exploding: one step changes a layer's weights by more than this multiple of their norm. Ours: 10× DeepDiagnosis's upper bound (0.1) — the weights are overwritten, not tuned. */
  explodingUpdateRatio: 1,
  /** Consecutive measured steps with updates above explodingUpdateRatio before exploding-gradient fires. Ours. */
  explodingSteps: 3,
  /** Exploding at initialisation: a classifier with initialisers far above the He scale whose first 3 losses are above this multiple of the chance-level loss ln K (the forward signal exploded through the layers). Ours; He/Glorot initialisations start near ln K. */
  explodingLossFactor: 10,

  // ── Activations ──────────────────────────────────────────────────────────────────────────────────────────────
  /** Dead ReLU: fraction of a layer's units dead (zero for a whole batch) on every step of the window. AUTOTRAINER γ = 0.7 and DeepDiagnosis's 70%; keras-contrib's DeadReluDetector warns from 10%, which healthy nets reach. */
  deadReluFraction: 0.7,
  /** Saturation: median fraction of sigmoid/tanh outputs in the flat tails over the window. DeepDiagnosis: > 50%. */
  saturationFraction: 0.5,

  // ── Loss curve ───────────────────────────────────────────────────────────────────────────────────────────────
  /** Divergence: the 5-step median loss exceeds this multiple of its best value so far… Ours. */
  divergenceFactor: 3,
  /** …on this many consecutive steps. Ours. */
  divergenceSteps: 3,
  /** Oscillation: the loss is averaged over blocks of this many steps… Ours. */
  oscillationBlock: 10,
  /** …and the last this-many block means are compared. Ours. */
  oscillationBlocks: 8,
  /** Oscillation: the block means' up-and-down movement that does not add up to progress, per block, as a fraction of the chance-level loss. AUTOTRAINER's ζ = 0.03 (accuracy swing), restated on the loss; healthy runs here stay below 0.11. */
  oscillationAmplitude: 0.15,
  /** Consecutive block evaluations above oscillationAmplitude before oscillating-loss fires. AUTOTRAINER's η (swings in 20% of checks), as persistence. */
  oscillationPersistence: 3,
  /** Slow convergence: epochs before it is judged. AUTOTRAINER judges from 30% of training; ours: at least this many epochs. */
  slowEpochs: 3,
  /** Slow convergence: the epoch loss falls by less than this fraction per epoch (mean over the last slowEpochs). AUTOTRAINER δ = 0.01 (accuracy gain per epoch), restated on the loss. */
  slowRate: 0.03,
  /** Slow convergence needs small steps: median ‖ΔW‖/‖W‖ below this. CS231n's rule of thumb: about 1e-3 is healthy. */
  slowUpdateRatio: 1e-3,
  /** Overfitting: epochs since the best (3-epoch mean) validation loss. Prechelt, "Early stopping — but when?" (1998): UP_s with s = 3. */
  overfitPatience: 3,
  /** Overfitting: validation loss at least this fraction above its best. Prechelt's generalisation loss GL_α, α = 10%. */
  overfitRise: 0.1,

  // ── Learning rate ────────────────────────────────────────────────────────────────────────────────────────────
  /** LR too high: median ‖ΔW‖/‖W‖ above this. DeepDiagnosis's upper bound (0.1). */
  lrHighUpdateRatio: 0.1,
  /** LR too high when the loss is unstable (oscillating, diverging, NaN): median ‖ΔW‖/‖W‖ above this. Ours: 10× the CS231n rule of thumb. */
  lrHighUnstableUpdateRatio: 1e-2,
  /** LR too low: even the fastest-moving layer's median ‖ΔW‖/‖W‖ stays below this. Ours: 10× below CS231n's 1e-3, 10× above DeepDiagnosis's frozen bound. */
  lrLowUpdateRatio: 1e-4,
} as const satisfies Thresholds;

export type ThresholdName = keyof typeof DEFAULT_THRESHOLDS;

/** Every threshold's name, in the table's order. */
export const THRESHOLD_NAMES = Object.keys(DEFAULT_THRESHOLDS) as readonly ThresholdName[];

export const isThresholdName = (name: string): name is ThresholdName =>
  Object.prototype.hasOwnProperty.call(DEFAULT_THRESHOLDS, name);

/**
 * Threshold overrides given outside a spec (`gradscope diagnose --thresholds`, the `gradscope.diagnosis.thresholds`
 * setting): an object of known names with finite number values, as the spec's `monitor` section takes them. Returns
 * the valid entries and one sentence per entry (or value) that is not.
 */
export function readThresholdOverrides(value: unknown): { thresholds: Thresholds; problems: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { thresholds: {}, problems: [`expected an object of thresholds by name, e.g. {"vanishingRatio": 1e-4}`] };
  const thresholds: Thresholds = {};
  const problems: string[] = [];
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!isThresholdName(name)) problems.push(`unknown threshold "${name}"${didYouMean(name, THRESHOLD_NAMES)}`);
    else if (typeof v !== 'number' || !Number.isFinite(v))
      problems.push(`threshold "${name}" must be a finite number, not ${JSON.stringify(v) ?? String(v)}`);
    else thresholds[name] = v;
  }
  return { thresholds, problems };
}

/** Resolved thresholds: every default present, overridden by the caller's then by the spec's `monitor` values. */
export type ResolvedThresholds = Record<ThresholdName, number> & Thresholds;

/** Merges thresholds: defaults ← options (StartOptions.thresholds) ← monitor (the spec's section wins). */
export function resolveThresholds(options?: Thresholds, monitor?: Thresholds): ResolvedThresholds {
  const out: Thresholds = { ...DEFAULT_THRESHOLDS };
  for (const source of [options, monitor]) {
    for (const [name, value] of Object.entries(source ?? {})) {
      if (typeof value === 'number' && Number.isFinite(value)) out[name] = value;
    }
  }
  return out as ResolvedThresholds;
}
