// Entry of the engine child process: waits for a `start` message, trains, streams every event to the parent
// and to the run's events.jsonl, and honours `stop`. Nothing here is shared with the caller's thread.
import * as path from 'path';
import type { EngineMessage, HostMessage, RunEndEvent, StartOptions, TrainingEvent } from '../../shared/engineProtocol';
import { initBackend } from './backend';
import { saveLayersModel } from './model/saveWeights';
import { defaultRunsDir, newRunId, RunWriter, WEIGHTS_DIR } from '../run/runStore';
import { parseSpecFile } from '../spec/parse';
import { train } from './trainer';

let stopRequested = false;
let started = false;
/** Last step emitted, and the step at which a stop request arrived (reported in run-end). */
let lastStep = -1;
let stopRequestedAtStep: number | undefined;

function send(message: EngineMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function run(options: StartOptions): Promise<number> {
  const specFile = path.resolve(options.specFile);
  const parsed = parseSpecFile(specFile);
  if (!parsed.spec || parsed.problems.some((p) => p.severity === 'error')) {
    await send({ type: 'spec-problems', file: specFile, problems: parsed.problems });
    return 1;
  }
  const spec = parsed.spec;
  if (options.epochs !== undefined) spec.training.epochs = options.epochs;
  if (options.seed !== undefined) spec.seed = options.seed;
  if (options.measureEvery !== undefined) spec.training.measureEvery = options.measureEvery;

  const backend = await initBackend(options.backend);
  await send({ type: 'log', level: 'info', message: `backend: ${backend}` });
  const runId = newRunId(spec.name);
  const writer = RunWriter.create(options.outDir ? path.resolve(options.outDir) : defaultRunsDir(specFile), runId, specFile);
  const emit = (event: TrainingEvent): void => {
    if (event.type === 'step') lastStep = event.step;
    if (event.type === 'run-end' && stopRequestedAtStep !== undefined) event.stopRequestedAtStep = stopRequestedAtStep;
    writer.append(event);
    void send(event);
  };
  let end: RunEndEvent | undefined;
  try {
    end = await train({
      spec, specFile, runId, runDir: writer.dir, backend, emit, thresholds: options.thresholds, specText: parsed.text,
      shouldStop: () => stopRequested,
      onFinished: async (model) => {
        const dir = path.join(writer.dir, WEIGHTS_DIR);
        await saveLayersModel(model, dir);
        return dir;
      },
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    end = { type: 'run-end', status: 'failed', epochsCompleted: 0, steps: 0, durationMs: 0, error: message };
    emit(end);
  } finally {
    writer.close();
  }
  await send({ type: 'log', level: 'info', message: `run ${runId}: ${end.status}` });
  return end.status === 'completed' || end.status === 'early-stopped' || end.status === 'stopped' ? 0 : 3;
}

process.on('message', (message: HostMessage) => {
  if (message.type === 'stop') {
    if (!stopRequested) stopRequestedAtStep = lastStep;
    stopRequested = true;
    return;
  }
  if (started) return;
  started = true;
  run(message.options).then(
    (code) => exit(code),
    async (err: unknown) => {
      await send({ type: 'log', level: 'error', message: err instanceof Error ? err.message : String(err) });
      exit(3);
    },
  );
});

// An orphaned engine (its parent died) stops at the next step instead of training on for nobody.
process.on('disconnect', () => { stopRequested = true; });

function exit(code: number): void {
  if (process.connected) process.disconnect();
  process.exitCode = code;
  setTimeout(() => process.exit(code), 100).unref();
}
