// One optimisation step with (optionally) full measurement. Everything the step measures is computed where the
// tensors live (see measureKernel.ts) by ONE kernel call after the update, whose output is the step's packed numbers
// (loss, correct and absError included): one dispatch and one device→host transfer per step. What that call reads
// and where each number lands (a MeasurePlan) is worked out once per model and reused while its variables stay.
import * as tf from '@tensorflow/tfjs';
import type { LayerStepMetrics } from '../../shared/engineProtocol';
import type { BuiltModel, WeightedLayer } from './model/buildModel';
import { activationFacts, layerFacts } from '../model/facts';
import { applyModel } from './model/buildModel';
import { withoutInputGradients } from './model/withoutInputGradient';
import { absoluteErrorSum, batchLoss, correctCount } from './losses';
import { maxNormed, regularizerGradient } from './penalties';
import { statWidth, stepStats, type SaturatingActivation, type StatOp } from './measureKernel';
import type { LossName } from '../spec/types';

export interface StepConfig {
  loss: LossName;
  clipNorm?: number;
  clipValue?: number;
  /** L2 coefficient: adds weightDecay·W to each kernel's gradient (equivalent to ½·wd·‖W‖² in the loss). */
  weightDecay: number;
}

export interface StepNumbers {
  loss: number;
  correct: number;
  /** Σ |target − prediction| over the batch's target values (regression runs report it as mae). */
  absError: number;
  globalGradNorm?: number;
  clippedGradNorm?: number;
  layers?: LayerStepMetrics[];
}

const ABSENT = -1;

/** Per layer: indices into the step's statistics, or ABSENT. */
interface LayerSlots {
  kernelGradSq: number;
  recurrentGradSq: number;
  biasGradSq: number;
  /** highway: its transform gate's kernel W_T. */
  transformGradSq: number;
  weightSq: number;
  updateSq: number;
  oldWeightSq: number;
  /** Recurrent layers: the recurrent kernel's Σ new², Σ old², Σ (new − old)² (three slots from here). */
  recurrentUpdate: number;
  dead: number;
  saturation: number;
  /** Mean, then std, of the layer's signal. */
  moments: number;
}

/** Where each number sits in the packed step tensor. */
export interface StepLayout {
  loss: 0;
  correct: 1;
  absError: 2;
  /** Σ over all gradients of their squared norms, before clipping (the global norm squared). */
  gradSq: number[];
  /** Squared global norm after clipping, when clipping is configured. */
  clippedSq?: number;
  layers: LayerSlots[];
}

/**
 * The kernels weight decay applies to: every kernel layer's (model/facts), both of a highway's (W_H and W_T) and both
 * of a recurrent layer's (input and recurrent).
 */
function decayedKernels(layer: WeightedLayer): tf.LayerVariable[] {
  const kind = layer.summary.kind;
  if (kind !== 'projection' && layerFacts(kind)?.weights !== 'kernel') return [];
  return [layer.kernel, layer.transformKernel, layer.recurrentKernel].filter((k): k is tf.LayerVariable => k !== undefined);
}

function variableName(v: tf.LayerVariable): string {
  return (v.read() as tf.Variable).name;
}

/** A list of inputs (tensors, or where to find them) and the reductions to run over them, built up layer by layer. */
class StatBatch<T> {
  readonly tensors: T[] = [];
  readonly ops: StatOp[] = [];

  add(t: T): number {
    this.tensors.push(t);
    return this.tensors.length - 1;
  }

  /** Offset of the op's first output in the kernel's result. */
  private width = 0;

  op(op: StatOp): number {
    this.ops.push(op);
    const offset = this.width;
    this.width += statWidth(op);
    return offset;
  }
}

/**
 * Runs one step and returns every number it measured packed in one float32 tensor, plus where each number is
 * (the caller reads the tensor once, outside any tidy: reading inside tidy would make tidy walk the array).
 */
export function runStep(
  built: BuiltModel,
  optimizer: tf.Optimizer,
  config: StepConfig,
  x: tf.Tensor,
  y: tf.Tensor,
  measure: boolean,
): { packed: tf.Tensor1D; layout: StepLayout } {
  const kept: tf.Tensor[] = [];
  let layout: StepLayout = { loss: 0, correct: 1, absError: 2, gradSq: [], layers: [] };
  try {
    const packed = tf.tidy((): tf.Tensor1D => {
      const vars = trainableVariables(built);
      const { grads } = tf.variableGrads(() => {
        // Gradients for the variables only: no layer computes its input's gradient for nothing.
        const outputs = withoutInputGradients(() => applyModel(built, x, true));
        const dataLoss = batchLoss(config.loss, built.outputActivation, y, outputs[0]);
        kept.push(
          tf.keep(dataLoss),
          tf.keep(correctCount(built.outputActivation, y, outputs[0])),
          tf.keep(absoluteErrorSum(built.outputActivation, y, outputs[0])),
        );
        // The measured activations are model outputs (output 0 too, when the last layer's activation is measured);
        // keep them past the gradient tape.
        if (measure) for (const t of outputs) kept.push(tf.keep(t));
        return dataLoss;
      }, vars);

      // Gradient norms before the update: only clipping by norm needs them there (measured, they are in `plan`).
      const names = Object.keys(grads);
      let applied: tf.NamedTensorMap = grads;
      if (config.clipNorm !== undefined) {
        const gradBatch = new StatBatch<tf.Tensor>();
        for (const n of names) gradBatch.op({ op: 'sumsq', a: gradBatch.add(grads[n]) });
        const norm = tf.sqrt(tf.sum(stepStats(gradBatch.tensors, gradBatch.ops)));
        const scale = tf.div(config.clipNorm, tf.maximum(norm, config.clipNorm));
        applied = mapValues(applied, (g) => tf.mul(g, scale));
      }
      if (config.clipValue !== undefined) {
        const v = config.clipValue;
        applied = mapValues(applied, (g) => tf.clipByValue(g, -v, v));
      }
      const clipped = config.clipNorm !== undefined || config.clipValue !== undefined;
      let clippedStats: tf.Tensor | undefined;
      if (measure && clipped) {
        const b = new StatBatch<tf.Tensor>();
        for (const n of names) b.op({ op: 'sumsq', a: b.add(applied[n]) });
        clippedStats = tf.sum(stepStats(b.tensors, b.ops));
      }
      if (config.weightDecay > 0) applied = withWeightDecay(built, applied, config.weightDecay);
      applied = withKernelRegularizers(built, applied);

      const before = measure ? built.weighted.map((l) => snapshot(l.kernel.read())) : [];
      const beforeRecurrent = measure ? built.weighted.map((l) => l.recurrentKernel && snapshot(l.recurrentKernel.read())) : [];
      const scaled = scaledUpdates(built, applied);
      optimizer.applyGradients(applied);
      for (const { variable, old, multiplier } of scaled) {
        // old + m·(new − old): the optimizer's step for this layer times its multiplier.
        variable.assign(tf.add(old, tf.mul(multiplier, tf.sub(variable, old))));
      }
      applyKernelConstraints(built);

      if (!measure) return tf.stack([kept[0], kept[1], kept[2]]) as tf.Tensor1D;

      // After the update, in one kernel: the loss, correct and absError, gradient norms, clipped norm, weight norms,
      // update sizes and activation statistics.
      const plan = measurePlan(built, names, clipped);
      layout = plan.layout;
      const tensors = plan.inputs.map((source): tf.Tensor => {
        switch (source.from) {
          case 'kept':
            return kept[source.index];
          case 'grad':
            return grads[source.name];
          case 'clipped':
            return clippedStats as tf.Tensor;
          case 'weights': {
            const layer = built.weighted[source.layer];
            return (source.recurrent ? (layer.recurrentKernel as tf.LayerVariable) : layer.kernel).read();
          }
          case 'before':
            return (source.recurrent ? beforeRecurrent : before)[source.layer] as tf.Tensor;
        }
      });
      return stepStats(tensors, plan.ops);
    });
    return { packed, layout };
  } finally {
    tf.dispose(kept);
  }
}

/** Where a measured step's statistics kernel finds an input, looked up in each step's tensors. */
type Source =
  /** kept[index]: loss, correct, absError, then the model's outputs by output index (3 + output). */
  | { from: 'kept'; index: number }
  /** The gradient of the variable `name`, before clipping. */
  | { from: 'grad'; name: string }
  /** Σ over the clipped gradients of their squared norms (a scalar). */
  | { from: 'clipped' }
  /** A layer's kernel (or recurrent kernel) after the update, or before it (its snapshot). */
  | { from: 'weights' | 'before'; layer: number; recurrent: boolean };

/** What a measured step's one statistics kernel reads and computes, and where each number lands in its output. */
interface MeasurePlan {
  /** The gradients' variable names in the order the plan was made for; a different list needs a new plan. */
  names: string[];
  clipped: boolean;
  inputs: Source[];
  /** The same array every step: stepStats stringifies it once. */
  ops: StatOp[];
  layout: StepLayout;
}

const plans = new WeakMap<BuiltModel, MeasurePlan>();

/** The model's plan for these gradients: the last one made, while its variables and clipping stay (a new one else). */
function measurePlan(built: BuiltModel, names: string[], clipped: boolean): MeasurePlan {
  const last = plans.get(built);
  if (last && last.clipped === clipped && last.names.length === names.length && last.names.every((n, i) => n === names[i])) {
    return last;
  }
  const plan = makePlan(built, names, clipped);
  plans.set(built, plan);
  return plan;
}

function makePlan(built: BuiltModel, names: string[], clipped: boolean): MeasurePlan {
  const b = new StatBatch<Source>();
  // [loss, correct, absError | gradient norms² | clipped norm²? | per layer]: the first three at 0, 1, 2.
  for (let k = 0; k < 3; k++) b.op({ op: 'value', a: b.add({ from: 'kept', index: k }) });
  const gradSq = names.map((name) => b.op({ op: 'sumsq', a: b.add({ from: 'grad', name }) }));
  const clippedSq = clipped ? b.op({ op: 'value', a: b.add({ from: 'clipped' }) }) : undefined;
  // A frozen layer's variables have no gradient: ABSENT, not a fake zero.
  const gradSlot = (v: tf.LayerVariable | undefined): number => {
    const at = v ? names.indexOf(variableName(v)) : -1;
    return at < 0 ? ABSENT : gradSq[at];
  };
  const inputOf = new Map<number, number>(); // output index → input (a tensor read by several ops goes in once)
  const output = (index: number): number => {
    let i = inputOf.get(index);
    if (i === undefined) inputOf.set(index, (i = b.add({ from: 'kept', index: 3 + index })));
    return i;
  };
  const layers = built.weighted.map((layer, i): LayerSlots => {
    const weights = (from: 'weights' | 'before', recurrent: boolean): number => b.add({ from, layer: i, recurrent });
    const update = b.op({ op: 'update', a: weights('weights', false), b: weights('before', false) }); // Σ new², Σ old², Σ (new − old)²
    const slots: LayerSlots = {
      kernelGradSq: gradSlot(layer.kernel),
      recurrentGradSq: gradSlot(layer.recurrentKernel),
      biasGradSq: gradSlot(layer.bias),
      transformGradSq: gradSlot(layer.transformKernel),
      weightSq: update,
      oldWeightSq: update + 1,
      updateSq: update + 2,
      recurrentUpdate: layer.recurrentKernel
        ? b.op({ op: 'update', a: weights('weights', true), b: weights('before', true) })
        : ABSENT,
      dead: ABSENT,
      saturation: ABSENT,
      moments: b.op({ op: 'moments', a: output(layer.signalOutput) }),
    };
    const activation = layer.monitoredActivation;
    const counted = activation && activationFacts(activation).measure;
    const deadInput = layer.deadOnSignal ? layer.signalOutput : layer.preActivationOutput;
    if (counted === 'dead' && activation && deadInput !== undefined) {
      const a = output(deadInput);
      slots.dead = b.op({ op: 'dead', a, activation, ...(layer.monitoredParams && { params: layer.monitoredParams }) });
    } else if (counted === 'saturation') {
      slots.saturation = b.op({ op: 'tail', a: output(layer.signalOutput), activation: activation as SaturatingActivation });
    }
    return slots;
  });
  const layout: StepLayout = { loss: 0, correct: 1, absError: 2, gradSq, layers };
  if (clippedSq !== undefined) layout.clippedSq = clippedSq;
  return { names: [...names], clipped, inputs: b.tensors, ops: b.ops, layout };
}

/** Backends whose kernels never write into an input's memory and whose data carry a reference count. */
const SHARING_BACKENDS = new Set(['wasm', 'cpu']);

/**
 * The values `t` holds now. On wasm and cpu, without a copy or a kernel dispatch: a second tensor on the same data
 * (what their Reshape kernel returns); the optimizer's assign gives the variable new data and leaves these as they
 * were. (A clone per weighted layer cost a dispatch and a copy each: 21 per step on sigmoid-20x64.) Elsewhere a copy.
 */
function snapshot(t: tf.Tensor): tf.Tensor {
  const backend = tf.backend() as unknown as { incRef?: (dataId: tf.DataId) => void };
  if (!SHARING_BACKENDS.has(tf.getBackend()) || typeof backend.incRef !== 'function') return tf.clone(t);
  backend.incRef(t.dataId);
  return tf.engine().makeTensorFromTensorInfo({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
}

/** Decodes the packed step tensor's values. */
export function unpackStep(built: BuiltModel, layout: StepLayout, values: Float32Array | Int32Array | Uint8Array): StepNumbers {
  const result: StepNumbers = {
    loss: values[layout.loss],
    correct: values[layout.correct],
    absError: values[layout.absError],
  };
  if (layout.layers.length === 0) return result;
  const globalSq = layout.gradSq.reduce((s, i) => s + values[i], 0);
  result.globalGradNorm = Math.sqrt(globalSq);
  result.clippedGradNorm = layout.clippedSq !== undefined ? Math.sqrt(values[layout.clippedSq]) : result.globalGradNorm;
  result.layers = built.weighted.map((layer, i) => {
    const slots = layout.layers[i];
    const shape = layer.summary.outputShape;
    const m: LayerStepMetrics = {
      name: layer.summary.name,
      weightNorm: Math.sqrt(values[slots.weightSq]),
      updateRatio: updateRatio(values, slots.updateSq, slots.oldWeightSq),
      units: shape[shape.length - 1],
    };
    if (slots.kernelGradSq === ABSENT) m.frozen = true;
    else m.gradNorm = Math.sqrt(values[slots.kernelGradSq]);
    if (slots.biasGradSq !== ABSENT) m.biasGradNorm = Math.sqrt(values[slots.biasGradSq]);
    if (slots.transformGradSq !== ABSENT) m.transformGradNorm = Math.sqrt(values[slots.transformGradSq]);
    if (slots.recurrentGradSq !== ABSENT) m.recurrentGradNorm = Math.sqrt(values[slots.recurrentGradSq]);
    if (slots.recurrentUpdate !== ABSENT) {
      const u = slots.recurrentUpdate;
      m.recurrentWeightNorm = Math.sqrt(values[u]);
      m.recurrentUpdateRatio = updateRatio(values, u + 2, u + 1);
    }
    if (slots.dead !== ABSENT) m.deadUnits = values[slots.dead];
    if (slots.saturation !== ABSENT) m.saturation = values[slots.saturation];
    m.activationMean = values[slots.moments];
    m.activationStd = values[slots.moments + 1];
    return m;
  });
  return result;
}

/** ‖ΔW‖ / ‖W_before‖ from the packed Σ (new − old)² and Σ old² (the 'update' op's third and second outputs). */
function updateRatio(values: ArrayLike<number>, updateSq: number, oldWeightSq: number): number {
  return Math.sqrt(values[updateSq]) / Math.max(Math.sqrt(values[oldWeightSq]), 1e-12);
}

/**
 * L2 weight decay added to the kernels' gradients after measurement and clipping (as PyTorch's optimizers do),
 * so the measured gradient norms are those of the data loss: a decay term would mask vanishing gradients.
 */
function withWeightDecay(built: BuiltModel, grads: tf.NamedTensorMap, weightDecay: number): tf.NamedTensorMap {
  const out = { ...grads };
  for (const layer of built.weighted) {
    for (const kernel of decayedKernels(layer)) {
      const name = variableName(kernel);
      if (!out[name]) continue; // frozen
      out[name] = tf.add(out[name], tf.mul(weightDecay, kernel.read()));
    }
  }
  return out;
}

/**
 * kernelRegularizer: l1·sign(W) + 2·l2·W (the gradient of l1·Σ|W| + l2·Σ W²) added to the kernel's gradient, after
 * measurement and clipping like weight decay: the reported loss and gradient norms stay the data loss's.
 */
function withKernelRegularizers(built: BuiltModel, grads: tf.NamedTensorMap): tf.NamedTensorMap {
  if (!built.weighted.some((l) => l.penalties?.regularizer)) return grads;
  const out = { ...grads };
  for (const layer of built.weighted) {
    const reg = layer.penalties?.regularizer;
    const name = variableName(layer.kernel);
    if (!reg || !out[name]) continue; // none, or frozen
    out[name] = tf.add(out[name], regularizerGradient(layer.kernel.read(), reg));
  }
  return out;
}

/** kernelConstraint maxNorm, after the optimizer step: each unit's incoming weights rescaled to norm ≤ maxValue. */
function applyKernelConstraints(built: BuiltModel): void {
  for (const layer of built.weighted) {
    const maxNorm = layer.penalties?.maxNorm;
    // A frozen layer's weights stay exactly as they are.
    if (maxNorm !== undefined && layer.layer.trainable) layer.kernel.write(maxNormed(layer.kernel.read(), maxNorm));
  }
}

/**
 * The model's trainable variables in a stable order: those trainable from the start in model order, then each layer
 * unfrozen later, appended when it first trains (TensorFlow.js's optimizers keep per-variable state by position).
 */
function trainableVariables(built: BuiltModel): tf.Variable[] {
  const current = new Map(built.model.trainableWeights.map((w) => [variableName(w), w.read() as tf.Variable]));
  for (const name of current.keys()) if (!built.variableOrder.includes(name)) built.variableOrder.push(name);
  return built.variableOrder.flatMap((name) => current.get(name) ?? []);
}

/** The variables of trainable layers with a learning-rate multiplier, with their values before the update. */
function scaledUpdates(
  built: BuiltModel,
  grads: tf.NamedTensorMap,
): { variable: tf.Variable; old: tf.Tensor; multiplier: number }[] {
  const out: { variable: tf.Variable; old: tf.Tensor; multiplier: number }[] = [];
  for (const layer of built.weighted) {
    const multiplier = layer.learningRateMultiplier;
    if (multiplier === undefined || multiplier === 1) continue;
    for (const w of layer.layer.trainableWeights) {
      const variable = w.read() as tf.Variable;
      if (grads[variable.name]) out.push({ variable, old: tf.clone(variable), multiplier });
    }
  }
  return out;
}

function mapValues(map: tf.NamedTensorMap, f: (t: tf.Tensor) => tf.Tensor): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(map)) out[k] = f(v);
  return out;
}
