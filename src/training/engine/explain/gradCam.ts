// Grad-CAM (Selvaraju et al. 2017) and input-gradient saliency of a built model: where in the image the model looked
// for a class. Grad-CAM weights the feature maps A^k of a conv2d layer by α_k, the mean over positions of
// ∂y^c/∂A^k (y^c the class score before softmax), keeps the positive part of Σ_k α_k A^k and upsamples it to the
// image. Everything here runs in inference mode (dropout off, batch-norm moving statistics) and gives back every
// tensor it makes.
import * as tf from '@tensorflow/tfjs';
import type { ConvFilters, ExplanationMap, ExplanationSample } from '../../../shared/engineProtocol';
import type { BuiltModel, WeightedLayer } from '../model/buildModel';
import { explainableLayers } from './convLayer';

export interface ExplainOptions {
  layer: WeightedLayer;
  /** class index; default predicted */
  target?: number;
  /** default true */
  saliency?: boolean;
}

/**
 * The class scores y^c Grad-CAM differentiates and how they become probabilities. Scores are taken before the output
 * activation: softmax saturates, so its gradient would say more about how sure the model is than about where it looked.
 */
interface ScoreHead {
  score: tf.SymbolicTensor;
  /** softmax over the units; sigmoid per unit (one unit: a binary classifier whose classes are [1 − p, p]). */
  activation: 'softmax' | 'sigmoid';
  units: number;
}

function scoreHead(built: BuiltModel): ScoreHead {
  const output = built.model.outputs[0];
  const units = output.shape[output.shape.length - 1] as number;
  if (built.outputActivation === 'softmax' || built.outputActivation === 'sigmoid') {
    // Fused into the loss: output 0 is already the logits.
    return { score: output, activation: built.outputActivation, units };
  }
  // Not fused (e.g. softmax with a squared-error loss): output 0 is the activation layer buildModel put after the last
  // kernel layer (named `<layer>_<activation>`); its input is the logits.
  const last = built.layers[built.layers.length - 1];
  const activation = last?.activation;
  if (
    (activation === 'softmax' || activation === 'sigmoid') &&
    output.sourceLayer.name === `${last.name}_${activation}` &&
    output.inputs.length === 1
  ) {
    return { score: output.inputs[0], activation, units };
  }
  // Any other output (linear, relu, ...) is taken as the scores themselves, read as logits.
  return { score: output, activation: units === 1 ? 'sigmoid' : 'softmax', units };
}

/** Number of classes the head distinguishes: its units, or 2 for a single sigmoid unit. */
function classCount(head: ScoreHead): number {
  return head.units === 1 ? 2 : head.units;
}

/** Probabilities of one row's scores, in float64. */
function probabilitiesOf(head: ScoreHead, scores: number[]): number[] {
  const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
  if (head.activation === 'sigmoid') {
    if (head.units === 1) return [1 - sigmoid(scores[0]), sigmoid(scores[0])];
    return scores.map(sigmoid);
  }
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Coefficients that pick y^{target_i} out of row i's scores: a one-hot row, or for a single sigmoid unit +1 (class 1:
 * the logit) or −1 (class 0: the logit of 1 − p is −z).
 */
function targetCoefficients(head: ScoreHead, targets: number[]): tf.Tensor2D {
  if (head.units === 1) return tf.tensor2d(targets.map((t) => [t === 1 ? 1 : -1]));
  return tf.oneHot(tf.tensor1d(targets, 'int32'), head.units).toFloat() as tf.Tensor2D;
}

/**
 * Values of `fetches` given `feeds` (symbolic tensor id → value), each layer called as LayersModel.apply calls it
 * (tfjs-layers' executor: `layer.apply(inputs, {training: false})`). Feeding an intermediate tensor cuts the graph
 * there, which is how y^c becomes a function of a conv layer's output; the executor itself is not exported by the
 * package's CommonJS entry. Memoised, so a tensor used twice (skip connections) is computed once. Call inside a tidy.
 */
function runGraph(fetches: tf.SymbolicTensor[], feeds: Map<number, tf.Tensor>): tf.Tensor[] {
  const values = new Map(feeds);
  const valueOf = (t: tf.SymbolicTensor): tf.Tensor => {
    const known = values.get(t.id);
    if (known) return known;
    if (t.inputs.length === 0) throw new Error(`explain: no value for the model input ${t.name}`);
    const result = t.sourceLayer.apply(t.inputs.map(valueOf), { training: false }) as tf.Tensor | tf.Tensor[];
    const value = Array.isArray(result) ? result[t.outputTensorIndex ?? 0] : result;
    values.set(t.id, value);
    return value;
  };
  return fetches.map(valueOf);
}

/** Runs `fn` in a tidy and returns its (plain) result: every tensor made inside is disposed. */
function tidied<T>(fn: () => T): T {
  let out: T | undefined;
  tf.tidy(() => {
    out = fn();
  });
  return out as T;
}

/** Grad-CAM at one layer, before normalisation and upsampling. */
export interface LayerMaps {
  /** Height and width of the layer's feature maps. */
  height: number;
  width: number;
  /** Per row: α_k = mean over positions of ∂y^c/∂A^k, one per channel k. */
  weights: number[][];
  /** Per row: ReLU(Σ_k α_k A^k), row-major [height, width], not normalised. */
  maps: number[][];
}

function checkRows(built: BuiltModel, x: tf.Tensor, rows: number, what: string): void {
  if (x.shape[0] !== rows) throw new Error(`explain: ${x.shape[0]} rows of input but ${rows} ${what}`);
  const input = built.model.inputs[0].shape.slice(1);
  if (x.shape.slice(1).join() !== input.join())
    throw new Error(`explain: input rows of shape [${x.shape.slice(1)}], the model takes [${input}]`);
}

function checkTargets(head: ScoreHead, targets: number[], what: string): void {
  const classes = classCount(head);
  const bad = targets.find((t) => !Number.isInteger(t) || t < 0 || t >= classes);
  if (bad !== undefined)
    throw new Error(`explain: ${what} ${bad} is out of range: the model has ${classes} classes (0–${classes - 1})`);
}

/** Grad-CAM of class `targets[i]` for each row of `x`, at `layer`'s feature maps (its post-activation signal). */
export function classActivationMaps(built: BuiltModel, layer: WeightedLayer, x: tf.Tensor, targets: number[]): LayerMaps {
  const head = scoreHead(built);
  checkRows(built, x, targets.length, 'targets');
  checkTargets(head, targets, 'class');
  const input = built.model.inputs[0];
  const signal = built.model.outputs[layer.signalOutput];
  if (signal.shape.length !== 4)
    throw new Error(`explain: layer ${layer.summary.name} outputs shape [${signal.shape.slice(1)}], not feature maps`);
  return tidied(() => {
    const [a] = runGraph([signal], new Map([[input.id, x]]));
    const coefficients = targetCoefficients(head, targets);
    // y = Σ_i y_i^{target_i}: rows do not interact in inference mode, so ∂y/∂A_i is ∂y_i^{target_i}/∂A_i. The input
    // stays fed too, for paths that bypass the layer (skip connections): A is held fixed, as the partial derivative asks.
    const score = (maps: tf.Tensor): tf.Scalar => {
      const [scores] = runGraph(
        [head.score],
        new Map([
          [input.id, x],
          [signal.id, maps],
        ]),
      );
      return tf.sum(tf.mul(scores, coefficients));
    };
    const grads = tf.grad(score)(a);
    const [n, height, width, channels] = a.shape;
    const alpha = tf.mean(grads, [1, 2]);
    const cam = tf.relu(tf.sum(tf.mul(a, tf.reshape(alpha, [n, 1, 1, channels])), -1));
    return {
      height,
      width,
      weights: alpha.arraySync() as number[][],
      maps: tf.reshape(cam, [n, height * width]).arraySync() as number[][],
    };
  });
}

/** |∂y^{target_i}/∂x_i| per row, max over channels, row-major [height, width], not normalised. */
function saliencyMaps(built: BuiltModel, head: ScoreHead, x: tf.Tensor, targets: number[]): number[][] {
  const input = built.model.inputs[0];
  return tidied(() => {
    const coefficients = targetCoefficients(head, targets);
    const score = (rows: tf.Tensor): tf.Scalar => {
      const [scores] = runGraph([head.score], new Map([[input.id, rows]]));
      return tf.sum(tf.mul(scores, coefficients));
    };
    const grads = tf.abs(tf.grad(score)(x));
    const perPixel = grads.rank === 4 ? tf.max(grads, -1) : grads;
    return tf.reshape(perPixel, [x.shape[0], -1]).arraySync() as number[][];
  });
}

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/**
 * Divided by its maximum (a map that is 0 everywhere stays 0), rounded to 4 decimals. A value that is not finite
 * (weights that overflowed) counts as 0, so the event stays valid JSON.
 */
export function normalised(values: ArrayLike<number>): number[] {
  const finite = Array.from(values, (v) => (Number.isFinite(v) ? Math.max(0, v) : 0));
  const max = finite.reduce((m, v) => Math.max(m, v), 0);
  return finite.map((v) => (max > 0 ? round4(v / max) : 0));
}

/** Index of the largest probability; a NaN never wins (0 when every one is NaN). */
function argMax(values: number[]): number {
  let best = 0;
  values.forEach((v, i) => {
    if (v > values[best] || (Number.isNaN(values[best]) && !Number.isNaN(v))) best = i;
  });
  return best;
}

/**
 * Bilinear upsampling of a row-major [height, width] map to [outHeight, outWidth] with half-pixel centres
 * (alignCorners false, as OpenCV's cv2.resize, which pytorch-grad-cam scales its maps with): output pixel r sits at
 * (r + 0.5)·h/H − 0.5 in map coordinates, clamped at the border, so every map cell covers an equal share of the image
 * and nothing shifts toward a corner.
 */
export function upsampleBilinear(
  values: ArrayLike<number>,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
): number[] {
  const coordinate = (o: number, inSize: number, outSize: number): [number, number, number] => {
    const c = Math.min(inSize - 1, Math.max(0, (o + 0.5) * (inSize / outSize) - 0.5));
    const lo = Math.floor(c);
    const hi = Math.min(inSize - 1, lo + 1);
    return [lo, hi, c - lo];
  };
  const out = new Array<number>(outHeight * outWidth);
  for (let r = 0; r < outHeight; r++) {
    const [r0, r1, fr] = coordinate(r, height, outHeight);
    for (let c = 0; c < outWidth; c++) {
      const [c0, c1, fc] = coordinate(c, width, outWidth);
      const top = values[r0 * width + c0] * (1 - fc) + values[r0 * width + c1] * fc;
      const bottom = values[r1 * width + c0] * (1 - fc) + values[r1 * width + c1] * fc;
      out[r * outWidth + c] = top * (1 - fr) + bottom * fr;
    }
  }
  return out;
}

/** The raw map normalised at the layer's size, and upsampled to the input's size and normalised again. */
function mapPair(raw: number[], maps: LayerMaps, inputShape: number[]): { full: ExplanationMap; layer: ExplanationMap } {
  const [height, width] = inputShape;
  const atLayer = normalised(raw);
  return {
    layer: { width: maps.width, height: maps.height, values: atLayer },
    full: { width, height, values: normalised(upsampleBilinear(atLayer, maps.height, maps.width, height, width)) },
  };
}

/** x: [n, ...inputShape] as the model sees it (the EncodedSplit rows, already preprocessed). labels: true classes.
 *  Returns one ExplanationSample per row with index = indices[i]. Disposes every tensor it makes (tf.memory() flat). */
export function explainSamples(
  built: BuiltModel,
  x: tf.Tensor,
  labels: number[],
  indices: number[],
  options: ExplainOptions,
): ExplanationSample[] {
  const head = scoreHead(built);
  checkRows(built, x, labels.length, 'labels');
  if (indices.length !== labels.length) throw new Error(`explain: ${labels.length} labels but ${indices.length} indices`);
  checkTargets(head, labels, 'label');
  if (options.target !== undefined) checkTargets(head, [options.target], 'class');
  const input = built.model.inputs[0];
  const scores = tidied(() => runGraph([head.score], new Map([[input.id, x]]))[0].arraySync() as number[][]);
  const probabilities = scores.map((row) => probabilitiesOf(head, row));
  const predicted = probabilities.map(argMax);
  const targets = predicted.map((p) => options.target ?? p);
  const inputShape = x.shape.slice(1);
  const cams = classActivationMaps(built, options.layer, x, targets);
  const trueCams = labels.some((l, i) => l !== targets[i]) ? classActivationMaps(built, options.layer, x, labels) : undefined;
  const saliency = options.saliency === false ? undefined : saliencyMaps(built, head, x, targets);
  const rows = tidied(() => tf.reshape(x, [x.shape[0], -1]).arraySync() as number[][]);
  return labels.map((label, i): ExplanationSample => {
    const cam = mapPair(cams.maps[i], cams, inputShape);
    const sample: ExplanationSample = {
      index: indices[i],
      label,
      predicted: predicted[i],
      probabilities: probabilities[i].map(round4),
      target: targets[i],
      gradCam: cam.full,
      gradCamRaw: cam.layer,
      input: rows[i].map(round4),
    };
    if (trueCams && label !== targets[i]) {
      const truth = mapPair(trueCams.maps[i], trueCams, inputShape);
      sample.gradCamTrue = truth.full;
      sample.gradCamTrueRaw = truth.layer;
    }
    if (saliency) sample.saliency = { width: inputShape[1], height: inputShape[0], values: normalised(saliency[i]) };
    return sample;
  });
}

/**
 * The first conv2d layer's kernels (undefined when the model has no conv2d). A weight-normalized conv layer shows its
 * direction v: each filter is v scaled by its own gain, so a per-filter normalised picture is the same.
 */
export function convFilters(built: BuiltModel): ConvFilters | undefined {
  const first = explainableLayers(built)[0];
  if (!first) return undefined;
  const kernel = first.kernel.read(); // the variable itself: nothing to dispose
  const [height, width, channels, filters] = kernel.shape;
  const values = kernel.dataSync();
  const kernels = Array.from({ length: filters }, (_, f) => {
    const kernelValues: number[] = [];
    // tfjs conv kernels are [height, width, in channels, filters]: filter f's weights are every `filters`-th value.
    for (let i = 0; i < height * width * channels; i++) kernelValues.push(round4(values[i * filters + f]));
    return kernelValues;
  });
  return { layer: first.summary.name, height, width, channels, kernels };
}
