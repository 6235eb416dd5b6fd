// A spec trained in-process into a run directory the way the engine process writes one: events.jsonl, model/ and
// preprocessing.json; with the trained model's own outputs on the validation split to compare saved models with.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { TrainingEvent } from '../../../src/shared/engineProtocol';
import { applyModel } from '../../../src/training/engine/model/buildModel';
import { saveInferenceModel } from '../../../src/training/engine/model/saveWeights';
import { train } from '../../../src/training/engine/trainer';
import { preprocessingOf, writePreprocessing } from '../../../src/training/run/preprocessing';
import { RunWriter, WEIGHTS_DIR } from '../../../src/training/run/runStore';
import { parseSpecFile } from '../../../src/training/spec/parse';
import { assertNoEngineErrors, engineLog } from './engineLog';

export interface SavedRun {
  runDir: string;
  specFile: string;
  events: TrainingEvent[];
  /** The trained model's outputs on the (standardised) validation split, final activation applied, row-major. */
  engine: Float32Array;
  units: number;
}

/**
 * Writes `spec` to `root/<file>` and trains it into `runsDir/<runId>` (default root/runs/run1) the way the engine
 * process does (model/ and preprocessing.json included).
 */
export async function savedRun(
  root: string,
  spec: object,
  { file = 'spec.gradscope.json', runsDir = path.join(root, 'runs'), runId = 'run1' } = {},
): Promise<SavedRun> {
  fs.mkdirSync(root, { recursive: true });
  const specFile = path.join(root, file);
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const parsed = parseSpecFile(specFile);
  assert.ok(parsed.spec, JSON.stringify(parsed.problems));
  const writer = RunWriter.create(runsDir, runId, specFile);
  const logs = engineLog();
  const events: TrainingEvent[] = [];
  let engine = new Float32Array(0);
  let units = 0;
  try {
    await train({
      spec: parsed.spec,
      specFile,
      runId,
      runDir: writer.dir,
      backend: 'wasm',
      emit: (e) => {
        events.push(e);
        writer.append(e);
      },
      shouldStop: () => false,
      log: logs.log,
      onFinished: async (built, _status, dataset) => {
        writePreprocessing(writer.dir, preprocessingOf(dataset, parsed.spec!.model.inputShape));
        const v = dataset.validation;
        const out = tf.tidy(() => {
          const y = applyModel(built, tf.tensor(v.x, [v.count, ...parsed.spec!.model.inputShape]), false)[0];
          const a = built.outputActivation;
          return a === 'softmax' ? tf.softmax(y) : a === 'sigmoid' ? tf.sigmoid(y) : y;
        });
        engine = (await out.data()) as Float32Array;
        units = out.shape[1] ?? 1;
        out.dispose();
        return saveInferenceModel(built, path.join(writer.dir, WEIGHTS_DIR));
      },
    });
  } finally {
    writer.close();
  }
  assertNoEngineErrors(logs.events);
  return { runDir: writer.dir, specFile, events, engine, units };
}
