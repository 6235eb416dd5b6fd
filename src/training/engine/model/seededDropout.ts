// Training-only noise layers whose randomness is reproducible: seeded from the run seed and the current step.
// tfjs's own AlphaDropout and GaussianNoise take no seed (not reproducible); its Dropout is unseeded too or, when
// seeded, draws the same mask every step. SeededDropout lives here; alphaDropout.ts and gaussianNoise.ts extend the same base.
import * as tf from '@tensorflow/tfjs';

/** Shared, mutable step counter: the trainer advances it so every step draws fresh, reproducible noise. */
export interface StepClock {
  step: number;
}

export interface SeededNoiseArgs {
  seed: number;
  clock: StepClock;
  name?: string;
}

/** A layer that is the identity at inference and adds seeded noise in training; a fresh draw every step. */
export abstract class SeededNoiseLayer extends tf.layers.Layer {
  protected readonly seed: number;
  private readonly clock: StepClock;

  constructor(args: SeededNoiseArgs) {
    super({ name: args.name });
    this.seed = args.seed;
    this.clock = args.clock;
  }

  /** True when the layer's setting makes it the identity in training too (rate or stddev 0). */
  protected abstract inactive(): boolean;

  /** The noisy training output; `seed` differs per step and per layer. */
  protected abstract noisy(x: tf.Tensor, seed: number): tf.Tensor;

  /** The layer's own setting, for getConfig (its names are the constructor's argument names). */
  protected abstract settings(): tf.serialization.ConfigDict;

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.inactive()) return x.clone();
    return tf.tidy(() => this.noisy(x, this.seed * 1_000_003 + this.clock.step));
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Saved models load this as an inference-time identity: the seed and clock only matter in training.
    return { ...super.getConfig(), ...this.settings(), seed: this.seed };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const args = {
      ...config,
      seed: Number(config.seed),
      clock: { step: 0 },
      name: typeof config.name === 'string' ? config.name : undefined,
    };
    return new (cls as unknown as new (a: SeededNoiseArgs) => T)(args);
  }
}

/** A seeded noise layer that drops a fraction `rate` of the units. */
export abstract class SeededRateLayer extends SeededNoiseLayer {
  protected readonly rate: number;

  constructor(args: SeededNoiseArgs & { rate: number }) {
    super(args);
    this.rate = Number(args.rate);
  }

  protected inactive(): boolean {
    return this.rate === 0;
  }

  protected settings(): tf.serialization.ConfigDict {
    return { rate: this.rate };
  }
}

export class SeededDropout extends SeededRateLayer {
  static readonly className = 'GradscopeSeededDropout';

  protected noisy(x: tf.Tensor, seed: number): tf.Tensor {
    const keep = 1 - this.rate;
    return tf.mul(x, tf.mul(keepMask(x.shape, keep, seed), 1 / keep));
  }
}
tf.serialization.registerClass(SeededDropout);

/** 1 with probability `keep`, else 0, elementwise (float32). */
export function keepMask(shape: number[], keep: number, seed: number): tf.Tensor {
  const noise = tf.randomUniform(shape, 0, 1, 'float32', seed);
  return tf.cast(tf.less(noise, keep), 'float32');
}
