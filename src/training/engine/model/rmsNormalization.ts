// rmsNormalization (Zhang & Sennrich 2019): x / √(mean(x²) + ε) · gamma over the last axis of each sample (the
// features, or a position's channels): rescaling without centering and without a shift. TensorFlow.js has no such
// layer.
import * as tf from '@tensorflow/tfjs';

interface RmsNormalizationArgs {
  epsilon: number;
  name?: string;
}

export class RmsNormalization extends tf.layers.Layer {
  static readonly className = 'GradscopeRmsNormalization';
  private readonly epsilon: number;
  private gamma?: tf.LayerVariable;

  constructor(args: RmsNormalizationArgs) {
    super({ name: args.name });
    this.epsilon = Number(args.epsilon);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    this.gamma = this.addWeight('gamma', [shape[shape.length - 1]], 'float32', tf.initializers.ones());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const gamma = this.gamma as tf.LayerVariable;
    return tf.tidy(() => {
      const meanSquare = tf.mean(tf.square(x), -1, true);
      return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, this.epsilon))), gamma.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(RmsNormalization);
