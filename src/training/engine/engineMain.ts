// Entry of the engine child process: waits for a `start` message, trains, streams every event to the parent
// and to the run's events.jsonl, and honours `stop` (also SIGINT/SIGTERM, and the parent going away). A start with
// job `lr-find` runs the learning-rate range test instead (no run; its result saved under .gradscope/lr-find).
// Nothing here is shared with the caller's thread.
import './engineBoot'; // first: the priority, before TensorFlow.js loads
import * as path from 'path';
import type {
  EngineMessage,
  HostMessage,
  LogEvent,
  LrFindEvent,
  EvaluateMessage,
  ExplainMessage,
  LrFindMessage,
  PredictMessage,
  RunEndEvent,
  StartOptions,
  TrainingEvent,
} from '../../shared/engineProtocol';
import { LR_FIND_DEFAULTS, parseHostMessage } from '../../shared/engineProtocol';
import { EXIT, exitCodeForRun, type ExitCode } from '../../shared/exitCodes';
import { initBackend, type Backend } from './backend';
import { saveInferenceModel } from './model/saveWeights';
import { preprocessingOf, writePreprocessing } from '../run/preprocessing';
import { defaultRunsDir, newRunId, RunWriter, WEIGHTS_DIR } from '../run/runStore';
import { lrFindDir, saveLrFind } from '../run/lrFindStore';
import { parseSpecFile } from '../spec/parse';
import type { ParsedSpec } from '../spec/types';
import { EvaluationError, evaluateRun } from './evaluateRun';
import { ExplainError, explainRun } from './explainRun';
import { PredictionError, predictRun } from './predictRun';
import { PredictInputError } from '../run/predictInput';
import { findLearningRate } from './lrFind';
import { findResumePoint } from '../run/checkpointStore';
import { withStartOptions } from '../run/startOptions';
import { lowerEngine } from '../run/processPriority';
import { train, type TrainOptions } from './trainer';

let stopRequested = false;
let started = false;
/** Last step emitted, and the step at which a stop request arrived (reported in run-end). */
let lastStep = -1;
let epochsCompleted = 0;
let stopRequestedAtStep: number | undefined;

function send(message: EngineMessage | LrFindMessage | EvaluateMessage | PredictMessage | ExplainMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function log(level: LogEvent['level'], message: string): Promise<void> {
  return send({ type: 'log', level, message });
}

function requestStop(): void {
  if (!stopRequested) stopRequestedAtStep = lastStep;
  stopRequested = true;
}

/** The backend the options ask for, or the reason it cannot be had (then no run is started). */
async function backendFor(options: StartOptions): Promise<Backend | { error: string }> {
  try {
    return await initBackend(options.backend);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

async function run(options: StartOptions): Promise<ExitCode> {
  if (options.job === 'evaluate' || options.job === 'predict' || options.job === 'explain') return resultJob(options);
  const specFile = path.resolve(options.specFile);
  const parsed = parseSpecFile(specFile);
  if (!parsed.spec || parsed.problems.some((p) => p.severity === 'error')) {
    await send({ type: 'spec-problems', file: specFile, problems: parsed.problems });
    return EXIT.invalidSpec;
  }
  const spec = withStartOptions(parsed.spec, options);
  let resume: TrainOptions['resume'];
  if (options.resume !== undefined && options.job !== 'lr-find') {
    const point = findResumePoint(options.resume, spec);
    if ('error' in point) {
      await log('error', `cannot resume: ${point.error}`);
      return EXIT.usage;
    }
    resume = { runDir: options.resume, ...point };
  }

  const backend = await backendFor(options);
  if (typeof backend !== 'string') {
    await log('error', backend.error);
    // A backend that was asked for by name and is not there is the caller's choice to change (usage); failing
    // to load any backend at all is a broken installation.
    return options.backend !== undefined ? EXIT.usage : EXIT.divergedOrFailed;
  }
  await log('info', `backend: ${backend}`);
  if (options.job === 'lr-find') return rangeTest(options, { spec, specFile, specText: parsed.text }, backend);
  const runId = newRunId(spec.name);
  const startedAt = Date.now();
  const writer = RunWriter.create(options.outDir ? path.resolve(options.outDir) : defaultRunsDir(specFile), runId, specFile);
  const emit = (event: TrainingEvent): void => {
    if (event.type === 'step') lastStep = event.step;
    if (event.type === 'epoch') epochsCompleted = event.epoch + 1;
    if (event.type === 'run-end' && stopRequestedAtStep !== undefined) event.stopRequestedAtStep = stopRequestedAtStep;
    writer.append(event);
    void send(event);
  };
  let end: RunEndEvent | undefined;
  try {
    end = await train({
      spec,
      specFile,
      runId,
      runDir: writer.dir,
      backend,
      emit,
      thresholds: options.thresholds,
      specText: parsed.text,
      log: (e) => void send(e),
      shouldStop: () => stopRequested,
      resume,
      onFinished: async (built, _status, dataset) => {
        writePreprocessing(writer.dir, preprocessingOf(dataset, spec.model.inputShape));
        const saved = await saveInferenceModel(built, path.join(writer.dir, WEIGHTS_DIR));
        if ('modelNotSaved' in saved) await log('warn', saved.modelNotSaved);
        return saved;
      },
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // What was emitted before the error stays true: report how far the run got.
    end = {
      type: 'run-end',
      status: 'failed',
      epochsCompleted,
      steps: lastStep + 1,
      durationMs: Date.now() - startedAt,
      error: message,
    };
    emit(end);
  } finally {
    writer.close();
  }
  await log('info', `run ${runId}: ${end.status}`);
  return exitCodeForRun(end.status);
}

/** Job `lr-find`: the range test; its result is saved beside the runs directory and sent as the last message. */
async function rangeTest(
  options: StartOptions,
  { spec, specFile, specText }: { spec: ParsedSpec; specFile: string; specText: string },
  backend: Backend,
): Promise<ExitCode> {
  const settings = options.lrFind ?? LR_FIND_DEFAULTS;
  let result: LrFindEvent | undefined;
  try {
    result = await findLearningRate({
      spec,
      specFile,
      specText,
      runId: newRunId(spec.name),
      backend,
      settings,
      onProgress: (event) => void send(event),
      shouldStop: () => stopRequested,
    });
  } catch (err) {
    await log('error', `lr-find: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.divergedOrFailed;
  }
  if (!result) {
    await log('info', 'lr-find: stopped before the end; no suggestion');
    return EXIT.ok;
  }
  const dir = lrFindDir(specFile, options.outDir ? path.resolve(options.outDir) : undefined);
  saveLrFind(dir, result);
  await send(result);
  return EXIT.ok;
}

/**
 * Jobs `evaluate` (a saved run's model scored on one split), `predict` (the model applied to new rows) and `explain`
 * (Grad-CAM of the model on validation samples): the result is the last message. Nothing is written.
 */
async function resultJob(options: StartOptions): Promise<ExitCode> {
  const backend = await backendFor(options);
  if (typeof backend !== 'string') {
    await log('error', backend.error);
    return options.backend !== undefined ? EXIT.usage : EXIT.divergedOrFailed;
  }
  const runDir = path.resolve(options.runDir ?? '');
  try {
    if (options.job === 'predict') {
      const request =
        options.input !== undefined ? { input: path.resolve(options.input) } : { datasetSample: options.datasetSample ?? 0 };
      await send(await predictRun(runDir, request));
    } else if (options.job === 'explain') {
      await send(explainRun(runDir, options.explain));
    } else {
      await send(await evaluateRun(runDir, options.split ?? 'val'));
    }
    return EXIT.ok;
  } catch (err) {
    await log('error', err instanceof Error ? err.message : String(err));
    // A run directory or input that cannot be used (missing, no test split, no saved model, a bad csv cell, no conv
    // layer, a class out of range) is the caller's to change.
    const usage =
      err instanceof EvaluationError ||
      err instanceof PredictionError ||
      err instanceof PredictInputError ||
      err instanceof ExplainError;
    return usage ? EXIT.usage : EXIT.divergedOrFailed;
  }
}

function onStart(options: StartOptions): void {
  if (started) {
    void log('error', 'engine: a second start message was ignored (one run per engine process)');
    return;
  }
  started = true;
  if (options.priority === 'low') {
    const { nice, autogroupNice, idle } = lowerEngine();
    const group = autogroupNice === undefined ? '' : `, its autogroup ${autogroupNice}`;
    const policy = idle === undefined ? '' : idle ? ', SCHED_IDLE' : ', not SCHED_IDLE (chrt failed)';
    void log('info', `priority: low (nice ${nice}${group}${policy})`);
  }
  run(options).then(
    (code) => exit(code),
    async (err: unknown) => {
      await log('error', err instanceof Error ? err.message : String(err));
      exit(EXIT.divergedOrFailed);
    },
  );
}

/** The one handler of the host → engine channel. */
function onMessage(message: HostMessage): void {
  switch (message.type) {
    case 'start':
      onStart(message.options);
      return;
    case 'stop':
      requestStop();
      return;
    default: {
      const unknown: never = message;
      void log('error', `engine: unhandled message ${JSON.stringify(unknown)}`);
    }
  }
}

process.on('message', (raw: unknown) => {
  const message = parseHostMessage(raw);
  if ('error' in message) {
    void log('error', `engine: ${message.error}; ignored`);
    return;
  }
  onMessage(message);
});

// A signal sent to the engine itself (e.g. Ctrl-C where the engine shares the terminal's process group) is a stop
// request, like the host's `stop`: the run ends `stopped` with everything measured kept. Forcing an end is the
// host's business (it kills the process and records the run-end).
process.on('SIGINT', requestStop);
process.on('SIGTERM', requestStop);

// An orphaned engine (its parent died) stops at the next step instead of training on for nobody.
process.on('disconnect', requestStop);

function exit(code: ExitCode): void {
  if (process.connected) process.disconnect();
  process.exitCode = code;
  setTimeout(() => process.exit(code), 100).unref();
}
