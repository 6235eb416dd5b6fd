// Randomized leaky ReLU (Xu et al. 2015): x for x ≥ 0, a·x otherwise, with a drawn per element from U(lower, upper)
// in training and fixed to the mean (lower + upper)/2 at evaluation. The draw is seeded from the run seed and the
// step (like seededDropout.ts), so a run is reproducible and every step draws fresh slopes.
import * as tf from '@tensorflow/tfjs';
import { SeededLayer, seededArgs, type SeededArgs } from './seededDropout';

interface SeededRreluArgs extends SeededArgs {
  lower: number;
  upper: number;
}

export class SeededRrelu extends SeededLayer {
  static readonly className = 'GradscopeSeededRrelu';
  private readonly lower: number;
  private readonly upper: number;

  constructor(args: SeededRreluArgs) {
    super(args);
    this.lower = args.lower;
    this.upper = args.upper;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const slope = kwargs.training
        ? tf.randomUniform(x.shape, this.lower, this.upper, 'float32', this.stepSeed())
        : tf.scalar((this.lower + this.upper) / 2);
      // relu(x) − slope·relu(−x): x for x ≥ 0, slope·x below; the slope is a constant to the gradient.
      return tf.sub(tf.relu(x), tf.mul(slope, tf.relu(tf.neg(x))));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Saved models load this at evaluation (the mean slope): the seed and clock only matter in training.
    return { ...super.getConfig(), lower: this.lower, upper: this.upper };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const args: SeededRreluArgs = { ...seededArgs(config), lower: Number(config.lower), upper: Number(config.upper) };
    return new (cls as unknown as new (a: SeededRreluArgs) => T)(args);
  }
}
tf.serialization.registerClass(SeededRrelu);
