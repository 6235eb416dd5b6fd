// How the rules read a model: layer sequences (the top level and each residual or dense block's inside), the activation a
// weight layer really feeds (its own, or the activation layer after it), runs of consecutive weight layers,
// the output layer and a layer's fans. The facts themselves (families, initializers, fans) are model/facts.

import type { WeightEntry } from '../fixes/layerCures';
import { type Fans, type KernelLayer, LAYER_FACTS, kernelFans } from '../model/facts';
import type { ActivationLayer, ActivationName, InitializerSpec, ParsedSpec, ResolvedLayer } from '../spec/types';
import { weightedLayers } from '../spec/layerWeights';
import { inferOutputShapes } from '../spec/shapes';
import type { LintContext } from './types';

export type WeightLayer = KernelLayer;

/**
 * The spec layers whose weights `model.initFrom` loads from another run: their initializers draw nothing that
 * trains, so rules about initial weights say nothing about them.
 */
export function loadedLayers(spec: ParsedSpec): ReadonlySet<ResolvedLayer> {
  const names = spec.model.initFrom?.layers;
  if (!names) return new Set();
  const shapes = inferOutputShapes(spec.model.inputShape, spec.model.layers).layers;
  return new Set(
    weightedLayers(shapes)
      .filter((l) => l.kind !== 'projection' && names.includes(l.name))
      .map((l) => l.layer),
  );
}

/**
 * A feed-forward layer whose kernel the whole signal passes through (dense, conv2d). A kernel layer that also carries
 * its input around the kernel (model/facts: restoresSignal, e.g. highway) is a skip connection to the rules, not a
 * link in a chain of weight layers; recurrent layers have their own rules (they are not a stack's layers).
 */
export function isWeightLayer(layer: ResolvedLayer): layer is WeightLayer {
  const facts = LAYER_FACTS[layer.type];
  return facts.weights === 'kernel' && !facts.restoresSignal && !facts.recurrent;
}

/**
 * The top-level layers and, recursively, the layers inside each block: a residual block's inside is run in order;
 * each sub-layer of a denseBlock reads the concatenation before it, so each is a sequence of its own.
 */
export function sequences(layers: readonly ResolvedLayer[]): ResolvedLayer[][] {
  const out: ResolvedLayer[][] = [[...layers]];
  for (const layer of layers) {
    if (layer.type === 'residual') out.push(...sequences(layer.layers));
    if (layer.type === 'denseBlock') for (const sub of layer.layers) out.push(...sequences([sub]));
  }
  return out;
}

/** Every layer, block insides included, in model order. */
export function allLayers(layers: readonly ResolvedLayer[]): ResolvedLayer[] {
  return layers.flatMap((l) => ('layers' in l ? [l, ...allLayers(l.layers)] : [l]));
}

export interface Activated {
  activation: ActivationName;
  /** The separate activation layer that supplies it, when the weight layer's own activation is linear. */
  source?: ActivationLayer;
}

/** The nonlinearity a weight layer's output goes through: its own, else the next activation layer in its sequence. */
export function activationOf(seq: readonly ResolvedLayer[], index: number): Activated {
  const layer = seq[index];
  if (isWeightLayer(layer) && layer.activation !== 'linear') return { activation: layer.activation };
  for (let j = index + 1; j < seq.length; j++) {
    const next = seq[j];
    if (next.type === 'activation') {
      if (next.activation !== 'linear') return { activation: next.activation, source: next };
      continue;
    }
    if (!LAYER_FACTS[next.type].keepsUnits) break;
  }
  return { activation: 'linear' };
}

/**
 * The layer whose units are the model's outputs: the last top-level weight layer (none when a block or a highway
 * layer ends the model).
 */
export function outputLayer(spec: ParsedSpec): WeightLayer | undefined {
  const layers = spec.model.layers;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (isWeightLayer(layer)) return layer;
    if (LAYER_FACTS[layer.type].restoresSignal && LAYER_FACTS[layer.type].weights !== 'scale') return undefined;
  }
  return undefined;
}

export interface RunMember {
  layer: WeightLayer;
  activation: Activated;
  index: number;
}

/**
 * Maximal runs of weight layers for which `accept` holds, in each sequence. A run is broken by a weight layer
 * that is not accepted, a normalization layer, a residual block (its skip connection) or the end of the sequence;
 * dropout, flatten, pooling and activation layers do not break it.
 */
export function runs(spec: ParsedSpec, accept: (m: RunMember) => boolean): RunMember[][] {
  const out: RunMember[][] = [];
  for (const seq of sequences(spec.model.layers)) {
    let run: RunMember[] = [];
    const close = (): void => {
      if (run.length > 0) out.push(run);
      run = [];
    };
    seq.forEach((layer, index) => {
      if (isWeightLayer(layer)) {
        const member = { layer, activation: activationOf(seq, index), index };
        if (accept(member)) run.push(member);
        else close();
      } else if (LAYER_FACTS[layer.type].restoresSignal || LAYER_FACTS[layer.type].recurrent) {
        close();
      }
    });
    close();
  }
  return out;
}

/** A run member as the shared cures (fixes/layerCures) see it. */
export function weightEntry(m: RunMember): WeightEntry {
  const { layer, activation } = m;
  const e: WeightEntry = {
    path: layer.specPath,
    activation: activation.activation,
    kernelInitializer: layer.kernelInitializer,
    useBias: layer.useBias,
    biasInitializer: layer.biasInitializer,
  };
  if (activation.source) e.activationPath = activation.source.specPath;
  else if (layer.activationParams) e.activationParams = layer.activationParams;
  return e;
}

/** A weight layer's fans from its inferred input shape; undefined when shapes could not be inferred. */
export function fans(ctx: LintContext, layer: WeightLayer): Fans | undefined {
  const input = ctx.shapes.get(layer)?.inputShape;
  return input ? kernelFans(layer, input) : undefined;
}

/** `"glorotUniform"`, `randomNormal (stddev 2)`: an initializer as messages name it. */
export function initializerName(init: InitializerSpec): string {
  if (typeof init === 'string') return `"${init}"`;
  switch (init.type) {
    case 'randomNormal':
    case 'truncatedNormal':
      return `${init.type} (mean ${init.mean}, stddev ${init.stddev})`;
    case 'orthogonal':
      return `orthogonal (gain ${init.gain})`;
    case 'varianceScaling':
      return `varianceScaling (scale ${init.scale}, ${init.mode}, ${init.distribution})`;
    case 'randomUniform':
      return `randomUniform [${init.minval}, ${init.maxval}]`;
    case 'constant':
      return `constant ${init.value}`;
  }
}
