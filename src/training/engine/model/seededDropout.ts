// Layers whose randomness is reproducible: seeded from the run seed and the current step (SeededLayer, the base of
// the training-only noise layers here, alphaDropout.ts and gaussianNoise.ts, and of rrelu's random slopes).
// tfjs's own Dropout, AlphaDropout and GaussianNoise take no seed (Math.random: not reproducible) or, when seeded,
// draw the same mask every step.
import * as tf from '@tensorflow/tfjs';

/** Shared, mutable step counter: the trainer advances it so every step draws fresh, reproducible noise. */
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

/** A layer that is the identity at inference and adds seeded noise in training; a fresh draw every step. */
export abstract class SeededNoiseLayer extends SeededLayer {
  /** True when the layer's setting makes it the identity in training too (rate or stddev 0). */
  protected abstract inactive(): boolean;

  /** The noisy training output; `seed` differs per step and per layer. */
  protected abstract noisy(x: tf.Tensor, seed: number): tf.Tensor;

  /** The layer's own setting, for getConfig (its names are the constructor's argument names). */
  protected abstract settings(): tf.serialization.ConfigDict;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.inactive()) return x.clone();
    return tf.tidy(() => this.noisy(x, this.stepSeed()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Saved models load this as an inference-time identity: the seed and clock only matter in training.
    return { ...super.getConfig(), ...this.settings() };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new (cls as unknown as new (a: SeededArgs) => T)({ ...config, ...seededArgs(config) });
  }
}

/** A seeded noise layer that drops a fraction `rate` of the units. */
export abstract class SeededRateLayer extends SeededNoiseLayer {
  protected readonly rate: number;

  constructor(args: SeededArgs & { rate: number }) {
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
