// The trained model → the inference model a run saves as `model/`: one input, one output (the measured activations
// the training model also outputs are dropped), the output activation the loss fused applied, and standard
// TensorFlow.js layers only, so plain `tf.loadLayersModel` loads it with no gradscope code. Every layer keeps its
// name (the `run-start.layers[].name` of the weighted ones), so weights can be matched by layer name.
//   - seeded dropout / alphaDropout / gaussianNoise → tfjs's Dropout / AlphaDropout / GaussianNoise (all the
//     identity at inference, like ours);
//   - rrelu → LeakyReLU with the mean slope (lower + upper)/2, which is what rrelu computes at inference;
//   - a weight-normalized dense/conv2d → a plain Dense/Conv2D with the folded kernel g·v/‖v‖;
//   - layers with no single standard equivalent → a composition of standard layers computing the same thing (see
//     `compose`): elu with alpha ≠ 1, rmsNormalization, groupNormalization, highway. The layer of a composition that
//     holds the weights keeps the original name (a normalization's gamma/beta become a 1×1 DepthwiseConv2D's
//     kernel/bias: the same values, reshaped; a highway's H kernel/bias a Dense's, and its transform gate's
//     kernel/bias go to a Dense named `<name>_transform`); the helper layers are named `<name>_<role>`.
// A gradscope layer with no standard equivalent would make the export fail with an InferenceExportError naming it.
import * as tf from '@tensorflow/tfjs';
import { GATE_SUFFIX } from '../../spec/layerWeights';
import type { BuiltModel } from './buildModel';
import { AlphaDropout } from './alphaDropout';
import { GaussianNoise } from './gaussianNoise';
import { GroupNormalization } from './groupNormalization';
import { Highway } from './highway';
import { RmsNormalization } from './rmsNormalization';
import { ScaledElu } from './scaledElu';
import { SeededDropout } from './seededDropout';
import { SeededRrelu } from './seededRrelu';
import { WeightNormalized } from './weightNormalization';

/** Why a trained model has no inference model: the layers (by name) that have no standard equivalent yet. */
export class InferenceExportError extends Error {
  constructor(readonly layers: { name: string; kind: string }[]) {
    const list = layers.map((l) => `${l.name} (${l.kind})`).join(', ');
    super(
      `no inference model saved: ${list} ${layers.length === 1 ? 'has' : 'have'} no standard TensorFlow.js ` +
        'equivalent that gradscope can export yet',
    );
    this.name = 'InferenceExportError';
  }
}

type Replacement = { layer: tf.layers.Layer; weights: tf.Tensor[] };

/**
 * The standard layer computing what `layer` computes at inference, and the weights to give it (tensors owned by
 * the caller), or undefined when there is none.
 */
function standardEquivalent(layer: tf.layers.Layer): Replacement | undefined {
  const config = layer.getConfig();
  const name = layer.name;
  if (layer instanceof SeededDropout) return { layer: tf.layers.dropout({ name, rate: Number(config.rate) }), weights: [] };
  if (layer instanceof AlphaDropout) return { layer: tf.layers.alphaDropout({ name, rate: Number(config.rate) }), weights: [] };
  if (layer instanceof GaussianNoise) {
    return { layer: tf.layers.gaussianNoise({ name, stddev: Number(config.stddev) }), weights: [] };
  }
  if (layer instanceof SeededRrelu) {
    const alpha = (Number(config.lower) + Number(config.upper)) / 2;
    return { layer: tf.layers.leakyReLU({ name, alpha }), weights: [] };
  }
  if (layer instanceof WeightNormalized) {
    const common = { name, useBias: Boolean(config.useBias) };
    const folded =
      config.kind === 'dense'
        ? tf.layers.dense({ ...common, units: Number(config.units) })
        : tf.layers.conv2d({
            ...common,
            filters: Number(config.units),
            kernelSize: config.kernelSize as [number, number],
            strides: config.strides as [number, number],
            padding: config.padding as 'valid' | 'same',
          });
    return { layer: folded, weights: [tf.tidy(() => layer.kernel()), ...(layer.bias ? [layer.bias.read().clone()] : [])] };
  }
  // A gradscope layer not handled above or by `compose` has no standard equivalent.
  if (layer.getClassName().startsWith('Gradscope')) return undefined;
  // A standard layer: the same class from its own config, with a copy of its weights.
  const cls = layer.constructor as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer> & {
    fromConfig: (c: typeof cls, config: tf.serialization.ConfigDict) => tf.layers.Layer;
  };
  return { layer: cls.fromConfig(cls, config), weights: layer.getWeights().map((w) => w.clone()) };
}

/** Applies a new layer to `input`, remembers it in `made` (disposed on failure), then gives it `weights` (not consumed). */
function use(
  made: tf.layers.Layer[],
  layer: tf.layers.Layer,
  input: tf.SymbolicTensor | tf.SymbolicTensor[],
  weights: tf.Tensor[] = [],
): tf.SymbolicTensor {
  made.push(layer);
  const out = layer.apply(input) as tf.SymbolicTensor;
  if (weights.length > 0) layer.setWeights(weights);
  return out;
}

/**
 * x·gamma (+ beta) per channel (the last axis), as a 1×1 DepthwiseConv2D named `name` whose kernel/bias hold the
 * same values as gamma/beta; inputs of another rank are reshaped to [positions, 1, channels] around it.
 */
function channelAffine(made: tf.layers.Layer[], x: tf.SymbolicTensor, name: string, weights: tf.Tensor[]): tf.SymbolicTensor {
  const dims = x.shape.slice(1) as number[];
  const channels = dims[dims.length - 1];
  const image = dims.length === 3;
  const positions = dims.slice(0, -1).reduce((a, b) => a * b, 1);
  const input = image ? x : use(made, tf.layers.reshape({ name: `${name}_as_image`, targetShape: [positions, 1, channels] }), x);
  const [gamma, beta] = weights;
  const kernel = tf.reshape(gamma, [1, 1, channels, 1]);
  try {
    const layer = tf.layers.depthwiseConv2d({ name, kernelSize: 1, depthMultiplier: 1, useBias: beta !== undefined });
    const out = use(made, layer, input, [kernel, ...(beta ? [beta] : [])]);
    return image ? out : use(made, tf.layers.reshape({ name: `${name}_restored`, targetShape: dims }), out);
  } finally {
    kernel.dispose();
  }
}

/**
 * The standard layers computing what a gradscope layer with no single standard equivalent computes, applied to `x`
 * (the new layers are added to `made`); undefined when there is no such composition.
 *   - elu with alpha α: relu(x) + α·elu(−relu(−x)), which is how the training layer computes it (min(x, 0) = −relu(−x)).
 *   - rmsNormalization: x / √(mean(x²) + ε) is a layerNormalization of [x, −x] (whose mean is 0 and whose variance is
 *     mean(x²)), keeping its first half (a Dense with a fixed [I; 0] kernel); then gamma.
 *   - groupNormalization: reshape to [positions, groups, channels/groups], groups first, layerNormalization over the
 *     positions and the group's channels, back to the input's shape; then gamma and beta.
 *   - highway: see composeHighway.
 */
function compose(layer: tf.layers.Layer, x: tf.SymbolicTensor, made: tf.layers.Layer[]): tf.SymbolicTensor | undefined {
  if (layer instanceof Highway) return composeHighway(layer, x, made);
  const name = layer.name;
  const config = layer.getConfig();
  const act = (activation: 'relu' | 'elu', role: string, input: tf.SymbolicTensor): tf.SymbolicTensor =>
    use(made, tf.layers.activation({ activation, name: `${name}_${role}` }), input);
  const scale = (value: number, role: string, input: tf.SymbolicTensor): tf.SymbolicTensor =>
    use(made, tf.layers.rescaling({ scale: value, offset: 0, name: `${name}_${role}` }), input);
  if (layer instanceof ScaledElu) {
    const negativePart = scale(-1, 'negative_part', act('relu', 'relu_of_negated', scale(-1, 'negated', x)));
    const scaled = scale(Number(config.alpha), 'alpha', act('elu', 'elu', negativePart));
    return use(made, tf.layers.add({ name }), [act('relu', 'relu', x), scaled]);
  }
  const epsilon = Number(config.epsilon);
  const weights = layer.getWeights();
  if (layer instanceof RmsNormalization) {
    const channels = x.shape[x.shape.length - 1] as number;
    const mirrored = use(made, tf.layers.concatenate({ axis: -1, name: `${name}_mirrored` }), [x, scale(-1, 'negated', x)]);
    const normalized = use(
      made,
      tf.layers.layerNormalization({ axis: -1, epsilon, center: false, scale: false, name: `${name}_rms` }),
      mirrored,
    );
    const select = tf.tidy(() => tf.concat([tf.eye(channels), tf.zeros([channels, channels])], 0));
    try {
      const half = use(made, tf.layers.dense({ units: channels, useBias: false, name: `${name}_half` }), normalized, [select]);
      return channelAffine(made, half, name, weights);
    } finally {
      select.dispose();
    }
  }
  if (layer instanceof GroupNormalization) {
    const dims = x.shape.slice(1) as number[];
    const channels = dims[dims.length - 1];
    const groups = Number(config.groups);
    const positions = dims.slice(0, -1).reduce((a, b) => a * b, 1);
    const grouped = use(
      made,
      tf.layers.reshape({ targetShape: [positions, groups, channels / groups], name: `${name}_grouped` }),
      x,
    );
    const groupsFirst = use(made, tf.layers.permute({ dims: [2, 1, 3], name: `${name}_groups_first` }), grouped);
    const normalized = use(
      made,
      tf.layers.layerNormalization({ axis: [2, 3], epsilon, center: false, scale: false, name: `${name}_group_stats` }),
      groupsFirst,
    );
    const back = use(made, tf.layers.permute({ dims: [2, 1, 3], name: `${name}_positions_first` }), normalized);
    const restored = use(made, tf.layers.reshape({ targetShape: dims, name: `${name}_ungrouped` }), back);
    return channelAffine(made, restored, name, weights);
  }
  return undefined;
}

/**
 * highway: x + T·(H − x) with H = activation(x·K + b) and T = sigmoid(x·K_T + b_T), the training layer's own
 * operations: a Dense named as the layer (K, b) and its activation, a sigmoid Dense `<name>_transform` (K_T, b_T),
 * H + (−x), T·(H − x), x + that.
 */
function composeHighway(layer: Highway, x: tf.SymbolicTensor, made: tf.layers.Layer[]): tf.SymbolicTensor {
  const name = layer.name;
  const units = Number(layer.getConfig().units);
  const [kernel, bias, transformKernel, transformBias] = layer.getWeights();
  const linear = use(made, tf.layers.dense({ units, name }), x, [kernel, bias]);
  const h = applyEquivalent(layer.activation, [linear], made);
  const t = use(made, tf.layers.dense({ units, activation: 'sigmoid', name: `${name}${GATE_SUFFIX}` }), x, [
    transformKernel,
    transformBias,
  ]);
  const negated = use(made, tf.layers.rescaling({ scale: -1, offset: 0, name: `${name}_negated` }), x);
  const carry = use(made, tf.layers.add({ name: `${name}_h_minus_x` }), [h, negated]);
  const gated = use(made, tf.layers.multiply({ name: `${name}_gated` }), [t, carry]);
  return use(made, tf.layers.add({ name: `${name}_out` }), [x, gated]);
}

/** `layer`'s inference equivalent (a composition or one standard layer, with its weights) applied to `inputs`. */
function applyEquivalent(layer: tf.layers.Layer, inputs: tf.SymbolicTensor[], made: tf.layers.Layer[]): tf.SymbolicTensor {
  const composed = compose(layer, inputs[0], made);
  if (composed) return composed;
  const replacement = standardEquivalent(layer);
  if (!replacement) throw new InferenceExportError([{ name: layer.name, kind: layer.getClassName().replace(/^Gradscope/, '') }]);
  try {
    return use(made, replacement.layer, inputs.length === 1 ? inputs[0] : inputs, replacement.weights);
  } finally {
    tf.dispose(replacement.weights);
  }
}

/** The layers output 0 of the trained model depends on, in the model's (topological) order. */
function layersOfOutput(model: tf.LayersModel): tf.layers.Layer[] {
  const needed = new Set<tf.layers.Layer>();
  const visit = (t: tf.SymbolicTensor): void => {
    if (needed.has(t.sourceLayer)) return;
    needed.add(t.sourceLayer);
    for (const input of t.inputs ?? []) visit(input);
  };
  visit(model.outputs[0]);
  return model.layers.filter((l) => needed.has(l));
}

/**
 * The inference model of a trained model, with copies of its current weights (the caller disposes it). Throws
 * InferenceExportError when a layer has no standard equivalent (today every gradscope layer has one; the error keeps
 * a future layer without one from writing a model plain tfjs cannot load); nothing is left allocated then.
 */
export function inferenceModel(built: BuiltModel): tf.LayersModel {
  const layers = layersOfOutput(built.model);
  // Trained symbolic tensor → the inference model's; every layer here was applied exactly once.
  const mapped = new Map<number, tf.SymbolicTensor>();
  const input = built.model.inputs[0];
  const newInput = tf.input({ shape: input.shape.slice(1), name: input.name.replace(/\/.*$/, '') });
  mapped.set(input.id, newInput);
  const made: tf.layers.Layer[] = [];
  try {
    for (const layer of layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      const node = layer.inboundNodes[0];
      const inputs = node.inputTensors.map((t) => mapped.get(t.id) as tf.SymbolicTensor);
      const out = applyEquivalent(layer, inputs, made);
      mapped.set(node.outputTensors[0].id, out);
    }
    let output = mapped.get(built.model.outputs[0].id) as tf.SymbolicTensor;
    if (built.outputActivation !== 'linear') {
      // The loss fused softmax/sigmoid into itself in training; a user of the model wants probabilities.
      const activation = tf.layers.activation({ activation: built.outputActivation as 'softmax' | 'sigmoid', name: 'output' });
      output = activation.apply(output) as tf.SymbolicTensor;
    }
    return tf.model({ inputs: newInput, outputs: output, name: built.model.name });
  } catch (err) {
    for (const layer of made) for (const w of layer.weights) w.dispose();
    throw err;
  }
}
