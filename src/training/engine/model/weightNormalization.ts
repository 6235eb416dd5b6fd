// dense / conv2d with "weightNormalization": true (Salimans & Kingma 2016): the kernel is w = g·v/‖v‖ per output
// unit, with the direction v (kernel-shaped) and the gain g (one per unit) both learned. g starts at ‖v‖, so the
// initial w is exactly what the kernel initializer drew. Step metrics measure v as the layer's kernel (the
// variable the optimizer updates); g's gradient counts in the global gradient norm. TensorFlow.js has no such layer.
import * as tf from '@tensorflow/tfjs';
import { singleShape } from './perSampleNormalization';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

interface WeightNormalizedArgs {
  kind: 'dense' | 'conv2d';
  /** Output units (dense) or filters (conv2d). */
  units: number;
  kernelSize?: [number, number];
  strides?: [number, number];
  padding?: 'valid' | 'same';
  useBias: boolean;
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
  name?: string;
}

/** √(‖·‖² + epsilon) of each output unit's incoming weights (all axes but the last), shape [units]. */
export function unitNorms(w: tf.Tensor, epsilon = 0): tf.Tensor {
  const axes = w.shape.slice(0, -1).map((_, i) => i);
  return tf.tidy(() => tf.sqrt(tf.add(tf.sum(tf.square(w), axes), epsilon)));
}

/** Keeps ‖v‖ and its gradient finite for an all-zero unit (a zeros initializer). */
const NORM_EPSILON = 1e-12;

export class WeightNormalized extends tf.layers.Layer {
  static readonly className = 'GradscopeWeightNormalized';
  private readonly args: WeightNormalizedArgs;
  /** The direction v, kernel-shaped. */
  v?: tf.LayerVariable;
  /** The gain g, one per output unit. */
  g?: tf.LayerVariable;
  bias?: tf.LayerVariable;

  constructor(args: WeightNormalizedArgs) {
    super({ name: args.name });
    this.args = args;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleShape(inputShape);
    const inputs = shape[shape.length - 1] as number;
    const { kind, units, kernelSize = [1, 1] } = this.args;
    const kernelShape = kind === 'dense' ? [inputs, units] : [kernelSize[0], kernelSize[1], inputs, units];
    this.v = this.addWeight('v', kernelShape, 'float32', this.args.kernelInitializer);
    this.g = this.addWeight('g', [units], 'float32', tf.initializers.ones());
    if (this.args.useBias) this.bias = this.addWeight('bias', [units], 'float32', this.args.biasInitializer);
    const norms = unitNorms(this.v.read());
    this.g.write(norms);
    norms.dispose();
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shape = singleShape(inputShape);
    const { kind, units, kernelSize = [1, 1], strides = [1, 1], padding = 'valid' } = this.args;
    if (kind === 'dense') return [...shape.slice(0, -1), units];
    const out = [1, 2].map((axis, i) => {
      const size = shape[axis] as number;
      return padding === 'same' ? Math.ceil(size / strides[i]) : Math.floor((size - kernelSize[i]) / strides[i]) + 1;
    });
    return [shape[0], out[0], out[1], units];
  }

  /** The effective kernel g·v/‖v‖. */
  kernel(): tf.Tensor {
    const v = (this.v as tf.LayerVariable).read();
    return tf.mul(v, tf.div((this.g as tf.LayerVariable).read(), unitNorms(v, NORM_EPSILON)));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const w = this.kernel();
      const { strides = [1, 1], padding = 'valid' } = this.args;
      const y = this.args.kind === 'dense' ? tf.matMul(x, w) : tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, padding);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { kind, units, kernelSize, strides, padding, useBias } = this.args;
    const config: tf.serialization.ConfigDict = { ...super.getConfig(), kind, units, useBias };
    if (kind === 'conv2d') Object.assign(config, { kernelSize, strides, padding });
    return config;
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    // Loaded weights replace these initial values.
    const args = { ...config, kernelInitializer: tf.initializers.zeros(), biasInitializer: tf.initializers.zeros() };
    return new (cls as unknown as new (a: WeightNormalizedArgs) => T)(args as unknown as WeightNormalizedArgs);
  }
}
tf.serialization.registerClass(WeightNormalized);
