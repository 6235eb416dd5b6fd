// Spec initializer names → seeded TensorFlow.js initializers, so the same spec seed gives the same weights.
import * as tf from '@tensorflow/tfjs';
import type { InitializerSpec } from '../../spec/types';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/**
 * Variance of a standard normal truncated at ±2σ. tfjs draws the "normal" variance-scaling initializers from a
 * truncated normal without correcting for it, so heNormal would come out ~12% narrower than He et al. specify;
 * dividing the scale by this (as Keras does) restores the intended variance.
 */
const TRUNCATED_NORMAL_VARIANCE = 0.7737413;

function correctedNormal(scale: number, mode: 'fanIn' | 'fanAvg', seed: number): Initializer {
  return tf.initializers.varianceScaling({ scale: scale / TRUNCATED_NORMAL_VARIANCE, mode, distribution: 'normal', seed });
}

/**
 * tfjs's orthogonal (QR of a seeded normal matrix, signs made uniform), without its console warning for kernels
 * over 2000 weights: the product prints its own messages, and a 64×64 dense kernel is not slow to factor.
 */
function orthogonal(gain: number, seed: number): Initializer {
  const init = tf.initializers.orthogonal({ gain, seed });
  (init as unknown as { ELEMENTS_WARN_SLOW: number }).ELEMENTS_WARN_SLOW = Infinity;
  return init;
}

export function makeInitializer(spec: InitializerSpec, seed: number): Initializer {
  if (typeof spec === 'string') {
    switch (spec) {
      case 'glorotUniform':
        return tf.initializers.glorotUniform({ seed });
      case 'glorotNormal':
        return correctedNormal(1, 'fanAvg', seed);
      case 'heNormal':
        return correctedNormal(2, 'fanIn', seed);
      case 'heUniform':
        return tf.initializers.heUniform({ seed });
      case 'lecunNormal':
        return correctedNormal(1, 'fanIn', seed);
      case 'lecunUniform':
        return tf.initializers.leCunUniform({ seed });
      case 'orthogonal':
        return orthogonal(1, seed);
      case 'zeros':
        return tf.initializers.zeros();
      case 'ones':
        return tf.initializers.ones();
    }
  }
  switch (spec.type) {
    case 'randomNormal':
      return tf.initializers.randomNormal({ mean: spec.mean, stddev: spec.stddev, seed });
    case 'randomUniform':
      return tf.initializers.randomUniform({ minval: spec.minval, maxval: spec.maxval, seed });
    case 'constant':
      return tf.initializers.constant({ value: spec.value });
  }
}
