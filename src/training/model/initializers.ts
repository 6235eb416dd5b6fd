// Spec initializer names → seeded TensorFlow.js initializers, so the same spec seed gives the same weights.
import * as tf from '@tensorflow/tfjs';
import type { InitializerSpec } from '../spec/types';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

export function makeInitializer(spec: InitializerSpec, seed: number): Initializer {
  if (typeof spec === 'string') {
    switch (spec) {
      case 'glorotUniform': return tf.initializers.glorotUniform({ seed });
      case 'glorotNormal': return tf.initializers.glorotNormal({ seed });
      case 'heNormal': return tf.initializers.heNormal({ seed });
      case 'heUniform': return tf.initializers.heUniform({ seed });
      case 'lecunNormal': return tf.initializers.leCunNormal({ seed });
      case 'lecunUniform': return tf.initializers.leCunUniform({ seed });
      case 'zeros': return tf.initializers.zeros();
      case 'ones': return tf.initializers.ones();
    }
  }
  switch (spec.type) {
    case 'randomNormal': return tf.initializers.randomNormal({ mean: spec.mean, stddev: spec.stddev, seed });
    case 'randomUniform': return tf.initializers.randomUniform({ minval: spec.minval, maxval: spec.maxval, seed });
    case 'constant': return tf.initializers.constant({ value: spec.value });
  }
}
