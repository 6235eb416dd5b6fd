// Saves a model in the TensorFlow.js layers format (model.json + weights.bin) without tfjs-node's file:// handler,
// and reads one back (readSavedModel: the one reader of a saved model's files).
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { BuiltModel } from './buildModel';
import { inferenceModel, InferenceExportError } from './inferenceModel';

async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsFile = 'weights.bin';
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: 'gradscope',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
      };
      const data = artifacts.weightData;
      const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
      await fs.promises.writeFile(path.join(dir, weightsFile), Buffer.concat(buffers.map((b) => Buffer.from(b))));
      await fs.promises.writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** A saved model's files as tf.io.fromMemory takes them; throws (ENOENT) when `dir/model.json` is missing. */
export function readSavedModel(dir: string): tf.io.ModelArtifacts & { weightSpecs: tf.io.WeightsManifestEntry[] } {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const data = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
  };
}

/**
 * Saves the inference model of a trained model in `dir` (the run's `model/`), or says why there is none (a layer
 * with no standard equivalent yet: then nothing is written).
 */
export async function saveInferenceModel(
  built: BuiltModel,
  dir: string,
): Promise<{ weightsDir: string } | { modelNotSaved: string }> {
  let model: tf.LayersModel;
  try {
    model = inferenceModel(built);
  } catch (err) {
    if (err instanceof InferenceExportError) return { modelNotSaved: err.message };
    throw err;
  }
  try {
    await saveLayersModel(model, dir);
  } finally {
    model.dispose();
  }
  return { weightsDir: dir };
}
