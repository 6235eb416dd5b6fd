// A frozen batch normalization layer runs in inference mode, as Keras does (`trainable = False` on BatchNormalization
// implies `training=False`): it normalises with its moving mean and variance and leaves them as they are. TensorFlow.js
// updates the moving statistics on every training call whatever `trainable` says, so a "frozen" layer would still
// drift towards the new data's statistics. The layer stays TensorFlow.js's own BatchNormalization (the inference
// export rebuilds it from its class and config); only this instance's call looks at `trainable`, read at each call,
// so `training.unfreeze` puts it back in training mode from the epoch it names.
import type * as tf from '@tensorflow/tfjs';

/** The layer, whose calls in training run in inference mode while it is frozen (`layer.trainable` false). */
export function inferenceModeWhileFrozen(layer: tf.layers.Layer): tf.layers.Layer {
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: kwargs.training === true && layer.trainable });
  return layer;
}
