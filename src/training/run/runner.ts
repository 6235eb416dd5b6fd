// Front-end side of the engine: forks the engine process, relays its messages, asks it to stop, and turns an
// engine that ended without a `run-end` into a proper one (also appended to the run's events.jsonl): `stopped`
// when the front-end ended it on request, `failed` when it died on its own; counts from the events on disk.
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { EngineMessage, HostMessage, RunEndEvent, StartOptions } from '../../shared/engineProtocol';
import { appendEvents, readEvents, runEndFromEvents } from './runStore';

export interface RunOutcome {
  /** The last event of the run; absent when no run started (invalid spec, engine failed before starting). */
  end?: RunEndEvent;
  /** Directory of the persisted run, once `run-start` was seen. */
  runDir?: string;
  /** Exit code of the engine process (null when killed by a signal). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunHandle {
  /** Asks the engine to stop after the current step; it is killed if it has not exited after `graceMs`. */
  stop(graceMs?: number): void;
  /** Ends the engine process at once; the run is recorded as `stopped` with everything measured so far. */
  kill(): void;
  readonly pid: number | undefined;
  readonly done: Promise<RunOutcome>;
}

/** The engine entry: beside this file in a bundle (dist/), in the engine folder when run from tsc's output. */
export function enginePath(): string {
  if (process.env.GRADSCOPE_ENGINE) return process.env.GRADSCOPE_ENGINE;
  const bundled = path.join(__dirname, 'engineMain.js');
  return fs.existsSync(bundled) ? bundled : path.join(__dirname, '..', 'engine', 'engineMain.js');
}

export function startRun(options: StartOptions, onMessage: (message: EngineMessage) => void): RunHandle {
  // Its own process group (POSIX): a Ctrl-C in a terminal signals the terminal's foreground group, which then holds
  // only the front-end, and the front-end decides (stop after this step, or kill on a second Ctrl-C). The engine
  // also treats SIGINT/SIGTERM sent to it directly as a stop request (as on Windows, where `detached` would open a
  // console window instead), and stops by itself when its parent goes away.
  const detached = process.platform !== 'win32';
  const child = fork(enginePath(), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json', detached });
  let runDir: string | undefined;
  let end: RunEndEvent | undefined;
  /** True once the front-end ended the engine by force (kill, or a stop that outlived its grace period). */
  let forced = false;
  const relayOutput =
    (level: 'info' | 'error') =>
    (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim()) onMessage({ type: 'log', level, message: line });
      }
    };
  child.stdout?.on('data', relayOutput('info'));
  child.stderr?.on('data', relayOutput('error'));
  child.on('message', (message: EngineMessage) => {
    switch (message.type) {
      case 'run-start':
        runDir = message.runDir;
        break;
      case 'run-end':
        end = message;
        break;
      case 'step':
      case 'epoch':
      case 'schedule':
      case 'diagnostic':
      case 'log':
      case 'spec-problems':
        break;
      default: {
        const unknown: never = message;
        onMessage({
          type: 'log',
          level: 'error',
          message: `engine sent an unknown message: ${JSON.stringify(unknown).slice(0, 200)}`,
        });
        return;
      }
    }
    onMessage(message);
  });

  const done = new Promise<RunOutcome>((resolve) => {
    child.on('exit', (exitCode, signal) => {
      if (runDir && !end) {
        const how = signal ? `signal ${signal}` : `exit code ${exitCode}`;
        end = runEndFromEvents(readEvents(runDir), forced ? 'stopped' : 'failed');
        if (!forced)
          end.error = `the engine process ended unexpectedly (${how}), e.g. out of memory or a native crash; events up to then are kept`;
        appendEvents(runDir, [end]);
        onMessage(end);
      }
      resolve({ end, runDir, exitCode, signal });
    });
  });

  const post = (message: HostMessage): void => {
    if (child.connected) child.send(message);
  };
  const kill = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    forced = true;
    child.kill('SIGKILL');
  };
  post({ type: 'start', options });
  return {
    pid: child.pid,
    done,
    stop(graceMs = 10_000): void {
      post({ type: 'stop' });
      const timer = setTimeout(kill, graceMs);
      void done.then(() => clearTimeout(timer));
    },
    kill,
  };
}
