// alphaDropout (Klambauer et al. 2017), for SELU nets: a dropped unit is set to SELU's negative saturation value
// α' = −λα instead of 0, and the result is put through a·x + b with a, b chosen so that an input of mean 0 and
// variance 1 keeps mean 0 and variance 1 — the fixed point SELU's self-normalization relies on. Plain dropout
// (zero, then scale by 1/(1 − rate)) raises the variance instead. Seeded per step like SeededDropout.
import * as tf from '@tensorflow/tfjs';
import { SELU_ALPHA, SELU_LAMBDA } from '../../model/facts';
import { SeededRateLayer, keepMask } from './seededDropout';

/** SELU's limit for large negative inputs: the value a dropped unit takes. */
const ALPHA_PRIME = -SELU_LAMBDA * SELU_ALPHA;

/** The affine correction a·x + b after dropping with `rate` (Klambauer et al. 2017, eq. in section "Alpha dropout"). */
function alphaDropoutAffine(rate: number): { a: number; b: number } {
  const keep = 1 - rate;
  const a = 1 / Math.sqrt(keep * (1 + rate * ALPHA_PRIME * ALPHA_PRIME));
  return { a, b: -a * ALPHA_PRIME * rate };
}

export class AlphaDropout extends SeededRateLayer {
  static readonly className = 'GradscopeAlphaDropout';

  protected noisy(x: tf.Tensor, seed: number): tf.Tensor {
    const mask = keepMask(x.shape, 1 - this.rate, seed);
    const { a, b } = alphaDropoutAffine(this.rate);
    // kept: x; dropped: α'. Then a·(…) + b.
    const dropped = tf.add(tf.mul(x, mask), tf.mul(tf.sub(1, mask), ALPHA_PRIME));
    return tf.add(tf.mul(dropped, a), b);
  }
}
tf.serialization.registerClass(AlphaDropout);
