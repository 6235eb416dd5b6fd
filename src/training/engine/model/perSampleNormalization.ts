// The common part of the normalization layers gradscope adds to TensorFlow.js (groupNormalization,
// rmsNormalization): statistics of each sample on its own (no batch statistics, the same in training and at
// inference), then a learned scale gamma (and shift beta) per channel, the last axis.
import * as tf from '@tensorflow/tfjs';

/** The one input shape a single-input layer is built with. */
export function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

export interface PerSampleNormalizationArgs {
  epsilon: number;
  name?: string;
}

export abstract class PerSampleNormalization extends tf.layers.Layer {
  protected readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(args: PerSampleNormalizationArgs) {
    super({ name: args.name });
    this.epsilon = Number(args.epsilon);
  }

  /** Whether the layer learns a shift beta besides the scale gamma. */
  protected abstract readonly shifts: boolean;

  /** The normalized input, before gamma and beta; x is [batch, ..., channels]. */
  protected abstract normalize(x: tf.Tensor): tf.Tensor;

  /** The layer's own settings besides epsilon, for getConfig (named as in the constructor's arguments). */
  protected abstract settings(): tf.serialization.ConfigDict;

  /** Throws when the layer cannot normalize this many channels. */
  protected checkChannels(channels: number): void {
    if (!(channels > 0)) throw new Error(`cannot normalize an input with ${channels} channels`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleShape(inputShape);
    const channels = shape[shape.length - 1] as number;
    this.checkChannels(channels);
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    if (this.shifts) this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const { gamma, beta } = this;
    if (!gamma) throw new Error(`${this.name} is called before it is built`);
    return tf.tidy(() => {
      const scaled = tf.mul(this.normalize(x), gamma.read());
      return beta ? tf.add(scaled, beta.read()) : scaled;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.settings(), epsilon: this.epsilon };
  }
}
