// gaussianNoise: adds zero-mean normal noise of a given standard deviation in training, the identity at inference.
// Seeded per step like SeededDropout (tfjs's GaussianNoise draws from Math.random).
import * as tf from '@tensorflow/tfjs';
import { SeededNoiseLayer, type SeededArgs } from './seededDropout';

export class GaussianNoise extends SeededNoiseLayer {
  static readonly className = 'GradscopeGaussianNoise';
  private readonly stddev: number;

  constructor(args: SeededArgs & { stddev: number }) {
    super(args);
    this.stddev = Number(args.stddev);
  }

  protected inactive(): boolean {
    return this.stddev === 0;
  }

  protected noisy(x: tf.Tensor, seed: number): tf.Tensor {
    return tf.add(x, tf.randomNormal(x.shape, 0, this.stddev, 'float32', seed));
  }

  protected settings(): tf.serialization.ConfigDict {
    return { stddev: this.stddev };
  }
}
tf.serialization.registerClass(GaussianNoise);
