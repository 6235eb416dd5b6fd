// Highway layer (Srivastava, Greff & Schmidhuber 2015): y = H(x)·T(x) + x·(1 − T(x)), H = activation(x·W_H + b_H),
// T = sigmoid(x·W_T + b_T). The transform gate's bias starts negative (transformBias, default −2: T ≈ 0.12), so a
// fresh layer mostly carries x through unchanged and a deep stack still passes signal and gradient.
import * as tf from '@tensorflow/tfjs';
import type { ActivationName, ActivationParams } from '../../spec/types';
import { activationLayer } from './activations';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

interface HighwayArgs {
  units: number;
  transformBias: number;
  /** Spec name of H's activation and its parameters (kept for the saved model's config). */
  activation: string;
  activationParams?: ActivationParams;
  /** Applies H's activation (the engine's own activation layer, so highway and dense share one implementation). */
  activationLayer: tf.layers.Layer;
  kernelInitializer: Initializer;
  transformKernelInitializer: Initializer;
  biasInitializer: Initializer;
  name?: string;
}

export class Highway extends tf.layers.Layer {
  static readonly className = 'GradscopeHighway';
  private readonly args: HighwayArgs;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;
  private transformKernel?: tf.LayerVariable;
  private transformGateBias?: tf.LayerVariable;

  constructor(args: HighwayArgs) {
    super({ name: args.name });
    this.args = args;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputs = shape[shape.length - 1];
    if (inputs !== this.args.units) {
      throw new Error(`highway needs "units" (${this.args.units}) equal to its input size (${String(inputs)})`);
    }
    const { units } = this.args;
    // Trainable weights in this order: H's kernel and bias first, as every weighted layer's kernel and bias are read.
    this.kernel = this.addWeight('kernel', [units, units], 'float32', this.args.kernelInitializer);
    this.bias = this.addWeight('bias', [units], 'float32', this.args.biasInitializer);
    this.transformKernel = this.addWeight('transform_kernel', [units, units], 'float32', this.args.transformKernelInitializer);
    this.transformGateBias = this.addWeight(
      'transform_bias',
      [units],
      'float32',
      tf.initializers.constant({ value: this.args.transformBias }),
    );
    this.built = true;
  }

  /** The layer applying H's activation (inference export rebuilds it from this). */
  get activation(): tf.layers.Layer {
    return this.args.activationLayer;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
    const [kernel, bias, tKernel, tBias] = [this.kernel, this.bias, this.transformKernel, this.transformGateBias].map((v) =>
      (v as tf.LayerVariable).read(),
    );
    return tf.tidy(() => {
      const h = this.args.activationLayer.apply(tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias)) as tf.Tensor;
      const t = tf.sigmoid(tf.add(tf.matMul(x, tKernel as tf.Tensor2D), tBias));
      // H·T + x·(1 − T), written as x + T·(H − x): one product fewer, the same function and gradient.
      return tf.add(x, tf.mul(t, tf.sub(h, x)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.args.units,
      transformBias: this.args.transformBias,
      activation: this.args.activation,
      ...(this.args.activationParams && { activationParams: { ...this.args.activationParams } }),
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    // A saved model is loaded for inference: the initializers do not matter, the weights come from the file.
    const activation = (typeof config.activation === 'string' ? config.activation : 'linear') as ActivationName;
    const params = config.activationParams as ActivationParams | undefined;
    const args: HighwayArgs = {
      units: Number(config.units),
      transformBias: Number(config.transformBias),
      activation,
      ...(params && { activationParams: params }),
      activationLayer: activationLayer(activation, params),
      kernelInitializer: tf.initializers.zeros(),
      transformKernelInitializer: tf.initializers.zeros(),
      biasInitializer: tf.initializers.zeros(),
      name: typeof config.name === 'string' ? config.name : undefined,
    };
    return new (cls as unknown as new (a: HighwayArgs) => T)(args);
  }
}
tf.serialization.registerClass(Highway);
