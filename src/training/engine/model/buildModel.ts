// Spec layers → one TensorFlow.js functional model whose extra outputs are the tensors we measure (each weight
// layer's signal and, where dead units are counted, its pre-activation), so measurement rides on the training
// forward pass instead of a second one.
import * as tf from '@tensorflow/tfjs';
import { trainWithoutInputGradient } from './withoutInputGradient';
import type { LayerSummary } from '../../../shared/engineProtocol';
import { LAYER_FACTS, activationFacts, fusedOutputActivation } from '../../model/facts';
import type { ActivationName, ActivationParams, LayerOrigin, ParsedSpec, ResolvedLayer } from '../../spec/types';
import { activationLayer } from './activations';
import { makeInitializer } from './initializers';
import { inferenceModeWhileFrozen } from './frozenBatchNormalization';
import { Highway } from './highway';
import { kernelPenaltySettings, type KernelPenaltySettings } from '../penalties';
import { AlphaDropout } from './alphaDropout';
import { GaussianNoise } from './gaussianNoise';
import { GroupNormalization } from './groupNormalization';
import { RmsNormalization } from './rmsNormalization';
import { openForgetGate, recurrentLayer, recurrentWeights, releaseMasks } from './recurrent';
import { SeededDropout, type StepClock } from './seededDropout';
import { WeightNormalized } from './weightNormalization';

export interface WeightedLayer {
  summary: LayerSummary;
  /**
   * Kernel (dense/conv/projection; a recurrent layer's input kernel), gamma (normalization), or for a
   * weight-normalized dense/conv2d its direction v (the gain g is not listed here: its gradient counts in the global
   * norm only).
   */
  kernel: tf.LayerVariable;
  /** kernelRegularizer / kernelConstraint of the spec layer, applied by the step to `kernel`. */
  penalties?: KernelPenaltySettings;
  /** Recurrent layers: the recurrent kernel (state → state), measured on its own as `recurrentGradNorm`. */
  recurrentKernel?: tf.LayerVariable;
  /** Bias or beta; absent when the layer has none. */
  bias?: tf.LayerVariable;
  /** highway only: the transform gate's kernel W_T (`kernel` is H's W_H). */
  transformKernel?: tf.LayerVariable;
  /**
   * Index into the model's outputs of the activation whose units belong to this layer: 0 when that activation
   * is the model output itself (an output activation not fused into the loss), which is never listed twice.
   */
  activationOutput?: number;
  /** The activation applied to those units (the layer's own, or a following `activation` layer's). */
  monitoredActivation?: ActivationName;
  monitoredParams?: ActivationParams;
  /**
   * Index into the model's outputs of the signal this layer passes on (activationMean/activationStd): its
   * activation's output when it has one, else its own output. Set by `Builder.outputs` for every weight layer.
   */
  signalOutput: number;
  /** Index of that activation's input, when dead units are counted (they are judged by the slope there). */
  preActivationOutput?: number;
  /**
   * Dead units are counted on the signal itself (relu: model/facts `deadAtOrBelow`, its output is above the bound
   * exactly where its input is), so the pre-activation is not an output.
   */
  deadOnSignal?: boolean;
  /** The TensorFlow.js layer owning the weights: freezing sets its `trainable`. */
  layer: tf.layers.Layer;
  /** Factor on this layer's updates (spec `learningRateMultiplier`); absent: 1. */
  learningRateMultiplier?: number;
}

/** The tensors of one weight layer that become model outputs. */
interface Measured {
  entry: WeightedLayer;
  signal: tf.SymbolicTensor;
  pre?: tf.SymbolicTensor;
}

export interface BuiltModel {
  model: tf.LayersModel;
  /** Every spec-level layer in model order, for `run-start`. */
  layers: LayerSummary[];
  /** Layers with trainable weights, in model order: exactly the `step.layers` entries. */
  weighted: WeightedLayer[];
  /**
   * softmax/sigmoid of the last layer when it is fused into the loss (output 0 is then logits, which keeps
   * cross-entropy finite and its gradient exact); `linear` otherwise.
   */
  outputActivation: ActivationName;
  clock: StepClock;
  /** Recurrent layers, whose cells keep dropout masks between calls (see disposeBuiltModel). */
  recurrent: tf.layers.Layer[];
  /**
   * Names of the variables the optimizer has been given, in the order they first became trainable: TensorFlow.js's
   * optimizers keep their state by position in the gradient list, so a layer unfrozen later must come after them.
   */
  variableOrder: string[];
  /**
   * Every weight of the model (batch-norm moving statistics included) in one order that freezing does not change:
   * model.weights as built, before any layer was frozen. (TensorFlow.js lists the trainable layers' weights first, so
   * model.weights and getWeights() reorder when a layer is frozen or unfrozen.) Checkpoints and the best weights
   * kept for restoreBestWeights use this order.
   */
  weights: tf.LayerVariable[];
}

function mix(seed: number, ordinal: number, salt: number): number {
  // Distinct, stable seeds per layer and weight; kept within the integer range seedrandom handles well.
  return (Math.imul(seed + 1, 2654435761) ^ Math.imul(ordinal + 1, 40503) ^ salt) >>> 0;
}

class Builder {
  readonly layers: LayerSummary[] = [];
  readonly weighted: WeightedLayer[] = [];
  /** Per weight layer, in model order, the tensors measured on it; indices are assigned in `outputs`. */
  private readonly measured = new Map<WeightedLayer, Measured>();
  readonly clock: StepClock = { step: 0 };
  private readonly counters = new Map<string, number>();
  readonly recurrent: tf.layers.Layer[] = [];
  /** The spec entry each summary was made from (its transfer settings decide the weight layer's). */
  private readonly origins = new Map<LayerSummary, LayerOrigin>();
  /** Every layer applied so far, so that a model that fails half-way can give back the weights it made. */
  private readonly applied: tf.layers.Layer[] = [];
  private ordinal = 0;

  constructor(private readonly seed: number) {}

  name(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return `${kind}_${n}`;
  }

  /** Applies a layer to symbolic inputs (creating its weights) and remembers it. */
  apply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
    this.applied.push(layer);
    const out = layer.apply(x) as tf.SymbolicTensor;
    const inputs = Array.isArray(x) ? x : [x];
    if (layer.weights.length === 0 && inputs.every((t) => this.weightFree.has(t))) this.weightFree.add(out);
    return out;
  }

  /** The model's input and what weightless layers make of it alone: tensors no gradient flows into. */
  readonly weightFree = new Set<tf.SymbolicTensor>();

  /** Disposes the weights of every layer applied, including one that failed while building. */
  disposeWeights(): void {
    for (const layer of this.applied) for (const w of layer.weights) w.dispose();
  }

  nextSeed(salt: number): number {
    return mix(this.seed, this.ordinal++, salt);
  }

  summarize(
    name: string,
    kind: string,
    origin: LayerOrigin,
    layer: tf.layers.Layer | undefined,
    out: tf.SymbolicTensor,
    activation?: string,
  ): LayerSummary {
    const summary: LayerSummary = {
      name,
      kind,
      params: layer ? layer.countParams() : 0,
      outputShape: out.shape.slice(1) as number[],
      specPath: origin.specPath,
      hasWeights: false,
    };
    if (activation !== undefined) summary.activation = activation;
    if (origin.copy !== undefined) summary.copy = origin.copy;
    if (origin.copies !== undefined) summary.copies = origin.copies;
    this.layers.push(summary);
    this.origins.set(summary, origin);
    return summary;
  }

  /**
   * Registers a layer's weights for measurement; `own` is the layer's own output: its signal until an activation
   * claims its units. Most layers have [kernel, bias] (or [gamma, beta]); others name their roles: a
   * weight-normalized layer's direction v, a recurrent layer's [kernel, recurrentKernel, bias].
   */
  addWeighted(
    summary: LayerSummary,
    layer: tf.layers.Layer,
    own: tf.SymbolicTensor,
    variables: { kernel: tf.LayerVariable; bias?: tf.LayerVariable; recurrentKernel?: tf.LayerVariable } = {
      kernel: layer.trainableWeights[0],
      bias: layer.trainableWeights[1],
    },
  ): WeightedLayer {
    summary.hasWeights = true;
    const origin = this.origins.get(summary);
    summary.trainable = origin?.trainable !== false;
    const { kernel, bias, recurrentKernel } = variables;
    const entry: WeightedLayer = { summary, kernel, signalOutput: 0, layer };
    if (origin?.learningRateMultiplier !== undefined) {
      entry.learningRateMultiplier = origin.learningRateMultiplier;
      summary.learningRateMultiplier = origin.learningRateMultiplier;
    }
    if (bias) entry.bias = bias;
    if (recurrentKernel) entry.recurrentKernel = recurrentKernel;
    this.weighted.push(entry);
    this.measured.set(entry, { entry, signal: own });
    return entry;
  }

  /** The activation `pre → out` acts on the units of `entry`: its output becomes the layer's signal. */
  /** `pre` is the activation's input, when the builder can reach it (a recurrent cell keeps its own inside). */
  monitor(
    entry: WeightedLayer,
    pre: tf.SymbolicTensor | undefined,
    out: tf.SymbolicTensor,
    activation: ActivationName,
    params: ActivationParams | undefined,
  ): void {
    entry.monitoredActivation = activation;
    if (params) entry.monitoredParams = params;
    // model/facts: dead units are judged by the slope at the pre-activation (gelu/swish/mish are not monotonic, so
    // the output alone does not tell), except where the facts say the output tells exactly (relu: out > 0 ⇔ pre > 0).
    const facts = activationFacts(activation);
    const onSignal = facts.measure === 'dead' && facts.deadAtOrBelow !== undefined && pre !== undefined;
    if (onSignal) entry.deadOnSignal = true;
    else delete entry.deadOnSignal;
    this.measured.set(entry, { entry, signal: out, pre: facts.measure === 'dead' && !onSignal ? pre : undefined });
  }

  /**
   * The model's outputs: `output` first, then each measured tensor once. A measured tensor that IS the output
   * (e.g. a relu/tanh/sigmoid last layer not fused into the loss) reads output 0: TensorFlow.js only warns about a
   * tensor listed twice and then returns null for one of the copies.
   */
  outputs(output: tf.SymbolicTensor): tf.SymbolicTensor[] {
    const outputs = [output];
    const indexOf = (t: tf.SymbolicTensor): number => {
      const known = outputs.indexOf(t);
      return known >= 0 ? known : outputs.push(t) - 1;
    };
    for (const { entry, signal, pre } of this.measured.values()) {
      entry.signalOutput = indexOf(signal);
      if (entry.monitoredActivation) entry.activationOutput = entry.signalOutput;
      if (pre) entry.preActivationOutput = indexOf(pre);
    }
    return outputs;
  }
}

interface SequenceState {
  /** A weighted layer without its own activation, waiting for an `activation` layer to claim its units. */
  pending?: WeightedLayer;
}

function applyActivation(
  b: Builder,
  x: tf.SymbolicTensor,
  activation: ActivationName,
  params: ActivationParams | undefined,
  owner: string,
): tf.SymbolicTensor {
  if (activation === 'linear') return x;
  return b.apply(makeActivation(b, activation, params, `${owner}_${activation}`, x), x);
}

/** The activation layer for input `x`; only rrelu draws a seed (so other specs keep the seeds they always had). */
function makeActivation(
  b: Builder,
  activation: ActivationName,
  params: ActivationParams | undefined,
  name: string,
  x: tf.SymbolicTensor,
): tf.layers.Layer {
  const random = activation === 'rrelu' ? { seed: b.nextSeed(5), clock: b.clock } : {};
  return activationLayer(activation, params, { name, inputRank: x.shape.length, ...random });
}

function buildKernelLayer(
  b: Builder,
  spec: Extract<ResolvedLayer, { type: 'dense' | 'conv2d' }>,
  x: tf.SymbolicTensor,
  state: SequenceState,
  fusedActivation: boolean,
): tf.SymbolicTensor {
  const name = b.name(spec.type);
  const common = {
    name,
    useBias: spec.useBias,
    kernelInitializer: makeInitializer(spec.kernelInitializer, b.nextSeed(1)),
    biasInitializer: makeInitializer(spec.biasInitializer, b.nextSeed(2)),
  };
  let layer: tf.layers.Layer;
  if (spec.type === 'dense') {
    layer = spec.weightNormalization
      ? new WeightNormalized({ ...common, kind: 'dense', units: spec.units })
      : tf.layers.dense({ ...common, units: spec.units });
  } else {
    const conv = { kernelSize: spec.kernelSize, strides: spec.strides, padding: spec.padding };
    layer = spec.weightNormalization
      ? new WeightNormalized({ ...common, ...conv, kind: 'conv2d', units: spec.filters })
      : tf.layers.conv2d({ ...common, ...conv, filters: spec.filters });
  }
  // Its input's gradient would be computed for nothing (TensorFlow.js's fused ops compute it regardless).
  if (!spec.weightNormalization && b.weightFree.has(x)) trainWithoutInputGradient(layer, spec.type);
  const pre = b.apply(layer, x);
  const out = fusedActivation ? pre : applyActivation(b, pre, spec.activation, spec.activationParams, name);
  const summary = b.summarize(name, spec.type, spec, layer, out, spec.activation);
  const entry =
    layer instanceof WeightNormalized
      ? b.addWeighted(summary, layer, pre, { kernel: layer.v as tf.LayerVariable, bias: layer.bias })
      : b.addWeighted(summary, layer, pre);
  const penalties = kernelPenaltySettings(spec);
  if (penalties) entry.penalties = penalties;
  // A linear layer waits for an `activation` layer to claim its units; any other kernel layer ends the wait of an
  // earlier one, whose units it has replaced by its own.
  state.pending = spec.activation === 'linear' ? entry : undefined;
  if (spec.activation !== 'linear' && !fusedActivation) b.monitor(entry, pre, out, spec.activation, spec.activationParams);
  return out;
}

function buildRecurrentLayer(
  b: Builder,
  spec: Extract<ResolvedLayer, { type: 'simpleRNN' | 'lstm' | 'gru' }>,
  x: tf.SymbolicTensor,
  state: SequenceState,
): tf.SymbolicTensor {
  const name = b.name(spec.type);
  const seeds = { kernel: b.nextSeed(1), recurrent: b.nextSeed(5), bias: b.nextSeed(2), dropout: b.nextSeed(4) };
  const layer = recurrentLayer(spec, name, seeds, b.clock);
  const out = b.apply(layer, x);
  if (spec.type === 'lstm') openForgetGate(layer);
  b.recurrent.push(layer);
  const entry = b.addWeighted(
    b.summarize(name, spec.type, spec, layer, out, spec.activation),
    layer,
    out,
    recurrentWeights(layer),
  );
  const penalties = kernelPenaltySettings(spec); // on the input kernel, as Keras's kernel_regularizer/kernel_constraint
  if (penalties) entry.penalties = penalties;
  state.pending = undefined;
  // simpleRNN's output is its activation's output, measured as a dense layer's; lstm and gru output a gated mix
  // (o·tanh(c), z·h + (1 − z)·h̃) whose values say nothing exact about dead or saturated units.
  // Its pre-activation stays inside the cell: only relu's slope can be read off the output (0 exactly where the
  // output is 0), so dead units are counted for a relu simpleRNN and not for the smooth rectifiers.
  if (spec.type === 'simpleRNN') {
    b.monitor(entry, spec.activation === 'relu' ? out : undefined, out, spec.activation, spec.activationParams);
  }
  return out;
}

function project(b: Builder, origin: LayerOrigin, x: tf.SymbolicTensor, target: number[]): tf.SymbolicTensor {
  const name = b.name('projection');
  const source = x.shape.slice(1) as number[];
  let layer: tf.layers.Layer;
  if (target.length === 1) {
    layer = tf.layers.dense({
      name,
      units: target[0],
      useBias: false,
      kernelInitializer: makeInitializer('glorotUniform', b.nextSeed(3)),
    });
  } else {
    const strides = [0, 1].map((axis) => Math.max(1, Math.round(source[axis] / target[axis]))) as [number, number];
    layer = tf.layers.conv2d({
      name,
      filters: target[2],
      kernelSize: 1,
      strides,
      padding: 'same',
      useBias: false,
      kernelInitializer: makeInitializer('glorotUniform', b.nextSeed(3)),
    });
  }
  const out = b.apply(layer, x);
  const got = out.shape.slice(1) as number[];
  if (got.join() !== target.join()) {
    throw new Error(`cannot project the block's input shape [${source}] onto its output shape [${target}]`);
  }
  b.addWeighted(b.summarize(name, 'projection', origin, layer, out), layer, out);
  return out;
}

function buildSequence(b: Builder, specs: ResolvedLayer[], input: tf.SymbolicTensor, fuseLast: boolean): tf.SymbolicTensor {
  const state: SequenceState = {};
  let x = input;
  specs.forEach((spec, i) => {
    const fused = fuseLast && i === specs.length - 1;
    x = buildLayer(b, spec, x, state, fused);
  });
  return x;
}

/** An error of TensorFlow.js while building a layer, said with the spec entry it was built from. */
export class ModelBuildError extends Error {
  readonly reason: string;

  /** `where` is the entry's place in the text when known, e.g. "line 5, column 7". */
  constructor(
    readonly specPath: string,
    readonly layerType: string,
    cause: unknown,
    where?: string,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot build the ${layerType} layer at ${specPath}${where ? ` (${where})` : ''}: ${reason}`);
    this.name = 'ModelBuildError';
    this.reason = reason;
  }
}

function buildLayer(
  b: Builder,
  spec: ResolvedLayer,
  x: tf.SymbolicTensor,
  state: SequenceState,
  fused: boolean,
): tf.SymbolicTensor {
  try {
    const out = buildLayerUnchecked(b, spec, x, state, fused);
    // A layer that does not keep the units of the weight layer before it (model/facts: flatten, pooling, a residual
    // block) ends that layer's wait for an `activation` entry to measure: lint and diagnosis read the same fact.
    if (spec.type !== 'activation' && LAYER_FACTS[spec.type].weights !== 'kernel' && !LAYER_FACTS[spec.type].keepsUnits) {
      state.pending = undefined;
    }
    return out;
  } catch (err) {
    // The innermost layer names the problem; enclosing residual blocks pass it on unchanged.
    if (err instanceof ModelBuildError) throw err;
    throw new ModelBuildError(spec.specPath, spec.type, err);
  }
}

function buildLayerUnchecked(
  b: Builder,
  spec: ResolvedLayer,
  x: tf.SymbolicTensor,
  state: SequenceState,
  fused: boolean,
): tf.SymbolicTensor {
  switch (spec.type) {
    case 'dense':
    case 'conv2d':
      return buildKernelLayer(b, spec, x, state, fused);
    case 'activation': {
      const name = b.name('activation');
      const layer = makeActivation(b, spec.activation, spec.activationParams, name, x);
      const out = b.apply(layer, x);
      b.summarize(name, 'activation', spec, layer, out, spec.activation);
      if (state.pending) b.monitor(state.pending, x, out, spec.activation, spec.activationParams);
      state.pending = undefined;
      return out;
    }
    case 'batchNormalization':
    case 'layerNormalization':
    case 'groupNormalization':
    case 'rmsNormalization': {
      const name = b.name(spec.type);
      const layer = normalizationLayer(spec, name);
      const out = b.apply(layer, x);
      b.addWeighted(b.summarize(name, spec.type, spec, layer, out), layer, out);
      return out; // a pending kernel layer stays pending: dense → norm → activation is the usual order
    }
    case 'dropout':
    case 'alphaDropout':
    case 'gaussianNoise': {
      const name = b.name(spec.type);
      const seeded = { name, seed: b.nextSeed(4), clock: b.clock };
      const layer =
        spec.type === 'dropout'
          ? new SeededDropout({ ...seeded, rate: spec.rate })
          : spec.type === 'alphaDropout'
            ? new AlphaDropout({ ...seeded, rate: spec.rate })
            : new GaussianNoise({ ...seeded, stddev: spec.stddev });
      const out = b.apply(layer, x);
      b.summarize(name, spec.type, spec, layer, out);
      return out;
    }
    case 'flatten':
    case 'maxPooling2d': {
      const name = b.name(spec.type);
      const layer =
        spec.type === 'flatten'
          ? tf.layers.flatten({ name })
          : tf.layers.maxPooling2d({ name, poolSize: spec.poolSize, strides: spec.strides, padding: spec.padding });
      const out = b.apply(layer, x);
      b.summarize(name, spec.type, spec, layer, out);
      return out;
    }
    case 'highway': {
      const name = b.name('highway');
      const layer = new Highway({
        name,
        units: spec.units,
        transformBias: spec.transformBias,
        activation: spec.activation,
        ...(spec.activationParams && { activationParams: spec.activationParams }),
        activationLayer: makeActivation(b, spec.activation, spec.activationParams, `${name}_${spec.activation}`, x),
        kernelInitializer: makeInitializer(spec.kernelInitializer, b.nextSeed(1)),
        biasInitializer: makeInitializer(spec.biasInitializer, b.nextSeed(2)),
        transformKernelInitializer: makeInitializer(spec.kernelInitializer, b.nextSeed(5)),
      });
      const out = b.apply(layer, x);
      const entry = b.addWeighted(b.summarize(name, 'highway', spec, layer, out, spec.activation), layer, out);
      entry.transformKernel = layer.trainableWeights[2];
      // Its output mixes H's units with x: not units an `activation` layer after it could claim, nor ones to count as dead.
      state.pending = undefined;
      return out;
    }
    case 'denseBlock': {
      // Each sub-layer reads the concatenation of the block input and every earlier sub-layer's output (DenseNet),
      // in a sequence of its own: an activation sub-layer sees that concatenation, not the units of the one before.
      const features = [x];
      for (const sub of spec.layers) {
        const input =
          features.length === 1 ? x : b.apply(tf.layers.concatenate({ name: b.name('concatenate'), axis: -1 }), [...features]);
        features.push(buildLayer(b, sub, input, {}, false));
      }
      const name = b.name('denseBlock');
      const layer = tf.layers.concatenate({ name, axis: -1 });
      const out = b.apply(layer, [...features]);
      b.summarize(name, 'denseBlock', spec, layer, out);
      return out;
    }
    case 'simpleRNN':
    case 'lstm':
    case 'gru':
      return buildRecurrentLayer(b, spec, x, state);
    case 'residual': {
      const inner = buildSequence(b, spec.layers, x, false);
      const target = inner.shape.slice(1) as number[];
      const skip = target.join() === x.shape.slice(1).join() ? x : project(b, spec, x, target);
      const name = b.name('residual');
      const layer = tf.layers.add({ name });
      const out = b.apply(layer, [inner, skip]);
      b.summarize(name, 'residual', spec, layer, out);
      return out;
    }
  }
}

type NormalizationSpec = Extract<
  ResolvedLayer,
  { type: 'batchNormalization' | 'layerNormalization' | 'groupNormalization' | 'rmsNormalization' }
>;

function normalizationLayer(spec: NormalizationSpec, name: string): tf.layers.Layer {
  switch (spec.type) {
    case 'batchNormalization':
      return inferenceModeWhileFrozen(tf.layers.batchNormalization({ name, momentum: spec.momentum, epsilon: spec.epsilon }));
    case 'layerNormalization':
      return tf.layers.layerNormalization({ name, epsilon: spec.epsilon });
    case 'groupNormalization':
      return new GroupNormalization({ name, groups: spec.groups, epsilon: spec.epsilon });
    case 'rmsNormalization':
      return new RmsNormalization({ name, epsilon: spec.epsilon });
  }
}

export function buildModel(spec: ParsedSpec, seed: number): BuiltModel {
  const b = new Builder(seed);
  const input = tf.input({ shape: spec.model.inputShape, name: 'input' });
  b.weightFree.add(input);
  const layers = spec.model.layers;
  const last = layers[layers.length - 1];
  const outputActivation =
    last && (last.type === 'dense' || last.type === 'conv2d')
      ? fusedOutputActivation(last.activation, spec.training.loss)
      : 'linear';
  let model: tf.LayersModel;
  try {
    const output = buildSequence(b, layers, input, outputActivation !== 'linear');
    model = tf.model({ inputs: input, outputs: b.outputs(output), name: spec.name.replace(/[^A-Za-z0-9_]/g, '_') || 'model' });
  } catch (err) {
    b.disposeWeights();
    throw err;
  }
  const weights = model.weights.slice();
  // Frozen layers (spec `trainable: false`) leave the model's trainable weights: no gradient is computed for them.
  for (const entry of b.weighted) if (!entry.summary.trainable) entry.layer.trainable = false;
  return {
    model,
    layers: b.layers,
    weighted: b.weighted,
    outputActivation,
    clock: b.clock,
    recurrent: b.recurrent,
    variableOrder: [],
    weights,
  };
}

/** Disposes the model's weights and what its recurrent cells keep from their last call (their dropout masks). */
export function disposeBuiltModel(built: BuiltModel): void {
  for (const layer of built.recurrent) releaseMasks(layer);
  built.model.dispose();
}

/** Runs the model; always a list (output 0, then the measured activations), even when nothing is measured. */
export function applyModel(built: BuiltModel, x: tf.Tensor, training: boolean): tf.Tensor[] {
  const result = built.model.apply(x, { training }) as tf.Tensor | tf.Tensor[];
  const outputs = Array.isArray(result) ? result : [result];
  // A missing output would otherwise surface far away, as "Cannot set properties of null" inside tf.keep.
  const missing = outputs.findIndex((t) => !(t instanceof tf.Tensor));
  if (missing >= 0) throw new Error(`model ${built.model.name}: output ${missing} of ${outputs.length} was not computed`);
  return outputs;
}
