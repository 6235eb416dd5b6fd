// rmsNormalization (Zhang & Sennrich 2019): x / √(mean(x²) + ε) · gamma over the last axis of each sample (the
// features, or a position's channels): rescaling without centering and without a shift. TensorFlow.js has no such
// layer.
import * as tf from '@tensorflow/tfjs';
import { PerSampleNormalization } from './perSampleNormalization';

export class RmsNormalization extends PerSampleNormalization {
  static readonly className = 'GradscopeRmsNormalization';
  protected readonly shifts = false;

  protected normalize(x: tf.Tensor): tf.Tensor {
    const meanSquare = tf.mean(tf.square(x), -1, true);
    return tf.mul(x, tf.rsqrt(tf.add(meanSquare, this.epsilon)));
  }

  protected settings(): tf.serialization.ConfigDict {
    return {};
  }
}
tf.serialization.registerClass(RmsNormalization);
