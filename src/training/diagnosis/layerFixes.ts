// Fixes that rewrite layer entries: activation swaps, initialisers, zero biases, inserted batch normalisation or
// dropout. Layers built from one `repeat` template share its entry, so each entry is patched once (at the template's
// path); insertions go in reverse document order so no operation shifts the path of a later one.
import { fromPointer } from '../spec/positions';
import type { ActivationName, SpecFix } from '../spec/types';
import { biasMean, preferredInitializer } from './causes';
import { newPatch, type DiagnosisContext } from './context';
import type { LayerInfo } from './modelView';
import type { PatchBuilder } from './patchBuilder';
import { adaptiveOptimizer } from './trainingFixes';

/** One layer per spec entry (the first copy of a repeat template). */
export function distinctEntries(layers: readonly LayerInfo[]): LayerInfo[] {
  const seen = new Set<string>();
  return layers.filter((l) => !seen.has(l.summary.specPath) && seen.add(l.summary.specPath) !== undefined);
}

/** Entries as a phrase for a fix title: `/model/layers/0` or `3 entries`. */
function where(layers: readonly LayerInfo[]): string {
  const entries = distinctEntries(layers);
  return entries.length === 1 ? entries[0].summary.specPath : `${entries.length} layer entries`;
}

/** Later-in-the-document first: inserting after a later entry never moves an earlier one. */
function reverseDocumentOrder(paths: readonly string[]): string[] {
  const key = (p: string): (string | number)[] => (fromPointer(p) ?? []).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const cmp = (a: string, b: string): number => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] === y[i]) continue;
      return typeof x[i] === 'number' && typeof y[i] === 'number' ? (x[i] as number) - (y[i] as number) : String(x[i]).localeCompare(String(y[i]));
    }
    return x.length - y.length;
  };
  return [...paths].sort((a, b) => cmp(b, a));
}

/** Sets the activation that applies to a layer's units (its own property, or its separate `activation` entry). */
function setActivation(p: PatchBuilder, l: LayerInfo, activation: ActivationName): void {
  p.set(`${l.activationEntryPath ?? l.summary.specPath}/activation`, activation);
}

/** Converted layers from which ReLU + He also clips the gradient norm (see reluHeFix). */
const CLIP_FROM_DEPTH = 3;

/**
 * ReLU + He initialisation (and zero biases where they start shifted) in the given layers' entries. When that
 * converts several layers of an unclipped run, the fix also clips the global gradient norm to 1: each converted
 * layer passes back up to 4× more gradient than σ' ≤ 0.25 did, so the learning rate the sigmoid/tanh net needed
 * can blow the deeper ReLU net up in its first steps (measured: 3 of 4 seeds of a 10-layer stack on SGD + momentum).
 * Not with an adaptive optimizer: its step does not grow with the gradient, and clipping would not bound it.
 */
export function reluHeFix(ctx: DiagnosisContext, layers: readonly LayerInfo[]): SpecFix | undefined {
  const entries = distinctEntries(layers).filter((l) => l.spec);
  if (entries.length === 0) return undefined;
  const p = newPatch(ctx);
  const from = [...new Set(entries.map((l) => l.activation))].join('/');
  for (const l of entries) {
    setActivation(p, l, 'relu');
    p.set(`${l.summary.specPath}/kernelInitializer`, 'heNormal');
    if (l.spec!.useBias && biasMean(l.spec!.biasInitializer) !== 0) p.set(`${l.summary.specPath}/biasInitializer`, 'zeros');
  }
  const converted = ctx.view.kernels.filter((k) => entries.some((e) => e.summary.specPath === k.summary.specPath)).length;
  const clip = converted >= CLIP_FROM_DEPTH && ctx.spec.training.clipNorm === undefined && !adaptiveOptimizer(ctx);
  if (clip) p.set('/training/clipNorm', 1);
  return { title: `Use ReLU with He initialization instead of ${from} in ${where(entries)}${clip ? ', and clip the gradient norm to 1' : ''}`, patch: p.ops };
}

/** The initialiser suited to each layer's activation (He for ReLU-like, LeCun for SELU, Glorot for sigmoid/tanh). */
export function initializerFix(ctx: DiagnosisContext, layers: readonly LayerInfo[], label?: string): SpecFix | undefined {
  const entries = distinctEntries(layers).filter((l) => l.spec && l.spec.kernelInitializer !== preferredInitializer(l.activation));
  if (entries.length === 0) return undefined;
  const p = newPatch(ctx);
  for (const l of entries) p.set(`${l.summary.specPath}/kernelInitializer`, preferredInitializer(l.activation));
  const names = [...new Set(entries.map((l) => preferredInitializer(l.activation)))].join('/');
  return { title: label ?? `Initialize the weights of ${where(entries)} with ${names} (scaled to the fan-in)`, patch: p.ops };
}

/** Zero biases in the given layers' entries. */
export function zeroBiasFix(ctx: DiagnosisContext, layers: readonly LayerInfo[]): SpecFix | undefined {
  const entries = distinctEntries(layers).filter((l) => l.spec?.useBias && biasMean(l.spec.biasInitializer) !== 0);
  if (entries.length === 0) return undefined;
  const p = newPatch(ctx);
  for (const l of entries) p.set(`${l.summary.specPath}/biasInitializer`, 'zeros');
  return { title: `Initialize the biases of ${where(entries)} to zero`, patch: p.ops };
}

/** Another activation in the given layers' entries. */
export function activationFix(ctx: DiagnosisContext, layers: readonly LayerInfo[], activation: ActivationName, why: string): SpecFix | undefined {
  const entries = distinctEntries(layers).filter((l) => l.activation !== activation);
  if (entries.length === 0) return undefined;
  const p = newPatch(ctx);
  for (const l of entries) setActivation(p, l, activation);
  return { title: `Use ${activation} in ${where(entries)} (${why})`, patch: p.ops };
}

/** Batch normalisation between each layer's linear part and its activation (not after the output layer). */
export function batchNormFix(ctx: DiagnosisContext, layers: readonly LayerInfo[]): SpecFix | undefined {
  const entries = distinctEntries(layers).filter((l) => l.spec && l !== ctx.view.last && l.activation && l.activation !== 'linear');
  if (entries.length === 0) return undefined;
  const p = newPatch(ctx);
  const byPath = new Map(entries.map((l) => [l.summary.specPath, l]));
  for (const path of reverseDocumentOrder([...byPath.keys()])) {
    const l = byPath.get(path)!;
    if (l.activationEntryPath) {
      p.insertAfter(path, { type: 'batchNormalization' });
    } else {
      p.set(`${path}/activation`, 'linear');
      p.insertAfter(path, { type: 'activation', activation: l.activation });
      p.insertAfter(path, { type: 'batchNormalization' });
    }
  }
  return { title: `Add batch normalization before the activation of ${where(entries)}`, patch: p.ops };
}

/** Dropout after each hidden dense layer (after its separate activation entry when it has one). */
export function dropoutFix(ctx: DiagnosisContext, rate: number): SpecFix | undefined {
  const hidden = distinctEntries(ctx.view.kernels.filter((l) => l !== ctx.view.last && l.spec?.type === 'dense'));
  if (hidden.length === 0) return undefined;
  const p = newPatch(ctx);
  const after = [...new Set(hidden.map((l) => l.activationEntryPath ?? l.summary.specPath))];
  for (const path of reverseDocumentOrder(after)) {
    const segments = fromPointer(path)!;
    const next = `${path.slice(0, path.lastIndexOf('/'))}/${Number(segments[segments.length - 1]) + 1}`;
    const existing = p.get(next) as { type?: string } | undefined;
    if (existing?.type === 'dropout') p.set(`${next}/rate`, rate);
    else p.insertAfter(path, { type: 'dropout', rate });
  }
  return { title: `Add dropout (rate ${rate}) after ${hidden.length === 1 ? 'the hidden layer' : `each of the ${hidden.length} hidden dense layer entries`}`, patch: p.ops };
}
