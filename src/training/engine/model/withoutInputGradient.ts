// A dense or conv2d layer whose input depends on no weight (the model's input, or it through weightless layers)
// trains without computing its input's gradient. Dense and Conv2D call TensorFlow.js's fused.matMul / fused.conv2d,
// whose gradient (a customGrad) computes the input's gradient together with the kernel's and bias's, even where
// nothing uses it: on the 784-256-256-10 MLP a quarter of a training step's multiply-adds, on conv-16-32-mnist a
// Conv2DBackpropInput of [64,28,28,1] per step. Here the layer's own call runs inside a customGrad whose inputs are
// the kernel and bias only (the input is a constant to it), and whose gradient runs exactly the kernels, on exactly
// the shapes, that the fused op's gradient runs for them: the same values to the bit, minus the unused gradient.
import * as tf from '@tensorflow/tfjs';

type Kwargs = Parameters<tf.layers.Layer['call']>[1];

interface KernelLayerConfig {
  activation?: string;
  strides?: number | number[];
  padding?: string;
  dataFormat?: string;
  dilationRate?: number | number[];
}

const pair = (v: number | number[] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1] ?? v[0]];

/** fused.matMul's gradient for its b (the kernel) and bias, given x [m, k] and dy [m, n] (tfjs-core fused/mat_mul). */
function denseGrads(x: tf.Tensor, dy: tf.Tensor, withBias: boolean): tf.Tensor[] {
  const [m, k] = x.shape;
  const n = dy.shape[1] as number;
  const a3D = tf.reshape(x, [1, m, k]);
  const dy3D = tf.reshape(dy, [1, m, n]);
  const kernel = tf.reshape(tf.matMul(a3D, dy3D, true, false), [k, n]);
  return withBias ? [kernel, tf.reshape(tf.sum(dy3D, [0, 1]), [n])] : [kernel];
}

/** fused.conv2d's gradient for its filter and bias (tfjs-core fused/conv2d: conv2DBackpropFilter, then the sum). */
function convGrads(
  x: tf.Tensor,
  dy: tf.Tensor,
  filterShape: number[],
  strides: [number, number],
  pad: string,
  withBias: boolean,
): tf.Tensor[] {
  const attrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape };
  const filter = tf.engine().runKernel<tf.Tensor>(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap);
  return withBias ? [filter, tf.reshape(tf.sum(dy, [0, 1, 2]), [filterShape[3]])] : [filter];
}

let inputGradientsUnused = false;

/**
 * Runs `apply` (a training forward pass whose gradients are taken for variables only, as the step's variableGrads
 * does) with the layers prepared by trainWithoutInputGradient skipping their input's gradient. Elsewhere (tf.grad
 * with respect to an input, explanations, tests of input gradients) they compute it as usual.
 */
export function withoutInputGradients<T>(apply: () => T): T {
  const outer = inputGradientsUnused;
  inputGradientsUnused = true;
  try {
    return apply();
  } finally {
    inputGradientsUnused = outer;
  }
}

/**
 * Makes `layer` (a tf.layers.dense or tf.layers.conv2d without its own activation) skip its input's gradient when
 * called in training inside withoutInputGradients; other calls, and configurations this does not cover, are the
 * layer's own call unchanged.
 */
export function trainWithoutInputGradient(layer: tf.layers.Layer, kind: 'dense' | 'conv2d'): void {
  const config = layer.getConfig() as KernelLayerConfig;
  if ((config.activation ?? 'linear') !== 'linear') return;
  const strides = pair(config.strides, 1);
  if (kind === 'conv2d') {
    const dilation = pair(config.dilationRate, 1);
    if (config.dataFormat !== 'channelsLast' || dilation[0] !== 1 || dilation[1] !== 1) return;
    if (config.padding !== 'valid' && config.padding !== 'same') return;
  }
  const original = layer.call.bind(layer);
  layer.call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const weights = layer.weights.map((w) => w.read());
    const rank = kind === 'dense' ? 2 : 4;
    if (!inputGradientsUnused || !kwargs?.training || x.rank !== rank || weights[0]?.rank !== rank || weights.length > 2)
      return original(inputs, kwargs);
    const withBias = weights.length === 2;
    const forward = tf.customGrad((...args: unknown[]) => {
      // Saved: the tape keeps the input alive until the backward pass (it may be an intermediate of this step).
      const save = args[args.length - 1] as tf.GradSaveFunc;
      save([x]);
      const value = original(inputs, kwargs) as tf.Tensor;
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
        kind === 'dense'
          ? denseGrads(saved[0], dy, withBias)
          : convGrads(saved[0], dy, weights[0].shape, strides, config.padding as string, withBias);
      return { value, gradFunc };
    });
    return forward(...weights);
  };
}
