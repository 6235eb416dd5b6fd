// How the rules read a model: layer sequences (the top level and each residual block's inside), the activation a
// weight layer really feeds (its own, or the activation layer after it), runs of consecutive weight layers,
// the output layer, fan-in, and which initializer suits which activation.

import type {
  ActivationLayer, ActivationName, Conv2dLayer, DenseLayer, InitializerSpec, NamedInitializer, ParsedSpec, ResolvedLayer,
} from '../spec/types';
import type { LintContext } from './types';

export type WeightLayer = DenseLayer | Conv2dLayer;

export function isWeightLayer(layer: ResolvedLayer): layer is WeightLayer {
  return layer.type === 'dense' || layer.type === 'conv2d';
}

export const RELU_FAMILY: ReadonlySet<ActivationName> = new Set(['relu', 'leakyRelu', 'elu', 'gelu', 'swish', 'mish']);
export const SATURATING: ReadonlySet<ActivationName> = new Set(['sigmoid', 'tanh']);

/** The top-level layers and, recursively, the layers inside each residual block: each is run in order. */
export function sequences(layers: readonly ResolvedLayer[]): ResolvedLayer[][] {
  const out: ResolvedLayer[][] = [[...layers]];
  for (const layer of layers) if (layer.type === 'residual') out.push(...sequences(layer.layers));
  return out;
}

/** Every layer, residual insides included, in model order. */
export function allLayers(layers: readonly ResolvedLayer[]): ResolvedLayer[] {
  return layers.flatMap((l) => (l.type === 'residual' ? [l, ...allLayers(l.layers)] : [l]));
}

/** Layers that pass values through without changing which nonlinearity applies (dropout, flatten, normalization). */
function passesActivation(layer: ResolvedLayer): boolean {
  return layer.type === 'dropout' || layer.type === 'flatten' || layer.type === 'batchNormalization' || layer.type === 'layerNormalization';
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
    if (!passesActivation(next)) break;
  }
  return { activation: 'linear' };
}

/** The layer whose units are the model's outputs: the last top-level weight layer (none when a residual ends the model). */
export function outputLayer(spec: ParsedSpec): WeightLayer | undefined {
  const layers = spec.model.layers;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (isWeightLayer(layer)) return layer;
    if (layer.type === 'residual') return undefined;
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
      } else if (layer.type === 'batchNormalization' || layer.type === 'layerNormalization' || layer.type === 'residual') {
        close();
      }
    });
    close();
  }
  return out;
}

/** Inputs feeding one output unit: input features (dense) or kernel height × width × input channels (conv2d). */
export function fanIn(ctx: LintContext, layer: WeightLayer): number | undefined {
  const input = ctx.shapes.get(layer)?.inputShape;
  if (!input) return undefined;
  if (layer.type === 'dense') return input[input.length - 1];
  return layer.kernelSize[0] * layer.kernelSize[1] * input[input.length - 1];
}

/** Outputs each input feeds: units (dense) or kernel height × width × filters (conv2d). */
export function fanOut(layer: WeightLayer): number {
  return layer.type === 'dense' ? layer.units : layer.kernelSize[0] * layer.kernelSize[1] * layer.filters;
}

export type InitFamily = 'he' | 'lecun' | 'glorot';

/** The initializer family made for an activation: He for the ReLU family, LeCun for selu, Glorot otherwise. */
export function familyFor(activation: ActivationName): InitFamily {
  if (RELU_FAMILY.has(activation)) return 'he';
  if (activation === 'selu') return 'lecun';
  return 'glorot';
}

/** The named initializer a fix writes for an activation. */
export function recommendedInitializer(activation: ActivationName): NamedInitializer {
  const family = familyFor(activation);
  return family === 'he' ? 'heNormal' : family === 'lecun' ? 'lecunNormal' : 'glorotUniform';
}

/** Standard deviation the family gives a layer (He 2/fan-in, LeCun 1/fan-in, Glorot 2/(fan-in + fan-out) variance). */
export function recommendedStddev(family: InitFamily, fanInCount: number, fanOutCount: number): number {
  if (family === 'he') return Math.sqrt(2 / fanInCount);
  if (family === 'lecun') return Math.sqrt(1 / fanInCount);
  return Math.sqrt(2 / (fanInCount + fanOutCount));
}

/** Root mean square of the weights a hand-scaled initializer draws; undefined for named and constant ones. */
export function randomScale(init: InitializerSpec): number | undefined {
  if (typeof init === 'string') return undefined;
  if (init.type === 'randomNormal') return Math.sqrt(init.stddev ** 2 + init.mean ** 2);
  if (init.type === 'randomUniform') {
    const mean = (init.minval + init.maxval) / 2;
    const std = (init.maxval - init.minval) / Math.sqrt(12);
    return Math.sqrt(std ** 2 + mean ** 2);
  }
  return undefined;
}

/** `"glorotUniform"`, `randomNormal (stddev 2)`: an initializer as messages name it. */
export function initializerName(init: InitializerSpec): string {
  if (typeof init === 'string') return `"${init}"`;
  switch (init.type) {
    case 'randomNormal': return `randomNormal (mean ${init.mean}, stddev ${init.stddev})`;
    case 'randomUniform': return `randomUniform [${init.minval}, ${init.maxval}]`;
    case 'constant': return `constant ${init.value}`;
  }
}

/** Distinct entries (by spec path) of a list of layers, first occurrence kept: a repeat template is one entry. */
export function distinctEntries<T extends { specPath: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(i.specPath) ? false : (seen.add(i.specPath), true)));
}
