// Fixes that rewrite layer entries: activation swaps, initialisers, zero biases, inserted batch normalisation or
// dropout. Layers built from one `repeat` template share its entry, so each entry is patched once (at the template's
// path); insertions go in reverse document order so no operation shifts the path of a later one. An external run
// has no spec: each cure is then an explanation of the change in its code (codeFixes.ts).
import { distinctEntries, reverseDocumentOrder } from '../fixes/entries';
import {
  CLIP_TITLE,
  batchNormCure,
  clipAmplifiedGradients,
  entriesPhrase,
  reluHeCure,
  setActivation,
  setRecommendedInitializers,
  type WeightEntry,
} from '../fixes/layerCures';
import { LAYER_FACTS, initializerMean, recommendedInitializer } from '../model/facts';
import { fromPointer } from '../spec/positions';
import type { Fix } from '../../shared/engineProtocol';
import type { ActivationName, SpecFix } from '../spec/types';
import { activationCode, batchNormCode, dropoutCode, initializerCode, reluHeCode } from './codeFixes';
import { newPatch, type RunContext } from './context';
import type { LayerInfo } from './modelView';

/** One layer per spec entry (the first copy of a repeat template). */
function entries(layers: readonly LayerInfo[]): LayerInfo[] {
  return distinctEntries(layers, (l) => l.summary.specPath);
}

/** A kernel layer as the shared cures see it; undefined for projections and normalization layers. */
export function weightEntry(l: LayerInfo): WeightEntry | undefined {
  if (!l.spec) return undefined;
  const e: WeightEntry = {
    path: l.summary.specPath,
    activation: l.activation ?? 'linear',
    kernelInitializer: l.spec.kernelInitializer,
    useBias: l.spec.useBias,
    biasInitializer: l.spec.biasInitializer,
  };
  if (l.activationEntryPath) e.activationPath = l.activationEntryPath;
  else if (l.spec.activationParams) e.activationParams = l.spec.activationParams;
  return e;
}

/** The layers whose weights their initializers drew: another initializer changes nothing in a layer model.initFrom loaded. */
const drawn = (layers: readonly LayerInfo[]): LayerInfo[] => layers.filter((l) => !l.loaded);

function weightEntries(layers: readonly LayerInfo[]): WeightEntry[] {
  return entries(layers)
    .map(weightEntry)
    .filter((e): e is WeightEntry => e !== undefined);
}

/** ReLU + He initialisation in the given layers' entries: the same cure lint's deep-saturating-stack offers (fixes/layerCures). */
export function reluHeFix(ctx: RunContext, layers: readonly LayerInfo[]): Fix | undefined {
  if (!ctx.spec) return reluHeCode(layers);
  const list = weightEntries(layers);
  const paths = new Set(list.map((e) => e.path));
  const converted = ctx.view.kernels.filter((k) => paths.has(k.summary.specPath)).length;
  return reluHeCure(newPatch(ctx), list, converted, ctx.spec.training);
}

/**
 * The initialiser made for each layer's activation, for layers drawn far below it (vanishing signal): the same cure
 * lint's initializer-scale offers, with the gradient clip of fixes/layerCures when 3+ layers are raised under SGD.
 */
export function smallInitFix(ctx: RunContext, layers: readonly LayerInfo[]): Fix | undefined {
  if (!ctx.spec) return initializerCode(layers);
  const p = newPatch(ctx);
  const changed = setRecommendedInitializers(p, weightEntries(drawn(layers)));
  if (changed.length === 0) return undefined;
  const paths = new Set(changed.map((e) => e.path));
  const clip = clipAmplifiedGradients(p, ctx.view.kernels.filter((k) => paths.has(k.summary.specPath)).length, ctx.spec.training);
  const names = [...new Set(changed.map((e) => recommendedInitializer(e.activation)))].join('/');
  return {
    title: `Initialize the weights of ${entriesPhrase(changed)} with ${names} (scaled to the fan-in)${clip ? CLIP_TITLE : ''}`,
    patch: p.ops,
  };
}

/** The initialiser made for each layer's activation (model/facts: He, LeCun or Glorot). */
export function initializerFix(ctx: RunContext, layers: readonly LayerInfo[], label?: string): Fix | undefined {
  if (!ctx.spec) return initializerCode(layers, label);
  const p = newPatch(ctx);
  const changed = setRecommendedInitializers(p, weightEntries(drawn(layers)));
  if (changed.length === 0) return undefined;
  const names = [...new Set(changed.map((e) => recommendedInitializer(e.activation)))].join('/');
  return {
    title: label ?? `Initialize the weights of ${entriesPhrase(changed)} with ${names} (scaled to the fan-in)`,
    patch: p.ops,
  };
}

/** Zero biases in the given layers' entries. */
export function zeroBiasFix(ctx: RunContext, layers: readonly LayerInfo[]): SpecFix | undefined {
  const list = entries(drawn(layers)).filter((l) => l.spec?.useBias && initializerMean(l.spec.biasInitializer) !== 0);
  if (list.length === 0) return undefined;
  const p = newPatch(ctx);
  for (const l of list) p.set(`${l.summary.specPath}/biasInitializer`, 'zeros');
  return { title: `Initialize the biases of ${entriesPhrase(weightEntries(list))} to zero`, patch: p.ops };
}

/** Another activation in the given layers' entries. */
export function activationFix(
  ctx: RunContext,
  layers: readonly LayerInfo[],
  activation: ActivationName,
  why: string,
): Fix | undefined {
  if (!ctx.spec) return activationCode(layers, activation, why);
  const list = weightEntries(layers).filter((e) => e.activation !== activation);
  if (list.length === 0) return undefined;
  const p = newPatch(ctx);
  for (const e of list) setActivation(p, e, activation);
  return { title: `Use ${activation} in ${entriesPhrase(list)} (${why})`, patch: p.ops };
}

/** Batch normalisation between each layer's linear part and its activation (not after the output layer). */
export function batchNormFix(ctx: RunContext, layers: readonly LayerInfo[]): Fix | undefined {
  if (!ctx.spec) return batchNormCode(ctx, layers);
  return batchNormCure(newPatch(ctx), weightEntries(layers.filter((l) => l !== ctx.view.last)));
}

/** Dropout after each hidden dense layer (after its separate activation entry when it has one). */
export function dropoutFix(ctx: RunContext, rate: number): Fix | undefined {
  if (!ctx.spec) return dropoutCode(ctx, rate);
  const hidden = entries(ctx.view.kernels.filter((l) => l !== ctx.view.last && l.spec?.type === 'dense'));
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
  return {
    title: `Add dropout (rate ${rate}) after ${hidden.length === 1 ? 'the hidden layer' : `each of the ${hidden.length} hidden dense layer entries`}`,
    patch: p.ops,
  };
}

/** The plain (ungated) recurrent layers among `layers`, one per spec entry: simpleRNN multiplies by its recurrent kernel at every timestep. */
export function plainRecurrent(layers: readonly LayerInfo[]): LayerInfo[] {
  return entries(layers).filter((l) => l.recurrent && !LAYER_FACTS[l.recurrent.type].recurrent?.gated);
}

/**
 * simpleRNN → lstm in the given layers' entries, with lstm's default tanh when another activation was set: the
 * forget gate carries the cell state (and its gradient) from step to step by a factor below 1 instead of through
 * the recurrent kernel, so backpropagation through time stops compounding.
 */
export function lstmFix(ctx: RunContext, layers: readonly LayerInfo[]): SpecFix | undefined {
  const list = plainRecurrent(layers);
  if (list.length === 0) return undefined;
  const p = newPatch(ctx);
  for (const l of list) {
    p.set(`${l.summary.specPath}/type`, 'lstm');
    if (l.recurrent!.activation !== 'tanh' && p.has(`${l.summary.specPath}/activation`))
      p.remove(`${l.summary.specPath}/activation`);
  }
  const where = list.map((l) => l.summary.specPath).join(', ');
  return {
    title: `Use an lstm layer instead of simpleRNN at ${where} (its gated cell state carries the gradient through time without multiplying it by the recurrent kernel at every step)`,
    patch: p.ops,
  };
}

/**
 * An orthogonal recurrent kernel in the given simpleRNN entries: all its singular values are 1, so the state is
 * neither stretched nor shrunk by the kernel from step to step.
 */
export function orthogonalRecurrentFix(ctx: RunContext, layers: readonly LayerInfo[]): SpecFix | undefined {
  const list = plainRecurrent(layers).filter((l) => l.recurrent!.recurrentInitializer !== 'orthogonal');
  if (list.length === 0) return undefined;
  const p = newPatch(ctx);
  for (const l of list) p.set(`${l.summary.specPath}/recurrentInitializer`, 'orthogonal');
  const where = list.map((l) => l.summary.specPath).join(', ');
  return {
    title: `Initialize the recurrent kernel of ${where} as an orthogonal matrix (every singular value 1: the state is not stretched from step to step)`,
    patch: p.ops,
  };
}
