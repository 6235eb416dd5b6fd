// Kernel penalties of a layer (spec: kernelRegularizer, kernelConstraint), one helper for every layer kind with a
// kernel: the regularizer's gradient, added to the kernel's gradient after measurement and clipping (like
// weightDecay, so measured gradient norms stay the data loss's), and the maxNorm constraint, applied after the
// optimizer step.
import * as tf from '@tensorflow/tfjs';
import type { KernelPenalties, KernelRegularizerSpec } from '../spec/types';
import { unitNorms } from './model/weightNormalization';

/** What the step applies to one kernel variable. */
export interface KernelPenaltySettings {
  regularizer?: KernelRegularizerSpec;
  /** maxNorm: each output unit's incoming weights are rescaled to norm ≤ this after every step. */
  maxNorm?: number;
}

/** The engine's settings for a spec layer's penalties; undefined when it has none. */
export function kernelPenaltySettings(spec: KernelPenalties): KernelPenaltySettings | undefined {
  const out: KernelPenaltySettings = {};
  const reg = spec.kernelRegularizer;
  if (reg && (reg.l1 > 0 || reg.l2 > 0)) out.regularizer = reg;
  if (spec.kernelConstraint) out.maxNorm = spec.kernelConstraint.maxValue;
  return out.regularizer || out.maxNorm !== undefined ? out : undefined;
}

/** Gradient of l1·Σ|w| + l2·Σw²: l1·sign(w) + 2·l2·w (sign(0) = 0). */
export function regularizerGradient(w: tf.Tensor, reg: KernelRegularizerSpec): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.sign(w), reg.l1), tf.mul(w, 2 * reg.l2)));
}

/** w with each output unit's incoming vector (all axes but the last) scaled down to norm ≤ maxValue; others untouched. */
export function maxNormed(w: tf.Tensor, maxValue: number): tf.Tensor {
  return tf.tidy(() => tf.mul(w, tf.div(maxValue, tf.maximum(unitNorms(w), maxValue))));
}
