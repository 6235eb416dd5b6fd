// One optimisation step with (optionally) full measurement. Everything the step measures is computed in the
// graph and packed into ONE tensor, so a step costs one device→host transfer however many layers there are.
import * as tf from '@tensorflow/tfjs';
import type { LayerStepMetrics } from '../shared/engineProtocol';
import type { BuiltModel, WeightedLayer } from './model/buildModel';
import { familyOf } from './model/buildModel';
import { batchLoss, correctCount } from './losses';
import type { LossName } from './spec/types';

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
  globalGradNorm?: number;
  clippedGradNorm?: number;
  layers?: LayerStepMetrics[];
}

const HEAD = 4; // loss, correct, global norm, clipped norm
const PER_LAYER = 6; // grad norm, bias grad norm, weight norm, update ratio, dead units, saturation
const ABSENT = -1;

const l2 = (t: tf.Tensor): tf.Scalar => tf.sqrt(tf.sum(tf.square(t))) as tf.Scalar;

/** Output of a tail of the activation: sigmoid outside [0.01, 0.99], tanh outside [-0.99, 0.99]. */
function saturationFraction(activation: string, a: tf.Tensor): tf.Scalar {
  const tail = activation === 'sigmoid'
    ? tf.logicalOr(tf.less(a, 0.01), tf.greater(a, 0.99))
    : tf.greater(tf.abs(a), 0.99);
  return tf.mean(tf.cast(tail, 'float32'));
}

/** Units (last axis) whose output is ≤ 0 for every sample (and every position, for conv maps). */
function deadUnitCount(a: tf.Tensor): tf.Scalar {
  const axes = a.shape.slice(0, -1).map((_, i) => i);
  return tf.sum(tf.cast(tf.lessEqual(tf.max(a, axes), 0), 'float32'));
}

function activationStats(layer: WeightedLayer, outputs: tf.Tensor[]): [tf.Scalar, tf.Scalar] {
  const absent = tf.scalar(ABSENT);
  const activation = layer.monitoredActivation;
  if (layer.activationOutput === undefined || !activation) return [absent, absent];
  const a = outputs[layer.activationOutput];
  return familyOf(activation) === 'rectifier' ? [deadUnitCount(a), absent] : [absent, saturationFraction(activation, a)];
}

function isKernel(layer: WeightedLayer): boolean {
  return layer.summary.kind === 'dense' || layer.summary.kind === 'conv2d' || layer.summary.kind === 'projection';
}

/**
 * Runs one step and returns the packed numbers as a tensor (the caller reads it once, outside any tidy:
 * reading inside tidy would make tidy walk the typed array).
 */
export function runStep(built: BuiltModel, optimizer: tf.Optimizer, config: StepConfig, x: tf.Tensor, y: tf.Tensor,
  measure: boolean): tf.Tensor1D {
  const stats: tf.Tensor[] = [];
  try {
    return tf.tidy(() => {
      const vars = built.model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => {
        const outputs = built.model.apply(x, { training: true }) as tf.Tensor[];
        const dataLoss = batchLoss(config.loss, built.outputActivation, y, outputs[0]);
        stats.push(tf.keep(dataLoss), tf.keep(correctCount(built.outputActivation, y, outputs[0])));
        if (measure) {
          for (const layer of built.weighted) stats.push(...activationStats(layer, outputs).map((t) => tf.keep(t)));
        }
        return dataLoss;
      }, vars);

      const clipping = config.clipNorm !== undefined || config.clipValue !== undefined;
      const globalNorm = measure || config.clipNorm !== undefined
        ? tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))))
        : undefined;
      let applied: tf.NamedTensorMap = grads;
      if (config.clipNorm !== undefined && globalNorm) {
        const scale = tf.div(config.clipNorm, tf.maximum(globalNorm, config.clipNorm));
        applied = mapValues(applied, (g) => tf.mul(g, scale));
      }
      if (config.clipValue !== undefined) {
        const v = config.clipValue;
        applied = mapValues(applied, (g) => tf.clipByValue(g, -v, v));
      }
      const clippedNorm = measure && clipping && globalNorm
        ? tf.sqrt(tf.addN(Object.values(applied).map((g) => tf.sum(tf.square(g)))))
        : globalNorm;
      if (config.weightDecay > 0) applied = withWeightDecay(built, applied, config.weightDecay);
      const before = measure ? built.weighted.map((l) => tf.clone(l.kernel.read())) : [];
      optimizer.applyGradients(applied);

      const head = stats.slice(0, 2);
      if (!measure || !globalNorm || !clippedNorm) return tf.concat(head.map((t) => tf.reshape(t, [1])), 0) as tf.Tensor1D;
      const rows = built.weighted.map((layer, i) => {
        const kernelGrad = grads[variableName(layer.kernel)];
        const biasGrad = layer.bias ? grads[variableName(layer.bias)] : undefined;
        const after = layer.kernel.read();
        const oldNorm = l2(before[i]);
        const ratio = tf.div(l2(tf.sub(after, before[i])), tf.maximum(oldNorm, 1e-12));
        const [dead, saturation] = [stats[2 + 2 * i], stats[3 + 2 * i]];
        return tf.stack([l2(kernelGrad), biasGrad ? l2(biasGrad) : tf.scalar(ABSENT), l2(after), ratio, dead, saturation]);
      });
      return tf.concat([tf.stack([...head, globalNorm, clippedNorm]), ...rows], 0) as tf.Tensor1D;
    });
  } finally {
    tf.dispose(stats);
  }
}

/** Decodes the packed step tensor's values. */
export function unpackStep(built: BuiltModel, values: Float32Array | Int32Array | Uint8Array): StepNumbers {
  const result: StepNumbers = { loss: values[0], correct: values[1] };
  if (values.length <= 2) return result;
  result.globalGradNorm = values[2];
  result.clippedGradNorm = values[3];
  result.layers = built.weighted.map((layer, i) => {
    const o = HEAD + i * PER_LAYER;
    const shape = layer.summary.outputShape;
    const m: LayerStepMetrics = {
      name: layer.summary.name, gradNorm: values[o], weightNorm: values[o + 2], updateRatio: values[o + 3],
      units: shape[shape.length - 1],
    };
    if (values[o + 1] !== ABSENT) m.biasGradNorm = values[o + 1];
    if (values[o + 4] !== ABSENT) m.deadUnits = values[o + 4];
    if (values[o + 5] !== ABSENT) m.saturation = values[o + 5];
    return m;
  });
  return result;
}

/**
 * L2 weight decay added to the kernels' gradients after measurement and clipping (as PyTorch's optimizers do),
 * so the measured gradient norms are those of the data loss: a decay term would mask vanishing gradients.
 */
function withWeightDecay(built: BuiltModel, grads: tf.NamedTensorMap, weightDecay: number): tf.NamedTensorMap {
  const out = { ...grads };
  for (const layer of built.weighted) {
    if (!isKernel(layer)) continue;
    const name = variableName(layer.kernel);
    out[name] = tf.add(out[name], tf.mul(weightDecay, layer.kernel.read()));
  }
  return out;
}

function variableName(v: tf.LayerVariable): string {
  return (v.read() as tf.Variable).name;
}

function mapValues(map: tf.NamedTensorMap, f: (t: tf.Tensor) => tf.Tensor): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(map)) out[k] = f(v);
  return out;
}
