// Front-end side of the engine: forks the engine process, relays its messages, asks it to stop, and turns an
// engine that died mid-run into a proper `run-end` (also appended to the run's events.jsonl).
import { fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { EngineMessage, HostMessage, RunEndEvent, StartOptions } from '../../shared/engineProtocol';
import { appendEvents } from './runStore';

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
  /** Ends the engine process at once. */
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
  const child = fork(enginePath(), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
  let runDir: string | undefined;
  let end: RunEndEvent | undefined;
  const relayOutput = (level: 'info' | 'error') => (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim()) onMessage({ type: 'log', level, message: line });
    }
  };
  child.stdout?.on('data', relayOutput('info'));
  child.stderr?.on('data', relayOutput('error'));
  child.on('message', (message: EngineMessage) => {
    if (message.type === 'run-start') runDir = message.runDir;
    if (message.type === 'run-end') end = message;
    onMessage(message);
  });

  const done = new Promise<RunOutcome>((resolve) => {
    child.on('exit', (exitCode, signal) => {
      if (runDir && !end) {
        const how = signal ? `signal ${signal}` : `exit code ${exitCode}`;
        end = {
          type: 'run-end', status: 'failed', epochsCompleted: 0, steps: 0, durationMs: 0,
          error: `the engine process ended unexpectedly (${how}), e.g. out of memory or a native crash; events up to then are kept`,
        };
        appendEvents(runDir, [end]);
        onMessage(end);
      }
      resolve({ end, runDir, exitCode, signal });
    });
  });

  const post = (message: HostMessage): void => {
    if (child.connected) child.send(message);
  };
  post({ type: 'start', options });
  return {
    pid: child.pid,
    done,
    stop(graceMs = 10_000): void {
      post({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      void done.then(() => clearTimeout(timer));
    },
    kill(): void {
      child.kill('SIGKILL');
    },
  };
}
