// Losses and accuracy on a batch, given the model's raw output (logits when the activation is fused).
import * as tf from '@tensorflow/tfjs';
import type { ActivationName, LossName } from '../spec/types';

const EPSILON = 1e-7;

/** Mean loss over the batch. `targets` are one-hot / 0-1 / regression values shaped like `output`. */
export function batchLoss(loss: LossName, outputActivation: ActivationName, targets: tf.Tensor, output: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (outputActivation === 'softmax') return tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(targets, output);
    if (outputActivation === 'sigmoid') return tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(targets, output);
    switch (loss) {
      case 'meanSquaredError':
        return tf.mean<tf.Scalar>(tf.squaredDifference(targets, output));
      case 'categoricalCrossentropy': {
        // Probabilities from a non-softmax output, clipped like Keras does.
        const p = tf.clipByValue(output, EPSILON, 1 - EPSILON);
        return tf.mean<tf.Scalar>(tf.neg(tf.sum(tf.mul(targets, tf.log(p)), -1)));
      }
      case 'binaryCrossentropy': {
        const p = tf.clipByValue(output, EPSILON, 1 - EPSILON);
        const ll = tf.add(tf.mul(targets, tf.log(p)), tf.mul(tf.sub(1, targets), tf.log(tf.sub(1, p))));
        return tf.neg(tf.mean(ll)) as tf.Scalar;
      }
    }
  });
}

/** Number of correctly classified samples in the batch (a scalar tensor). */
export function correctCount(outputActivation: ActivationName, targets: tf.Tensor, output: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const units = output.shape[output.shape.length - 1] ?? 1;
    if (units === 1) {
      const threshold = outputActivation === 'sigmoid' ? 0 : 0.5; // logits vs probabilities
      const predicted = tf.cast(tf.greater(output, threshold), 'float32');
      return tf.sum(tf.cast(tf.equal(predicted, targets), 'float32'));
    }
    return tf.sum(tf.cast(tf.equal(tf.argMax(output, -1), tf.argMax(targets, -1)), 'float32'));
  });
}

/** What the model predicts: its output with the output activation the loss fused away applied again. */
function predictions(outputActivation: ActivationName, output: tf.Tensor): tf.Tensor {
  if (outputActivation === 'softmax') return tf.softmax(output);
  if (outputActivation === 'sigmoid') return tf.sigmoid(output);
  return output;
}

/** Σ |target − prediction| over the batch and every output unit (a scalar tensor). */
export function absoluteErrorSum(outputActivation: ActivationName, targets: tf.Tensor, output: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum<tf.Scalar>(tf.abs(tf.sub(targets, predictions(outputActivation, output)))));
}

/** Σ (target − prediction)² over the batch, one sum per output unit (a 1-D tensor of the output's width). */
export function squaredErrorSums(outputActivation: ActivationName, targets: tf.Tensor, output: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const sq = tf.squaredDifference(targets, predictions(outputActivation, output));
    return tf.reshape<tf.Rank.R1>(tf.sum(tf.reshape(sq, [-1, sq.shape[sq.shape.length - 1] ?? 1]), 0), [-1]);
  });
}
