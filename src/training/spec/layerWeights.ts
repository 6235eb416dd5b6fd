// The weighted layers a spec builds (layerNames.ts: named as the engine names them), with the shapes of the weights
// each takes from a saved inference model (as model/runWeights.ts reads them: axes of length 1 aside). Pure TS: `model.initFrom` is checked with it before any run starts.

import { type WeightedLayerName, weightedLayerNames } from './layerNames';
import type { LayerShape } from './shapes';

export interface WeightShape {
  /** The weight's name inside its layer, as TensorFlow.js saves it (`kernel`, `bias`, `gamma`, `moving_mean`, ...). */
  name: string;
  shape: number[];
}

export interface WeightedLayerInfo extends WeightedLayerName {
  /** The layer's saved weights in order; undefined for layers whose saved form is not predicted here. */
  weights?: WeightShape[];
}

/** Weighted layers in model order (named as layerNames.ts names them), with the weights their saved model holds. */
export function weightedLayers(shapes: readonly LayerShape[]): WeightedLayerInfo[] {
  return weightedLayerNames(shapes).map((l) => {
    const weights = l.kind === 'projection' ? projectionWeights(l.shape.inputShape, l.shape.outputShape) : savedWeights(l.shape);
    return weights ? { ...l, weights } : l;
  });
}

/** An exported highway keeps its transform gate's weights in a layer named `<name>_transform` (inferenceModel.ts). */
export const GATE_SUFFIX = '_transform';

/** A shape without its axes of length 1, as text: [1, 1, C, 1] and [C] hold the same values in the same order. */
export const withoutOnes = (shape: readonly number[]): string => shape.filter((d) => d !== 1).join();

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
    // gradscope's own layers, exported as compositions: the weights the engine sets when it loads them (runWeights.ts
    // reads a normalization's [1, 1, C, 1] depthwise kernel as [C], and a highway's gate from `<name>_transform`).
    case 'groupNormalization':
      return [w('gamma', [last]), w('beta', [last])];
    case 'rmsNormalization':
      return [w('gamma', [last])];
    case 'highway':
      return [w('kernel', [last, last]), w('bias', [last]), w('transform_kernel', [last, last]), w('transform_bias', [last])];
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
