// Recurrent layers (simpleRNN, lstm, gru) as TensorFlow.js builds them, with dropout masks that are reproducible:
// tfjs draws its recurrent dropout masks with an unseeded tf.dropout (Math.random), so the masks come from a
// seeded function instead, keyed by the run seed, the layer, the step and the mask's place in the step.
import * as tf from '@tensorflow/tfjs';
import type { RecurrentLayer } from '../../spec/types';
import { makeInitializer } from './initializers';
import type { StepClock } from './seededDropout';

/** A recurrent layer's weights by role (tfjs keeps them on its cell as kernel, recurrentKernel, bias). */
export interface RecurrentWeights {
  kernel: tf.LayerVariable;
  recurrentKernel: tf.LayerVariable;
  bias?: tf.LayerVariable;
}

interface Cell {
  kernel: tf.LayerVariable;
  recurrentKernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
}

/**
 * The dropout function tfjs's cells call to draw a mask (`ones` scaled: kept units 1/(1 − rate), dropped 0). Each
 * call within a step gets its own seed; the count restarts every step, so step n draws the same masks in every run.
 */
function seededMasks(seed: number, clock: StepClock): (ones: tf.Tensor, rate: number) => tf.Tensor {
  let step = -1;
  let drawn = 0;
  return (ones, rate) => {
    if (clock.step !== step) {
      step = clock.step;
      drawn = 0;
    }
    const keep = 1 - rate;
    const maskSeed = (Math.imul(seed ^ (step + 1), 2654435761) + Math.imul(++drawn, 40503)) >>> 0;
    return tf.tidy(() => {
      const noise = tf.randomUniform(ones.shape, 0, 1, 'float32', maskSeed);
      return tf.mul(ones, tf.mul(tf.cast(tf.less(noise, keep), 'float32'), 1 / keep));
    });
  };
}

/**
 * The tfjs layer for a recurrent spec layer. The gates of lstm and gru use the logistic sigmoid (tfjs defaults to
 * a piecewise-linear hardSigmoid); lstm starts its forget gate's bias at 1 (openForgetGate, as Keras does).
 * gru is the variant with the reset gate applied BEFORE the recurrent matrix, h̃ = act(W_h x + U_h (r ⊙ h) + b_h)
 * (Cho et al. 2014; Keras' reset_after=false): tfjs implements only this one, PyTorch the other.
 */
export function recurrentLayer(
  spec: RecurrentLayer,
  name: string,
  seeds: { kernel: number; recurrent: number; bias: number; dropout: number },
  clock: StepClock,
): tf.layers.Layer {
  const args = {
    name,
    units: spec.units,
    activation: spec.activation as 'tanh',
    kernelInitializer: makeInitializer(spec.kernelInitializer, seeds.kernel),
    recurrentInitializer: makeInitializer(spec.recurrentInitializer, seeds.recurrent),
    biasInitializer: makeInitializer(spec.biasInitializer, seeds.bias),
    returnSequences: spec.returnSequences,
    dropout: spec.dropout,
    recurrentDropout: spec.recurrentDropout,
    dropoutFunc: seededMasks(seeds.dropout, clock),
  };
  switch (spec.type) {
    case 'simpleRNN':
      return tf.layers.simpleRNN(args);
    case 'lstm':
      // Not unitForgetBias: tfjs's initializer for it leaves four tensors behind per layer (see openForgetGate).
      return tf.layers.lstm({ ...args, recurrentActivation: 'sigmoid' });
    case 'gru':
      return tf.layers.gru({ ...args, recurrentActivation: 'sigmoid' });
  }
}

/**
 * Sets a built lstm's forget-gate bias (the second of its four bias blocks: input, forget, cell, output) to 1, as
 * Keras' unit_forget_bias does (Jozefowicz et al. 2015): the cell state is kept from the start, so the gradient
 * reaches early timesteps while the network learns when to forget.
 */
export function openForgetGate(layer: tf.layers.Layer): void {
  const bias = (layer as unknown as { cell: Cell }).cell.bias;
  if (!bias) return;
  tf.tidy(() => {
    const [input, , cell, output] = tf.split(bias.read(), 4);
    bias.write(tf.concat([input, tf.onesLike(input), cell, output]));
  });
}

/** The built layer's weights by role. */
export function recurrentWeights(layer: tf.layers.Layer): RecurrentWeights {
  const cell = (layer as unknown as { cell: Cell }).cell;
  const weights: RecurrentWeights = { kernel: cell.kernel, recurrentKernel: cell.recurrentKernel };
  if (cell.bias) weights.bias = cell.bias;
  return weights;
}

/**
 * Disposes the dropout masks a cell keeps from its last training call (tfjs frees them only at the next call),
 * so a finished model leaves no tensors behind.
 */
export function releaseMasks(layer: tf.layers.Layer): void {
  const cell = (layer as unknown as { cell: { dropoutMask: unknown; recurrentDropoutMask: unknown } }).cell;
  for (const key of ['dropoutMask', 'recurrentDropoutMask'] as const) {
    const mask = cell[key] as tf.Tensor | tf.Tensor[] | null;
    if (mask) tf.dispose(mask);
    cell[key] = null;
  }
}
