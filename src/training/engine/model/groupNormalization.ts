// groupNormalization (Wu & He 2018): per sample, the channels (last axis) are split into `groups` groups of equal
// size; each group is normalized to mean 0 and variance 1 over its channels and, for [height, width, channels]
// inputs, over every position; then each channel is scaled and shifted by its learned gamma and beta. No batch
// statistics: the same in training and at inference, whatever the batch size. TensorFlow.js has no such layer.
import * as tf from '@tensorflow/tfjs';
import { PerSampleNormalization, type PerSampleNormalizationArgs } from './perSampleNormalization';

export class GroupNormalization extends PerSampleNormalization {
  static readonly className = 'GradscopeGroupNormalization';
  protected readonly shifts = true;
  private readonly groups: number;

  constructor(args: PerSampleNormalizationArgs & { groups: number }) {
    super(args);
    this.groups = Number(args.groups);
  }

  protected override checkChannels(channels: number): void {
    if (channels % this.groups !== 0) throw new Error(`groups (${this.groups}) must divide the ${channels} channels`);
  }

  /** (x − mean) / √(var + ε) over each sample's groups. */
  protected normalize(x: tf.Tensor): tf.Tensor {
    const shape = x.shape;
    const channels = shape[shape.length - 1];
    const grouped = tf.reshape(x, [...shape.slice(0, -1), this.groups, channels / this.groups]);
    // Reduce over the positions (axes 1 … rank−2 of x) and the channels within a group (the new last axis).
    const axes = [...shape.slice(1, -1).map((_, i) => i + 1), grouped.rank - 1];
    const { mean, variance } = tf.moments(grouped, axes, true);
    const normalized = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
    return tf.reshape(normalized, shape);
  }

  protected settings(): tf.serialization.ConfigDict {
    return { groups: this.groups };
  }
}
tf.serialization.registerClass(GroupNormalization);
