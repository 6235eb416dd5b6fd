// The model-randomisation sanity check of Adebayo et al. (2018, "Sanity Checks for Saliency Maps"): an explanation
// that shows what the model learned must change when the learned weights are replaced by random ones. Weights are
// re-drawn from each layer's own initializer (with a fresh seed) cascading from the output layer down to the first,
// the maps are recomputed for the same classes, and their Spearman rank correlation with the trained maps is
// reported; an edge detector that ignores the weights would keep a high correlation. The caller's weights are
// restored before returning.
import * as tf from '@tensorflow/tfjs';
import type { ExplanationSample, ExplanationSanity } from '../../../shared/engineProtocol';
import type { BuiltModel, WeightedLayer } from '../model/buildModel';
import { classActivationMaps, normalised, type ExplainOptions } from './gradCam';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Ranks 1..n of `values`, ties sharing the mean of their ranks (as Spearman's coefficient with ties asks). */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && order[end][0] === order[start][0]) end++;
    const rank = (start + end + 1) / 2; // mean of the 1-based ranks start+1 .. end
    for (let k = start; k < end; k++) out[order[k][1]] = rank;
    start = end;
  }
  return out;
}

/**
 * Spearman rank correlation: Pearson's correlation of the (tie-averaged) ranks. 0 when either side is constant (a map
 * that is 0 everywhere has no ranking to agree or disagree with).
 */
export function spearman(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`spearman: ${a.length} values vs ${b.length}`);
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const meanRank = (n + 1) / 2;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i] - meanRank;
    const db = rb[i] - meanRank;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

interface Draw {
  variable: tf.LayerVariable;
  initializer: Initializer;
}

/** A layer's initializer field (tfjs layers keep them as `kernelInitializer` etc.; gradscope's own layers in `args`). */
function initializerField(layer: tf.layers.Layer, fields: string[]): Initializer | undefined {
  const holders = [layer, (layer as unknown as { cell?: object }).cell, (layer as unknown as { args?: object }).args];
  for (const holder of holders) {
    if (!holder) continue;
    for (const field of fields) {
      const value = (holder as Record<string, unknown>)[field];
      if (value && typeof (value as Initializer).apply === 'function') return value as Initializer;
    }
  }
  return undefined;
}

/** The same initializer drawing with another seed (tfjs initializers read `this.seed` on every draw). */
function reseeded(initializer: Initializer, seed: number): Initializer {
  if (!('seed' in initializer)) return initializer; // zeros, ones, constant: nothing random to re-draw
  return Object.assign(Object.create(Object.getPrototypeOf(initializer) as object) as Initializer, initializer, { seed });
}

/** What re-draws each weight of a layer: its own initializer, or the Keras defaults (glorot kernels, 1/0 for scale/shift). */
function draws(entry: WeightedLayer): Draw[] {
  const kernelDefault = (v: tf.LayerVariable): Initializer =>
    v.shape.length >= 2 ? tf.initializers.glorotUniform({}) : tf.initializers.ones();
  const out: Draw[] = [];
  const add = (
    variable: tf.LayerVariable | undefined,
    fields: string[],
    fallback: (v: tf.LayerVariable) => Initializer,
  ): void => {
    if (variable) out.push({ variable, initializer: initializerField(entry.layer, fields) ?? fallback(variable) });
  };
  add(entry.kernel, ['kernelInitializer', 'gammaInitializer'], kernelDefault);
  add(entry.bias, ['biasInitializer', 'betaInitializer'], () => tf.initializers.zeros());
  add(entry.recurrentKernel, ['recurrentInitializer'], kernelDefault);
  add(entry.transformKernel, ['transformKernelInitializer'], kernelDefault);
  return out;
}

/** Distinct, stable seeds per layer and weight (kept within the integer range seedrandom handles well). */
function drawSeed(seed: number, layer: number, weight: number): number {
  return (Math.imul(seed + 1, 2654435761) ^ Math.imul(layer + 1, 40503) ^ Math.imul(weight + 1, 97)) >>> 0;
}

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** Adebayo et al. cascading model randomisation: re-draw weights from the output layer down to the first (on a
 *  copy or restoring the trained weights afterwards — the caller's model must be unchanged), recompute the maps,
 *  Spearman rank correlation vs the trained ones' gradCamRaw (mean over samples). */
export function randomizationSanity(
  built: BuiltModel,
  x: tf.Tensor,
  labels: number[],
  indices: number[],
  trained: ExplanationSample[],
  options: ExplainOptions,
  seed: number,
): ExplanationSanity {
  if (trained.length !== labels.length || indices.length !== labels.length)
    throw new Error(`sanity: ${labels.length} labels, ${indices.length} indices, ${trained.length} explained samples`);
  // The classes the trained maps explain, so both maps answer the same question.
  const targets = trained.map((s) => s.target);
  const cascadeOrder = built.weighted.slice().reverse();
  const plan = cascadeOrder.map((entry) => draws(entry));
  const saved = plan.flat().map(({ variable }) => tf.clone(variable.read()));
  let emptyMaps = 0;
  const compare = (): number[] => {
    const maps = classActivationMaps(built, options.layer, x, targets).maps.map((map) => normalised(map));
    emptyMaps = maps.filter((map) => map.every((v) => v === 0)).length;
    // Normalised and rounded as the trained maps were, so rounding makes the same ties on both sides.
    return maps.map((map, i) => spearman(trained[i].gradCamRaw.values, map));
  };
  const cascade: { layer: string; rankCorrelation: number }[] = [];
  let perSample: number[] = [];
  try {
    cascadeOrder.forEach((entry, layerIndex) => {
      tf.tidy(() => {
        plan[layerIndex].forEach(({ variable, initializer }, w) => {
          // write() shares the drawn values (reference-counted), so the tidy may drop its own handle.
          variable.write(reseeded(initializer, drawSeed(seed, layerIndex, w)).apply(variable.shape, 'float32'));
        });
      });
      perSample = compare();
      cascade.push({ layer: entry.summary.name, rankCorrelation: round4(mean(perSample)) });
    });
  } finally {
    plan.flat().forEach(({ variable }, i) => variable.write(saved[i]));
    tf.dispose(saved);
  }
  return {
    rankCorrelation: round4(mean(perSample)),
    perSample: perSample.map(round4),
    randomizedLayers: cascadeOrder.map((entry) => entry.summary.name),
    cascade,
    emptyMaps,
  };
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
