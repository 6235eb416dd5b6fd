// One `explanation` event: chosen validation rows through Grad-CAM (explain/gradCam.ts) with the first conv layer's
// filters, and the model-randomisation sanity check when asked. The trainer makes one at the end of an epoch
// (`monitor.explain`), the explain job one for a finished run: both explain the same rows the same way.
import * as tf from '@tensorflow/tfjs';
import type { ExplanationEvent } from '../../shared/engineProtocol';
import type { Dataset } from '../data/types';
import { makeBatch, type EncodedSplit, type TensorShapes } from './batches';
import { classLabels } from './evaluate';
import { convFilters, explainSamples } from './explain/gradCam';
import { randomizationSanity } from './explain/sanity';
import type { BuiltModel, WeightedLayer } from './model/buildModel';

export interface ExplainInput {
  built: BuiltModel;
  dataset: Dataset;
  /** The encoded validation split (rows as the model sees them); `dataset.validation` holds their class indices. */
  validation: EncodedSplit;
  shapes: TensorShapes;
  /** The conv layer whose feature maps are weighed (explain/convLayer.ts). */
  layer: WeightedLayer;
  /** Validation indices to explain (explain/samplePick.ts: the same every epoch). */
  indices: number[];
  /** 0-based epoch whose weights the model holds. */
  epoch: number;
  /** A class to explain instead of each sample's prediction. */
  target?: number;
  /** Run the model-randomisation sanity check, with this seed for the re-drawn weights. */
  sanitySeed?: number;
}

/** The explanation of `indices` at `layer`; every tensor made here is disposed. */
export function explanationOf(input: ExplainInput): ExplanationEvent {
  const { built, dataset, validation, shapes, layer, indices } = input;
  const batch = makeBatch(validation, shapes, indices, 0, indices.length);
  try {
    const labels = indices.map((i) => dataset.validation.y[i]);
    const options = { layer, ...(input.target !== undefined ? { target: input.target } : {}) };
    const samples = explainSamples(built, batch.x, labels, indices, options);
    const event: ExplanationEvent = {
      type: 'explanation',
      epoch: input.epoch,
      layer: layer.summary.name,
      method: 'grad-cam',
      inputShape: [...shapes.inputShape],
      classNames: classLabels(dataset),
      samples,
    };
    const filters = convFilters(built);
    if (filters) event.filters = filters;
    if (input.sanitySeed !== undefined) {
      event.sanity = randomizationSanity(built, batch.x, labels, indices, samples, options, input.sanitySeed);
    }
    return event;
  } finally {
    tf.dispose([batch.x, batch.y]);
  }
}
