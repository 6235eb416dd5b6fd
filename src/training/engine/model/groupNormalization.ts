// groupNormalization (Wu & He 2018): per sample, the channels (last axis) are split into `groups` groups of equal
// size; each group is normalized to mean 0 and variance 1 over its channels and, for [height, width, channels]
// inputs, over every position; then each channel is scaled and shifted by its learned gamma and beta. No batch
// statistics: the same in training and at inference, whatever the batch size. TensorFlow.js has no such layer.
import * as tf from '@tensorflow/tfjs';

interface GroupNormalizationArgs {
  groups: number;
  epsilon: number;
  name?: string;
}

/** (x − mean) / √(var + ε) over each sample's groups; x is [batch, ..., channels]. */
function groupNormalize(x: tf.Tensor, groups: number, epsilon: number): tf.Tensor {
  return tf.tidy(() => {
    const shape = x.shape;
    const channels = shape[shape.length - 1];
    const grouped = tf.reshape(x, [...shape.slice(0, -1), groups, channels / groups]);
    // Reduce over the positions (axes 1 … rank−2 of x) and the channels within a group (the new last axis).
    const axes = [...shape.slice(1, -1).map((_, i) => i + 1), grouped.rank - 1];
    const { mean, variance } = tf.moments(grouped, axes, true);
    const normalized = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, epsilon)));
    return tf.reshape(normalized, shape);
  });
}

export class GroupNormalization extends tf.layers.Layer {
  static readonly className = 'GradscopeGroupNormalization';
  private readonly groups: number;
  private readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(args: GroupNormalizationArgs) {
    super({ name: args.name });
    this.groups = Number(args.groups);
    this.epsilon = Number(args.epsilon);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1] as number;
    if (channels % this.groups !== 0) throw new Error(`groups (${this.groups}) must divide the ${channels} channels`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const gamma = this.gamma as tf.LayerVariable;
    const beta = this.beta as tf.LayerVariable;
    return tf.tidy(() => tf.add(tf.mul(groupNormalize(x, this.groups, this.epsilon), gamma.read()), beta.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(GroupNormalization);
