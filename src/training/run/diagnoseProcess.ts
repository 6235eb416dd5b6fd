// Diagnoses a recorded run in a child process: `gradscope diagnose <runDir> --json [--follow] [--thresholds <json>]`
// (the CLI), whose stdout is one DiagnosticEvent per line. The extension host uses it for runs it did not start (a
// PyTorch script's), so that the detectors and the reading of a long events file run outside the host, with the
// thresholds of its setting. With `follow` the process tails the growing file and exits at the run's run-end; stop()
// ends it earlier (SIGTERM, then SIGKILL after a grace time).
import { fork } from 'child_process';
import * as readline from 'readline';
import type { DiagnosticEvent } from '../../shared/engineProtocol';
import type { Thresholds } from '../diagnosis/types';

export interface DiagnoseOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Diagnostics printed, in order. */
  diagnostics: number;
}

export interface DiagnoseHandle {
  readonly pid: number | undefined;
  /** Ends the process (SIGTERM; SIGKILL if it is still there after `graceMs`). */
  stop(graceMs?: number): void;
  /** Resolves when the process has exited and its output has been read. */
  readonly done: Promise<DiagnoseOutcome>;
}

export interface DiagnoseCallbacks {
  onDiagnostic(d: DiagnosticEvent): void;
  /** Lines the process wrote on stderr (notes, errors) and stdout lines that are not diagnostics. */
  onLog?(line: string): void;
}

/** The stdout line as a diagnostic event, or undefined for anything else. */
export function diagnosticOfLine(line: string): DiagnosticEvent | undefined {
  if (!line.trim()) return undefined;
  try {
    const e = JSON.parse(line) as { type?: unknown; code?: unknown };
    return e && e.type === 'diagnostic' && typeof e.code === 'string' ? (e as DiagnosticEvent) : undefined;
  } catch {
    return undefined;
  }
}

export interface DiagnoseRequest {
  /** Follow the growing file until its run-end (a live run). */
  follow: boolean;
  /** Threshold overrides (the `gradscope.diagnosis.thresholds` setting), passed as `--thresholds <json>` when any. */
  thresholds?: Thresholds;
}

/** The command line after the script: `diagnose <runDir> --json [--follow] [--thresholds <json>]`. */
export function diagnoseArgs(runDir: string, { follow, thresholds }: DiagnoseRequest): string[] {
  const given = thresholds && Object.keys(thresholds).length ? ['--thresholds', JSON.stringify(thresholds)] : [];
  return ['diagnose', runDir, '--json', ...(follow ? ['--follow'] : []), ...given];
}

/**
 * Starts `<cli> diagnose <runDir> --json [--follow] [--thresholds <json>]`. `cli` is the gradscope command's script
 * (bin/gradscope.js), run with this process's Node.
 */
export function startDiagnose(
  cli: string,
  runDir: string,
  request: DiagnoseRequest,
  callbacks: DiagnoseCallbacks,
): DiagnoseHandle {
  const args = diagnoseArgs(runDir, request);
  const child = fork(cli, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' });
  let count = 0;
  const stdout = readline.createInterface({ input: child.stdout!, crlfDelay: Infinity });
  const stderr = readline.createInterface({ input: child.stderr!, crlfDelay: Infinity });
  stdout.on('line', (line) => {
    const d = diagnosticOfLine(line);
    if (d) {
      count++;
      callbacks.onDiagnostic(d);
    } else if (line.trim()) callbacks.onLog?.(line);
  });
  stderr.on('line', (line) => {
    if (line.trim()) callbacks.onLog?.(line);
  });
  const closed = (rl: readline.Interface): Promise<void> => new Promise((resolve) => rl.once('close', resolve));
  const exited = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
    child.once('error', (err) => {
      callbacks.onLog?.(`could not start ${cli}: ${err.message}`);
      resolve({ exitCode: null, signal: null });
    });
  });
  const done = Promise.all([exited, closed(stdout), closed(stderr)]).then(([exit]) => ({ ...exit, diagnostics: count }));
  return {
    pid: child.pid,
    stop(graceMs = 2000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, graceMs);
      void done.then(() => clearTimeout(timer));
    },
    done,
  };
}
