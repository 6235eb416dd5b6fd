// The trained model → the inference model a run saves as `model/`: one input, one output (the measured activations
// the training model also outputs are dropped), the output activation the loss fused applied, and standard
// TensorFlow.js layers only, so plain `tf.loadLayersModel` loads it with no gradscope code. Every layer keeps its
// name (the `run-start.layers[].name` of the weighted ones), so weights can be matched by layer name.
//   - seeded dropout / alphaDropout / gaussianNoise → tfjs's Dropout / AlphaDropout / GaussianNoise (all the
//     identity at inference, like ours);
//   - rrelu → LeakyReLU with the mean slope (lower + upper)/2, which is what rrelu computes at inference;
//   - a weight-normalized dense/conv2d → a plain Dense/Conv2D with the folded kernel g·v/‖v‖.
// Layers with no standard equivalent yet (highway, groupNormalization, rmsNormalization, elu with alpha ≠ 1) make
// the export fail with an InferenceExportError that names them.
import * as tf from '@tensorflow/tfjs';
import type { BuiltModel } from './buildModel';
import { AlphaDropout } from './alphaDropout';
import { GaussianNoise } from './gaussianNoise';
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

/** What a gradscope layer class is called in messages. */
const CUSTOM_KINDS: Record<string, string> = {
  GradscopeHighway: 'highway',
  GradscopeGroupNormalization: 'groupNormalization',
  GradscopeRmsNormalization: 'rmsNormalization',
  GradscopeScaledElu: 'elu with alpha ≠ 1',
};

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
  if (layer.getClassName() in CUSTOM_KINDS) return undefined;
  // A standard layer: the same class from its own config, with a copy of its weights.
  const cls = layer.constructor as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer> & {
    fromConfig: (c: typeof cls, config: tf.serialization.ConfigDict) => tf.layers.Layer;
  };
  return { layer: cls.fromConfig(cls, config), weights: layer.getWeights().map((w) => w.clone()) };
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
 * InferenceExportError when a layer has no standard equivalent; nothing is left allocated then.
 */
export function inferenceModel(built: BuiltModel): tf.LayersModel {
  const layers = layersOfOutput(built.model);
  const custom = layers.filter((l) => l.getClassName() in CUSTOM_KINDS);
  if (custom.length > 0) {
    throw new InferenceExportError(custom.map((l) => ({ name: l.name, kind: CUSTOM_KINDS[l.getClassName()] })));
  }
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
      const replacement = standardEquivalent(layer) as Replacement;
      made.push(replacement.layer);
      const out = replacement.layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.SymbolicTensor;
      replacement.layer.setWeights(replacement.weights);
      tf.dispose(replacement.weights);
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
