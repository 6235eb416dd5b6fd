// Dropout whose mask is reproducible: seeded from the run seed and the current step (SeededLayer, which rrelu's
// random slopes share). tfjs's own Dropout either uses Math.random (not reproducible) or, when seeded, the same
// mask every step.
import * as tf from '@tensorflow/tfjs';

/** Shared, mutable step counter: the trainer advances it so every step draws a fresh, reproducible mask. */
export interface StepClock {
  step: number;
}

/** What every seeded layer is made with: the run's seed for this layer and the shared step clock. */
export interface SeededArgs {
  seed: number;
  clock: StepClock;
  name?: string;
}

/** The seeded arguments back from a saved config (the clock starts again: it only matters in training). */
export function seededArgs(config: tf.serialization.ConfigDict): SeededArgs {
  return { seed: Number(config.seed), clock: { step: 0 }, name: typeof config.name === 'string' ? config.name : undefined };
}

/** A shape-keeping layer whose randomness is drawn from the run seed and the current step. */
export abstract class SeededLayer extends tf.layers.Layer {
  protected readonly seed: number;
  protected readonly clock: StepClock;

  constructor(args: SeededArgs) {
    super({ name: args.name });
    this.seed = args.seed;
    this.clock = args.clock;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  /** The seed of this step's draw: fresh every step, the same on a re-run. */
  protected stepSeed(): number {
    return this.seed * 1_000_003 + this.clock.step;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}

interface SeededDropoutArgs extends SeededArgs {
  rate: number;
}

export class SeededDropout extends SeededLayer {
  static readonly className = 'GradscopeSeededDropout';
  private readonly rate: number;

  constructor(args: SeededDropoutArgs) {
    super(args);
    this.rate = args.rate;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x.clone();
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      const noise = tf.randomUniform(x.shape, 0, 1, 'float32', this.stepSeed());
      const mask = tf.cast(tf.less(noise, keep), 'float32');
      return tf.mul(x, tf.mul(mask, 1 / keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Saved models load this as an inference-time identity: the seed and clock only matter in training.
    return { ...super.getConfig(), rate: this.rate };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const args: SeededDropoutArgs = { ...seededArgs(config), rate: Number(config.rate) };
    return new (cls as unknown as new (a: SeededDropoutArgs) => T)(args);
  }
}
tf.serialization.registerClass(SeededDropout);
