// Spec activations → TensorFlow.js layers, with their parameters (model/facts gives the defaults). buildModel
// applies them; the step-statistics fallback takes their gradient to count dead units.
import * as tf from '@tensorflow/tfjs';
import { LEAKY_RELU_ALPHA, PRELU_INITIAL_ALPHA, rreluRange } from '../../model/facts';
import type { ActivationName, ActivationParams } from '../../spec/types';
import { ScaledElu } from './scaledElu';
import type { StepClock } from './seededDropout';
import { SeededRrelu } from './seededRrelu';

/** Where the layer is used: its name, its input's rank (prelu shares its slope over positions), rrelu's randomness. */
export interface ActivationContext {
  name?: string;
  inputRank?: number;
  seed?: number;
  clock?: StepClock;
}

/** The activation as a layer (the statistics fallback makes throwaway ones, without a context). */
export function activationLayer(
  activation: ActivationName,
  params?: ActivationParams,
  ctx: ActivationContext = {},
): tf.layers.Layer {
  const { name } = ctx;
  switch (activation) {
    case 'leakyRelu':
      return tf.layers.leakyReLU({ alpha: params?.alpha ?? LEAKY_RELU_ALPHA, name });
    case 'elu':
      // tfjs's own elu layer supports only alpha 1.
      return params?.alpha !== undefined && params.alpha !== 1
        ? new ScaledElu({ alpha: params.alpha, name })
        : tf.layers.activation({ activation, name });
    case 'prelu': {
      // One learned slope per unit: per feature for dense, per filter (shared over positions) for conv maps.
      const rank = ctx.inputRank ?? 2;
      const sharedAxes = rank > 2 ? Array.from({ length: rank - 2 }, (_, i) => i + 1) : undefined;
      return tf.layers.prelu({
        name,
        alphaInitializer: tf.initializers.constant({ value: PRELU_INITIAL_ALPHA }),
        ...(sharedAxes && { sharedAxes }),
      });
    }
    case 'rrelu':
      return new SeededRrelu({ ...rreluRange(params), seed: ctx.seed ?? 0, clock: ctx.clock ?? { step: 0 }, name });
    case 'linear':
    case 'relu':
    case 'relu6':
    case 'selu':
    case 'gelu':
    case 'swish':
    case 'mish':
    case 'softplus':
    case 'sigmoid':
    case 'hardSigmoid':
    case 'tanh':
    case 'softmax':
      // TensorFlow.js knows these by the same names.
      return tf.layers.activation({ activation, name });
  }
}
