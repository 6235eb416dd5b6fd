// The one reader of a run's saved weights: model/, the inference model, whose weighted layers keep the training
// model's layer names (run-start.layers[].name). `gradscope evaluate` loads every layer; `model.initFrom` some.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { WEIGHTS_DIR } from '../../run/runStore';
import type { BuiltModel } from './buildModel';
import { GATE_SUFFIX, withoutOnes } from '../../spec/layerWeights';
import { readSavedModel } from './saveWeights';

/** The run's saved model cannot give the weights asked for; the message says what is wrong. */
export class RunWeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunWeightsError';
  }
}

/**
 * Sets the weights of the model's layers to the ones the run saved in model/, matched by layer name (each layer's in
 * order, checked by shape up to axes of length 1, a highway's gate read from `<name>_transform`): every layer with weights, or those named in `only`. Returns the names loaded.
 */
export function loadRunWeights(built: BuiltModel, runDir: string, only?: readonly string[]): string[] {
  const dir = path.join(runDir, WEIGHTS_DIR);
  const modelFile = path.join(dir, 'model.json');
  if (!fs.existsSync(modelFile)) throw new RunWeightsError(`${runDir}: the run saved no model (no ${WEIGHTS_DIR}/model.json)`);
  const artifacts = readSavedModel(dir);
  const specs = artifacts.weightSpecs;
  const named = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, specs);
  const byLayer = new Map<string, tf.Tensor[]>();
  for (const s of specs) {
    const layer = s.name.slice(0, s.name.lastIndexOf('/'));
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), named[s.name]]);
  }
  const loaded: string[] = [];
  try {
    const layers = built.model.layers.filter((l) => l.getWeights().length > 0);
    const missing = (only ?? []).filter((n) => !layers.some((l) => l.name === n));
    if (missing.length > 0) throw new RunWeightsError(`the model has no layer with weights named ${missing.join(', ')}`);
    for (const layer of layers) {
      if (only && !only.includes(layer.name)) continue;
      const own = layer.getWeights();
      const gate = byLayer.get(`${layer.name}${GATE_SUFFIX}`) ?? [];
      const saved = byLayer.has(layer.name) ? [...(byLayer.get(layer.name) ?? []), ...gate] : undefined;
      if (!saved) throw new RunWeightsError(`${runDir}: the saved model has no weights for layer ${layer.name}`);
      // Same values, maybe another shape: an exported normalization's gamma is a 1×1 depthwise kernel [1, 1, C, 1].
      if (saved.length !== own.length || saved.some((w, i) => withoutOnes(w.shape) !== withoutOnes(own[i].shape))) {
        throw new RunWeightsError(
          `${runDir}: layer ${layer.name}'s saved weights [${saved.map((w) => `[${w.shape.join(', ')}]`).join(', ')}] do not fit the spec's model`,
        );
      }
      const reshaped = saved.map((w, i) => tf.reshape(w, own[i].shape));
      layer.setWeights(reshaped);
      tf.dispose(reshaped);
      loaded.push(layer.name);
    }
  } finally {
    tf.dispose(Object.values(named));
  }
  return loaded;
}
