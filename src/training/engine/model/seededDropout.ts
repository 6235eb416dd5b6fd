// Dropout whose mask is reproducible: seeded from the run seed and the current step.
// tfjs's own Dropout either uses Math.random (not reproducible) or, when seeded, the same mask every step.
import * as tf from '@tensorflow/tfjs';

/** Shared, mutable step counter: the trainer advances it so every step draws a fresh, reproducible mask. */
export interface StepClock {
  step: number;
}

interface SeededDropoutArgs {
  rate: number;
  seed: number;
  clock: StepClock;
  name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'GradscopeSeededDropout';
  private readonly rate: number;
  private readonly seed: number;
  private readonly clock: StepClock;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    this.rate = args.rate;
    this.seed = args.seed;
    this.clock = args.clock;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x.clone();
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      const noise = tf.randomUniform(x.shape, 0, 1, 'float32', this.seed * 1_000_003 + this.clock.step);
      const mask = tf.cast(tf.less(noise, keep), 'float32');
      return tf.mul(x, tf.mul(mask, 1 / keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Saved models load this as an inference-time identity: the seed and clock only matter in training.
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const args = {
      rate: Number(config.rate),
      seed: Number(config.seed),
      clock: { step: 0 },
      name: typeof config.name === 'string' ? config.name : undefined,
    };
    return new (cls as unknown as new (a: SeededDropoutArgs) => T)(args);
  }
}
tf.serialization.registerClass(SeededDropout);
