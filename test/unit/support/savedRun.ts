// Test helper: trains a spec into a run directory the way the engine process does (events.jsonl, spec copy, model/).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { TrainingEvent } from '../../../src/shared/engineProtocol';
import { saveInferenceModel } from '../../../src/training/engine/model/saveWeights';
import { train } from '../../../src/training/engine/trainer';
import { RunWriter, WEIGHTS_DIR } from '../../../src/training/run/runStore';
import { parseSpecFile } from '../../../src/training/spec/parse';
import { assertNoEngineErrors, engineLog } from './engineLog';

/**
 * Writes `spec` to `root/<file>` and trains it into `runsDir/<runId>` (default root/runs/run1); returns the run
 * directory and its events.
 */
export async function savedRun(
  root: string,
  spec: object,
  { file = 'spec.gradscope.json', runsDir = path.join(root, 'runs'), runId = 'run1' } = {},
): Promise<{ runDir: string; events: TrainingEvent[] }> {
  fs.mkdirSync(root, { recursive: true });
  const specFile = path.join(root, file);
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const parsed = parseSpecFile(specFile);
  assert.ok(parsed.spec, JSON.stringify(parsed.problems));
  const writer = RunWriter.create(runsDir, runId, specFile);
  const events: TrainingEvent[] = [];
  const logs = engineLog();
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
      onFinished: (built) => saveInferenceModel(built, path.join(writer.dir, WEIGHTS_DIR)),
    });
  } finally {
    writer.close();
  }
  assertNoEngineErrors(logs.events);
  return { runDir: writer.dir, events };
}
