// Front-end side of the engine: forks the engine process, relays its messages, asks it to stop, and turns an
// engine that ended without a `run-end` into a proper one (also appended to the run's events.jsonl): `stopped`
// when the front-end ended it on request, `failed` when it died on its own; counts from the events on disk.
// startLrFind does the same for the learning-rate range test, which records no run.
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type {
  EngineMessage,
  EnginePriority,
  EvaluateMessage,
  EvaluationResult,
  ExplainMessage,
  ExplanationEvent,
  HostMessage,
  LogEvent,
  LrFindEvent,
  LrFindMessage,
  PredictionResult,
  PredictMessage,
  RunEndEvent,
  StartOptions,
} from '../../shared/engineProtocol';
import { LOW_PRIORITY_NICE, lowerPriority, PRIORITY_ENV } from './processPriority';
import { appendEvents, readEvents, runEndFromEvents } from './runStore';

/** How the engine process ended. */
interface EngineExit {
  /** Exit code of the engine process (null when killed by a signal). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunOutcome extends EngineExit {
  /** The last event of the run; absent when no run started (invalid spec, engine failed before starting). */
  end?: RunEndEvent;
  /** Directory of the persisted run, once `run-start` was seen. */
  runDir?: string;
}

export interface LrFindOutcome extends EngineExit {
  /** The range test's result; absent when there is none (invalid spec, stopped, the loss was never finite, a crash). */
  result?: LrFindEvent;
}

/** A job in an engine process (a run, a range test). */
interface EngineHandle<Outcome> {
  /** Asks the engine to stop after the current step; it is killed if it has not exited after `graceMs`. */
  stop(graceMs?: number): void;
  /** Ends the engine process at once: a run is recorded as `stopped` with everything measured so far, a range test has no result. */
  kill(): void;
  readonly pid: number | undefined;
  readonly done: Promise<Outcome>;
}

export interface EvaluateOutcome extends EngineExit {
  /** The scores; absent when the run could not be evaluated (the engine logged why). */
  result?: EvaluationResult;
}

export interface PredictOutcome extends EngineExit {
  /** The predictions; absent when there are none (the engine logged why). */
  result?: PredictionResult;
}

export interface ExplainOutcome extends EngineExit {
  /** The explanation; absent when the run could not be explained (the engine logged why). */
  result?: ExplanationEvent;
}

export type RunHandle = EngineHandle<RunOutcome>;
export type LrFindHandle = EngineHandle<LrFindOutcome>;

/** The engine entry: beside this file in a bundle (dist/), in the engine folder when run from tsc's output. */
export function enginePath(): string {
  if (process.env.GRADSCOPE_ENGINE) return process.env.GRADSCOPE_ENGINE;
  const bundled = path.join(__dirname, 'engineMain.js');
  return fs.existsSync(bundled) ? bundled : path.join(__dirname, '..', 'engine', 'engineMain.js');
}

/** A forked engine process: its messages go to `onMessage`, its stdout/stderr lines become log messages. */
interface EngineProcess {
  post(message: HostMessage): void;
  /** Ends the process at once (SIGKILL); `forced` is then true. */
  kill(): void;
  readonly forced: boolean;
  readonly pid: number | undefined;
  readonly exited: Promise<EngineExit>;
}

function forkEngine(
  priority: EnginePriority | undefined,
  onMessage: (message: { type: string }) => void,
  onLog: (message: LogEvent) => void,
): EngineProcess {
  // Its own process group (POSIX): a Ctrl-C in a terminal signals the terminal's foreground group, which then holds
  // only the front-end, and the front-end decides (stop after this step, or kill on a second Ctrl-C). The engine
  // also treats SIGINT/SIGTERM sent to it directly as a stop request (as on Windows, where `detached` would open a
  // console window instead), and stops by itself when its parent goes away.
  const detached = process.platform !== 'win32';
  // At `low` the engine lowers itself as its first act (engineBoot.ts), and its autogroup and first threads are
  // lowered from here at once, so that Node's own start-up already yields to the editor.
  const env = priority === 'low' ? { ...process.env, [PRIORITY_ENV]: 'low' } : process.env;
  const child = fork(enginePath(), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json', detached, env });
  if (priority === 'low' && child.pid !== undefined) lowerPriority(LOW_PRIORITY_NICE, child.pid);
  let forced = false;
  const relayOutput =
    (level: 'info' | 'error') =>
    (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim()) onLog({ type: 'log', level, message: line });
      }
    };
  child.stdout?.on('data', relayOutput('info'));
  child.stderr?.on('data', relayOutput('error'));
  child.on('message', onMessage);
  const exited = new Promise<EngineExit>((resolve) => {
    child.on('exit', (exitCode, signal) => resolve({ exitCode, signal }));
  });
  return {
    post(message) {
      if (child.connected) child.send(message);
    },
    kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      forced = true;
      child.kill('SIGKILL');
    },
    get forced() {
      return forced;
    },
    pid: child.pid,
    exited,
  };
}

/** stop(): a `stop` message now, the process killed if it has not exited after `graceMs`. */
function stopper(engine: EngineProcess, done: Promise<unknown>): (graceMs?: number) => void {
  return (graceMs = 10_000) => {
    engine.post({ type: 'stop' });
    const timer = setTimeout(() => engine.kill(), graceMs);
    void done.then(() => clearTimeout(timer));
  };
}

function unknownMessage(message: unknown): LogEvent {
  return { type: 'log', level: 'error', message: `engine sent an unknown message: ${JSON.stringify(message).slice(0, 200)}` };
}

export function startRun(options: StartOptions, onMessage: (message: EngineMessage) => void): RunHandle {
  let runDir: string | undefined;
  let end: RunEndEvent | undefined;
  const engine = forkEngine(
    options.priority,
    (raw) => {
      const message = raw as EngineMessage;
      switch (message.type) {
        case 'run-start':
          runDir = message.runDir;
          break;
        case 'run-end':
          end = message;
          break;
        case 'step':
        case 'augmentation-samples':
        case 'explanation':
        case 'epoch':
        case 'schedule':
        case 'diagnostic':
        case 'log':
        case 'spec-problems':
          break;
        default: {
          const unknown: never = message;
          onMessage(unknownMessage(unknown));
          return;
        }
      }
      onMessage(message);
    },
    onMessage,
  );

  const done = engine.exited.then(({ exitCode, signal }): RunOutcome => {
    if (runDir && !end) {
      const how = signal ? `signal ${signal}` : `exit code ${exitCode}`;
      end = runEndFromEvents(readEvents(runDir), engine.forced ? 'stopped' : 'failed');
      if (!engine.forced)
        end.error = `the engine process ended unexpectedly (${how}), e.g. out of memory or a native crash; events up to then are kept`;
      appendEvents(runDir, [end]);
      onMessage(end);
    }
    return { end, runDir, exitCode, signal };
  });
  engine.post({ type: 'start', options: { ...options, job: 'train' } });
  return { pid: engine.pid, done, stop: stopper(engine, done), kill: () => engine.kill() };
}

/**
 * Runs the learning-rate range test (job `lr-find`) in an engine process: `lr-find-progress` per step, then the
 * `lr-find` result (also saved to `.gradscope/lr-find/<runId>.json`). No run is recorded.
 */
export function startLrFind(options: StartOptions, onMessage: (message: LrFindMessage) => void): LrFindHandle {
  return startResultJob<LrFindEvent, LrFindMessage>(options, 'lr-find', ['lr-find-progress', 'log', 'spec-problems'], onMessage);
}

/** Scores a saved run's model on one split (job `evaluate`) in an engine process: log lines, then the result. */
export function startEvaluate(
  options: StartOptions,
  onMessage: (message: EvaluateMessage) => void,
): EngineHandle<EvaluateOutcome> {
  return startResultJob<EvaluationResult, EvaluateMessage>(options, 'evaluate', ['log'], onMessage);
}

/** Applies a saved run's model to new rows (job `predict`) in an engine process: log lines, then the result. */
export function startPredict(options: StartOptions, onMessage: (message: PredictMessage) => void): EngineHandle<PredictOutcome> {
  return startResultJob<PredictionResult, PredictMessage>(options, 'predict', ['log'], onMessage);
}

/**
 * Explains a saved run's model (job `explain`: Grad-CAM on validation samples, `options.explain` says which and how)
 * in an engine process: log lines, then the `explanation` result. Nothing is written to the run.
 */
export function startExplain(options: StartOptions, onMessage: (message: ExplainMessage) => void): EngineHandle<ExplainOutcome> {
  return startResultJob<ExplanationEvent, ExplainMessage>(options, 'explain', ['log'], onMessage);
}

/** The `type` of each result job's last message. */
const RESULT_TYPES = { 'lr-find': 'lr-find', evaluate: 'evaluation', predict: 'prediction', explain: 'explanation' } as const;

/**
 * An engine job that ends with one result message (RESULT_TYPES): every known message goes to `onMessage`, the
 * result is also kept for the outcome.
 */
function startResultJob<Result extends { type: string }, Message extends { type: string }>(
  options: StartOptions,
  job: keyof typeof RESULT_TYPES,
  others: readonly string[],
  onMessage: (message: Message | LogEvent) => void,
): EngineHandle<EngineExit & { result?: Result }> {
  const resultType = RESULT_TYPES[job];
  let result: Result | undefined;
  const engine = forkEngine(
    options.priority,
    (message) => {
      if (message.type === resultType) result = message as Result;
      else if (!others.includes(message.type)) {
        onMessage(unknownMessage(message));
        return;
      }
      onMessage(message as Message);
    },
    onMessage,
  );
  const done = engine.exited.then(({ exitCode, signal }) => ({ result, exitCode, signal }));
  engine.post({ type: 'start', options: { ...options, job } });
  return { pid: engine.pid, done, stop: stopper(engine, done), kill: () => engine.kill() };
}
