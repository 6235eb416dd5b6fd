// ELU with a scale α other than 1: x for x > 0, α(eˣ − 1) otherwise (TensorFlow.js's own ELU layer accepts only α = 1).
import * as tf from '@tensorflow/tfjs';

interface ScaledEluArgs {
  alpha: number;
  name?: string;
}

export class ScaledElu extends tf.layers.Layer {
  static readonly className = 'GradscopeScaledElu';
  private readonly alpha: number;

  constructor(args: ScaledEluArgs) {
    super({ name: args.name });
    this.alpha = args.alpha;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // relu(x) + α·elu(min(x, 0)): the second term is α(eˣ − 1) for x < 0 and 0 otherwise. (tf.where would need a
    // gradient for its condition, which tfjs does not have.)
    return tf.tidy(() => tf.add(tf.relu(x), tf.mul(this.alpha, tf.elu(tf.minimum(x, 0)))));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}
tf.serialization.registerClass(ScaledElu);
