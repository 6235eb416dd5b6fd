// The weighted layers a spec builds, named as the engine names them (run-start.layers[].name: `<kind>_<n>`, counted
// per kind in build order; a residual block's inner layers come before its projection), with the shapes of the
// weights its saved inference model holds for each. Pure TS: `model.initFrom` is checked with it before any run starts.

import { LAYER_FACTS } from '../model/facts';
import type { LayerShape } from './shapes';
import type { ResolvedLayer } from './types';

export interface WeightShape {
  /** The weight's name inside its layer, as TensorFlow.js saves it (`kernel`, `bias`, `gamma`, `moving_mean`, ...). */
  name: string;
  shape: number[];
}

export interface WeightedLayerInfo {
  name: string;
  /** Spec layer type, or `projection` for a residual block's skip projection. */
  kind: string;
  /** The spec layer it is built from (a residual block for its projection). */
  layer: ResolvedLayer;
  /** The layer's saved weights in order; undefined for layers whose saved form is not predicted here. */
  weights?: WeightShape[];
}

/** Weighted layers in model order, from the shapes inferred for the spec's layers. */
export function weightedLayers(shapes: readonly LayerShape[]): WeightedLayerInfo[] {
  const counters = new Map<string, number>();
  const out: WeightedLayerInfo[] = [];
  const add = (kind: string, layer: ResolvedLayer, weights: WeightShape[] | undefined): void => {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    out.push({ name: `${kind}_${n}`, kind, layer, ...(weights ? { weights } : {}) });
  };
  const walk = (list: readonly LayerShape[]): void => {
    for (const s of list) {
      if (s.layer.type === 'residual') {
        walk(s.inner ?? []);
        if (s.projection) add('projection', s.layer, projectionWeights(s.inputShape, s.outputShape));
      } else if (s.layer.type === 'denseBlock') {
        walk(s.inner ?? []);
      } else if (LAYER_FACTS[s.layer.type].weights !== 'none') {
        add(s.layer.type, s.layer, savedWeights(s));
      }
    }
  };
  walk(shapes);
  return out;
}

const w = (name: string, shape: number[]): WeightShape => ({ name, shape });

function savedWeights(s: LayerShape): WeightShape[] | undefined {
  const layer = s.layer;
  const last = s.inputShape[s.inputShape.length - 1];
  switch (layer.type) {
    case 'dense':
    case 'conv2d': {
      // A weight-normalized layer's direction and scale are saved folded into one kernel; not predicted here.
      if (layer.weightNormalization) return undefined;
      const units = layer.type === 'dense' ? layer.units : layer.filters;
      const kernel = layer.type === 'dense' ? [last, units] : [...layer.kernelSize, last, units];
      return [w('kernel', kernel), ...(layer.useBias ? [w('bias', [units])] : [])];
    }
    case 'batchNormalization':
      return ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((n) => w(n, [last]));
    case 'layerNormalization':
      return [w('gamma', [last]), w('beta', [last])];
    case 'simpleRNN':
    case 'lstm':
    case 'gru': {
      const gates = { simpleRNN: 1, lstm: 4, gru: 3 }[layer.type];
      const units = layer.units;
      return [w('kernel', [last, units * gates]), w('recurrent_kernel', [units, units * gates]), w('bias', [units * gates])];
    }
    // groupNormalization/rmsNormalization/highway are gradscope's own layers, exported as compositions.
    case 'groupNormalization':
    case 'rmsNormalization':
    case 'highway':
    case 'activation':
    case 'alphaDropout':
    case 'dropout':
    case 'gaussianNoise':
    case 'flatten':
    case 'maxPooling2d':
    case 'denseBlock':
    case 'residual':
      return undefined;
  }
}

function projectionWeights(input: number[], output: number[]): WeightShape[] {
  const kernel = output.length === 1 ? [input[0], output[0]] : [1, 1, input[input.length - 1], output[output.length - 1]];
  return [w('kernel', kernel)];
}
