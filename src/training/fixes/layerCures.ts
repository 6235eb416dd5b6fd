// Cures that rewrite weight-layer entries, shared by lint (predicted before training) and diagnosis (seen during
// a run): the same finding gets the same fix whichever found it. Each writes into a PatchBuilder and returns the
// fix; callers describe their layers as WeightEntry values, one per spec entry.
import { initializerMean, isAdaptive, recommendedInitializer } from '../model/facts';
import type { ActivationName, ActivationParams, InitializerSpec, SpecFix, SpecPath, TrainingSpec } from '../spec/types';
import { distinctEntries, reverseDocumentOrder } from './entries';
import type { PatchBuilder } from './patchBuilder';

export interface WeightEntry {
  /** Pointer of the weight layer's entry (a repeat template's, for all its copies). */
  path: SpecPath;
  /** The activation applied to its units: its own, or that of a separate `activation` entry after it. */
  activation: ActivationName;
  /** Pointer of that separate `activation` entry, when there is one. */
  activationPath?: SpecPath;
  /** The parameters the entry's own activation was given (object form), kept when a cure moves it. */
  activationParams?: ActivationParams;
  kernelInitializer: InitializerSpec;
  useBias: boolean;
  biasInitializer: InitializerSpec;
}

/** Entries as a phrase for a fix title: `/model/layers/0` or `3 layer entries`. */
export function entriesPhrase(entries: readonly WeightEntry[]): string {
  return entries.length === 1 ? entries[0].path : `${entries.length} layer entries`;
}

/** Sets the activation that applies to an entry's units (its own property, or its separate `activation` entry). */
export function setActivation(p: PatchBuilder, e: WeightEntry, activation: ActivationName): void {
  p.set(`${e.activationPath ?? e.path}/activation`, activation);
}

/** Changed layers (copies counted) from which a cure that amplifies the backward signal also clips the gradient norm. */
export const CLIP_FROM_DEPTH = 3;

/** The suffix of a fix title when the fix also clips. */
export const CLIP_TITLE = ', and clip the gradient norm to 1';

/**
 * A cure that makes `layers` layers pass back far more gradient than before (ReLU instead of σ' ≤ 0.25, or weights
 * raised from a vanishing scale to the right one) meets a learning rate chosen for the tiny gradients: with SGD,
 * whose step grows with the gradient, from 3 such layers on it also clips the global gradient norm to 1 (unless the
 * spec clips already). True when it did.
 */
export function clipAmplifiedGradients(p: PatchBuilder, layers: number, training: TrainingSpec): boolean {
  const clip = layers >= CLIP_FROM_DEPTH && !isAdaptive(training.optimizer.type) && training.clipNorm === undefined;
  if (clip) p.set('/training/clipNorm', 1);
  return clip;
}

/**
 * The cure of a deep sigmoid/tanh stack (lint `deep-saturating-stack`, run-time `vanishing-gradient` and the
 * saturation it comes from): ReLU with He initialization, zero biases where they start shifted and, when it
 * converts `layers` ≥ 3 layers of an SGD run whose gradient norm is not clipped yet, a clip of the global gradient
 * norm to 1. Each converted layer passes back up to 4× more gradient than σ' ≤ 0.25 did, and SGD's step grows with
 * the gradient, so the learning rate the saturating net needed can blow the deeper ReLU net up in its first steps:
 * without the clip the deep-sigmoid example's re-run raised oscillating-loss and dead-relu, with it nothing (4 seeds,
 * and the bench's deep sigmoid specs). Adaptive optimizers scale their step by the gradient's own size: with Adam
 * the ReLU + He re-run of bench/diagnosis/specs/vanishing-sigmoid-adam-moons was clean without a clip (2 seeds).
 */
export function reluHeCure(
  p: PatchBuilder,
  entries: readonly WeightEntry[],
  layers: number,
  training: TrainingSpec,
): SpecFix | undefined {
  const list = distinctEntries(entries, (e) => e.path);
  if (list.length === 0) return undefined;
  const from = [...new Set(list.map((e) => e.activation))].join('/');
  for (const e of list) {
    setActivation(p, e, 'relu');
    p.set(`${e.path}/kernelInitializer`, 'heNormal');
    if (e.useBias && initializerMean(e.biasInitializer) !== 0) p.set(`${e.path}/biasInitializer`, 'zeros');
  }
  const clip = clipAmplifiedGradients(p, layers, training);
  const count = layers === 1 ? '1 layer' : `${layers} layers`;
  return {
    title: `Use relu with heNormal initialization instead of ${from} in ${count} (${entriesPhrase(list)})${clip ? CLIP_TITLE : ''}`,
    patch: p.ops,
  };
}

/** Batch normalization between each entry's linear part and its activation (dense → batchNormalization → activation). */
export function batchNormCure(p: PatchBuilder, entries: readonly WeightEntry[]): SpecFix | undefined {
  const list = distinctEntries(
    entries.filter((e) => e.activation !== 'linear'),
    (e) => e.path,
  );
  if (list.length === 0) return undefined;
  const byPath = new Map(list.map((e) => [e.path, e]));
  for (const path of reverseDocumentOrder([...byPath.keys()])) {
    const e = byPath.get(path)!;
    // batch normalization subtracts the mean: a bias right before it is dead weight (lint: bias-before-batchnorm).
    if (e.useBias) p.set(`${path}/useBias`, false);
    if (e.activationPath) {
      p.insertAfter(path, { type: 'batchNormalization' });
    } else {
      p.set(`${path}/activation`, 'linear');
      const activation = e.activationParams ? { type: e.activation, ...e.activationParams } : e.activation;
      p.insertAfter(path, { type: 'activation', activation });
      p.insertAfter(path, { type: 'batchNormalization' });
    }
  }
  const bias = list.some((e) => e.useBias) ? ' (without the bias it makes redundant)' : '';
  return { title: `Add batch normalization before the activation of ${entriesPhrase(list)}${bias}`, patch: p.ops };
}

/** Each entry's kernel initializer set to the one made for its activation (facts: He, LeCun or Glorot); the entries changed. */
export function setRecommendedInitializers(p: PatchBuilder, entries: readonly WeightEntry[]): WeightEntry[] {
  const list = distinctEntries(entries, (e) => e.path).filter(
    (e) => e.kernelInitializer !== recommendedInitializer(e.activation),
  );
  for (const e of list) p.set(`${e.path}/kernelInitializer`, recommendedInitializer(e.activation));
  return list;
}
