// Spec initializer names → seeded TensorFlow.js initializers, so the same spec seed gives the same weights.
import * as tf from '@tensorflow/tfjs';
import { FAMILY_SCALING, TRUNCATED_NORMAL_VARIANCE } from '../../model/facts';
import type { InitializerSpec, VarianceScalingMode } from '../../spec/types';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

const TFJS_MODE = { fanIn: 'fanIn', fanOut: 'fanOut', fanAvg: 'fanAvg' } as const;

/**
 * Variance scale/n. tfjs draws its "normal" variant from a normal truncated at ±2σ without correcting for the cut,
 * so heNormal would come out ~12% narrower than He et al. specify; dividing the scale by the truncated normal's
 * variance (model/facts, as Keras does) restores the intended variance.
 */
function varianceScaling(
  scale: number,
  mode: VarianceScalingMode,
  distribution: 'normal' | 'uniform',
  seed: number,
): Initializer {
  const corrected = distribution === 'normal' ? scale / TRUNCATED_NORMAL_VARIANCE : scale;
  return tf.initializers.varianceScaling({ scale: corrected, mode: TFJS_MODE[mode], distribution, seed });
}

function family(name: keyof typeof FAMILY_SCALING, distribution: 'normal' | 'uniform', seed: number): Initializer {
  const { scale, mode } = FAMILY_SCALING[name];
  return varianceScaling(scale, mode, distribution, seed);
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
        return family('glorot', 'uniform', seed);
      case 'glorotNormal':
        return family('glorot', 'normal', seed);
      case 'heNormal':
        return family('he', 'normal', seed);
      case 'heUniform':
        return family('he', 'uniform', seed);
      case 'lecunNormal':
        return family('lecun', 'normal', seed);
      case 'lecunUniform':
        return family('lecun', 'uniform', seed);
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
    case 'truncatedNormal':
      return tf.initializers.truncatedNormal({ mean: spec.mean, stddev: spec.stddev, seed });
    case 'randomUniform':
      return tf.initializers.randomUniform({ minval: spec.minval, maxval: spec.maxval, seed });
    case 'constant':
      return tf.initializers.constant({ value: spec.value });
    case 'orthogonal':
      return orthogonal(spec.gain, seed);
    case 'varianceScaling':
      return varianceScaling(spec.scale, spec.mode, spec.distribution, seed);
  }
}
