// Spec activations → TensorFlow.js layers, with their parameters (model/facts gives the defaults). buildModel
// applies them; the step-statistics fallback takes their gradient to count dead units.
import * as tf from '@tensorflow/tfjs';
import { LEAKY_RELU_ALPHA } from '../../model/facts';
import type { ActivationName, ActivationParams } from '../../spec/types';
import { ScaledElu } from './scaledElu';

/** The activation as a layer (`name` optional: the statistics fallback makes throwaway ones). */
export function activationLayer(activation: ActivationName, params?: ActivationParams, name?: string): tf.layers.Layer {
  if (activation === 'leakyRelu') return tf.layers.leakyReLU({ alpha: params?.alpha ?? LEAKY_RELU_ALPHA, name });
  // tfjs's own elu layer supports only alpha 1.
  if (activation === 'elu' && params?.alpha !== undefined && params.alpha !== 1)
    return new ScaledElu({ alpha: params.alpha, name });
  return tf.layers.activation({ activation, name });
}
